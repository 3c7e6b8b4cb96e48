"""A serving worker does not load the libraries only a command or a rare page needs.

Each heavy library adds megabytes to every worker of `panier serve`
(docs/performance.md, "Worker memory"); they are imported where they are
used instead. The check runs in a fresh interpreter, since the test
process itself has imported everything.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"

# Top-level packages a web worker must not hold after loading the
# application and every URL module (so every view module).
HEAVY = (
    "weasyprint",  # PDF rendering (invoices, collection lists)
    "facturx",  # Factur-X XML checks and PDF/A embedding
    "pypdf",
    "fontTools",
    "vroom",  # rounds optimisation
    "ortools",
    "numpy",
    "pandas",
    "boto3",  # backups
    "botocore",
    "paramiko",
    "stripe",  # payment providers not configured
    "mollie",
    "requests_oauthlib",
    "openpyxl",  # XLSX reports
    "PIL",  # picture uploads
)

_PROBE = """
import json, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "panier.config.settings"
import importlib
app = importlib.import_module(sys.argv[1]).application
from django.urls import get_resolver
get_resolver().url_patterns
rss_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmRSS"))
print(json.dumps({"modules": sorted({name.split(".")[0] for name in sys.modules}), "rss_kb": rss_kb}))
"""


def _probe(module: str, tmp_path: Path) -> dict:
    env = dict(
        os.environ,
        PYTHONPATH=str(SRC),
        DATABASE_URL=f"sqlite:///{tmp_path / 'probe.sqlite3'}",
        DEBUG="0",
        SECRET_KEY="probe-" + "x" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        PANIER_DATA_DIR=str(tmp_path / "data"),
        PANIER_PAYMENT_PROVIDER="sandbox",
        REDIS_URL="",
    )
    done = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-c", _PROBE, module], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("module", ["panier.config.wsgi", "panier.config.asgi"])
def test_the_served_application_does_not_import_heavy_libraries(module, tmp_path):
    """Loading the WSGI/ASGI application and all its URLs leaves PDF, routing, backup,
    card-provider, spreadsheet and imaging libraries unloaded."""
    found = _probe(module, tmp_path)

    loaded = sorted(set(HEAVY) & set(found["modules"]))

    assert loaded == []
    assert "django" in found["modules"]
    assert "panier" in found["modules"]


def test_a_loaded_worker_stays_well_below_its_memory_budget(tmp_path):
    """The application with every URL module loaded holds less than 110 MB (the budget is 150 MB
    per worker after traffic)."""
    found = _probe("panier.config.wsgi", tmp_path)

    assert found["rss_kb"] < 110 * 1024
