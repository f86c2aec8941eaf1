"""The commands that need no street network start without one.

``users``, ``audit`` and ``--help`` import neither osmnx, networkx, pyosmium, SciPy nor H3
(about 0.6 s of CPU at every start): :func:`analysis.cli.run_coverage` imports what the
analysis needs, for ``coverage``, ``plan``, ``route`` and ``report`` only.

The fresh interpreter that imports :mod:`analysis.cli` and runs them is
``tests/analysis/conftest.py``'s ``cli_start``, run once per test process:
test_dask_engine.py reads what it imported too.
"""

from __future__ import annotations

from typing import Any

HEAVY = ("osmnx", "networkx", "osmium", "scipy", "h3")


def test_users_audit_and_help_start_without_the_street_network(
    cli_start: dict[str, list[Any]],
) -> None:
    loaded = set(cli_start["loaded"])  # after the import and the commands
    assert cli_start["codes"] == [0, 0, 0]
    assert sorted(loaded & set(HEAVY)) == []
    assert "geo" in loaded
