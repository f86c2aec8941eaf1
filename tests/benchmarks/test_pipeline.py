"""``benchmarks/pipeline.py`` at a tiny size: the JSON record is whole and the CLI agrees.

The record is measured on 2,000 households and 10,000 visits (the CLI runs in a subprocess);
no time is checked, the benchmark measures. The comparison helper is checked by hand.
"""

from __future__ import annotations

import json

import pandas as pd

from analysis.cli import STEPS
from benchmarks import pipeline

KEYS = {
    "households",
    "visits",
    "cpu_s",
    "user_s",
    "sys_s",
    "wall_s",
    "steps",
    "join_points_per_s",
    "join_vs_sjoin",
    "peak_rss_mb",
    "baseline_cpu_s",
    "speedup_vs_baseline",
    "agree",
}


def test_record_at_a_tiny_size_agrees(tmp_path):
    record = pipeline.measure(2_000, 10_000, seed=7, work=tmp_path)
    assert json.loads(json.dumps(record)) == record  # one JSON line, nothing lost
    assert KEYS <= record.keys()
    assert (record["households"], record["visits"]) == (2_000, 10_000)
    assert record["checks"] == dict.fromkeys(record["checks"], True)
    assert record["agree"] is True
    # every progress label of the CLI but the last ("writing outputs" is folded into the
    # "writing files" mark), each with CPU and wall seconds
    assert set(STEPS) - {"writing outputs"} <= set(record["steps"])
    assert all(set(step) == {"cpu_s", "wall_s"} for step in record["steps"].values())
    assert record["cpu_s"] > 0 and record["wall_s"] > 0 and record["peak_rss_mb"] > 0
    assert record["user_s"] > 0 and record["sys_s"] >= 0
    assert abs(record["user_s"] + record["sys_s"] - record["cpu_s"]) <= 0.02  # rounded apart
    assert record["join_points"] == 2_000


def test_equal_counts_reads_a_missing_id_as_zero():
    cli = pd.Series([3, 0], index=["B1", "B2"])
    assert pipeline.equal_counts(cli, pd.Series([3], index=["B1"]))
    assert not pipeline.equal_counts(cli, pd.Series([3, 1], index=["B1", "B2"]))
    assert not pipeline.equal_counts(cli, pd.Series([3, 1], index=["B1", "B3"]))
