"""The load test's report: figures as measured, refusals named."""

from __future__ import annotations

from panier.traffic.loadtest.runner import RunResult, report


def test_report_names_the_refusals_and_counts_orders():
    result = RunResult(
        label="surge, protection on",
        rows=[{"Name": "checkout: pay", "Request Count": "4", "Failure Count": "0", "Requests/s": "0.5",
               "50%": "30", "95%": "60", "99%": "90"}],
        responses={"customer:2xx": 40, "customer:4xx": 2, "surge:2xx": 900, "surge:5xx": 1},
        refused={"customer basket add 409": 2},
        orders_reported=["A-1", "A-2", "A-2"],
        paid_numbers={"A-1", "A-2"},
        steady={"checkout: pay": [10.0, 20.0, 80.0]},
        followups_done=2,
    )

    text = report([result], duration=60, users=15)

    assert "| checkout: pay | 4 | 0 | 0.5 | 30 | 60 | 90 | 80 |" in text
    assert '- refusals (4xx) by request and status: {"customer basket add 409": 2}' in text
    assert "- 5xx responses: **1**" in text
    assert "lost: **0**; duplicated: **1**" in text
