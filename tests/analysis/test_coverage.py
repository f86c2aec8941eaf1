"""Household status and summaries on a hand-made beat; every figure worked out below.

Window: 2024-03-01 00:00 UTC to 2024-03-31 00:00 UTC (30 days, both ends inside).

=====  ====  =====  =============  ==================================================
hh     beat  block  vulnerable     visits
=====  ====  =====  =============  ==================================================
h1     B1    K1     elderly_alone  a1 contact at start (sat 4, raises an issue),
                                   a2 nobody_home 03-10, a11 contact 03-05 follows a1
h2     B1    K1     ""             a3 contact exactly at end (sat 2); a4 one second
                                   after end (ignored)
h3     B1    K2     NA             a5 contact 1 s before start (outside the window)
h4     B2    K3     disabled       a6 contact at start = exactly 30 days before end (sat 5)
h5     B2    K3     disabled       a7 contact 30 days + 1 s before end; a8 unverified
                                   contact 03-20 (sat 5, not counted)
h6     B2    K3     ""             a9 refused 03-15, raises an issue never followed up
(hX)                               a10: household unknown, ignored
=====  ====  =====  =============  ==================================================
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analysis.coverage import contact_counts, household_status, officer_summary, summarise
from analysis.rules import household_codes, resolve_window
from geo.errors import BeatcovError, SchemaError
from geo.settings import DEFAULTS

START = pd.Timestamp("2024-03-01 00:00", tz="UTC")
END = pd.Timestamp("2024-03-31 00:00", tz="UTC")
SECOND = 1 / 86400


@pytest.fixture
def households() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "household_id": ["h1", "h2", "h3", "h4", "h5", "h6"],
            "beat_id": ["B1", "B1", "B1", "B2", "B2", "B2"],
            "block_id": ["K1", "K1", "K2", "K3", "K3", "K3"],
            "station": ["S"] * 6,
            "vulnerable": ["elderly_alone", "", None, "disabled", "disabled", ""],
        },
        index=[10, 11, 12, 13, 14, 15],
    )


@pytest.fixture
def visits() -> pd.DataFrame:
    rows = [
        ("a1", "h1", "o1", "2024-03-01 00:00:00", "contact", "leak", "", 4, True),
        ("a2", "h1", "o1", "2024-03-10 00:00:00", "nobody_home", "", "", None, True),
        ("a3", "h2", "o1", "2024-03-31 00:00:00", "contact", "", "", 2, True),
        ("a4", "h2", "o1", "2024-03-31 00:00:01", "contact", "", "", 1, True),
        ("a5", "h3", "o2", "2024-02-29 23:59:59", "contact", "", "", None, True),
        ("a6", "h4", "o2", "2024-03-01 00:00:00", "contact", "", "", 5, True),
        ("a7", "h5", "o2", "2024-02-29 23:59:59", "contact", "", "", None, True),
        ("a8", "h5", "o2", "2024-03-20 00:00:00", "contact", "", "", 5, False),
        ("a9", "h6", "o3", "2024-03-15 00:00:00", "refused", "lights", "", None, True),
        ("a10", "hX", "o3", "2024-03-15 00:00:00", "contact", "", "", None, True),
        ("a11", "h1", "o1", "2024-03-05 00:00:00", "contact", "", "a1", None, True),
    ]
    cols = [
        "visit_id",
        "household_id",
        "officer_id",
        "time",
        "outcome",
        "issue_raised",
        "follow_up_of",
        "satisfaction",
        "verified",
    ]
    frame = pd.DataFrame(rows, columns=cols)
    frame["time"] = pd.to_datetime(frame["time"], utc=True)
    frame["satisfaction"] = frame["satisfaction"].astype("Int64")
    return frame


@pytest.fixture
def status(households: pd.DataFrame, visits: pd.DataFrame) -> pd.DataFrame:
    return household_status(households, visits, start=START, end=END)


def test_household_figures(status: pd.DataFrame) -> None:
    st = status.set_index("household_id")
    # h1: a1, a2, a11 -> 3 attempts; a1 and a11 are contacts; h2: a3 only (a4 after end);
    # h5: a8 is an attempt but unverified; h6: a9 refused is an attempt, no contact
    assert st["attempts"].tolist() == [3, 1, 0, 1, 1, 1]
    assert st["contacts"].tolist() == [2, 1, 0, 1, 0, 0]
    assert st["contacted"].tolist() == [True, True, False, True, False, False]
    # last contact looks before the window too (h3, h5), but not after END (h2's a4)
    assert st.loc["h1", "last_contact"] == pd.Timestamp("2024-03-05", tz="UTC")
    assert st.loc["h2", "last_contact"] == END
    assert st.loc["h3", "last_contact"] == pd.Timestamp("2024-02-29 23:59:59", tz="UTC")
    assert pd.isna(st.loc["h6", "last_contact"])
    # days since: h1 26, h2 0, h3 30 days 1 s, h4 exactly 30, h5 30 days 1 s, h6 never
    np.testing.assert_allclose(
        st["days_since_contact"], [26.0, 0.0, 30 + SECOND, 30.0, 30 + SECOND, np.nan]
    )
    # never contacted h6 has waited the whole 30-day window
    assert st.loc["h6", "days_waiting"] == 30.0
    assert st["vulnerable"].tolist() == [True, False, False, True, True, False]
    # h4's contact exactly 30 days before END is in time; h5's is one second too old
    assert st["vulnerable_overdue"].tolist() == [False, False, False, False, True, False]
    # h1's issue was followed up (a11); h6's issue (03-15, limit 03-29) is open at 03-31
    assert st["open_follow_ups"].tolist() == [0, 0, 0, 0, 0, 1]
    # ratings of counted visits in the window: h1 4, h2 2 (a4 after end), h4 5;
    # h5's 5 is on an unverified visit
    np.testing.assert_allclose(st["mean_satisfaction"], [4.0, 2.0, np.nan, 5.0, np.nan, np.nan])


def test_status_keeps_the_households_index_and_grouping_columns(status: pd.DataFrame) -> None:
    assert status.index.tolist() == [10, 11, 12, 13, 14, 15]
    assert {"block_id", "beat_id", "station"} <= set(status.columns)
    assert "vulnerable" in status.columns and "geometry" not in status.columns


def test_repeated_index_labels_do_not_misalign(
    households: pd.DataFrame, visits: pd.DataFrame
) -> None:
    repeated = households.set_axis([0, 0, 0, 1, 1, 1])
    st = household_status(repeated, visits, start=START, end=END)
    assert st.index.tolist() == [0, 0, 0, 1, 1, 1]
    assert st["household_id"].tolist() == ["h1", "h2", "h3", "h4", "h5", "h6"]
    assert st["attempts"].tolist() == [3, 1, 0, 1, 1, 1]
    assert st["last_contact"].iloc[1] == END


def test_include_unverified_counts_a8(households: pd.DataFrame, visits: pd.DataFrame) -> None:
    settings = DEFAULTS.replace(include_unverified=True)
    st = household_status(households, visits, start=START, end=END, settings=settings)
    h5 = st.set_index("household_id").loc["h5"]
    # a8 (03-20) now counts: 11 days before END, no longer overdue, rating 5
    assert (h5["contacts"], h5["contacted"], h5["vulnerable_overdue"]) == (1, True, False)
    assert h5["days_since_contact"] == 11.0
    assert h5["mean_satisfaction"] == 5.0


def test_contact_counts(households: pd.DataFrame, visits: pd.DataFrame) -> None:
    # counted contacts in the window: h1 a1 and a11 (a2 nobody_home), h2 a3 (a4 after END),
    # h3 none (a5 before START), h4 a6, h5 none (a8 unverified), h6 none (a9 refused)
    assert contact_counts(households, visits, start=START, end=END).tolist() == [2, 1, 0, 1, 0, 0]
    # as logged: a8 counts too
    logged = DEFAULTS.replace(include_unverified=True)
    counts = contact_counts(households, visits, start=START, end=END, settings=logged)
    assert counts.tolist() == [2, 1, 0, 1, 1, 0]


def test_given_codes_give_the_same_figures(households: pd.DataFrame, visits: pd.DataFrame) -> None:
    codes = household_codes(households, visits)
    assert codes.tolist() == [0, 0, 1, 1, 2, 3, 4, 4, 5, -1, 0]  # a10's hX is unknown
    given = household_status(households, visits, start=START, end=END, codes=codes)
    pd.testing.assert_frame_equal(given, household_status(households, visits, start=START, end=END))
    officers = officer_summary(given, visits, start=START, end=END, codes=codes)
    pd.testing.assert_frame_equal(officers, officer_summary(given, visits, start=START, end=END))


def test_without_verified_column_all_visits_count(
    households: pd.DataFrame, visits: pd.DataFrame
) -> None:
    st = household_status(households, visits.drop(columns="verified"), start=START, end=END)
    assert st.set_index("household_id").loc["h5", "contacts"] == 1


def test_overdue_days_setting(households: pd.DataFrame, visits: pd.DataFrame) -> None:
    # with 26 days h1 (last contact exactly 26 days ago) is in time, h4 (30 days) overdue
    settings = DEFAULTS.replace(vulnerable_overdue_days=26)
    st = household_status(households, visits, start=START, end=END, settings=settings)
    assert st["vulnerable_overdue"].tolist() == [False, False, False, True, True, False]


def test_date_window_is_whole_local_days(households: pd.DataFrame, visits: pd.DataFrame) -> None:
    # dates 03-01..03-30 in UTC: [03-01 00:00, 03-31 00:00) -> a3 at 03-31 00:00 now outside
    settings = DEFAULTS.replace(timezone="UTC")
    st = household_status(
        households,
        visits,
        start=dt.date(2024, 3, 1),
        end=dt.date(2024, 3, 30),
        settings=settings,
    ).set_index("household_id")
    assert st.loc["h2", "attempts"] == 0
    assert pd.isna(st.loc["h2", "last_contact"])
    # as of 03-31 00:00 UTC, so h4 is still exactly 30 days
    assert st.loc["h4", "days_since_contact"] == 30.0


def test_window_in_local_zone_of_settings() -> None:
    # a naive end is read in settings.timezone (Shanghai, UTC+8)
    w = resolve_window(pd.Timestamp("2024-03-01"), pd.Timestamp("2024-03-31"))
    assert w.end == pd.Timestamp("2024-03-30 16:00", tz="UTC")
    assert w.end_inclusive


def test_summary_per_block(status: pd.DataFrame) -> None:
    out = summarise(status, by=["beat_id", "block_id"])
    assert out.index.tolist() == [("B1", "K1"), ("B1", "K2"), ("B2", "K3")]
    # K1: h1, h2 both contacted; 4 attempts (a1 a2 a11 a3), 3 contacts (a1 a11 a3)
    # K2: h3 untouched in the window; K3: h4 contacted of h4 h5 h6; 3 attempts, 1 contact
    assert out["households"].tolist() == [2, 1, 3]
    assert out["contacted_households"].tolist() == [2, 0, 1]
    np.testing.assert_allclose(out["coverage"], [1.0, 0.0, 1 / 3])
    assert out["attempts"].tolist() == [4, 0, 3]
    assert out["contacts"].tolist() == [3, 0, 1]
    np.testing.assert_allclose(out["attempts_per_contact"], [4 / 3, np.nan, 3.0])
    assert out["vulnerable_households"].tolist() == [1, 0, 2]
    assert out["vulnerable_overdue"].tolist() == [0, 0, 1]
    assert out["open_follow_ups"].tolist() == [0, 0, 1]
    # household means: K1 (4 + 2) / 2; K3 only h4 rated 5
    np.testing.assert_allclose(out["mean_satisfaction"], [3.0, np.nan, 5.0])
    # waits of households not contacted: K2 h3 30 d 1 s; K3 h5 30 d 1 s and h6 30 d
    np.testing.assert_allclose(out["mean_days_waiting"], [np.nan, 30 + SECOND, 30 + SECOND / 2])
    assert out.loc[("B1", "K1"), "last_contact"] == END


def test_summary_per_beat_and_station(status: pd.DataFrame) -> None:
    beats = summarise(status, by="beat_id")
    # B1: 2 of 3 contacted; B2: 1 of 3
    np.testing.assert_allclose(beats["coverage"], [2 / 3, 1 / 3])
    station = summarise(status, by="station")
    assert station.loc["S", "households"] == 6
    assert station.loc["S", "contacted_households"] == 3


def test_summary_per_officer_is_refused_with_a_pointer(status: pd.DataFrame) -> None:
    with pytest.raises(SchemaError, match="use officer_summary"):
        summarise(status, by="officer_id")


def test_summary_missing_column(status: pd.DataFrame) -> None:
    with pytest.raises(SchemaError, match="status lacks column.*block_id"):
        summarise(status.drop(columns="block_id"), by="block_id")


def test_officers_without_mapping(status: pd.DataFrame, visits: pd.DataFrame) -> None:
    out = officer_summary(status, visits, start=START, end=END)
    # o1: a1 a2 a11 (h1), a3 (h2) -> 4 attempts, 3 contacts, h1 h2 both reached
    # o2: a6 (h4 contact), a8 (h5, unverified) -> 2 attempts, 1 contact, 1 of 2 reached
    # o3: a9 (h6 refused) -> 1 attempt; a10 is for an unknown household
    assert out.index.tolist() == ["o1", "o2", "o3"]
    assert out["households"].tolist() == [2, 2, 1]
    assert out["contacted_households"].tolist() == [2, 1, 0]
    np.testing.assert_allclose(out["coverage"], [1.0, 0.5, 0.0])
    assert out["attempts"].tolist() == [4, 2, 1]
    assert out["contacts"].tolist() == [3, 1, 0]
    np.testing.assert_allclose(out["attempts_per_contact"], [4 / 3, 2.0, np.nan])
    assert out["vulnerable_overdue"].tolist() == [0, 1, 0]
    assert out["open_follow_ups"].tolist() == [0, 0, 1]
    # o1: h1 mean 4, h2 mean 2 -> 3; o2: h4 5 (h5's rating unverified)
    np.testing.assert_allclose(out["mean_satisfaction"], [3.0, 5.0, np.nan])


def test_officers_with_beats(status: pd.DataFrame, visits: pd.DataFrame) -> None:
    mapping = {"o1": "B1", "o2": ["B2"], "o4": "B2"}
    out = officer_summary(status, visits, start=START, end=END, officer_beats=mapping)
    # o1 answers for h1 h2 h3 and reached h1 h2 -> 2/3; o2 for h4 h5 h6, reached h4 -> 1/3;
    # o3 has no beat -> 0 households, coverage NaN; o4 shares B2 but visited nobody -> 0
    assert out.index.tolist() == ["o1", "o2", "o3", "o4"]
    assert out["households"].tolist() == [3, 3, 0, 3]
    assert out["attempted_households"].tolist() == [2, 2, 1, 0]
    assert out["contacted_households"].tolist() == [2, 1, 0, 0]
    np.testing.assert_allclose(out["coverage"], [2 / 3, 1 / 3, np.nan, 0.0])
    assert out["vulnerable_households"].tolist() == [1, 2, 0, 2]
    assert out["open_follow_ups"].tolist() == [0, 1, 0, 1]
    # the beats table (officer_ids ';'-separated) gives the same answer
    beats = pd.DataFrame({"beat_id": ["B1", "B2"], "officer_ids": ["o1", "o2; o4"]})
    same = officer_summary(status, visits, start=START, end=END, officer_beats=beats)
    pd.testing.assert_frame_equal(same, out)


def test_visits_without_officer_are_left_out(status: pd.DataFrame, visits: pd.DataFrame) -> None:
    anonymous = visits.assign(officer_id=visits["officer_id"].mask(visits["visit_id"] == "a1"))
    out = officer_summary(status, anonymous, start=START, end=END)
    # o1 keeps a2, a3, a11: 3 attempts, 2 contacts (a3, a11), still h1 and h2 reached;
    # a1's rating (4) is gone, leaving h2's 2
    assert (out.loc["o1", "attempts"], out.loc["o1", "contacts"]) == (3, 2)
    assert out.loc["o1", "contacted_households"] == 2
    assert out.loc["o1", "mean_satisfaction"] == 2.0


def test_officers_only_outside_the_window_are_left_out(
    status: pd.DataFrame, visits: pd.DataFrame
) -> None:
    # a5 (before START) becomes o9's only visit and the first row; a10 (unknown household)
    # o8's only one: neither is listed; the others in the order their kept visits come
    moved = visits.assign(
        officer_id=visits["officer_id"].mask(visits["visit_id"] == "a5", "o9")
    ).assign(officer_id=lambda v: v["officer_id"].mask(v["visit_id"] == "a10", "o8"))
    first = moved.iloc[[4, *range(4), *range(5, len(moved))]]  # a5 first
    out = officer_summary(status, first[::-1], start=START, end=END)
    # reversed: a11 (o1) comes first, then a9 (o3), then a8 (o2)
    assert out.index.tolist() == ["o1", "o3", "o2"]
    assert out["attempts"].tolist() == [4, 1, 2]


def test_officers_coded_as_categories_summarise_as_their_text(
    status: pd.DataFrame, visits: pd.DataFrame
) -> None:
    """The command line's visits hold officers as categoricals: the same summary, in the
    same order, with a missing officer, an unused category and categories sorted otherwise
    than the visits meet them (o9 is first in the categories, o3 first among the visits)."""
    text = visits.assign(officer_id=visits["officer_id"].mask(visits["visit_id"] == "a2"))[::-1]
    kind = pd.CategoricalDtype(["o9", "o2", "o1", "o3"])  # o9: no visit
    coded = text.astype({"officer_id": kind})
    mapping = {"o1": "B1", "o2": ["B2"], "o4": "B2"}
    for beats in (None, mapping):
        expected = officer_summary(status, text, start=START, end=END, officer_beats=beats)
        got = officer_summary(status, coded, start=START, end=END, officer_beats=beats)
        pd.testing.assert_frame_equal(got, expected)
    assert expected.index.tolist() == ["o1", "o2", "o3", "o4"]
    alone = officer_summary(status, coded, start=START, end=END)
    assert alone.index.tolist() == ["o1", "o3", "o2"]  # as the reversed visits meet them
    assert alone.loc["o1", "attempts"] == 3  # a2 has no officer


def test_object_ids_take_the_general_lookup(households: pd.DataFrame, visits: pd.DataFrame) -> None:
    # ids held as Python objects (not the text dtype) give the same status
    as_objects = household_status(
        households.astype({"household_id": object}),
        visits.astype({"household_id": object}),
        start=START,
        end=END,
    )
    expected = household_status(households, visits, start=START, end=END)
    assert as_objects["attempts"].tolist() == expected["attempts"].tolist()
    assert as_objects["vulnerable_overdue"].tolist() == expected["vulnerable_overdue"].tolist()


def test_duplicate_household_ids(households: pd.DataFrame, visits: pd.DataFrame) -> None:
    dup = households.assign(household_id=["h1", "h2", "h3", "h4", "h5", "h1"])
    with pytest.raises(SchemaError, match="'h1' appears more than once"):
        household_status(dup, visits, start=START, end=END)


def test_window_backwards(households: pd.DataFrame, visits: pd.DataFrame) -> None:
    with pytest.raises(BeatcovError, match="is after its end"):
        household_status(households, visits, start=END, end=START)


def test_unknown_zone(households: pd.DataFrame, visits: pd.DataFrame) -> None:
    with pytest.raises(BeatcovError, match="unknown time zone 'Mars/Olympus'"):
        household_status(
            households,
            visits,
            start=START,
            end=END,
            settings=DEFAULTS.replace(timezone="Mars/Olympus"),
        )


def test_no_visits(households: pd.DataFrame, visits: pd.DataFrame) -> None:
    st = household_status(households, visits.iloc[:0], start=START, end=END)
    # nothing happened: no attempts, both vulnerable households never contacted -> overdue
    assert st["attempts"].sum() == 0
    assert st["vulnerable_overdue"].tolist() == [True, False, False, True, True, False]
    assert st["last_contact"].isna().all()
