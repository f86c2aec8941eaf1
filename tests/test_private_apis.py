"""Product code uses no private API of another library; the few it needs live in compat modules.

Every product file (``geo/``, ``analysis/``, ``app/``, ``streamlit_app.py``) is
read with ``ast``, except the compatibility modules ``_<dependency>_compat.py``, which wrap
the internals beatcov truly needs behind a version check and a contract test. The rules:

1. No import of another package's private module: no component of the dotted name starts
   with ``_`` (``from osmnx import _overpass``, ``import osmnx._errors``,
   ``from osmnx._errors import X``). beatcov's own packages may (``from geo import
   _osmnx_compat`` is how product code reaches a compatibility module), and so may the
   standard library.
2. Of Streamlit, only its documented namespaces: ``streamlit`` itself (``st.*``),
   ``streamlit.components.v1``, ``streamlit.column_config`` and ``streamlit.testing.v1``.
   Any other module (``streamlit.runtime...``, ``streamlit.navigation.page``,
   ``streamlit.config``) is internal even without an underscore.
3. No private member of someone else's object: ``x._name``, and ``getattr``, ``hasattr``
   or ``setattr`` with ``"_name"``, only on ``self`` or ``cls``, or for a ``_name`` beatcov
   defines itself (as ``self._name``, a class attribute, or a module-level name). This
   catches ``ox._errors``, ``graph._create_graph`` and ``element._children``. Dunder names
   and namedtuple's public ``_replace``, ``_asdict``, ``_fields`` and ``_make`` are fine.

Strings are not read: folium templates in a ``MacroElement`` subclass use ``this._parent``,
folium's documented way for a plugin to reach its map.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OWN = {"geo", "analysis", "app", "tests"}
PUBLIC_MODULES = {
    "streamlit": {
        "streamlit",
        "streamlit.components.v1",
        "streamlit.column_config",
        "streamlit.testing.v1",
    },
}
"""Packages whose public API is narrower than 'no underscore': their public modules."""
PUBLIC_UNDERSCORE = {"_replace", "_asdict", "_fields", "_make"}
ATTRIBUTE_FUNCTIONS = {"getattr", "hasattr", "setattr"}


def product_files() -> list[Path]:
    files = [ROOT / "streamlit_app.py"]
    for package in ("geo", "analysis", "app"):
        files += [p for p in (ROOT / package).rglob("*.py") if "static" not in p.parts]
    return sorted(files)


def is_compat(path: Path) -> bool:
    return path.name.startswith("_") and path.stem.endswith("_compat")


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def is_foreign(module: str) -> bool:
    top = module.split(".")[0]
    return top not in OWN and top not in sys.stdlib_module_names


def defined_private_names(trees: list[ast.Module]) -> set[str]:
    """Private names beatcov defines: self/cls attributes, class attributes, module names."""
    found: set[str] = set()
    for tree in trees:
        scopes: list[ast.AST] = [tree]
        scopes += [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
        for scope in scopes:
            for node in getattr(scope, "body", []):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    found.add(node.name)
                elif isinstance(node, ast.Assign):
                    found.update(t.id for t in node.targets if isinstance(t, ast.Name))
                elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                    found.add(node.target.id)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.ctx, ast.Store)
                and isinstance(node.value, ast.Name)
                and node.value.id in ("self", "cls")
            ):
                found.add(node.attr)
    return {name for name in found if is_private(name)}


def _module_problem(module: str) -> str | None:
    if not is_foreign(module):
        return None
    if any(is_private(part) for part in module.split(".")):
        return f"private module {module}"
    top = module.split(".")[0]
    if top in PUBLIC_MODULES and module not in PUBLIC_MODULES[top]:
        return f"internal module {module} (public: {', '.join(sorted(PUBLIC_MODULES[top]))})"
    return None


def _is_submodule(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def private_uses(source: str, *, own_private: set[str], filename: str = "<snippet>") -> list[str]:
    """Return ``file:line: what`` for every private-API use in ``source`` (rules 1-3)."""
    found: list[str] = []

    def report(node: ast.AST, what: str) -> None:
        found.append(f"{filename}:{getattr(node, 'lineno', 0)}: {what}")

    def check_member(node: ast.AST, base: ast.AST, name: str) -> None:
        if not is_private(name) or name in PUBLIC_UNDERSCORE or name in own_private:
            return
        if isinstance(base, ast.Name) and base.id in ("self", "cls"):
            return
        report(node, f"private member {name} of {ast.unparse(base)}")

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if problem := _module_problem(alias.name):
                    report(node, f"import of {problem}")
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if problem := _module_problem(node.module):
                report(node, f"import from {problem}")
                continue
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                if is_foreign(node.module) and is_private(alias.name):
                    report(node, f"import of private {full}")
                elif node.module.split(".")[0] in PUBLIC_MODULES and _is_submodule(full):
                    if problem := _module_problem(full):
                        report(node, f"import of {problem}")
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            check_member(node, node.value, node.attr)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ATTRIBUTE_FUNCTIONS
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
        ):
            check_member(node, node.args[0], node.args[1].value)
    return found


def own_private_names() -> set[str]:
    trees = [ast.parse(p.read_text(encoding="utf-8")) for p in product_files()]
    return defined_private_names(trees)


# --------------------------------------------------------------------------------- tests


def test_product_code_uses_no_private_api() -> None:
    own = own_private_names()
    found: list[str] = []
    for path in product_files():
        if not is_compat(path):
            name = str(path.relative_to(ROOT))
            found += private_uses(path.read_text(encoding="utf-8"), own_private=own, filename=name)
    assert found == []


def test_the_private_uses_are_in_the_compat_modules() -> None:
    # the scanner sees them there: the exemption is what lets them be, nothing else
    own = own_private_names()
    compat = {p.name: p for p in product_files() if is_compat(p)}
    assert set(compat) == {"_osmnx_compat.py", "_streamlit_compat.py", "_folium_compat.py"}
    for name, path in compat.items():
        assert private_uses(path.read_text(encoding="utf-8"), own_private=own), name


BAD = {
    "from osmnx import _overpass": "import of private osmnx._overpass",
    "import osmnx._errors": "import of private module osmnx._errors",
    "from osmnx._errors import InsufficientResponseError": "from private module osmnx._errors",
    "import osmnx as ox\nox._errors.InsufficientResponseError": "private member _errors of ox",
    "from osmnx import graph as g\ng._create_graph([], True)": "_create_graph of g",
    "from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx": (
        "internal module streamlit.runtime.scriptrunner_utils.script_run_context"
    ),
    "from streamlit.navigation.page import StreamlitPage": "streamlit.navigation.page",
    "import streamlit.runtime": "internal module streamlit.runtime",
    "from streamlit import config": "internal module streamlit.config",
    "from streamlit.components.v1.component_registry import declare_component": (
        "streamlit.components.v1.component_registry"
    ),
    "for child in element._children.values():\n    pass": "private member _children of element",
    "children = getattr(element, '_children', {})": "private member _children of element",
    "if hasattr(fig, '_parent'):\n    pass": "private member _parent of fig",
}


@pytest.mark.parametrize("snippet", list(BAD))
def test_a_private_use_is_caught(snippet: str) -> None:
    found = private_uses(snippet, own_private=set())
    assert len(found) == 1, found
    assert BAD[snippet] in found[0]


GOOD = [
    "import streamlit as st\nst.Page('app/pages/overview.py')\nst.runtime.exists()",
    "from streamlit.components.v1 import html",
    "import streamlit.components.v1 as components",
    "from streamlit.testing.v1 import AppTest",
    "from streamlit import session_state",
    "from streamlit_folium import st_folium",
    "from geo import _osmnx_compat\n_osmnx_compat.network_filter('drive')",
    "from app._streamlit_compat import in_script_run",
    "class A:\n    def f(self, other):\n        self._cache = {}\n        return other._cache",
    "row._replace(x=1)._asdict()",
    "print(module.__name__, obj.__dict__)",
    "import importlib\nimportlib.import_module('x')",
]


@pytest.mark.parametrize("snippet", GOOD)
def test_public_use_passes(snippet: str) -> None:
    tree = ast.parse(textwrap.dedent(snippet))
    assert private_uses(snippet, own_private=defined_private_names([tree])) == []
