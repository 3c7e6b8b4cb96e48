"""Draw docs/architecture.svg from the layers declared in .importlinter.

    python scripts/architecture_svg.py            # rewrite docs/architecture.svg
    python scripts/architecture_svg.py --check    # exit 1 if the drawing is stale

The layer order comes from the import-linter contract, so the picture
cannot drift from what the linter enforces: an app may import the apps to
its right in the same band and every app in the bands below.
"""

from __future__ import annotations

import argparse
import configparser
import sys
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ROOT / ".importlinter"
OUTPUT = ROOT / "docs" / "architecture.svg"

# Bands, top to bottom: the first app of a band that the contract lists
# opens it. Apps keep the contract's order inside their band.
BANDS = [
    ("INTERFACES", "demo", "#c0392b", "#fdecea"),
    ("USE CASES", "privacy", "#d68910", "#fef5e7"),
    ("DOMAIN", "delivery", "#229954", "#eafaf1"),
    ("FOUNDATION", "accounts", "#2471a3", "#ebf5fb"),
]
PER_ROW = 6
LEFT, WIDTH = 20, 600
BOX_H, ROW_GAP = 40, 8


def layers() -> list[str]:
    parser = configparser.ConfigParser()
    parser.read(CONTRACT)
    raw = parser["importlinter:contract:layers"]["layers"]
    return [line.strip().removeprefix("panier.") for line in raw.splitlines() if line.strip()]


def banded(apps: list[str]) -> list[tuple[tuple, list[str]]]:
    starts = {band[1]: band for band in BANDS}
    result: list[tuple[tuple, list[str]]] = []
    for app in apps:
        if app in starts:
            result.append((starts[app], []))
        if not result:
            raise SystemExit(f"{app} comes before the first band in .importlinter")
        result[-1][1].append(app)
    return result


def draw(apps: list[str]) -> str:
    out: list[str] = []
    add = out.append
    y = 126
    bands = []
    for (title, _first, stroke, fill), members in banded(apps):
        rows = [members[i : i + PER_ROW] for i in range(0, len(members), PER_ROW)]
        height = 36 + len(rows) * (BOX_H + ROW_GAP) + 8
        bands.append((title, stroke, fill, rows, y, height))
        y += height + 14
    bottom = y - 14
    total_h = max(bottom + 30, 640)

    add(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="960" height="{total_h}" viewBox="0 0 960 {total_h}" '
        'role="img" aria-labelledby="title desc" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">'
    )
    add('  <title id="title">Panier architecture</title>')
    add(
        '  <desc id="desc">Django apps in four bands, from the interfaces at the top to the shared kernel at '
        "the bottom; an app imports only the apps to its right and in lower bands, as import-linter checks. "
        "Each app splits into views, services, selectors, models and rules. Outside: reverse proxy, "
        "database, Redis, SMTP and the payment provider.</desc>"
    )
    add(
        '  <defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>'
    )
    add(f'  <rect x="0" y="0" width="960" height="{total_h}" fill="#ffffff"/>')
    add('  <text x="20" y="32" font-size="20" font-weight="bold" fill="#222">Panier: one Django project, apps in layers</text>')
    add(
        '  <text x="20" y="54" font-size="12.5" fill="#555">An app imports only the apps to its right and in the '
        "bands below (checked by import-linter; drawn from .importlinter).</text>"
    )
    add(f'  <rect x="{LEFT}" y="70" width="{WIDTH}" height="34" rx="6" fill="#f4f6f7" stroke="#7f8c8d"/>')
    add(
        f'  <text x="{LEFT + WIDTH / 2:.0f}" y="92" font-size="13" text-anchor="middle" fill="#333">'
        "Browser / phone  →  reverse proxy or CDN (TLS, cache)  →  panier serve (granian)</text>"
    )
    add(
        f'  <line x1="{LEFT + WIDTH / 2:.0f}" y1="104" x2="{LEFT + WIDTH / 2:.0f}" y2="122" stroke="#555" '
        'stroke-width="1.5" marker-end="url(#arrow)"/>'
    )
    for title, stroke, fill, rows, top, height in bands:
        add(
            f'  <rect x="{LEFT}" y="{top}" width="{WIDTH}" height="{height}" rx="8" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="1.5"/>'
        )
        add(f'  <text x="32" y="{top + 20}" font-size="12" font-weight="bold" fill="{stroke}">{escape(title)}</text>')
        for r, row in enumerate(rows):
            box_w = (WIDTH - 24 - (PER_ROW - 1) * 8) / PER_ROW
            box_y = top + 30 + r * (BOX_H + ROW_GAP)
            for i, app in enumerate(row):
                box_x = 32 + i * (box_w + 8)
                add(
                    f'  <rect x="{box_x:.1f}" y="{box_y}" width="{box_w:.1f}" height="{BOX_H}" rx="5" '
                    f'fill="#ffffff" stroke="{stroke}"/>'
                )
                add(
                    f'  <text x="{box_x + box_w / 2:.1f}" y="{box_y + 25}" font-size="13" text-anchor="middle" '
                    f'fill="#222">{escape(app)}</text>'
                )
    add(
        f'  <line x1="636" y1="130" x2="636" y2="{bottom - 4}" stroke="#555" stroke-width="2" '
        'marker-end="url(#arrow)"/>'
    )
    mid = (130 + bottom) // 2
    add(
        f'  <text x="648" y="{mid}" font-size="12" fill="#555" transform="rotate(90 648 {mid})" '
        'text-anchor="middle">imports go down only</text>'
    )
    add(_inside_an_app())
    add(_outside())
    add("</svg>")
    return "\n".join(out) + "\n"


