"""Time geo.streets.load_streets on the Helsinki extract (a fixture) against osmnx.graph_from_xml.

Run from the repository root::

    .venv/bin/python benchmarks/streets_load.py

Everything is written to a temporary folder (the repository is not touched):

- ``load_streets`` on the .osm.pbf: build without cache, first load (builds and writes the
  GraphML cache) and cached load, for ``drive_service`` and ``walk``;
- the same extract converted to .osm XML with pyosmium, and the baseline
  ``osmnx.graph_from_xml`` on it. The extract is clipped at its bounding box, so plain
  ``graph_from_xml`` fails on it ("edges missing nodes"); the baseline is therefore also
  timed on a copy without the clipped ways (``graph_from_xml`` keeps every way there,
  buildings included, as it has no network filter);
- an equality check on real data: the complete ``drive_service`` ways written to XML, loaded
  by both ``load_streets`` and ``osmnx.graph_from_xml``, must give the same graph.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import networkx as nx
import osmium
import osmnx as ox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.osm_filter import matches_filter, network_filter, parse_overpass_filter  # noqa: E402
from geo.streets import load_streets  # noqa: E402

EXTRACT = ROOT / "tests" / "fixtures" / "helsinki" / "helsinki.osm.pbf"
REPEATS = 3


def timed(fn: Callable[[], Any], repeats: int = REPEATS) -> tuple[float, float, Any]:
    """Return (best, median) seconds over ``repeats`` calls and the last result."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times), result


def present_node_ids(pbf: Path) -> set[int]:
    return {o.id for o in osmium.FileProcessor(str(pbf), osmium.osm.NODE)}


def write_xml(pbf: Path, out: Path, keep_way: Callable[[Any], bool] | None = None) -> None:
    """Write ``pbf`` as OSM XML: all nodes, the ways ``keep_way`` accepts, no relations."""
    with osmium.SimpleWriter(str(out), overwrite=True) as writer:
        for obj in osmium.FileProcessor(str(pbf), osmium.osm.NODE | osmium.osm.WAY):
            if isinstance(obj, osmium.osm.Node):
                writer.add_node(obj)
            elif keep_way is None or keep_way(obj):
                writer.add_way(obj)


def same_graph(a: nx.MultiDiGraph, b: nx.MultiDiGraph) -> bool:
    """Same nodes and edges with equal attributes (geometry compared exactly)."""

    def norm(d: dict[str, Any]) -> dict[str, Any]:
        return {k: (v.wkb if hasattr(v, "wkb") else v) for k, v in d.items()}

    if set(a.nodes) != set(b.nodes) or set(a.edges(keys=True)) != set(b.edges(keys=True)):
        return False
    nodes_ok = all(norm(a.nodes[n]) == norm(b.nodes[n]) for n in a.nodes)
    return nodes_ok and all(
        norm(d) == norm(b.edges[u, v, k]) for u, v, k, d in a.edges(keys=True, data=True)
    )


def _load_next_dir(pbf: Path, network_type: str, dirs: Iterator[Path]) -> nx.MultiDiGraph:
    """First load: a fresh cache folder each time, so the cache is always written."""
    return load_streets(pbf, network_type=network_type, cache_dir=next(dirs))


