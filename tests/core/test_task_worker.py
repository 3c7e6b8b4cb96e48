"""`panier db_worker` runs the background tasks at a lower CPU priority than the web server."""

import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from panier.core.management.commands.db_worker import Command


def _parsed(*argv):
    return Command().create_parser("panier", "db_worker").parse_args(list(argv))


def test_the_worker_is_nicer_than_the_server_by_default(monkeypatch):
    monkeypatch.delenv("PANIER_TASK_WORKER_NICE", raising=False)
    assert _parsed().nice == "10"


def test_the_operator_sets_the_priority_by_environment_or_flag(monkeypatch):
    monkeypatch.setenv("PANIER_TASK_WORKER_NICE", "4")
    assert _parsed().nice == "4"
    assert _parsed("--nice", "0").nice == "0"


@pytest.mark.parametrize(
    ("value", "message"),
    [("25", "from 0 to 19, not 25"), ("-5", "from 0 to 19, not -5"), ("ten", "whole number from 0 to 19, not 'ten'")],
)
def test_a_wrong_priority_is_refused_before_anything_runs(value, message):
    before = os.nice(0)
    with pytest.raises(CommandError, match=message):
        call_command("db_worker", "--batch", "--nice", value)
    assert os.nice(0) == before


def test_the_worker_process_really_runs_at_the_lower_priority():
    """In a process of its own (niceness cannot be raised back without privileges)."""
    code = (
        "import os; from panier.core.priority import lower_priority; "
        "before = os.nice(0); after = lower_priority(3); print(before, after, os.nice(0))"
    )
    out = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={**os.environ}
    ).stdout.split()
    before, after, now = map(int, out)
    assert after == now == min(before + 3, 19)


@pytest.mark.django_db(transaction=True)
def test_the_worker_says_its_priority_and_runs_the_queue(capsys):
    call_command("db_worker", "--batch", "--no-startup-delay", "--nice", "0")
    assert f"Task worker running at niceness {os.nice(0)}." in capsys.readouterr().out