def _two_lines(x: int, y: int, name: str, what: str, *, bold: bool) -> str:
    """A name and, in smaller grey letters under it, what it does."""
    weight = ' font-weight="bold"' if bold else ""
    gap = 17 if bold else 15
    return (
        f'  <text x="{x}" y="{y}" font-size="13"{weight} fill="#222">{escape(name)}</text>\n'
        f'  <text x="{x}" y="{y + gap}" font-size="11" fill="#555">{escape(what)}</text>'
    )


def _inside_an_app() -> str:
    parts = [
        '  <rect x="676" y="70" width="264" height="324" rx="8" fill="#fbfcfc" stroke="#566573" stroke-width="1.5"/>',
        '  <text x="690" y="94" font-size="14" font-weight="bold" fill="#222">Inside an app</text>',
    ]
    steps = [
        ("views.py / API / commands", "parse input, call one function, render"),
        ("services.py", "writes: noun_verb, short transactions"),
        ("selectors.py", "reads: bounded queries"),
        ("models.py", "tables and constraints"),
        ("rules.py", "pure rules: no Django, no I/O"),
    ]
    for i, (name, what) in enumerate(steps):
        y = 108 + i * 56
        parts.append(f'  <rect x="690" y="{y}" width="236" height="44" rx="5" fill="#ffffff" stroke="#99a3a4"/>')
        parts.append(_two_lines(700, y + 18, name, what, bold=True))
        if i < len(steps) - 1:
            parts.append(
                f'  <line x1="808" y1="{y + 44}" x2="808" y2="{y + 56}" stroke="#555" stroke-width="1.2" '
                'marker-end="url(#arrow)"/>'
            )
    return "\n".join(parts)


def _outside() -> str:
    parts = [
        '  <rect x="676" y="410" width="264" height="212" rx="8" fill="#f4f6f7" stroke="#7f8c8d" stroke-width="1.5"/>',
        '  <text x="690" y="434" font-size="14" font-weight="bold" fill="#222">Outside the process</text>',
    ]
    items = [
        ("PostgreSQL (or SQLite)", "stock and slots: conditional UPDATEs"),
        ("Redis", "cache, sessions, shared counters"),
        ("SMTP", "e-mails sent after commit"),
        ("Payment provider", "called outside transactions"),
        ("Off-site storage", "encrypted backups (S3 / SFTP)"),
    ]
    for i, (name, what) in enumerate(items):
        y = 458 + i * 32
        parts.append(_two_lines(694, y, name, what, bold=False))
    return "\n".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if docs/architecture.svg is out of date")
    args = parser.parse_args()
    svg = draw(layers())
    if args.check:
        if OUTPUT.read_text(encoding="utf-8") != svg:
            print("docs/architecture.svg is out of date: run python scripts/architecture_svg.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(svg, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
