"""Measure the house (issue 11): module and function sizes, import cycles, private APIs, repeats.

Run from the repository root, on the working tree or on any commit::

    .venv/bin/python benchmarks/house.py                 # the working tree
    .venv/bin/python benchmarks/house.py --rev 46c89c8   # a commit (via ``git archive``)

What it reports, over the product code (``geo/``, ``analysis/``, ``app/``,
``streamlit_app.py``; not tests, benchmarks or the demo generator):

- the five largest modules (lines) and the five largest functions or methods (lines from
  ``def`` to the last line of the body, decorators excluded);
- import cycles: strongly connected groups of product modules in the graph of their imports
  (every ``import``/``from … import`` anywhere in a module, also inside functions, counts);
- private-API uses of other libraries (the rule of ``tests/test_private_apis.py`` where that
  file exists, else the same rule written here): importing a module of another package with a
  ``_``-prefixed part or one of Streamlit's internal packages, reading a ``_``-prefixed
  attribute of another package's module, reading ``_children`` of a folium element, and
  Streamlit's components-v1 registry used as a static file server;
  uses inside the ``_*_compat.py`` modules are listed apart, since that is where they belong;
- pairs from the ``duplicates`` tool over the product code (six or more shared lines).

Nothing is written outside a temporary folder.
"""

from __future__ import annotations

import argparse
import ast
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import networkx as nx

PRODUCT = ("geo", "analysis", "app", "streamlit_app.py")
OWN = frozenset({"geo", "analysis", "app", "streamlit_app", "tests", "benchmarks", "data"})
STREAMLIT_INTERNAL = (
    "streamlit.runtime",
    "streamlit.navigation",
    "streamlit.web",
    "streamlit.proto",
)


def product_files(root: Path) -> list[Path]:
    """Return the product's Python files below ``root``, sorted."""
    files: list[Path] = []
    for part in PRODUCT:
        path = root / part
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files += [p for p in path.rglob("*.py") if "static" not in p.parts]
    return sorted(files)


def module_name(root: Path, path: Path) -> str:
    """Return the dotted module name of ``path`` (``geo/__init__.py`` → ``geo``)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def functions(tree: ast.AST) -> Iterator[tuple[str, int]]:
    """Yield ``(qualified name, lines)`` of every function and method in ``tree``."""

    def walk(node: ast.AST, prefix: str) -> Iterator[tuple[str, int]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                yield name, (child.end_lineno or child.lineno) - child.lineno + 1
                yield from walk(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                yield from walk(child, f"{prefix}{child.name}.")
            else:
                yield from walk(child, prefix)

    yield from walk(tree, "")


def imports(tree: ast.AST, module: str, is_package: bool) -> Iterator[str]:
    """Yield every module name ``tree`` imports, relative imports resolved."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - node.level + 1]
                stem = ".".join([*base, node.module] if node.module else base)
            else:
                stem = node.module or ""
            yield stem
            yield from (f"{stem}.{alias.name}" for alias in node.names)


def private_uses(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Yield ``(line, text)`` of each use of another library's private API in ``tree``."""
    foreign: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
            for name in names:
                if node.__dict__.get("level") or name.split(".")[0] in OWN | {"__future__"}:
                    continue
                if any(p.startswith("_") for p in name.split(".")) or name.startswith(
                    STREAMLIT_INTERNAL
                ):
                    yield node.lineno, f"import {name}"
                if isinstance(node, ast.ImportFrom):
                    for alias in node.names:
                        if alias.name.startswith("_"):
                            yield node.lineno, f"from {name} import {alias.name}"
                        foreign.add(alias.asname or alias.name)
            if isinstance(node, ast.Import):
                foreign |= {(a.asname or a.name).split(".")[0] for a in node.names}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            if node.attr.startswith("__"):
                continue
            base = node.value
            while isinstance(base, ast.Attribute):
                base = base.value
            if node.attr == "_children" or (isinstance(base, ast.Name) and base.id in foreign):
                yield node.lineno, f".{node.attr}"
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and str(node.args[1].value).startswith("_")
            and not str(node.args[1].value).startswith("__")
        ):
            yield node.lineno, f"getattr(…, {node.args[1].value!r})"
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", "")) == "declare_component"
            and any(k.arg == "path" for k in node.keywords)
        ):
            yield node.lineno, "declare_component(path=…) as a static file server"


def duplicate_pairs(root: Path) -> str:
    """Return the first line of the ``duplicates`` tool over the product code in ``root``."""
    if shutil.which("duplicates") is None:
        return "duplicates tool not found"
    with tempfile.TemporaryDirectory() as tmp:
        for path in product_files(root):
            target = Path(tmp) / path.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        out = subprocess.run(
            ["duplicates", "--repo", tmp, "--most", "1", "--seconds", "120"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
    return out.splitlines()[0] if out else "(no output)"


def measure(root: Path) -> None:
    """Print the house's figures for the tree at ``root``."""
    sizes: list[tuple[int, str]] = []
    funcs: list[tuple[int, str]] = []
    graph: nx.DiGraph = nx.DiGraph()
    private: list[str] = []
    compat: list[str] = []
    files = product_files(root)
    names = {module_name(root, p) for p in files}
    for path in files:
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(root).as_posix()
        tree = ast.parse(text)
        sizes.append((len(text.splitlines()), rel))
        funcs += [(n, f"{rel}:{name}") for name, n in functions(tree)]
        module = module_name(root, path)
        graph.add_node(module)
        for name in imports(tree, module, path.name == "__init__.py"):
            if name in names and name != module:
                graph.add_edge(module, name)
        uses = [f"{rel}:{line} {what}" for line, what in private_uses(tree)]
        (compat if path.name.endswith("_compat.py") else private).extend(uses)
    cycles = [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    print(f"product files: {len(files)}, lines: {sum(n for n, _ in sizes)}")
    print("largest modules:")
    for n, rel in sorted(sizes, reverse=True)[:5]:
        print(f"  {n:5d}  {rel}")
    print("largest functions:")
    for n, name in sorted(funcs, reverse=True)[:5]:
        print(f"  {n:5d}  {name}")
    print(f"import cycles: {len(cycles)}")
    for cycle in cycles:
        print(f"  {' <-> '.join(cycle)}")
    print(f"private-API uses outside compat modules: {len(private)}")
    for use in private:
        print(f"  {use}")
    print(f"private-API uses inside compat modules: {len(compat)}")
    print(f"duplicates: {duplicate_pairs(root)}")


def main(argv: list[str] | None = None) -> None:
    """Parse the options and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", help="a commit to measure (default: the working tree)")
    args = parser.parse_args(argv)
    repo = Path(__file__).resolve().parents[1]
    if args.rev is None:
        measure(repo)
        return
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "-C", str(repo), "archive", args.rev, *PRODUCT],
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        print(f"commit {args.rev}")
        measure(Path(tmp))


if __name__ == "__main__":
    sys.exit(main())
