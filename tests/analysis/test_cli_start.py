"""The commands that need no street network start without one.

``users``, ``audit`` and ``--help`` import neither osmnx, networkx, pyosmium, SciPy nor H3
(about 0.6 s of CPU at every start): :func:`analysis.cli.run_coverage` imports what the
analysis needs, for ``coverage``, ``plan``, ``route`` and ``report`` only.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
HEAVY = ("osmnx", "networkx", "osmium", "scipy", "h3")

START = """
import contextlib, sys
from analysis.cli import main

folder = sys.argv[1]
with contextlib.redirect_stdout(sys.stderr), contextlib.suppress(SystemExit):
    main(["--help"])
codes = [
    main(["users", "add", "ann", "--role", "admin", "--password-stdin", "--workspace", folder]),
    main(["users", "list", "--workspace", folder]),
    main(["audit", "verify", "--workspace", folder]),
]
loaded = {name.split(".")[0] for name in sys.modules}
print(codes, sorted(loaded & {%s}), "geo" in loaded)
"""


def test_users_audit_and_help_start_without_the_street_network(tmp_path: Path) -> None:
    code = START % ", ".join(repr(name) for name in HEAVY)
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "ws")],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[-2] == "[0, 0, 0] [] True", done.stdout + done.stderr
