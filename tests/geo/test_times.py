"""Zone names: one check for the command line, the Data page and the analysis; the order of
day and month in dates with the year last, never guessed (rules in ``geo.times``)."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.errors import BeatcovError, Finding
from geo.readers import RawTable
from geo.times import DATE_ORDERS, check_timezone, parse_times
from geo.validate import Collector


def test_a_known_zone_comes_back_without_blanks() -> None:
    assert check_timezone("Asia/Shanghai") == "Asia/Shanghai"
    assert check_timezone("  Europe/Helsinki\n") == "Europe/Helsinki"
    assert check_timezone("UTC") == "UTC"


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../etc/passwd", "Asia/"])
def test_an_unknown_zone_is_named_with_the_fix(name: str) -> None:
    with pytest.raises(BeatcovError, match=f"unknown time zone {name!r}: use an IANA name"):
        check_timezone(name)


# ---------------------------------------------------------------- order of day and month
# The visit times of a station's export, header 走访时间 (row 2 is the first record).


def parse(cells: list[str], date_order: str = "auto") -> tuple[list[str], list[Finding]]:
    """The times read (``YYYY-MM-DD HH:MM``, ``NaT``) and the findings of one time column."""
    values = pd.Series(cells, dtype="str")
    raw = RawTable(pd.DataFrame({"走访时间": values}), None, None, "v.csv", 2, "row")
    collector = Collector(raw, {"time": "走访时间"})
    times = parse_times(values, collector, timezone="Asia/Shanghai", date_order=date_order)
    read = [t.strftime("%Y-%m-%d %H:%M") if not pd.isna(t) else "NaT" for t in times]
    return read, collector.close().findings


def test_01_07_2026_alone_is_refused_under_auto() -> None:
    # issue 12: 01/07/2026 was read as 7 January with no finding. It could be 1 July or 7
    # January and nothing in the column tells which: one fatal finding for the column
    read, [finding] = parse(["01/07/2026 18:05", "2026-07-02 09:00", "05/05/2026 10:00"])
    assert read == ["NaT", "2026-07-02 09:00", "2026-05-05 10:00"]  # 05/05 is the same both ways
    assert (finding.severity, finding.code, finding.variant) == (
        "fatal",
        "ambiguous_date_order",
        "",
    )
    assert (finding.row, finding.column) == (2, "走访时间")
    assert finding.message == (
        "v.csv, row 2, column '走访时间': '01/07/2026 18:05' could be 2026-07-01 (day/month/year) "
        "or 2026-01-07 (month/day/year), and no date in this column tells which; choose the "
        "date order, or write the dates like 2026-07-01"
    )


def test_a_day_above_12_decides_day_first_for_the_column_with_a_warning() -> None:
    # 13/07/2026 can only be 13 July: the whole column is day first, 01/07/2026 is 1 July
    read, [finding] = parse(["01/07/2026 18:05", "13/07/2026 09:00", "1.7.2026 8:30"])
    assert read == ["2026-07-01 18:05", "2026-07-13 09:00", "2026-07-01 08:30"]
    assert (finding.severity, finding.code, finding.variant) == (
        "warning",
        "date_order_inferred",
        "dmy",
    )
    assert (finding.row, finding.column) == (2, "走访时间")
    assert finding.message == (
        "v.csv, row 2, column '走访时间': dates of this column are read day first: "
        "'13/07/2026 09:00' (row 3) can only be day/month/year, so '01/07/2026 18:05' is read "
        "as 2026-07-01; if that is wrong, choose the date order"
    )


def test_a_second_field_above_12_decides_month_first() -> None:
    read, [finding] = parse(["07/13/2026 09:00", "01/07/2026 18:05"])
    assert read == ["2026-07-13 09:00", "2026-01-07 18:05"]
    assert (finding.code, finding.variant, finding.row) == ("date_order_inferred", "mdy", 3)


def test_no_warning_when_nothing_was_ambiguous() -> None:
    assert parse(["13/07/2026 09:00", "05/05/2026 10:00"]) == (
        ["2026-07-13 09:00", "2026-05-05 10:00"],
        [],
    )


def test_orders_are_never_mixed_within_a_column() -> None:
    read, [finding] = parse(["13/07/2026 09:00", "01/07/2026 18:05", "07/14/2026 10:00"])
    assert read == ["NaT", "NaT", "NaT"]  # no bad_time beside the column's finding
    assert (finding.severity, finding.code, finding.variant) == (
        "fatal",
        "ambiguous_date_order",
        "mixed",
    )
    assert finding.row == 4  # the date that contradicts the first
    assert finding.message == (
        "v.csv, row 4, column '走访时间': this column has dates that can only be "
        "day/month/year ('13/07/2026 09:00', row 2) and dates that can only be month/day/year "
        "('07/14/2026 10:00', row 4); write every date in one order, like 2026-07-01"
    )


@pytest.mark.parametrize(
    ("order", "expected"),
    [("dmy", "2026-07-01 18:05"), ("mdy", "2026-01-07 18:05")],
)
def test_a_named_order_is_followed_without_findings(order: str, expected: str) -> None:
    assert parse(["01/07/2026 18:05", "2026-07-02 09:00"], order) == (
        [expected, "2026-07-02 09:00"],
        [],
    )


def test_a_date_only_in_the_other_order_is_a_bad_time_under_a_named_order() -> None:
    read, [finding] = parse(["01/07/2026 18:05", "07/13/2026 09:00"], "dmy")
    assert read == ["2026-07-01 18:05", "NaT"]
    assert (finding.code, finding.variant, finding.row) == ("bad_time", "order_dmy", 3)
    assert finding.message == (
        "v.csv, row 3, column '走访时间': '07/13/2026 09:00' is not a date in the order chosen "
        "(day/month/year); correct it, or choose another date order"
    )
    read, [finding] = parse(["13/07/2026 09:00"], "mdy")
    assert (read, finding.variant) == (["NaT"], "order_mdy")


def test_ymd_refuses_dates_with_the_year_last() -> None:
    read, [finding] = parse(["2026/07/01 18:05", "01/07/2026 18:05"], "ymd")
    assert read == ["2026-07-01 18:05", "NaT"]
    assert (finding.code, finding.variant, finding.row) == ("bad_time", "order_ymd", 3)


@pytest.mark.parametrize("order", DATE_ORDERS)
def test_year_first_dates_are_never_ambiguous(order: str) -> None:
    cells = ["2026-07-01 18:05", "2026-01-07T18:05:00+08:00", "2026/7/1 8:05", "2026年1月7日 18:05"]
    read, findings = parse(cells, order)
    assert read == ["2026-07-01 18:05", "2026-01-07 18:05", "2026-07-01 08:05", "2026-01-07 18:05"]
    assert findings == []
    read, [finding] = parse(["2026/13/07 18:05"], order)  # year, day, month is no order
    assert (read, finding.code, finding.variant) == (["NaT"], "bad_time", "")


def test_two_digit_years_and_odd_fields_are_refused() -> None:
    read, findings = parse(["01/07/26 18:05", "001/07/2026", "31/02/2026"])
    assert read == ["NaT", "NaT", "NaT"]
    assert [(f.code, f.variant, f.row) for f in findings] == [
        ("bad_time", "short_year", 2),
        ("bad_time", "", 3),
        ("bad_time", "", 4),  # 31 February and month 31: no date either way
    ]
    assert findings[0].message == (
        "v.csv, row 2, column '走访时间': '01/07/26 18:05' has a two-digit year, which could be "
        "read in several ways; write the year in full, like 2026-07-01 18:05"
    )


def test_an_unknown_date_order_is_an_error() -> None:
    with pytest.raises(BeatcovError, match="unknown date order 'ydm': use one of auto, dmy"):
        parse(["2026-07-01"], "ydm")
