import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_architecture_drawing_matches_the_import_contract():
    """docs/architecture.svg is drawn from .importlinter; a new app or a moved layer redraws it."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "architecture_svg.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr


def test_every_layer_of_the_contract_is_drawn():
    svg = (ROOT / "docs" / "architecture.svg").read_text(encoding="utf-8")
    contract = (ROOT / ".importlinter").read_text(encoding="utf-8")
    layers = [
        line.strip().removeprefix("panier.")
        for line in contract.split("layers =", 1)[1].split("ignore_imports", 1)[0].splitlines()
        if line.strip()
    ]

    assert len(layers) > 20
    for app in layers:
        assert f">{app}</text>" in svg
