"""The layers stay layers: geo <- analysis <- app, no import cycles, no Streamlit below app.

And the command line starts light: no matplotlib, and fpdf2 only when a report is made.

Every ``import`` statement of the product packages is read with ``ast`` (at any depth, so a
function-level import cannot hide a cycle), and the graph of project modules is walked.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("geo", "analysis", "app")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Return every module name ``path`` imports (absolute names)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def project_graph() -> dict[str, set[str]]:
    files = [p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py") if "static" not in p.parts]
    modules = {module_name(p): p for p in files}
    return {
        name: {m for m in imports_of(path) if m in modules and m != name}
        for name, path in modules.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return one cycle per strongly connected group of modules (Tarjan), if any."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_walk_finds_a_planted_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_in_geo_analysis_and_app() -> None:
    graph = project_graph()
    assert len(graph) > 40  # the walk read the packages
    assert "analysis.rules" in graph["analysis.coverage"]
    assert cycles(graph) == []


def test_layers_import_only_downwards() -> None:
    for path in (ROOT / "geo").rglob("*.py"):
        bad = {m for m in imports_of(path) if m.split(".")[0] in ("analysis", "app", "streamlit")}
        assert not bad, (path.name, bad)
    for path in (ROOT / "analysis").rglob("*.py"):
        bad = {m for m in imports_of(path) if m.split(".")[0] in ("app", "streamlit")}
        assert not bad, (path.name, bad)


LIGHT_START = """
import sys
sys.modules["matplotlib"] = None  # as if not installed: importing it raises ImportError
import analysis.cli
# and what analysis.cli.run_coverage imports when coverage, plan, route or report runs
import analysis.pipeline, analysis.units, geo.importer, geo.reviews, geo.streets
print(" ".join(sorted({m.split(".")[0] for m in sys.modules if sys.modules[m] is not None})))
"""


def test_the_command_line_starts_without_matplotlib_or_fpdf() -> None:
    """Starting ``coverage`` needs no matplotlib and loads no fpdf2 (a report loads it).

    osmnx imports ``matplotlib.pyplot`` at start when matplotlib is installed (about 0.7 s
    of CPU for every process), so beatcov does not depend on it; blocking it here is what
    its absence looks like, whatever this environment has installed.
    """
    done = subprocess.run(
        [sys.executable, "-c", LIGHT_START],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    loaded = set(done.stdout.split())
    assert "analysis" in loaded and "osmnx" in loaded  # the start really ran
    assert not loaded & {"matplotlib", "fpdf", "xlsxwriter"}


def test_no_product_module_imports_matplotlib() -> None:
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            assert not {m for m in imports_of(path) if m.split(".")[0] == "matplotlib"}, path
    for name in ("requirements.txt", "constraints.txt"):
        pins = (ROOT / name).read_text(encoding="utf-8").lower().splitlines()
        assert not [p for p in pins if p.startswith("matplotlib")], name
