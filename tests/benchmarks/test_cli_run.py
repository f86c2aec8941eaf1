"""``benchmarks/_cli_run.input_limits``: the CLI's input-size limits raised only as needed."""

from __future__ import annotations

from benchmarks._cli_run import input_limits


def test_small_inputs_keep_the_defaults(tmp_path):
    small = tmp_path / "visits.parquet"
    small.write_bytes(b"x" * 1000)
    assert input_limits([small], records=1_000) == {}


def test_ten_million_records_raise_the_record_limits_only_as_far_as_needed(tmp_path):
    small = tmp_path / "visits.parquet"
    small.write_bytes(b"x" * 1000)
    assert input_limits([small], records=10_000_000) == {
        "max_records": 10_000_000,
        "max_cells": 320_000_000,
        "max_vertices": 20_000_000,
    }
