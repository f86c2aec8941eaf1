"""Every exception at the import boundary becomes a finding with a code: fuzzed.

Two ways of making bad files, each asserting zero tracebacks: nothing but a
:class:`~geo.errors.ImportRefused` (or success) leaves :func:`geo.importer.load_dataset`,
nothing leaves :func:`geo.importer.read_table`, and no finding is an
``unexpected_error`` (the boundary's net for exceptions beatcov did not foresee, which
would hide a crash from this test if it were not counted as one).

* a mutation corpus of 400 files made from valid ones (``tests/support/mutations.py``),
  each read as its table by ``read_table`` (``benchmarks/fuzz_uploads.py --files 1000``
  reads the same corpus at any size, and reports the figures);
* a property-based test (hypothesis): arbitrary bytes, or a valid start followed by
  arbitrary bytes, under each suffix, as one file of ``load_dataset`` beside two valid
  ones.

Warnings are recorded, not raised: a user meets them in the server's log, not as a
traceback.
"""

from __future__ import annotations

import collections
import tempfile
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import geo.importer
from geo.errors import ImportRefused
from geo.importer import Imported, load_dataset, read_table
from geo.readers import SUPPORTED
from tests.support.mutations import corpus
from tests.support.shared import Pristine

CORPUS_SIZE = 400


def test_mutated_files_give_findings_never_tracebacks(tmp_path: Path) -> None:
    outcomes: collections.Counter[str] = collections.Counter()
    crashes = []
    noted = 0
    for number, mutant in enumerate(corpus(tmp_path / "seeds", size=CORPUS_SIZE)):
        folder = tmp_path / str(number)
        folder.mkdir()
        path = folder / mutant.name
        path.write_bytes(mutant.content)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                imported = read_table(mutant.table, path)  # type: ignore[arg-type]
            except Exception as error:  # noqa: BLE001 (counted, and the test fails on it)
                crashes.append((mutant.seed, mutant.mutation, repr(error)))
                continue
        noted += len(caught)
        codes = {f.code for f in imported.report.fatal}
        if "unexpected_error" in codes:
            crashes.append((mutant.seed, mutant.mutation, imported.report.findings[0].message))
        outcomes["refused" if codes else "accepted"] += 1
        for code in codes:
            outcomes[code] += 1
    tried = sum(outcomes[k] for k in ("accepted", "refused")) + len(crashes)
    by_code = {k: v for k, v in sorted(outcomes.items()) if k not in ("accepted", "refused")}
    print(
        f"\nfuzz: {tried} files tried, {outcomes['accepted']} accepted, "
        f"{outcomes['refused']} refused, {len(crashes)} tracebacks, {noted} warnings; "
        f"files with each fatal code: {by_code}"
    )
    assert tried == CORPUS_SIZE
    assert crashes == []
    assert outcomes["refused"] > CORPUS_SIZE // 2  # the corpus does damage files
    assert outcomes["accepted"] > CORPUS_SIZE // 20  # ... not all of them beyond reading


VALID = {
    "beats": (
        "beat_id,geometry\n"
        'B1,"POLYGON ((118.78 32.04, 118.79 32.04, 118.79 32.05, 118.78 32.05, 118.78 32.04))"\n'
    ),
    "households": "household_id,lon,lat\nH1,118.785,32.045\nH2,118.786,32.046\n",
    "visits": "visit_id,household_id,officer_id,time\nV1,H1,P1,2026-07-01 10:00\n",
}
STARTS = {
    ".csv": VALID["households"].encode(),
    ".txt": VALID["households"].encode(),
    ".xlsx": b"PK\x03\x04",
    ".geojson": b'{"type": "FeatureCollection", "features": [',
    ".json": b'{"type": "FeatureCollection", "features": [{"type": "Feature", ',
    ".gpkg": b"SQLite format 3\x00" + bytes(52) + b"GPKG",
    ".parquet": b"PAR1",
    ".geoparquet": b"PAR1",
    ".zip": b"PK\x03\x04\x14\x00\x00\x00\x08\x00",
}


@pytest.fixture(scope="module")
def valid_read_once(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[dict[str, Path], Callable[..., Imported]]]:
    """The valid files of the property test, and ``read_table`` reading each of them once.

    Every example imports the same two valid files beside the fuzzed one, which took two
    thirds of the test's time: the real ``read_table`` reads each valid file once, and what
    it returned serves the later calls with the same arguments (its tables and findings are
    checked unchanged when the module is done). The fuzzed file is read afresh every time.
    """
    folder = tmp_path_factory.mktemp("valid")
    paths = {}
    for name, text in VALID.items():
        paths[name] = folder / f"{name}.csv"
        paths[name].write_text(text, encoding="utf-8")
    valid = {str(path) for path in paths.values()}
    kept: dict[str, tuple[Imported, Pristine, list[str]]] = {}

    def read_once(table: str, path: str | Path, **options: Any) -> Imported:
        if str(path) not in valid:
            return read_table(table, path, **options)  # type: ignore[arg-type]
        key = repr((table, str(path), sorted(options.items())))
        if key not in kept:
            imported = read_table(table, path, **options)  # type: ignore[arg-type]
            findings = [repr(f) for f in imported.report.findings]
            kept[key] = (imported, Pristine(key, imported), findings)
        return kept[key][0]

    yield paths, read_once
    for imported, pristine, findings in kept.values():
        pristine.check()
        assert [repr(f) for f in imported.report.findings] == findings


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    table=st.sampled_from(sorted(VALID)),
    suffix=st.sampled_from(SUPPORTED),
    content=st.one_of(
        st.binary(max_size=2048),
        st.tuples(st.sampled_from(sorted(STARTS)), st.binary(max_size=2048)).map(
            lambda pair: STARTS[pair[0]] + pair[1]
        ),
        st.text(max_size=512).map(lambda text: (VALID["households"] + text).encode()),
    ),
)
def test_arbitrary_bytes_under_any_suffix_are_refused_with_findings(
    valid_read_once: tuple[dict[str, Path], Callable[..., Imported]],
    table: str,
    suffix: str,
    content: bytes,
) -> None:
    valid, read_once = valid_read_once
    with (
        tempfile.TemporaryDirectory(prefix="beatcov-fuzz-") as folder,
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setattr(geo.importer, "read_table", read_once)
        paths = dict(valid)
        paths[table] = Path(folder) / f"fuzzed{suffix}"
        paths[table].write_bytes(content)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                load_dataset(**paths)  # type: ignore[arg-type]
            except ImportRefused as refused:
                codes = refused.report.codes()
                assert "unexpected_error" not in codes, refused.report
                assert refused.report.fatal


@pytest.mark.parametrize("table", sorted(VALID))
def test_the_valid_files_of_the_property_test_are_accepted(tmp_path: Path, table: str) -> None:
    paths = {}
    for name, text in VALID.items():
        paths[name] = tmp_path / f"{name}.csv"
        paths[name].write_text(text, encoding="utf-8")
    data = load_dataset(**paths)  # type: ignore[arg-type]
    assert (len(data.beats), len(data.households), len(data.visits)) == (1, 2, 1)
