"""Bands at their boundaries, in another zone, and band recommendations worked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import analysis.timeofday
from analysis.timeofday import BANDS, band_of, band_success, recommended_band
from geo.errors import BeatcovError, SchemaError
from geo.settings import DEFAULTS

UTC = DEFAULTS.replace(timezone="UTC")


def _times(values: list[str], tz: str = "UTC") -> pd.Series:
    return pd.Series(pd.to_datetime(values, format="ISO8601")).dt.tz_localize(tz)


def test_band_boundaries_in_utc() -> None:
    times = _times(
        [
            "2024-03-01 " + t
            for t in (
                "05:59:59",
                "06:00",
                "08:59:59",
                "09:00",
                "10:59",
                "11:00",
                "13:59",
                "14:00",
                "16:59",
                "17:00",
                "20:59:59",
                "21:00",
                "00:00",
            )
        ]
    )
    got = band_of(times, settings=UTC).tolist()
    assert got == [
        "other",
        "morning",
        "morning",
        "working",
        "working",
        "midday",
        "midday",
        "working",
        "working",
        "evening",
        "evening",
        "other",
        "other",
    ]


def test_utc_times_are_classified_in_shanghai() -> None:
    # Shanghai is UTC+8 all year
    times = _times(
        [
            "2024-03-01 01:00",  # 09:00 local -> working
            "2024-03-01 00:59",  # 08:59 local -> morning
            "2024-03-01 09:00",  # 17:00 local -> evening
            "2024-03-01 13:00",  # 21:00 local -> other
            "2024-02-29 22:00",  # 06:00 local next day -> morning
            "2024-03-01 03:00",  # 11:00 local -> midday
        ]
    )
    expected = ["working", "morning", "evening", "other", "morning", "midday"]
    assert band_of(times, settings=DEFAULTS.replace(timezone="Asia/Shanghai")).tolist() == expected
    # the default zone comes from settings (Asia/Shanghai)
    assert band_of(times).tolist() == expected
    # the same instants written in New York time are the same bands
    assert band_of(times.dt.tz_convert("America/New_York")).tolist() == expected
    # and in UTC itself they are other bands
    assert band_of(times, settings=UTC).tolist()[:3] == ["other", "other", "working"]


def test_band_series_shape() -> None:
    times = pd.Series(pd.to_datetime(["2024-03-01 10:00", None], utc=True), index=["x", "y"])
    out = band_of(times, settings=UTC)
    assert out.name == "band"
    assert out.index.tolist() == ["x", "y"]
    assert list(out.cat.categories) == list(BANDS)
    assert out["x"] == "working" and pd.isna(out["y"])


def test_band_of_in_parts_is_band_of_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # parts of 2 times: a missing time and Helsinki's change to summer time (03:00 local on
    # 2024-03-31, 01:00 UTC) fall inside and across parts; the index is the input's
    utc = [
        "2024-03-31 00:30",  # 02:30 local (winter, +2) -> other
        None,
        "2024-03-31 04:30",  # 07:30 local (summer, +3) -> morning
        "2024-03-31 05:59",  # 08:59 local -> morning
        "2024-03-31 06:00",  # 09:00 local -> working
    ]
    times = pd.Series(pd.to_datetime(utc, utc=True), index=[5, 4, 3, 2, 1])
    helsinki = DEFAULTS.replace(timezone="Europe/Helsinki")
    whole = band_of(times, settings=helsinki)
    assert whole.tolist()[2:] == ["morning", "morning", "working"]
    assert whole.iloc[0] == "other" and pd.isna(whole.iloc[1])
    monkeypatch.setattr(analysis.timeofday, "BAND_PART_ROWS", 2)
    pd.testing.assert_series_equal(band_of(times, settings=helsinki), whole)


def test_band_of_refuses_naive_times_and_unknown_zones() -> None:
    naive = pd.Series(pd.to_datetime(["2024-03-01 10:00"]))
    with pytest.raises(SchemaError, match="tz-aware"):
        band_of(naive, settings=UTC)
    with pytest.raises(BeatcovError, match="unknown time zone 'Nowhere/Town'"):
        band_of(_times(["2024-03-01 10:00"]), settings=DEFAULTS.replace(timezone="Nowhere/Town"))


def _visits(rows: list[tuple[str, str, str]], verified: list[bool] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["household_id", "time", "outcome"])
    frame.insert(0, "visit_id", [f"v{i}" for i in range(len(frame))])
    frame["officer_id"] = "o1"
    frame["time"] = pd.to_datetime(frame["time"], utc=True)
    if verified is not None:
        frame["verified"] = verified
    return frame


def test_band_success_per_block_and_beat() -> None:
    households = pd.DataFrame(
        {"household_id": ["h1", "h2"], "block_id": ["K1", "K2"], "beat_id": ["P", "P"]}
    )
    visits = _visits(
        [
            ("h1", "2024-03-01 10:00", "nobody_home"),
            ("h1", "2024-03-01 10:30", "contact"),
            ("h1", "2024-03-01 18:00", "refused"),
            ("h1", "2024-03-02 18:30", "contact"),
            ("h2", "2024-03-01 18:00", "nobody_home"),
            ("h2", "2024-03-01 19:00", "contact"),  # unverified: dropped
        ],
        verified=[True, True, True, True, True, False],
    )
    blocks = band_success(visits, households, by="block_id", settings=UTC)
    # K1 working: 2 tries, 1 contact; K1 evening: 2 tries, 1 contact + 1 refusal = 2 home;
    # K2 evening: 1 try, nobody home
    assert blocks.index.tolist() == [("K1", "working"), ("K1", "evening"), ("K2", "evening")]
    assert blocks["attempts"].tolist() == [2, 2, 1]
    assert blocks["contacts"].tolist() == [1, 1, 0]
    assert blocks["home"].tolist() == [1, 2, 0]
    np.testing.assert_allclose(blocks["success_rate"], [0.5, 1.0, 0.0])
    beats = band_success(visits, households, by="beat_id", settings=UTC)
    # P evening: 3 tries, 2 home
    assert beats.loc[("P", "evening"), "attempts"] == 3
    assert beats.loc[("P", "evening"), "success_rate"] == pytest.approx(2 / 3)
    # officer_id comes from the visits; the 03-01 window drops 03-02 18:30 -> 2 evenings
    officers = band_success(
        visits,
        households,
        by="officer_id",
        settings=UTC,
        start=pd.Timestamp("2024-03-01", tz="UTC"),
        end=pd.Timestamp("2024-03-01 23:59", tz="UTC"),
    )
    assert officers.loc[("o1", "evening"), "attempts"] == 2


def test_band_success_unknown_unit() -> None:
    households = pd.DataFrame({"household_id": ["h1"]})
    visits = _visits([("h1", "2024-03-01 10:00", "contact")])
    with pytest.raises(SchemaError, match="grouping column 'block_id'"):
        band_success(visits, households, by="block_id", settings=UTC)


def _repeat(hh: str, clock: str, outcome: str, n: int) -> list[tuple[str, str, str]]:
    return [(hh, f"2024-03-{day:02d} {clock}", outcome) for day in range(1, n + 1)]


def test_working_hours_failures_send_the_block_elsewhere() -> None:
    # One beat, one block, 8 working-hours visits with nobody home, nothing else anywhere.
    # m = 2, base rate 0.5: untried bands keep 0.5; working = (0 + 2*0.5)/(8 + 2) = 0.1.
    # Evening, morning and midday tie at 0.5 -> evening by the tie order.
    households = pd.DataFrame({"household_id": ["h1"], "block_id": ["K1"], "beat_id": ["P"]})
    visits = _visits(_repeat("h1", "10:00", "nobody_home", 8))
    out = recommended_band(visits, households, settings=UTC)
    assert out.loc["K1", "recommended_band"] == "evening"
    assert out.loc["K1", "source"] == "block"
    assert out.loc["K1", "expected_success"] == pytest.approx(0.5)
    # the same with evenings failing: morning wins the tie over midday and working
    visits = _visits(_repeat("h1", "18:00", "nobody_home", 8))
    out = recommended_band(visits, households, settings=UTC)
    assert out.loc["K1", "recommended_band"] == "morning"


def test_recommendation_from_block_or_beat_worked_by_hand() -> None:
    # beat P: K1 (h1) 8 working visits, nobody home; K2 (h2) 2 evening contacts and
    #         2 morning nobody_home; K4 (h4) never visited.
    # beat Q: K3 (h3) 10 morning visits, 9 contacts.
    # m = 2, base 0.5. Prior of P = Q's data: evening 0.5, morning (9+1)/(10+2) = 5/6,
    #   midday 0.5, working 0.5. P's own posterior: evening (2+1)/(2+2) = 0.75,
    #   morning (0 + 2*5/6)/(2+2) = 5/12, midday 0.5, working (0+1)/(8+2) = 0.1.
    # K2 (4 attempts < 8) and K4 (0) use P -> evening 0.75.
    # K1 (8 attempts) uses its own: prior = P without K1 = K2's data on Q's prior:
    #   evening 0.75, morning 5/12, midday 0.5, working (0 + 1)/(0 + 2) = 0.5;
    #   own: working (0 + 2*0.5)/(8+2) = 0.1, others unchanged -> evening 0.75.
    # Prior of Q = P's data: morning (0+1)/(2+2) = 0.25, evening (2+1)/(2+2) = 0.75.
    # K3 (10 attempts) own: morning (9 + 2*0.25)/(10+2) = 9.5/12 = 0.7917 > evening 0.75.
    households = pd.DataFrame(
        {
            "household_id": ["h1", "h2", "h3", "h4"],
            "block_id": ["K1", "K2", "K3", "K4"],
            "beat_id": ["P", "P", "Q", "P"],
        }
    )
    rows = (
        _repeat("h1", "10:00", "nobody_home", 8)
        + _repeat("h2", "18:00", "contact", 2)
        + _repeat("h2", "07:00", "nobody_home", 2)
        + _repeat("h3", "07:00", "contact", 9)
        + [("h3", "2024-03-10 07:30", "nobody_home")]
    )
    out = recommended_band(_visits(rows), households, settings=UTC)
    assert out.index.tolist() == ["K1", "K2", "K3", "K4"]
    assert out["beat_id"].tolist() == ["P", "P", "Q", "P"]
    assert out["recommended_band"].tolist() == ["evening", "evening", "morning", "evening"]
    assert out["source"].tolist() == ["block", "beat", "block", "beat"]
    np.testing.assert_allclose(out["expected_success"], [0.75, 0.75, 9.5 / 12, 0.75])
    assert out["block_attempts"].tolist() == [8, 4, 10, 0]

    # one attempt short of band_min_attempts, K3 falls back to Q's posterior, which has
    # the same data and prior: morning 9.5/12 again, but now from the beat
    strict = recommended_band(_visits(rows), households, settings=UTC.replace(band_min_attempts=11))
    assert strict.loc["K3", "source"] == "beat"
    assert strict.loc["K1", "source"] == "beat"
    assert strict.loc["K3", "expected_success"] == pytest.approx(9.5 / 12)


def test_recommendation_uses_local_time() -> None:
    # 8 failures at 10:00 UTC. In Shanghai (the default zone) that is 18:00, evening:
    # evening sinks to 0.1 and morning wins the tie of the untried bands.
    # Read in UTC they are working-hours failures, so evening wins instead.
    households = pd.DataFrame({"household_id": ["h1"], "block_id": ["K1"], "beat_id": ["P"]})
    visits = _visits(_repeat("h1", "10:00", "nobody_home", 8))
    assert recommended_band(visits, households).loc["K1", "recommended_band"] == "morning"
    in_utc = recommended_band(visits, households, settings=UTC)
    assert in_utc.loc["K1", "recommended_band"] == "evening"
    # every band but working tried and failed in Shanghai -> working (untried, 0.5) wins
    rows = (
        _repeat("h1", "23:00", "nobody_home", 4)  # 07:00 Shanghai, morning
        + _repeat("h1", "04:00", "nobody_home", 4)  # 12:00 Shanghai, midday
        + _repeat("h1", "10:00", "nobody_home", 4)  # 18:00 Shanghai, evening
    )
    out = recommended_band(_visits(rows), households)
    assert out.loc["K1", "recommended_band"] == "working"
    assert out.loc["K1", "expected_success"] == pytest.approx(0.5)


def test_recommendation_needs_blocks() -> None:
    households = pd.DataFrame({"household_id": ["h1"], "beat_id": ["P"]})
    with pytest.raises(SchemaError, match="households lacks column.*block_id"):
        recommended_band(_visits([]), households)
