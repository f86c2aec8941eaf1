"""Beat topology checks on hand-drawn squares whose areas are worked out on paper.

Coordinates are metres in UTM zone 35N (EPSG:32635) offset to central Helsinki.
"""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import MultiPolygon, Polygon, box

from geo.errors import SchemaError
from geo.settings import DEFAULTS
from geo.topology import check_beats

UTM = "EPSG:32635"
X0, Y0 = 385_000.0, 6_672_000.0


def sq(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def beats(**geoms: Polygon | MultiPolygon) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"beat_id": list(geoms)}, geometry=list(geoms.values()), crs=UTM)


def blocks(**geoms: Polygon) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"block_id": list(geoms)}, geometry=list(geoms.values()), crs=UTM)


NO_BLOCKS = gpd.GeoDataFrame({"block_id": []}, geometry=[], crs=UTM)


def test_clean_tiling_has_no_findings() -> None:
    # two beats side by side, each holding two touching blocks
    b = beats(A=sq(0, 0, 100, 200), B=sq(100, 0, 200, 200))
    k = blocks(
        a1=sq(0, 0, 100, 100),
        a2=sq(0, 100, 100, 200),
        b1=sq(100, 0, 200, 100),
        b2=sq(100, 100, 200, 200),
    )
    report = check_beats(k, b)
    assert report.findings == []
    assert report.ok


def test_overlapping_beats() -> None:
    # A is x 0..100, B is x 90..200: they share a 10 x 100 = 1,000 m² strip
    report = check_beats(
        NO_BLOCKS, beats(B=sq(90, 0, 200, 100), A=sq(0, 0, 100, 100)), source="beats.geojson"
    )
    assert report.codes() == ["beats_overlap"]
    f = report.findings[0]
    assert f.severity == "warning"
    assert f.file == "beats.geojson"
    assert f.row == 1
    assert "beats A and B overlap by 1,000 m²" in f.message


def test_tiny_overlap_below_minimum_is_ignored() -> None:
    # 0.005 x 100 = 0.5 m², under the default 1 m²; reported once the minimum is 0.1 m²
    b = beats(A=sq(0, 0, 100.005, 100), B=sq(100, 0, 200, 100))
    assert check_beats(NO_BLOCKS, b).findings == []
    small = check_beats(NO_BLOCKS, b, settings=DEFAULTS.replace(beat_overlap_min_m2=0.1))
    assert small.codes() == ["beats_overlap"]
    assert "0.50 m²" in small.findings[0].message


def test_hole_between_beats_is_a_gap() -> None:
    # Four beats round a 100 x 100 hole: south x 0..300 y 0..100, north y 200..300,
    # west x 0..100 and east x 200..300 for y 100..200 -> gap of 10,000 m².
    b = beats(
        S=sq(0, 0, 300, 100),
        N=sq(0, 200, 300, 300),
        W=sq(0, 100, 100, 200),
        E=sq(200, 100, 300, 200),
    )
    report = check_beats(NO_BLOCKS, b)
    assert report.codes() == ["beats_gap"]
    assert "gap of 10,000 m² between beats E, N, S, W" in report.findings[0].message


def test_narrow_open_strip_is_a_gap_but_a_wide_bay_is_not() -> None:
    # A and B side by side below y=100; C (x 0..100) and D (x 110..200) above, leaving a
    # 10 m strip of 10 x 100 = 1,000 m² open to the north: its mouth is 10 m of a 220 m
    # perimeter (4.5 % <= 10 %), so it is a gap.
    b = beats(
        A=sq(0, 0, 100, 100),
        B=sq(100, 0, 200, 100),
        C=sq(0, 100, 100, 200),
        D=sq(110, 100, 200, 200),
    )
    report = check_beats(NO_BLOCKS, b)
    assert report.codes() == ["beats_gap"]
    # named: the beats sharing an edge with it (A only touches its corner)
    assert "gap of 1,000 m² between beats B, C, D" in report.findings[0].message
    # An L of three beats: the missing north-east square is a bay whose mouth (the hull's
    # diagonal, 141 m) is half its perimeter: the outline's shape, not a gap.
    ell = beats(A=sq(0, 0, 100, 100), B=sq(100, 0, 200, 100), C=sq(0, 100, 100, 200))
    assert check_beats(NO_BLOCKS, ell).findings == []


def test_multipolygon_beat_is_not_contiguous() -> None:
    # A has two squares 100 m apart; the space between them opens wide to the outside
    # (mouth 200 m of a 400 m perimeter), so no gap is reported.
    two = MultiPolygon([sq(0, 0, 100, 100), sq(200, 0, 300, 100)])
    report = check_beats(NO_BLOCKS, beats(Z=sq(0, 200, 300, 300), A=two))
    assert report.codes() == ["beat_not_contiguous"]
    f = report.findings[0]
    assert f.row == 2
    assert "beat A is not contiguous: its polygon has 2 separate parts" in f.message


def test_blocks_in_two_groups_and_split_block() -> None:
    # Three blocks in a row. Beat B is x 100..200, y 0..95; beat A is the U around it.
    # Block m (x 100..200) is 95 % (9,500 m²) in B and 5 % (500 m²) in A: split, counted in B.
    # A keeps w and e, which do not touch: two groups.
    a = sq(0, 0, 300, 100).difference(sq(100, 0, 200, 95))
    b = beats(A=a, B=sq(100, 0, 200, 95))
    k = blocks(w=sq(0, 0, 100, 100), m=sq(100, 0, 200, 100), e=sq(200, 0, 300, 100))
    report = check_beats(k, b)
    assert report.codes() == ["block_split", "beat_not_contiguous"]
    split, contig = report.findings
    assert "block m (10,000 m²) is split: B 9,500 m² (95%), A 500 m² (5%)" in split.message
    assert "counted in beat B" in split.message
    assert "beat A is not contiguous: its 2 blocks form 2 separate groups (e; w)" in (
        contig.message
    )
    assert contig.row == 1


def test_blocks_touching_at_a_corner_are_one_group() -> None:
    # Beat A holds two blocks that touch only at the corner (100, 100): one group.
    b = beats(A=sq(0, 0, 200, 200))
    k = blocks(sw=sq(0, 0, 100, 100), ne=sq(100, 100, 200, 200))
    assert check_beats(k, b).findings == []


def test_block_outside_every_beat() -> None:
    b = beats(A=sq(0, 0, 100, 100))
    k = blocks(inner=sq(0, 0, 100, 100), far=sq(1000, 1000, 1100, 1100))
    report = check_beats(k, b)
    assert report.codes() == ["block_outside_beats"]
    assert "block far (10,000 m²) lies in no beat" in report.findings[0].message
    assert report.findings[0].file == "beats"


def test_missing_id_column() -> None:
    with pytest.raises(SchemaError, match=r"beats lacks column\(s\) beat_id"):
        check_beats(NO_BLOCKS, gpd.GeoDataFrame(geometry=[sq(0, 0, 1, 1)], crs=UTM))
