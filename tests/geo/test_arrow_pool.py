"""The command line's Arrow pool: jemalloc, unless the environment names one."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pytest

from analysis.cli import main
from geo.arrow_pool import BATCH_POOL, POOL_VARIABLE, use_batch_pool


@pytest.fixture
def pool_restored() -> Iterator[None]:
    before = pa.default_memory_pool()
    yield
    pa.set_memory_pool(before)


def test_the_batch_pool_is_jemalloc(pool_restored: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(POOL_VARIABLE, raising=False)
    pa.set_memory_pool(pa.mimalloc_memory_pool())
    kept = pa.array(["allocated before"])  # freed later in the pool that allocated it
    assert use_batch_pool() == BATCH_POOL == "jemalloc"
    assert pa.default_memory_pool().backend_name == "jemalloc"
    assert pa.array(["a", "b"]).to_pylist() == ["a", "b"]
    assert kept.to_pylist() == ["allocated before"]


def test_a_pool_named_in_the_environment_is_kept(
    pool_restored: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(POOL_VARIABLE, "mimalloc")
    pa.set_memory_pool(pa.mimalloc_memory_pool())
    assert use_batch_pool() == "mimalloc"
    assert pa.default_memory_pool().backend_name == "mimalloc"


def test_the_command_line_analyses_on_the_batch_pool(
    pool_restored: None, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    """``coverage`` switches the pool before it reads; a usage error does not."""
    monkeypatch.delenv(POOL_VARIABLE, raising=False)
    pa.set_memory_pool(pa.mimalloc_memory_pool())
    with pytest.raises(SystemExit):
        main(["coverage", "--demo", "--out", str(tmp_path / "o"), "--start", "2026-02-01",
              "--end", "2026-01-01"])  # fmt: skip
    assert pa.default_memory_pool().backend_name == "mimalloc"
    seen = []

    def fake_run(args, **options):  # noqa: ANN001, ANN003, ANN202
        seen.append(pa.default_memory_pool().backend_name)
        raise KeyboardInterrupt

    monkeypatch.setattr("analysis.cli.run_coverage", fake_run)
    assert main(["coverage", "--demo", "--out", str(tmp_path / "o"), "--no-progress"]) == 130
    assert seen == ["jemalloc"]
