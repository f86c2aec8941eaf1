"""Validation checks: findings capped per code, IDs checked in time linear in the rows."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from geo.errors import ValidationReport
from geo.readers import RawTable
from geo.validate import (
    MAX_FINDINGS_PER_CODE,
    Collector,
    _all_distinct,
    check_filled,
    check_ids,
)


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


def test_duplicates_are_listed_in_file_order_with_the_rows_of_their_id() -> None:
    # rows (header = row 1): 2:a 3:b 4:a 5:"" 6:b 7:a
    c, values = collector(["a", "b", "a", "", "b", "a"])
    ids = check_ids(values, c, column="household_id")
    assert ids.tolist() == ["a", "b", "a", "", "b", "a"]
    report = c.close()
    assert [(f.code, f.row) for f in report.findings] == [
        ("missing_id", 5),
        ("duplicate_id", 4),
        ("duplicate_id", 6),
        ("duplicate_id", 7),
    ]
    by_row = {f.row: f for f in report.findings}
    assert by_row[4].values == {"value": "a", "rows": "2, 4, 7", "row_word": "row"}
    assert by_row[6].message == (
        "h.csv, row 6, column '户号': ID 'b' is used more than once (rows 3, 6); keep one "
        "record per ID or give each its own ID"
    )


def test_an_id_used_many_times_lists_ten_rows_and_counts_the_rest() -> None:
    # 12 records of "7" (rows 2..13): 11 findings (rows 3..13), each listing rows 2..11
    c, values = collector(["7"] * 12)
    check_ids(values, c, column="household_id")
    report = c.close()
    assert [f.row for f in report.findings] == list(range(3, 14))
    first = report.findings[0]
    assert first.variant == "row_many"
    assert first.values["count"] == 12 and first.values["more"] == 2
    assert first.message.endswith(
        "ID '7' is used 12 times (rows 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 and 2 more); keep one "
        "record per ID or give each its own ID"
    )


def check_ids_cpu(n: int) -> tuple[float, ValidationReport]:
    c, values = collector(["7"] * n)
    start = time.process_time()
    check_ids(values, c, column="household_id")
    report = c.close()
    return time.process_time() - start, report


def test_one_id_repeated_300k_times_gives_bounded_findings_in_linear_time() -> None:
    # A regression guard, not a speed claim (benchmarks/uploads.py has the figures): the
    # findings and their messages do not grow with the rows, and 10x the rows costs far
    # less than the 100x a quadratic check would.
    small, _ = check_ids_cpu(30_000)
    large, report = check_ids_cpu(300_000)
    assert len(report.findings) == MAX_FINDINGS_PER_CODE + 1
    assert report.findings[-1].values == {"extra": 299_999 - 50, "code": "duplicate_id"}
    assert max(len(f.message) for f in report.findings) < 300
    assert large < 2.0
    assert large < 20 * max(small, 0.01)


def test_all_distinct_tells_repeats_in_any_order() -> None:
    cases = {
        "increasing": (["A1", "A2", "B"], True),
        "shuffled": (["B", "A1", "A2"], True),
        "repeat in order": (["A1", "A1", "A2"], False),
        "repeat apart": (["A2", "A1", "A2"], False),
        "two empty": (["", "A", ""], False),
        "one": (["A"], True),
        "none": ([], True),
    }
    for name, (cells, distinct) in cases.items():
        assert _all_distinct(pd.Series(cells, dtype=str)) is distinct, name


def _collector() -> Collector:
    raw = RawTable(pd.DataFrame({"x": ["1"] * 300}), None, None, "f.csv", 2, "row")
    return Collector(raw, {})


def test_each_makes_the_findings_of_adding_every_position() -> None:
    for before in (0, 30, MAX_FINDINGS_PER_CODE, 70):
        for count in (0, 1, 25, 120):
            collectors = [_collector(), _collector()]
            for collector in collectors:
                for position in range(before):
                    collector.add("fatal", "not_a_number", value="x", position=position)
                collector.add("warning", "missing_value", position=0)
            positions = np.arange(count) + 100
            plain, capped = collectors
            for position in positions:
                plain.add("fatal", "not_a_number", value="y", position=int(position))
            for position in capped.each("not_a_number", positions):
                capped.add("fatal", "not_a_number", value="y", position=position)
            reports = [c.close().findings for c in collectors]
            assert reports[0] == reports[1], (before, count)
