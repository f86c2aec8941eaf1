"""Stored analyses: read back cell for cell and dtype for dtype, under a key naming every input."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from analysis import stored
from analysis.pipeline import Analysis
from analysis.stored import (
    TABLES,
    analysis_from_parts,
    analysis_parts,
    file_digest,
    read_analysis,
    result_key,
    write_analysis,
)
from geo.errors import Finding, ValidationReport
from geo.results import ResultStore
from geo.settings import DEFAULTS

DAY = dt.date(2026, 7, 1)


def assert_same(left: Analysis, right: Analysis) -> None:
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(left, name), getattr(right, name), check_exact=True)
        assert type(getattr(left, name)) is type(getattr(right, name)), name
    assert left.topology.findings == right.topology.findings
    assert [f.values for f in left.topology.findings] == [f.values for f in right.topology.findings]
    assert left.window == right.window
    assert [type(w) for w in left.window] == [type(w) for w in right.window]


def test_the_demo_analysis_reads_back_identical(demo_analysis: Analysis) -> None:
    back = analysis_from_parts(analysis_parts(demo_analysis))
    assert_same(demo_analysis, back)
    assert back.blocks.crs == demo_analysis.blocks.crs
    # every vertex exactly, and the outside pseudo-blocks still without geometry
    assert list(shapely.to_wkb(back.blocks.geometry.to_numpy())) == list(
        shapely.to_wkb(demo_analysis.blocks.geometry.to_numpy())
    )


def _small() -> Analysis:
    """A hand-made analysis with what Parquet alone would not give back as it was."""
    blocks = gpd.GeoDataFrame(
        {
            "block_id": ["B1", "outside:B2"],
            "band": pd.Categorical(["evening", "early"], categories=["early", "evening"]),
            "ordered": pd.Categorical(["lo", "hi"], categories=["lo", "hi"], ordered=True),
            "mixed": pd.Series(["a", None], dtype=object),
            "nan": pd.Series([None, float("nan")], dtype=object),
            "count": pd.array([1, None], dtype="Int64"),
        },
        geometry=[box(0, 0, 1, 1), None],
        crs="EPSG:4326",
    )
    households = pd.DataFrame(
        {
            "household_id": pd.Series(["H1", "H2"], dtype=object),
            "last_contact": pd.to_datetime(["2026-07-01 08:00", None]).tz_localize("Asia/Shanghai"),
            "contacted": [True, False],
        }
    )
    trend = pd.DataFrame(
        {"week_start": pd.to_datetime(["2026-06-29"]).astype("datetime64[s]"), "n": [3]}
    )
    empty = pd.DataFrame(
        {"beat_id": pd.Series([], dtype="str"), "x": pd.Series([], dtype="float64")}
    )
    finding = Finding(
        "warning",
        "beats_gap",
        "Beats leave a gap of 12 m² between B1 and B2: redraw them",
        "beats",
        row=3,
        column="名称",
        values={"area": 12.0, "beats": ["B1", "B2"]},
    )
    return Analysis(
        blocks=blocks,
        households=households,
        visits=empty.copy(),
        beats=empty.copy(),
        stations=empty.copy(),
        officers=empty.copy(),
        trend=trend,
        topology=ValidationReport([finding]),
        window=(pd.Timestamp("2026-07-01"), pd.Timestamp("2026-07-31")),
    )


def test_categories_objects_nullable_integers_and_seconds_read_back_as_they_were() -> None:
    small = _small()
    back = analysis_from_parts(analysis_parts(small))
    assert_same(small, back)
    assert back.blocks["mixed"].iloc[1] is None
    assert back.blocks["nan"].iloc[0] is None and back.blocks["nan"].iloc[1] != 0
    assert pd.isna(back.blocks["nan"].iloc[1]) and back.blocks["nan"].iloc[1] is not None
    assert back.blocks["ordered"].cat.ordered


def test_read_and_write_through_the_store(tmp_path: Path, demo_analysis: Analysis) -> None:
    store = ResultStore(tmp_path)
    assert read_analysis(store, "demo", "k1") is None
    write_analysis(store, "demo", "k1", demo_analysis)
    back = read_analysis(store, "demo", "k1")
    assert back is not None
    assert_same(demo_analysis, back)


def test_a_result_of_another_format_or_missing_parts_is_not_read(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    parts = analysis_parts(_small())
    store.write("d1", "old", {**parts, "meta.json": b'{"format": 0}'})
    store.write("d1", "cut", {k: v for k, v in parts.items() if k != "visits.parquet"})
    store.write("d1", "junk", {"meta.json": b"not json"})
    assert read_analysis(store, "d1", "old") is None
    assert read_analysis(store, "d1", "cut") is None
    assert read_analysis(store, "d1", "junk") is None
    with pytest.raises(ValueError, match="format 0"):
        analysis_from_parts({**parts, "meta.json": b'{"format": 0}'})


def _key(**changes: object) -> str:
    options: dict[str, object] = {
        "dataset_id": "d1",
        "streets": "s1",
        "window": (DAY, DAY + dt.timedelta(days=29)),
        "settings": DEFAULTS,
        "reviews": (("V1", "dismissed"),),
    }
    options.update(changes)
    return result_key(**options)  # type: ignore[arg-type]


def test_the_key_changes_with_every_input_and_nothing_else() -> None:
    base = _key()
    assert base == _key()  # the same inputs: the same key, in any process
    changed = [
        _key(dataset_id="d2"),
        _key(streets="s2"),
        _key(window=(DAY, DAY + dt.timedelta(days=30))),
        _key(window=(DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=29))),
        _key(settings=DEFAULTS.replace(timezone="Asia/Urumqi")),
        _key(settings=dataclasses.replace(DEFAULTS, include_unverified=True)),
        _key(reviews=()),
        _key(reviews=(("V1", "confirmed"),)),
    ]
    assert base not in changed
    assert len(set(changed)) == len(changed)


def test_a_change_of_code_changes_every_key(monkeypatch: pytest.MonkeyPatch) -> None:
    before = _key()
    monkeypatch.setattr(stored, "code_fingerprint", lambda: "another beatcov")
    assert _key() != before


def test_the_code_fingerprint_covers_the_sources_of_geo_and_analysis() -> None:
    fingerprint = stored.code_fingerprint()
    assert len(fingerprint) == 64 and fingerprint == stored.code_fingerprint()
    assert {"geo", "analysis"} == set(stored._PACKAGES)


def test_a_file_digest_follows_the_content(tmp_path: Path) -> None:
    path = tmp_path / "streets.osm"
    path.write_bytes(b"<osm/>")
    first = file_digest(path)
    assert first == "4649a8f908b805b023a8a4f85a47e9d82eaba4086e29d3b3f4ea0a051b314ad5"
    path.write_bytes(b"<osm version='0.6'/>")  # another size: read again
    assert file_digest(path) != first