def main() -> None:
    """Run the benchmark and print a table."""
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="beatcov-bench-") as tmp_str:
        tmp = Path(tmp_str)
        pbf = Path(shutil.copy(EXTRACT, tmp / EXTRACT.name))
        print(f"extract: {EXTRACT.relative_to(ROOT)} ({EXTRACT.stat().st_size / 1e6:.2f} MB)")
        print(f"best / median of {REPEATS} runs, seconds\n")

        for network_type in ("drive_service", "walk"):
            best, med, G = timed(
                lambda nt=network_type: load_streets(pbf, network_type=nt, cache=False)
            )
            size = f"{len(G):>6} nodes {G.number_of_edges():>6} edges"
            clipped = G.graph["beatcov_clipped_ways"]
            rows.append(
                (f"load_streets pbf {network_type}, no cache", size, f"{best:.3f} / {med:.3f}")
            )

            dirs = iter([tmp / f"cache-{network_type}-{i}" for i in range(REPEATS)])
            first = partial(_load_next_dir, pbf, network_type, dirs)
            best, med, _ = timed(first)
            rows.append(
                (
                    f"load_streets pbf {network_type}, first load",
                    "(writes cache)",
                    f"{best:.3f} / {med:.3f}",
                )
            )
            cached = partial(
                load_streets,
                pbf,
                network_type=network_type,
                cache_dir=tmp / f"cache-{network_type}-0",
            )
            best, med, Gc = timed(cached)
            size_c = f"{len(Gc):>6} nodes {Gc.number_of_edges():>6} edges"
            rows.append(
                (f"load_streets pbf {network_type}, cached", size_c, f"{best:.3f} / {med:.3f}")
            )
            rows.append((f"  ({network_type}: {clipped} clipped ways repaired)", "", ""))

        # baseline: osmnx.graph_from_xml on the same data as OSM XML
        xml = tmp / "helsinki.osm"
        write_xml(pbf, xml)
        present = present_node_ids(pbf)

        def complete(way: Any) -> bool:
            return all(n.ref in present for n in way.nodes)

        xml_complete = tmp / "helsinki-complete.osm"
        write_xml(pbf, xml_complete, complete)
        full_mb, complete_mb = xml.stat().st_size / 1e6, xml_complete.stat().st_size / 1e6
        print(f"XML: {full_mb:.1f} MB full, {complete_mb:.1f} MB without clipped ways\n")

        best, med, G = timed(lambda: load_streets(xml, network_type="drive_service", cache=False))
        rows.append(
            (
                "load_streets osm XML drive_service, no cache",
                f"{len(G):>6} nodes {G.number_of_edges():>6} edges",
                f"{best:.3f} / {med:.3f}",
            )
        )

        start = time.perf_counter()
        try:
            ox.graph_from_xml(xml)
            outcome = "loaded"
        except ValueError as exc:
            outcome = f"fails: {str(exc)[:40]}"
        rows.append(
            ("osmnx.graph_from_xml, full XML", outcome, f"{time.perf_counter() - start:.3f} (once)")
        )

        best, med, G = timed(lambda: ox.graph_from_xml(xml_complete))
        rows.append(
            (
                "osmnx.graph_from_xml, XML w/o clipped ways",
                f"{len(G):>6} nodes {G.number_of_edges():>6} edges",
                f"{best:.3f} / {med:.3f}",
            )
        )
        best, med, G = timed(lambda: load_streets(xml_complete, network_type="all", cache=False))
        rows.append(
            (
                "load_streets same XML, network all",
                f"{len(G):>6} nodes {G.number_of_edges():>6} edges",
                f"{best:.3f} / {med:.3f}",
            )
        )

        # equality on real data: only the complete drive_service ways, read by both
        conds = parse_overpass_filter(network_filter("drive_service"))
        xml_ds = tmp / "helsinki-drive_service.osm"
        write_xml(pbf, xml_ds, lambda w: complete(w) and matches_filter(dict(w.tags), conds))
        ours = load_streets(xml_ds, network_type="drive_service", cache=False)
        theirs = ox.graph_from_xml(xml_ds)
        nx.set_node_attributes(theirs, ox.stats.count_streets_per_node(theirs), "street_count")
        equal = same_graph(ours, theirs)

    width = max(len(r[0]) for r in rows)
    for name, size, secs in rows:
        print(f"{name:<{width}}  {size:<28}  {secs}")
    print(
        f"\nload_streets == osmnx.graph_from_xml on the complete drive_service ways: {equal} "
        f"({len(ours)} nodes, {ours.number_of_edges()} edges)"
    )


if __name__ == "__main__":
    main()
