"""The pages' maps on the demo: priority colours on fixed bins, blocks shown by their names."""

from __future__ import annotations

import geopandas as gpd
import pytest

from analysis.pipeline import Analysis
from analysis.scope import Scope, restrict
from app import mapviews, views
from app.colors import COVERAGE_PALETTE, MISSING_COLOR, PRIORITY_PALETTE, priority_colors
from app.state import MapShapes, build_view
from geo.errors import BeatcovError
from geo.settings import DEFAULTS, Settings


@pytest.fixture(scope="module")
def shapes(demo_analysis: Analysis, demo_data) -> MapShapes:  # noqa: ANN001
    blocks = demo_analysis.blocks
    drawn = blocks[blocks.geometry.notna()]
    return MapShapes(
        edges=gpd.GeoSeries([], crs="EPSG:4326"),
        blocks=drawn.set_index("block_id").geometry,
        beats=demo_data.beats.set_index("beat_id").geometry,
    )


def _fills(layer_map, name: str) -> dict[str, str]:  # noqa: ANN001
    """Return ``{block_id: colour}`` of the map's layer called ``name``."""
    for child in layer_map._children.values():
        if getattr(child, "layer_name", None) == name:
            return child.colors_by_id()
    raise AssertionError(f"no layer {name!r}")


def test_a_block_keeps_its_priority_colour_whatever_the_filter(
    demo_analysis: Analysis,
    demo_data,
    shapes: MapShapes,
    demo_settings: Settings,  # noqa: ANN001
) -> None:
    blocks = demo_analysis.blocks
    colors = priority_colors(settings=demo_settings)
    every = views.gap_blocks(blocks)
    beat = every["beat_id"].iloc[-1]  # the beat of a low-priority gap: its own top differs
    some = views.gap_blocks(blocks, beats=[beat])
    assert 0 < len(some) < len(every)
    beats = demo_data.beats
    all_map = mapviews.gap_map(every, beats, shapes, colors, settings=demo_settings)
    some_map = mapviews.gap_map(some, beats, shapes, colors, settings=demo_settings)
    name = mapviews.t("map.gaps")
    all_fills, some_fills = _fills(all_map, name), _fills(some_map, name)
    assert set(some_fills) == set(some["block_id"])
    assert {b: all_fills[b] for b in some_fills} == some_fills
    # the colours are the fixed bins of the priority (weighted households to visit)
    for block_id, fill in all_fills.items():
        priority = float(every.set_index("block_id").loc[block_id, "priority"])
        bin_ = sum(priority >= e for e in demo_settings.priority_color_edges)
        assert fill == PRIORITY_PALETTE[bin_], (block_id, priority)
    # the demo's worst blocks (96, 93, 82, 81) share the darkest red, the next ones do not
    top = every["priority"].head(6).tolist()
    darkest = [all_fills[b] == PRIORITY_PALETTE[-1] for b in every["block_id"].head(6)]
    assert darkest == [p >= 60 for p in top]


def test_priority_scale_labels_and_bad_edges() -> None:
    scale = priority_colors(settings=DEFAULTS.replace(priority_color_edges=(2, 4.5, 8, 16)))
    assert scale.labels == ("0–2", "2–4.5", "4.5–8", "8–16", "16+")
    assert scale(0.0) == PRIORITY_PALETTE[0] and scale(16.0) == PRIORITY_PALETTE[4]
    for bad in ((5.0, 15.0, 30.0), (0.0, 5.0, 15.0, 30.0), (5.0, 5.0, 15.0, 30.0)):
        with pytest.raises(BeatcovError, match="priority_color_edges|increase"):
            priority_colors(settings=DEFAULTS.replace(priority_color_edges=bad))


def test_gap_map_tooltips_name_the_block(
    demo_analysis: Analysis,
    demo_data,
    shapes: MapShapes,
    demo_settings: Settings,  # noqa: ANN001
) -> None:
    gaps = views.gap_blocks(demo_analysis.blocks).assign(
        name=lambda f: "Long Rd / " + f["block_id"]
    )
    m = mapviews.gap_map(gaps, demo_data.beats, shapes, priority_colors(), settings=demo_settings)
    html = m.get_root().render()
    assert "Long Rd / " + gaps["block_id"].iloc[0] in html


def _layers(layer_map, name: str) -> list:  # noqa: ANN001
    return [c for c in layer_map._children.values() if getattr(c, "layer_name", None) == name]


def _features(layer_map, name: str) -> list[dict]:  # noqa: ANN001
    return [
        f
        for child in layer_map._children.values()
        if getattr(child, "layer_name", None) == name
        for f in child.data["features"]
    ]


def test_my_beat_marks_every_household_by_its_to_do_in_colours_of_no_scale(
    demo_analysis: Analysis,
    demo_data,  # noqa: ANN001
    shapes: MapShapes,
    demo_settings: Settings,
) -> None:
    scope = Scope.for_beats(["B01"])
    view = build_view(restrict(demo_analysis, scope), demo_data, scope)
    rows = views.beat_list(view.households, view.analysis.blocks, ["B01"])
    walk = mapviews.RouteDrawing(rows.iloc[:2].assign(order=[1, 2], arrival="17:05"), None,
                                 rows.geometry.iloc[0])  # fmt: skip
    m, _ = mapviews.beat_blocks_map(
        view.analysis.blocks, rows, view.beats, shapes, walk=walk, settings=demo_settings
    )
    (marks,) = _layers(m, mapviews.t("map.households"))
    assert len(marks.table["rows"]) == len(rows)  # every household of the beat, to-do or not
    wanted = rows["todo"].where(rows["todo"] != "", "none").map(mapviews.TODO_PALETTE)
    assert sorted(marks.colors()) == sorted(wanted)
    homes = rows[rows.geometry.notna()]  # a click on a household returns its block
    assert [r[3] for r in marks.table["rows"]] == [b or None for b in homes["block_id"]]
    legend = mapviews.todo_legend()
    assert set(legend.values()) == set(mapviews.TODO_PALETTE.values())
    assert list(legend) == ["vulnerable, overdue", "open follow-up", "not contacted",
                            "nothing to do"]  # fmt: skip
    scales = {*COVERAGE_PALETTE, *PRIORITY_PALETTE, MISSING_COLOR}
    assert not scales & {*mapviews.TODO_PALETTE.values(), mapviews.ROUTE_COLOR}
    assert len(_features(m, mapviews.t("map.walk"))) == 2  # the stops; no line given
    assert mapviews.todo_legend(urgent_only=True) == {
        "vulnerable, overdue": mapviews.TODO_PALETTE["vulnerable_overdue"],
        "open follow-up": mapviews.TODO_PALETTE["open_follow_up"],
    }
