"""Validation checks: findings capped per code, IDs checked in time linear in the rows."""

from __future__ import annotations

import pandas as pd

from geo.readers import RawTable
from geo.validate import MAX_FINDINGS_PER_CODE, Collector, check_filled


def collector(values: list[str], header: str = "户号") -> tuple[Collector, pd.Series]:
    raw = RawTable(pd.DataFrame({header: values}), None, None, "h.csv", 2, "row")
    return Collector(raw, {"household_id": header}), raw.frame[header]


def test_findings_past_the_cap_are_counted_in_one_line() -> None:
    # 53 empty cells: 50 findings kept (rows 2..51), the other 3 counted in one line
    c, values = collector([""] * 53)
    check_filled(values, c, column="household_id")
    report = c.close()
    assert len(report.findings) == MAX_FINDINGS_PER_CODE + 1
    assert [f.row for f in report.findings[:3]] == [2, 3, 4]
    more = report.findings[-1]
    assert (more.code, more.variant, more.row, more.values) == (
        "missing_value",
        "more",
        None,
        {"extra": 3, "code": "missing_value"},
    )
    assert more.message == "h.csv: 3 more finding(s) of the same kind (missing_value)"
