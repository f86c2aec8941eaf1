"""Time a chief's first seconds on a cold server, in a real browser (issue #13, item 4).

Run from the repository root::

    PYTHONPATH=. .venv/bin/python benchmarks/cold_open.py            # 3 runs per case
    PYTHONPATH=. .venv/bin/python benchmarks/cold_open.py --runs 1

Each run starts ``make run`` afresh (a new server process inside the network guard of
:mod:`tests.support.server`), waits until it answers its health check, and at once opens
``/`` in Debian's chromium (Playwright), chooses the language on the login page, logs in as
the demo's planner and waits until the three worst gaps of ``python -m analysis coverage
--demo`` are listed (``1. <name>`` … ``3. <name>``) and visible without scrolling at
1280×800. Two cases:

* **fresh workspace**: nothing stored; the server's warm-up (:func:`app.state.warm_up`)
  and the first page race for the one analysis;
* **stored results**: a restart on the workspace of a fresh run, whose analyses the
  previous server stored (:mod:`geo.results`).

Times (wall seconds, the latency a chief sees; the machine's load average is printed
because other work shares its two cores):

* ``to_login_form``: from navigation to the login form;
* ``login_to_gaps``: from pressing "Log in" to the three names visible;
* ``navigation_to_gaps``: both together (typing the name and password is milliseconds).

It prints one JSON line per case with every run's figures, their median, and the target
(5 s from navigation). It exits with 1 if a page failed or anything left the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.serve import READY  # noqa: E402
from app.views import worst_gaps  # noqa: E402
from tests.support.browser import chromium, wait_for_streamlit  # noqa: E402
from tests.support.login import DEMO_PASSWORD  # noqa: E402
from tests.support.server import make_run  # noqa: E402

WIDTH, HEIGHT = 1280, 800
TARGET_S = 5.0
LANGUAGE_LABEL = {"en": "English", "zh": "中文"}


def top_three() -> list[str]:
    """Return the names of the demo's three highest-priority blocks (as the CLI ranks them)."""
    from analysis.pipeline import analyse
    from analysis.units import choose_units
    from geo.demo import DEMO_FILES, load_demo
    from geo.settings import DEFAULTS
    from geo.streets import load_streets

    data = load_demo()
    settings = DEFAULTS.replace(timezone=data.timezone)
    streets = load_streets(DEMO_FILES["streets"], network_type=settings.network_type)
    units = choose_units(data.beats, data.households, streets=streets, settings=settings)
    walk = load_streets(DEMO_FILES["streets"], network_type="walk")
    result = analyse(
        data.beats,
        data.households,
        data.visits,
        units=units.frame,
        walk_graph=walk,
        settings=settings,
    )
    return worst_gaps(result.blocks, count=3)["name"].tolist()


def one_run(
    workspace: Path, lang: str, names: list[str], workdir: Path, *, settle: bool
) -> dict[str, float | None]:
    """Start ``make run`` on ``workspace``, open it cold, return the times (s).

    With ``settle``, the browser waits until the server printed that its warm-up is done.
    """
    env = {"BEATCOV_WORKSPACE": str(workspace)}
    with make_run(workdir, env=env) as server, chromium(workdir, width=WIDTH, height=HEIGHT) as b:
        up = time.perf_counter()
        log = workdir / "server.log"
        while settle and READY not in log.read_text(errors="replace"):
            if time.perf_counter() - up > 300:
                msg = f"the server did not finish its warm-up:\n{log.read_text()}"
                raise AssertionError(msg)
            time.sleep(0.05)
        warm_up = time.perf_counter() - up
        page = b.page
        start = time.perf_counter()
        page.goto(server.url)
        form = page.locator('[data-testid="stForm"]')
        form.wait_for(state="visible", timeout=120_000)
        to_form = time.perf_counter() - start
        if lang != "en":
            sidebar = page.locator('[data-testid="stSidebar"]')
            sidebar.get_by_text(LANGUAGE_LABEL[lang], exact=True).click()
            wait_for_streamlit(page)
            form.wait_for(state="visible", timeout=120_000)
        form.locator('input[type="text"]').fill("planner")
        form.locator('input[type="password"]').fill(DEMO_PASSWORD)
        pressed = time.perf_counter()
        form.locator('[data-testid="stBaseButton-primaryFormSubmit"]').click()
        for rank, name in enumerate(names, start=1):
            item = page.get_by_text(f"{rank}. {name}", exact=False).first
            item.wait_for(state="visible", timeout=120_000)
            box = item.bounding_box()
            if box is None or box["y"] < 0 or box["y"] + box["height"] > HEIGHT:
                msg = f"{rank}. {name} is not visible without scrolling: {box}"
                raise AssertionError(msg)
        done = time.perf_counter()
        if b.external_requests() or b.page_errors:
            msg = f"outside requests {b.external_requests()} or page errors {b.page_errors}"
            raise AssertionError(msg)
    if server.external_attempts():
        msg = f"the server tried to reach {server.external_attempts()}"
        raise AssertionError(msg)
    return {
        "health_to_warm": round(warm_up, 3) if settle else None,
        "to_login_form": round(to_form, 3),
        "login_to_gaps": round(done - pressed, 3),
        "navigation_to_gaps": round(to_form + (done - pressed), 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per case (default 3)")
    parser.add_argument(
        "--at-once",
        action="store_true",
        help="navigate as soon as the server answers, not once its warm-up is done",
    )
    args = parser.parse_args(argv)
    names = top_three()
    with tempfile.TemporaryDirectory(prefix="beatcov-cold-") as tmp:
        base = Path(tmp)
        for lang in ("en", "zh"):
            for case in ("fresh workspace", "stored results"):
                runs = []
                for i in range(args.runs):
                    workspace = base / f"{lang}-{i}" / "workspace"
                    workdir = base / f"{lang}-{i}-{case.split()[0]}"
                    workdir.mkdir(parents=True)
                    if case == "fresh workspace" and workspace.exists():
                        continue
                    load = os.getloadavg()[0]
                    found = one_run(workspace, lang, names, workdir, settle=not args.at_once)
                    runs.append({**found, "load": load})
                median = statistics.median(r["navigation_to_gaps"] for r in runs)
                line = {
                    "case": case,
                    "lang": lang,
                    "runs": runs,
                    "median_navigation_to_gaps_s": median,
                    "target_s": TARGET_S,
                    "met": median < TARGET_S,
                }
                print(json.dumps(line, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
