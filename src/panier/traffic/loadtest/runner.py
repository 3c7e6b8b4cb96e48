"""Run a load scenario against a local production server and report.

Everything runs on loopback: a scratch database (PostgreSQL when
reachable, else SQLite) loaded with the demo data, `panier serve`, and
locust in its own process for a bounded duration.

The server runs as the README's production set-up does: each paid
order's confirmation e-mail and invoice PDF are a background task
(`PANIER_ORDER_FOLLOWUP_DEFERRED=1`) that a `panier db_worker` beside the
server runs, on the same cores, at the lower CPU priority it takes by
itself (``PANIER_TASK_WORKER_NICE``), instead of the web worker that
answers the customer. The report says whether every paid order's follow-up ran.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
FOLLOWUP_TASK = "panier.checkout.followup.order_paid_followup_task"
#: How long the task worker may take, after the visitors stop, to send the
#: e-mails and render the PDFs of the last orders.
FOLLOWUP_DRAIN_S = 60


@dataclass
class RunResult:
    label: str
    rows: list[dict] = field(default_factory=list)
    responses: dict[str, int] = field(default_factory=dict)
    refused: dict[str, int] = field(default_factory=dict)
    orders_reported: list[str] = field(default_factory=list)
    orders_in_db: dict[str, int] = field(default_factory=dict)
    paid_numbers: set[str] = field(default_factory=set)
    rss_mb: list[float] = field(default_factory=list)
    rss_ready_mb: list[float] = field(default_factory=list)
    #: The task worker (e-mails and invoice PDFs) after the run.
    task_worker_rss_mb: float | None = None
    #: Follow-up tasks run for this run's paid orders, and the seconds the
    #: worker took after the visitors stopped to finish them.
    followups_done: int = 0
    followups_drained_s: float = 0.0
    load: tuple[float, float] = (0.0, 0.0)
    #: Response times (ms) per request name after every user was started.
    steady: dict[str, list[float]] = field(default_factory=dict)

    def steady_p99(self, name: str) -> float | None:
        values = sorted(self.steady.get(name, []))
        if not values:
            return None
        return values[min(len(values) - 1, int(len(values) * 0.99))]

    def count(self, prefix: str) -> int:
        return sum(v for k, v in self.responses.items() if k.startswith(prefix))

    @property
    def server_errors(self) -> int:
        return sum(v for k, v in self.responses.items() if k.endswith(":5xx"))

    @property
    def lost_orders(self) -> int:
        return len(set(self.orders_reported) - self.paid_numbers)

    @property
    def duplicated_orders(self) -> int:
        return len(self.orders_reported) - len(set(self.orders_reported))

    @property
    def followups_missing(self) -> int:
        return len(self.paid_numbers) - self.followups_done


def _pg_reachable() -> bool:
    try:
        import psycopg

        psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=2).close()
    except Exception:  # noqa: BLE001 - any failure means "use SQLite"
        return False
    return True


class LoadTest:
    def __init__(self, *, out, workdir: Path, port: int, workers: int, threads: int,
                 database: str = "panier_loadtest") -> None:
        self.out = out
        self.workdir = workdir
        self.port = port
        self.workers = workers
        self.threads = threads
        self.pg = _pg_reachable()
        self.database = database
        self.db_url = f"{PG_SERVER}/{database}" if self.pg else f"sqlite:///{workdir / 'loadtest.sqlite3'}"
        self.mmdb = workdir / "loadtest-country.mmdb"
        self.secret = secrets.token_urlsafe(50)

    def say(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()

    def env(self, *, protection: bool) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=self.db_url,
            DEBUG="0",
            SECRET_KEY=self.secret,
            ALLOWED_HOSTS="127.0.0.1,localhost",
            SESSION_COOKIE_SECURE="0",
            CSRF_COOKIE_SECURE="0",
            PANIER_DATA_DIR=str(self.workdir / "data"),
            PANIER_TRUSTED_PROXIES="1",
            EMAIL_HOST="",
            PANIER_ORDER_FOLLOWUP_DEFERRED="1",
        )
        redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/4")
        env["REDIS_URL"] = redis_url if self._redis_ok(redis_url) else ""
        if protection:
            env["PANIER_GEOIP_PATH"] = str(self.mmdb)
        else:
            env.update(PANIER_GEOIP_PATH="", PANIER_RATE_LIMITS_ENABLED="0", PANIER_MAX_IN_FLIGHT="0")
        return env

    @staticmethod
    def _redis_ok(url: str) -> bool:
        try:
            import redis

            client = redis.Redis.from_url(url, socket_connect_timeout=1)
            client.flushdb()
        except Exception:  # noqa: BLE001 - no Redis: per-process counters
            return False
        return True

    def panier(self, *args: str, protection: bool = True) -> str:
        done = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
            [sys.executable, "-m", "panier", *args], env=self.env(protection=protection),
            capture_output=True, text=True, check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"panier {' '.join(args)} failed:\n{done.stderr[-2000:]}")
        return done.stdout

    def prepare(self) -> None:
        self.say(f"preparing a scratch {'PostgreSQL' if self.pg else 'SQLite'} database with the demo data…\n")
        if self.pg:
            import psycopg
            from psycopg import sql

            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
                name = sql.Identifier(self.database)
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
                conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
        self.panier("migrate", "--noinput", "-v0")
        self.panier("demo")
        self.panier("collectstatic", "--noinput", "-v0")
        if self.pg:
            # Statistics of the loaded tables, as autovacuum would gather
            # them (some servers run with it off): plans for empty tables
            # would otherwise be measured.
            import psycopg

            with psycopg.connect(f"{PG_SERVER}/{self.database}", autocommit=True) as conn:
                conn.execute("ANALYZE")
        from mmdb_writer import MMDBWriter
        from netaddr import IPSet

        writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoIP2-Country")
        writer.insert_network(IPSet(["203.0.113.0/24"]), {"country": {"iso_code": "US"}})
        writer.insert_network(IPSet(["192.0.2.0/24"]), {"country": {"iso_code": "FR"}})
        writer.to_db_file(str(self.mmdb))
        for hub in ("nice", "antibes"):
            self.panier("traffic", "geo", "--hub", hub, "--country", "US", "--action", "interstitial",
                        "--other-site-url", "https://example.com/", "--other-site-label", "Panier (US)",
                        "--delivery-area", "la Côte d'Azur")

    def run(self, *, scenario: str, duration: int, users: int, protection: bool) -> RunResult:
        label = f"{scenario}, protection {'on' if protection else 'off'}"
        self.panier("traffic", "waiting-room", "auto" if protection else "off", protection=protection)
        env = self.env(protection=protection)
        worker = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
            [sys.executable, "-m", "panier", "db_worker", "--no-reload"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        server = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
            [sys.executable, "-m", "panier", "serve", "--port", str(self.port), "--workers", str(self.workers),
             "--threads", str(self.threads), "--no-collectstatic"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        result = RunResult(label=label)
        try:
            self._wait_ready()
            self._warm_up()
            result.rss_ready_mb = self._worker_rss(server.pid)
            result.load = (os.getloadavg()[0], 0.0)
            before = self._paid_numbers()
            # Tasks queued before the run (the demo data's own orders) are not this run's.
            followups_before = sum(self._followups())
            counts = self.workdir / f"counts-{scenario}-{protection}.json"
            stats = self.workdir / f"stats-{scenario}-{protection}"
            classes = ["Shopper"] + (["SurgeVisitor"] if scenario == "surge" else [])
            total = users * (21 if scenario == "surge" else 1)
            locust_env = dict(os.environ, PANIER_LOADTEST_COUNTS=str(counts), PANIER_LOADTEST_REGULARS=str(users))
            locust = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
                [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--only-summary",
                 "-u", str(total), "-r", str(max(1, total // 5)), "-t", f"{duration}s", "--stop-timeout", "10",
                 "--host", f"http://127.0.0.1:{self.port}", "--csv", str(stats), *classes],
                env=locust_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            started = time.monotonic()
            while locust.poll() is None:
                time.sleep(5)
                elapsed = int(time.monotonic() - started)
                self.say(f"  [{label}] {min(elapsed, duration)}/{duration} s\n")
                if elapsed > duration + 60:
                    locust.kill()
            result.rss_mb = self._worker_rss(server.pid)
            result.load = (result.load[0], os.getloadavg()[0])
            result.rows = self._read_stats(Path(f"{stats}_stats.csv"))
            if counts.exists():
                data = json.loads(counts.read_text())
                result.responses = data["responses"]
                result.refused = data.get("refused", {})
                result.orders_reported = data["orders"]
                result.steady = data.get("steady", {})
            result.paid_numbers = self._paid_numbers() - before
            result.orders_in_db = self._orders_by_status()
            stopped = time.monotonic()
            while self._followups()[1] and time.monotonic() - stopped < FOLLOWUP_DRAIN_S:
                time.sleep(0.5)
            result.followups_drained_s = time.monotonic() - stopped
            result.followups_done = self._followups()[0] - followups_before
            result.task_worker_rss_mb = self._rss(worker.pid)
        finally:
            for process in (server, worker):
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=20)
        return result

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/readyz", timeout=2).read()  # noqa: S310 - loopback http URL
                return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("the server did not become ready")

    def _warm_up(self) -> None:
        """A few visits of each hub's catalogue, as a server that has been up for a while has had."""
        hubs = [row[0] for row in self._query("SELECT slug FROM hubs_hub WHERE is_active")]
        for _ in range(3):
            for slug in hubs:
                for path in (f"/{slug}/", f"/{slug}/products/"):
                    request = urllib.request.Request(  # noqa: S310 - loopback http URL
                        f"http://127.0.0.1:{self.port}{path}", headers={"X-Forwarded-For": "192.0.2.1"}
                    )
                    try:
                        urllib.request.urlopen(request, timeout=10).read()  # noqa: S310 - loopback http URL
                    except OSError as exc:
                        self.say(f"  warm-up {path}: {exc}\n")

    @staticmethod
    def _rss(pid: int) -> float | None:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return None

    @staticmethod
    def _worker_rss(server_pid: int) -> list[float]:
        sizes = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                status = (proc / "status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            if fields.get("PPid", "").strip() == str(server_pid) and "VmRSS" in fields:
                sizes.append(int(fields["VmRSS"].split()[0]) / 1024)
        return sorted(sizes)

    @staticmethod
    def _read_stats(path: Path) -> list[dict]:
        if not path.exists():
            return []
        with path.open() as handle:
            return list(csv.DictReader(handle))

    def _query(self, sql: str) -> list[tuple]:
        if self.pg:
            import psycopg

            with psycopg.connect(self.db_url) as conn:
                return list(conn.execute(sql).fetchall())
        import sqlite3

        with sqlite3.connect(self.db_url.removeprefix("sqlite:///")) as conn:
            return list(conn.execute(sql).fetchall())

    def _paid_numbers(self) -> set[str]:
        return {row[0] for row in self._query("SELECT number FROM orders_order WHERE status = 'paid'")}

    def _orders_by_status(self) -> dict[str, int]:
        return dict(self._query("SELECT status, count(*) FROM orders_order GROUP BY status"))

    def _followups(self) -> tuple[int, int]:
        """Return the order follow-up tasks run so far, and those still waiting or running."""
        rows = dict(self._query(
            "SELECT status, count(*) FROM django_tasks_database_dbtaskresult "  # noqa: S608 - a constant
            f"WHERE task_path = '{FOLLOWUP_TASK}' GROUP BY status"
        ))
        return rows.get("SUCCESSFUL", 0), rows.get("READY", 0) + rows.get("RUNNING", 0)


def report(results: list[RunResult], *, duration: int, users: int) -> str:
    lines = [f"# Load test ({duration} s, {users} regular customers)", ""]
    for result in results:
        lines += [f"## {result.label}", ""]
        lines += [
            "| request | count | failures | req/s | p50 ms | p95 ms | p99 ms | p99 after ramp-up ms |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for row in result.rows:
            steady = result.steady_p99(row["Name"])
            lines.append(
                f"| {row['Name']} | {row['Request Count']} | {row['Failure Count']} | {float(row['Requests/s']):.1f} "
                f"| {row['50%']} | {row['95%']} | {row['99%']} | {'' if steady is None else f'{steady:.0f}'} |"
            )
        lines += [
            "",
            "New visitors arrive at random moments within each second of the ramp-up, not all at its start; "
            "the last column leaves the ramp-up out.",
            f"- responses by class: {json.dumps(dict(sorted(result.responses.items())))}",
            f"- refusals (4xx) by request and status: {json.dumps(dict(sorted(result.refused.items())))}",
            f"- 5xx responses: **{result.server_errors}**",
            f"- orders confirmed to customers: {len(result.orders_reported)}; newly paid in the database: "
            f"{len(result.paid_numbers)}; lost: **{result.lost_orders}**; duplicated: **{result.duplicated_orders}**",
            f"- order follow-ups (confirmation e-mail, invoice PDF) run by the task worker: "
            f"{result.followups_done} for {len(result.paid_numbers)} newly paid orders, the last "
            f"{result.followups_drained_s:.1f} s after the visitors stopped; missing: **{result.followups_missing}**",
            f"- web worker RSS (MB) when ready: {', '.join(f'{mb:.0f}' for mb in result.rss_ready_mb) or 'n/a'}; "
            f"after the run: {', '.join(f'{mb:.0f}' for mb in result.rss_mb) or 'n/a'}; task worker after the run: "
            f"{'n/a' if result.task_worker_rss_mb is None else f'{result.task_worker_rss_mb:.0f}'}",
            f"- load average (1 min) at the start / end: {result.load[0]:.1f} / {result.load[1]:.1f}",
            "",
        ]
    return "\n".join(lines)


def workdir_new() -> Path:
    return Path(tempfile.mkdtemp(prefix="panier-loadtest-"))


def workdir_drop(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
