"""`panier serve`: the worker count it starts granian with."""

from __future__ import annotations

import os
from io import StringIO

import pytest
from django.core.management import call_command


def _command_line(**options) -> list[str]:
    out = StringIO()
    call_command("serve", dry_run=True, no_collectstatic=True, stdout=out, **options)
    return out.getvalue().split()


@pytest.fixture
def no_worker_setting(monkeypatch):
    monkeypatch.delenv("PANIER_WORKERS", raising=False)


def test_one_worker_per_core_plus_one_by_default(no_worker_setting):
    line = _command_line()
    assert line[line.index("--workers") + 1] == str((os.cpu_count() or 1) + 1)


def test_the_worker_count_can_be_chosen(no_worker_setting):
    line = _command_line(workers=5, threads=4)
    assert line[line.index("--workers") + 1] == "5"
    assert line[line.index("--blocking-threads") + 1] == "4"
