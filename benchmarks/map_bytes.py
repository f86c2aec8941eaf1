"""Bytes the server sends for a map per rerun: the demo and a 5,000-block city (issue #15).

Run from the repository root::

    PYTHONPATH=. .venv/bin/python benchmarks/map_bytes.py
    PYTHONPATH=. .venv/bin/python benchmarks/map_bytes.py --blocks 5000

The demo is analysed as the app analyses it (:func:`analysis.pipeline.analyse` over its
named street blocks, default window, every beat in scope). The city is the demo tiled side
by side (blocks, beats, streets, households and their figures, ids suffixed with the
tile's number) until it has ``--blocks`` blocks; the last tile is cut to the number.

The Overview and Gaps maps are built with the pages' own functions
(:func:`app.mapviews.overview_map`, :func:`app.mapviews.gap_map`, then
:func:`app.maps.prepared`), and their size is what :func:`app._folium_compat.show` hands
the component, serialised as JSON as Streamlit does for a component's arguments (the
``json_args`` of the ``ForwardMsg``): ``args_bytes``. Files the map's script fetches from
the app (:mod:`app.map_files`: the geometry, served once, then kept by the browser) are
counted apart as ``file_bytes``; the first view costs both, a rerun where the map changes
costs only ``args_bytes`` (an unchanged map costs a reference: Streamlit's message cache).

Printed: one JSON line with, per place (``demo``, ``city``), the number of blocks and per
map (``overview``; ``gaps``, every gap; ``gaps_filtered``, one beat's gaps, a rerun where
the colouring and filter change) the bytes, plus the CPU seconds spent building.

Before the shapes were served (main at 5bb7d0b, everything inline, 6 decimals) the same
script printed ``args_bytes`` of 145,512 / 97,539 / 57,651 for the demo and 4,203,321 /
2,717,205 / 1,122,683 for the 5,000-block city (Overview / Gaps / one beat's gaps); it still
runs there (``"geometry": "inline"``).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from analysis.pipeline import analyse  # noqa: E402
from analysis.scope import Scope, restrict  # noqa: E402
from analysis.units import name_units  # noqa: E402
from app import mapviews, views  # noqa: E402
from app.colors import priority_colors  # noqa: E402
from app.maps import SIMPLIFY_M, prepared  # noqa: E402
from app.state import MapShapes, View, build_view  # noqa: E402
from geo.blocks import blocks_from_graph  # noqa: E402
from geo.demo import DEMO_FILES, load_demo  # noqa: E402
from geo.projection import project, to_wgs84  # noqa: E402
from geo.settings import DEFAULTS, Settings  # noqa: E402
from geo.streets import graph_frames, load_streets  # noqa: E402

try:  # the served geometry (absent before issue #15's maps)
    from app import map_files
except ImportError:  # pragma: no cover - the figures of main, before the change
    map_files = None  # type: ignore[assignment]


def _simplified(geometry: gpd.GeoSeries) -> gpd.GeoSeries:
    return to_wgs84(project(geometry).simplify(SIMPLIFY_M, preserve_topology=True))


def demo() -> tuple[View, MapShapes, Settings]:
    """Return the demo's view of every beat, its map shapes and settings (as the app's)."""
    data = load_demo()
    settings = DEFAULTS.replace(timezone=data.timezone)
    graph = load_streets(DEMO_FILES["streets"], network_type=settings.network_type)
    units = name_units(blocks_from_graph(graph, settings=settings), graph, settings=settings)
    walk = load_streets(DEMO_FILES["streets"], network_type="walk")
    result = analyse(
        data.beats, data.households, data.visits, units=units, walk_graph=walk, settings=settings
    )
    scope = Scope.everything()
    view = build_view(restrict(result, scope), data, scope)
    shapes = MapShapes(
        edges=_simplified(graph_frames(graph)[1].geometry),
        blocks=_simplified(units.set_index("block_id").geometry),
        beats=_simplified(data.beats.set_index("beat_id").geometry),
    )
    return view, shapes, settings


def _shift(frame: Any, dx: float, dy: float, suffix: str, ids: list[str]) -> Any:
    out = frame.copy()
    for column in ids:
        if column in out.columns:
            out[column] = out[column].astype(str) + suffix
    if isinstance(out, gpd.GeoDataFrame):
        out = out.set_geometry(out.geometry.translate(dx, dy))
    return out


def _series(shapes: gpd.GeoSeries, dx: float, dy: float, suffix: str) -> gpd.GeoSeries:
    moved = shapes.translate(dx, dy)
    moved.index = [f"{i}{suffix}" for i in shapes.index]
    return moved


def city(view: View, shapes: MapShapes, n_blocks: int) -> tuple[View, MapShapes]:
    """Return the demo tiled side by side until it has ``n_blocks`` blocks (the last cut)."""
    west, south, east, north = shapes.blocks.total_bounds
    width, height = (east - west) * 1.05, (north - south) * 1.05
    copies = math.ceil(n_blocks / len(view.analysis.blocks))
    columns = math.ceil(math.sqrt(copies))
    ids = ["block_id", "beat_id", "household_id"]
    parts: dict[str, list[Any]] = {k: [] for k in ("blocks", "beats", "homes", "sb", "sbeat", "e")}
    for k in range(copies):
        dx, dy, suffix = (k % columns) * width, (k // columns) * height, f"~{k}"
        parts["blocks"].append(_shift(view.analysis.blocks, dx, dy, suffix, ids))
        parts["beats"].append(_shift(view.beats, dx, dy, suffix, ids))
        parts["homes"].append(_shift(view.households, dx, dy, suffix, ids))
        parts["sb"].append(_series(shapes.blocks, dx, dy, suffix))
        parts["sbeat"].append(_series(shapes.beats, dx, dy, suffix))
        parts["e"].append(shapes.edges.translate(dx, dy))
    blocks = pd.concat(parts["blocks"], ignore_index=True).iloc[:n_blocks]
    analysis = view.analysis.__class__(**{**_fields(view.analysis), "blocks": blocks})
    tiled = View(
        analysis=analysis,
        households=pd.concat(parts["homes"], ignore_index=True),
        visits=view.visits.iloc[0:0],
        beats=pd.concat(parts["beats"], ignore_index=True),
    )
    tiled_shapes = MapShapes(
        edges=gpd.GeoSeries(pd.concat(parts["e"], ignore_index=True), crs=shapes.edges.crs),
        blocks=gpd.GeoSeries(pd.concat(parts["sb"]), crs=shapes.blocks.crs),
        beats=gpd.GeoSeries(pd.concat(parts["sbeat"]), crs=shapes.beats.crs),
    )
    return tiled, tiled_shapes


def _fields(analysis: Any) -> dict[str, Any]:
    return {f: getattr(analysis, f) for f in analysis.__dataclass_fields__}


def args_bytes(args: Any) -> int:
    """Return the size of the component's arguments as Streamlit serialises them (JSON)."""
    sent = asdict(args)
    sent = {
        "script": sent["script"],
        "header": sent["header"],
        "html": sent["html"],
        "id": sent["map_id"],
        "key": sent["component_key"],
        "height": 480,
        "width": None,
        "returned_objects": list(sent["returned_objects"]),
        "default": dict(sent["defaults"]),
        "zoom": None,
        "center": None,
        "feature_group": None,
        "return_on_hover": False,
        "layer_control": None,
        "pixelated": False,
        "css_links": list(sent["css_links"]),
        "js_links": list(sent["js_links"]),
        "wrap_longitude": False,
    }
    return len(json.dumps(sent).encode("utf-8"))


