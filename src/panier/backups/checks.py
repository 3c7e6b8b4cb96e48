"""Checks of a restore drill, run on the scratch copy of a backup.

Each check takes a DB-API connection to the restored database, its vendor
and the archive's manifest, and returns a CheckResult. The list that runs is
PANIER_BACKUP_DRILL_CHECKS (dotted paths), so that an app can add its own.
The figures the checks compare with are computed at backup time by
``ledger_figures`` and ``invoice_figures`` on the very snapshot dumped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from panier.backups.database import (
    DIGEST_FORMAT,
    database_digests,
    table_columns,
    table_names,
)

# Money columns summed at backup time and after a restore.
LEDGER_COLUMNS = {
    "orders_order": ["total_cents", "goods_cents", "delivery_fee_cents", "vat_cents"],
    "orders_orderline": ["line_total_cents"],
    "payments_payment": ["amount_cents", "captured_cents", "refunded_cents"],
}
_SERIES = re.compile(r"^(.*?)(\d+)$")


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    ok: bool
    detail: str


def ledger_figures(conn: Any, vendor: str) -> dict[str, dict[str, int]]:
    """Return the sum of each money column of orders, order lines and payments."""
    present = set(table_names(conn, vendor))
    figures: dict[str, dict[str, int]] = {}
    for table, columns in LEDGER_COLUMNS.items():
        if table not in present:
            continue
        columns = [c for c in columns if c in table_columns(conn, vendor, table)]
        sums = ", ".join(f'COALESCE(SUM("{c}"), 0)' for c in columns)
        cur = conn.cursor()
        cur.execute(f'SELECT COUNT(*), {sums} FROM "{table}"')  # noqa: S608 - fixed names
        row = cur.fetchone()
        figures[table] = {
            "rows": int(row[0]),
            **{c: int(v) for c, v in zip(columns, row[1:], strict=True)},
        }
    return figures


def invoice_tables(conn: Any, vendor: str) -> list[str]:
    """Tables holding invoice numbers: an "invoice" table with a ``number`` column."""
    return [
        t
        for t in table_names(conn, vendor)
        if "invoice" in t and "number" in table_columns(conn, vendor, t)
    ]


def invoice_figures(conn: Any, vendor: str) -> dict[str, dict[str, Any]]:
    """Return, per invoice table and number series, the count and the last number."""
    figures: dict[str, dict[str, Any]] = {}
    for table in invoice_tables(conn, vendor):
        series = _series(conn, vendor, table)
        figures[table] = {p: {"count": len(n), "last": max(n)} for p, n in series.items()}
    return figures


def _series(conn: Any, vendor: str, table: str) -> dict[str, list[int]]:
    """Group the numbers of ``table`` by series.

    A table with ``sequence_id`` and ``sequence_number`` columns states its
    series; otherwise the series is the number without its trailing digits
    ("NICE-2026-000042" is number 42 of "NICE-2026-").
    """
    cur = conn.cursor()
    if {"sequence_id", "sequence_number"} <= set(table_columns(conn, vendor, table)):
        cur.execute(f'SELECT "sequence_id", "sequence_number" FROM "{table}"')  # noqa: S608 - catalogue name
        by_sequence: dict[str, list[int]] = {}
        for sequence_id, number in cur.fetchall():
            by_sequence.setdefault(f"sequence {sequence_id}", []).append(int(number))
        return by_sequence
    cur.execute(f'SELECT "number" FROM "{table}"')  # noqa: S608 - catalogue name
    series: dict[str, list[int]] = {}
    for (number,) in cur.fetchall():
        match = _SERIES.match(str(number))
        prefix, seq = (match.group(1), int(match.group(2))) if match else (str(number), -1)
        series.setdefault(prefix, []).append(seq)
    return series


def tables_match(conn: Any, vendor: str, manifest: dict[str, Any]) -> CheckResult:
    """Every table has the row count and checksum recorded at backup time."""
    expected = manifest["database"]["tables"]
    found = database_digests(conn, vendor)
    if manifest["database"].get("digest_format") != DIGEST_FORMAT:
        # Digests of another format cannot be compared; row counts can.
        expected = {t: d["rows"] for t, d in expected.items()}
        found_rows = {t: d["rows"] for t, d in found.items()}
        wrong = sorted(
            t for t in expected.keys() | found_rows.keys() if expected.get(t) != found_rows.get(t)
        )
        if wrong:
            return CheckResult("tables", False, "row counts that differ: " + ", ".join(wrong))
        return CheckResult(
            "tables", True, f"{len(found)} tables, row counts match (checksums of another format)"
        )
    wrong = sorted(t for t in expected.keys() | found.keys() if expected.get(t) != found.get(t))
    rows = sum(d["rows"] for d in found.values())
    if wrong:
        return CheckResult("tables", False, "tables that differ: " + ", ".join(wrong))
    return CheckResult("tables", True, f"{len(found)} tables, {rows} rows, checksums match")


def ledger_matches(conn: Any, vendor: str, manifest: dict[str, Any]) -> CheckResult:
    """Orders, order lines and payments add up to the totals recorded at backup time."""
    expected = manifest.get("ledger", {})
    found = ledger_figures(conn, vendor)
    if found != expected:
        wrong = sorted(t for t in expected.keys() | found.keys() if expected.get(t) != found.get(t))
        return CheckResult("ledger", False, "totals that differ: " + ", ".join(wrong))
    orders = found.get("orders_order", {})
    return CheckResult(
        "ledger",
        True,
        f"{orders.get('rows', 0)} orders totalling {orders.get('total_cents', 0)} cents, "
        f"{found.get('payments_payment', {}).get('rows', 0)} payments: totals match",
    )


def invoice_numbers_continuous(conn: Any, vendor: str, manifest: dict[str, Any]) -> CheckResult:
    """Invoice numbers of each series run without a gap, up to the last one backed up."""
    tables = invoice_tables(conn, vendor)
    if not tables:
        return CheckResult("invoice numbers", True, "no invoice table yet: nothing to check")
    problems = []
    for table in tables:
        for prefix, numbers in _series(conn, vendor, table).items():
            numbers.sort()
            if numbers[0] < 0:
                problems.append(f"{table}: numbers without a sequence in series {prefix!r}")
                continue
            if prefix.startswith("sequence ") and numbers[0] != 1:
                problems.append(f"{table} {prefix}: starts at {numbers[0]}, not 1")
            gaps = [n for a, b in zip(numbers, numbers[1:], strict=False) for n in range(a + 1, b)]
            duplicates = len(numbers) - len(set(numbers))
            if gaps:
                problems.append(f"{table} {prefix}: missing {', '.join(map(str, gaps[:10]))}")
            if duplicates:
                problems.append(f"{table} {prefix}: {duplicates} duplicate numbers")
    problems += _sequence_counters(conn, vendor)
    if invoice_figures(conn, vendor) != manifest.get("invoices", {}):
        problems.append("last invoice numbers differ from the backup")
    if problems:
        return CheckResult("invoice numbers", False, "; ".join(problems))
    return CheckResult("invoice numbers", True, f"continuous in {', '.join(tables)}")


def _sequence_counters(conn: Any, vendor: str) -> list[str]:
    """Each number sequence's counter equals the last number issued in it."""
    tables = set(table_names(conn, vendor))
    counters = [t for t in tables if t.endswith("numbersequence")]
    problems = []
    for counter in counters:
        if "last_number" not in table_columns(conn, vendor, counter):
            continue
        cur = conn.cursor()
        cur.execute(f'SELECT "id", "last_number" FROM "{counter}"')  # noqa: S608 - catalogue name
        last_numbers = dict(cur.fetchall())
        issued: dict[int, int] = {}
        for table in invoice_tables(conn, vendor):
            for key, numbers in _series(conn, vendor, table).items():
                if key.startswith("sequence "):
                    seq = int(key.split(" ", 1)[1])
                    issued[seq] = max(issued.get(seq, 0), max(numbers))
        for seq, last in last_numbers.items():
            if issued.get(seq, 0) != last:
                problems.append(
                    f"{counter} {seq}: counter at {last}, last issued {issued.get(seq, 0)}"
                )
    return problems


DEFAULT_CHECKS = [
    "panier.backups.checks.tables_match",
    "panier.backups.checks.ledger_matches",
    "panier.backups.checks.invoice_numbers_continuous",
]


def manifest_extras(conn: Any, vendor: str) -> dict[str, Any]:
    """Figures computed at backup time that the drill checks compare with."""
    return {"ledger": ledger_figures(conn, vendor), "invoices": invoice_figures(conn, vendor)}
