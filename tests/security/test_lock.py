"""The lock files pin, with hashes, every dependency pyproject.toml declares."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def _declared(extra: str | None) -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = project["dependencies"] + (project["optional-dependencies"][extra] if extra else [])
    return {canonicalize_name(r.name): r for r in map(Requirement, lines)}


def _pinned(lock: str) -> dict[str, list[str]]:
    """Package name -> versions pinned (one per Python range) in a lock file."""
    pins: dict[str, list[str]] = {}
    text = (ROOT / "requirements" / lock).read_text()
    for entry in re.split(r"\n(?=\S)", text):
        match = PIN.match(entry)
        if match:
            assert "--hash=sha256:" in entry, f"{match.group(1)} has no hash in {lock}"
            pins.setdefault(canonicalize_name(match.group(1)), []).append(match.group(2))
    return pins


@pytest.mark.parametrize(("lock", "extra"), [("requirements.lock", None), ("dev.lock", "dev")])
def test_lock_pins_every_declared_dependency_within_its_range(lock, extra):
    """A dependency added to pyproject.toml without `make lock` fails here."""
    pinned = _pinned(lock)

    problems = [
        f"{name}: {pinned.get(name, 'missing')} not in {req.specifier}"
        for name, req in _declared(extra).items()
        if not pinned.get(name) or not all(req.specifier.contains(v, prereleases=True) for v in pinned[name])
    ]

    assert problems == [], "run `make lock` and commit requirements/"