def file_bytes(script: str) -> int:
    """Return the bytes of the app's map files the script fetches (0 before issue #15)."""
    if map_files is None:
        return 0
    return sum(p.stat().st_size for p in map_files.fetched_files(script))


def measure(view: View, shapes: MapShapes, settings: Settings) -> dict[str, Any]:
    """Return the bytes of Overview's and Gaps' maps (all gaps, then one beat's)."""
    blocks = view.analysis.blocks
    out: dict[str, Any] = {"blocks": len(blocks)}
    began = time.process_time()
    worst = views.worst_gaps(blocks, count=5)
    m, _ = mapviews.overview_map(blocks, view.beats, worst, shapes, settings=settings)
    out["overview"] = _sizes(m)
    colors = priority_colors(settings=settings)
    beat_ids = sorted(view.beats["beat_id"])
    for name, chosen in (("gaps", []), ("gaps_filtered", beat_ids[:1])):
        gaps = views.gap_blocks(blocks, beats=chosen, vulnerable_only=False, reasons=[])
        urgent = views.urgent_households(view.households, beats=chosen)
        bounds = view.beats[view.beats["beat_id"].isin(chosen or beat_ids)]
        m = mapviews.gap_map(
            gaps, bounds, shapes, colors, urgent=urgent, settings=settings, **_scope(blocks)
        )
        out[name] = _sizes(m)
    out["cpu_s"] = round(time.process_time() - began, 2)
    return out


def _scope(blocks: pd.DataFrame) -> dict[str, Any]:
    """The Gaps page's keyword naming every block in scope, where gap_map takes it."""
    import inspect

    if "scope_blocks" in inspect.signature(mapviews.gap_map).parameters:
        return {"scope_blocks": blocks["block_id"]}
    return {}


def _sizes(m: Any) -> dict[str, int]:
    args = prepared(m, key="map")
    sent = args_bytes(args)
    files = file_bytes(args.script)
    return {"args_bytes": sent, "file_bytes": files, "first_view_bytes": sent + files}


def main(argv: list[str] | None = None) -> None:
    """Print the JSON line described in the module's docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=5000, help="blocks of the tiled city")
    options = parser.parse_args(argv)
    view, shapes, settings = demo()
    result = {"benchmark": "map_bytes", "demo": measure(view, shapes, settings)}
    tiled, tiled_shapes = city(view, shapes, options.blocks)
    result["city"] = measure(tiled, tiled_shapes, settings)
    result["coordinate_decimals"] = settings.map_coordinate_decimals
    result["geometry"] = "served" if map_files is not None else "inline"
    print(json.dumps(result))


if __name__ == "__main__":
    main()
