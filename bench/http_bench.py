"""HTTP throughput of Panier beside its references, measured in one run.

Starts, on loopback only: `panier serve` (granian, 2 workers) on a
PostgreSQL database loaded with the demo data, Redis for the cache, and
nginx serving a copy of a catalog page as a static file and as a caching
reverse proxy (the configuration the README documents). Then runs wrk
(-t2 -c32 -d15s after a 3 s warm-up) against each target and prints a
table. Nothing here runs in the test suite.

    python bench/http_bench.py [--duration 15] [--skip-setup]
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/panier_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
APP_PORT, NGINX_PORT = 8901, 8902


def env() -> dict[str, str]:
    e = dict(os.environ)
    e.update(
        DATABASE_URL=DB_URL,
        REDIS_URL=REDIS_URL,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        PANIER_DATA_DIR=str(ROOT / "var" / "bench"),
        PANIER_RATE_LIMITS_ENABLED="0",
        PANIER_ADMISSION_ARRIVALS_PER_S="1000000",
        PYTHONPATH=str(ROOT / "src"),
    )
    return e


def panier(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([PY, "-m", "panier", *args], env=env(), check=check, capture_output=True, text=True)


def wait_http(url: str, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()  # noqa: S310 - loopback only
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer")


def wrk(
    url: str, duration: int, headers: tuple[str, ...] = (), *, connections: int = 32, script: str = ""
) -> tuple[float, str]:
    extra = [arg for header in headers for arg in ("-H", header)] + (["-s", script] if script else [])
    subprocess.run(["wrk", "-t2", f"-c{connections}", "-d3s", *extra, url], capture_output=True, check=True)
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", *extra, url],
        capture_output=True, text=True, check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+\w+)", out)
    # Answers other than 2xx/3xx (a refusal measures nothing): say so.
    refused = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return rps, (p99.group(1) if p99 else "?") + (f" ({refused.group(1)} non-2xx/3xx!)" if refused else "")


NGINX_CONF = """
{user}worker_processes 2; pid {tmp}/nginx.pid; error_log {tmp}/error.log warn; daemon off;
events {{ worker_connections 1024; }}
http {{
  access_log off; sendfile on; keepalive_requests 100000;
  proxy_cache_path {tmp}/cache levels=1:2 keys_zone=panier:10m max_size=100m inactive=10m;
  server {{
    listen 127.0.0.1:{port};
    location /static-copy/ {{ alias {tmp}/static/; default_type text/html; }}
    location / {{
      proxy_pass http://127.0.0.1:{app_port};
      proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header Host $host; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_cache panier; proxy_cache_revalidate on; proxy_cache_lock on;
      proxy_cache_use_stale updating error timeout http_503;
      proxy_cache_bypass $cookie_sessionid; proxy_no_cache $cookie_sessionid;
      add_header X-Proxy-Cache $upstream_cache_status;
    }}
  }}
}}
"""


def worker_rss_mb(server_pid: int) -> list[float]:
    """Resident memory of each process under the server (granian's workers)."""
    sizes = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            status = dict(
                line.split(":", 1) for line in (proc / "status").read_text().splitlines() if ":" in line
            )
        except OSError:
            continue
        if status.get("PPid", "").strip() == str(server_pid) and "VmRSS" in status:
            sizes.append(int(status["VmRSS"].split()[0]) / 1024)
    return sorted(sizes)


def basket_script(tmp: Path, base: str, product: str) -> tuple[str, tuple[str, ...]]:
    """A wrk script that sets the quantity of a basket line, with a real session and CSRF token."""
    import http.cookiejar

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + product).read().decode()
    variant = re.search(r'<option value="(\d+)"(?! disabled)', page) or re.search(r'name="variant" value="(\d+)"', page)
    hub = product.split("/")[1]
    # Catalog pages carry no CSRF token (they are cacheable); the basket page does.
    add = f"variant={variant.group(1)}&quantity=1"
    basket = opener.open(urllib.request.Request(base + f"/{hub}/basket/add/", data=add.encode())).read()  # noqa: S310
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', basket.decode()).group(1)
    body = f"csrfmiddlewaretoken={token}&{add}"
    cookies = "; ".join(f"{c.name}={c.value}" for c in jar)
    path = tmp / "basket.lua"
    body = body.replace("quantity=1", "quantity=2")
    path.write_text(f'wrk.method = "POST"\nwrk.body = "{body}"\nwrk.path = "/{hub}/basket/update/"\n'
                    'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n')
    return str(path), (f"Cookie: {cookies}",)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--skip-setup", action="store_true", help="reuse the bench database as it is")
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
            raise SystemExit(f"{tool} is missing: WITH_BENCH_TOOLS=1 sh scripts/system-deps.sh (as root)")
    if not args.skip_setup:
        print("setting up the bench database (migrate + demo data)…", flush=True)
        server, name = DB_URL.rsplit("/", 1)
        subprocess.run(["psql", f"{server}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
        subprocess.run(["psql", f"{server}/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
        panier("migrate", "--noinput", "-v0")
        panier("demo")
    # Fresh statistics, as autovacuum would gather them (some servers run
    # with it off, and plans made for empty tables would be measured).
    subprocess.run(["psql", DB_URL, "-qc", "VACUUM (ANALYZE)"], check=True)
    subprocess.run(["redis-cli", "-u", REDIS_URL, "flushdb"], capture_output=True, check=False)
    app = subprocess.Popen(  # noqa: S603
        [PY, "-m", "panier", "serve", "--port", str(APP_PORT), "--workers", "2", "--threads", "8"],
        env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    tmp = Path(tempfile.mkdtemp(prefix="panier-bench-"))
    nginx = None
    try:
        base = f"http://127.0.0.1:{APP_PORT}"
        wait_http(base + "/healthz")
        listing = urllib.request.urlopen(base + "/nice/products/").read()  # noqa: S310
        product = re.search(rb'href="(/nice/p/[^"]+/)"', listing).group(1).decode()
        (tmp / "static").mkdir()
        (tmp / "static" / "products.html").write_bytes(listing)
        (tmp / "nginx.conf").write_text(NGINX_CONF.format(
            tmp=tmp, port=NGINX_PORT, app_port=APP_PORT,
            # Run as root, nginx's workers would drop to "nobody", who cannot
            # read the private temporary folder.
            user="user root; " if os.geteuid() == 0 else "",
        ))
        nginx = subprocess.Popen(["nginx", "-c", str(tmp / "nginx.conf")], start_new_session=True)  # noqa: S603, S607
        wait_http(f"http://127.0.0.1:{NGINX_PORT}/static-copy/products.html")
        rows = []

        def run(label: str, url: str, *headers: str) -> float:
            rps, p99 = wrk(url, args.duration, headers)
            rows.append((label, rps, p99))
            print(f"  {label:55s} {rps:10.0f} req/s  p99 {p99}", flush=True)
            return rps

        print(f"wrk -t2 -c32 -d{args.duration}s on loopback, panier serve = granian 2 workers × 8 threads")
        bare = run("bare Django view (/healthz) under panier serve", base + "/healthz")
        cached = run("cached catalogue page (anonymous, page cache hit)", base + "/nice/products/")
        static = run("nginx: same HTML as a static file", f"http://127.0.0.1:{NGINX_PORT}/static-copy/products.html")
        proxied = run("nginx proxy_cache in front of panier serve", f"http://127.0.0.1:{NGINX_PORT}/nice/products/")
        # A cookie makes a visitor personal: the page cache steps aside.
        uncached_list = run("uncached catalogue list (24 products)", base + "/nice/products/", "Cookie: bench=1")
        uncached_product = run("uncached product page", base + product, "Cookie: bench=1")
        script, cookie = basket_script(tmp, base, product)
        rps, p99 = wrk(base + "/", args.duration, cookie, script=script)
        rows.append(("basket update, 32 connections (max)", rps, p99))
        print(f"  {'basket update (POST, session), 32 connections':55s} {rps:10.0f} req/s  p99 {p99}", flush=True)
        # Fewer connections for a lighter load than the maximum: report
        # the p99 there with its share of the maximum.
        light_rps, light_p99 = wrk(base + "/", args.duration, cookie, connections=4, script=script)
        print(f"  {'basket update (POST, session), 4 connections':55s} {light_rps:10.0f} req/s  p99 {light_p99}"
              f"  ({light_rps / rps:.0%} of max)", flush=True)
        rss = worker_rss_mb(app.pid)
        print(f"  worker RSS after the runs: {', '.join(f'{mb:.0f} MB' for mb in rss)}  (target < 150 MB)")
        print()
        print(f"cached page / bare view        = {cached / bare:6.1%}  (target ≥ 50 %)")
        print(f"proxy cache / nginx static     = {proxied / static:6.1%}  (target ≥ 50 %)")
        print(f"uncached list                  = {uncached_list:6.0f} req/s (target ≥ 100)")
        print(f"uncached product page          = {uncached_product:6.0f} req/s (target ≥ 250)")
    finally:
        for proc in (nginx, app):
            if proc is not None:
                os.killpg(proc.pid, signal.SIGTERM)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
