"""A deterministic corpus of damaged input files, mutated from valid ones.

Seeds are the first records of the shipped files (the demo's GBK CSVs and beats GeoJSON,
the Helsinki fixture's CSVs and beats) and the same tables written by
:func:`geo.writers.write_table` as XLSX, GeoPackage, GeoParquet, GeoJSON and zipped
Shapefile. Each mutant is one seed with one of these applied, chosen by a seeded random
generator so every run tries the very same files:

* ``flip``: a few bytes XOR-ed with random values;
* ``truncate``: the file cut at a random place;
* ``insert``: random bytes inserted;
* ``duplicate``: a chunk of the file copied to another place;
* ``delete``: a chunk removed;
* ``token``: a number or word of a text file replaced by an awkward value (huge, tiny,
  NaN, a quote, a control character, an ideograph...);
* ``member``: for zip-based files (XLSX, zipped Shapefile), one member damaged by one of
  the byte mutations above (or dropped) while the archive itself stays valid;
* ``swap``: another seed's bytes under this seed's name (content that does not match
  the suffix).

Used by ``tests/geo/test_upload_fuzz.py`` and ``benchmarks/fuzz_uploads.py``.
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from geo.importer import read_beats, read_households, read_visits
from geo.writers import write_table

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo"
HELSINKI = ROOT / "tests" / "fixtures" / "helsinki"
BEATS = ROOT / "data" / "boundaries" / "beats.geojson"

RECORDS = 50
"""Seeds keep the header and this many records of the shipped CSVs."""

FORMATS = (".xlsx", ".gpkg", ".parquet", ".geojson", ".zip")
"""Formats each table is also written in by ``write_table`` to make seeds."""

AWKWARD = (
    "1e309", "-1e400", "nan", "inf", "99999999999999999999999", "-0", "", '"', "'", "\x00",
    "\x1b", "户", "0x10", "1,5", "2026-02-30 25:61", "9" * 400, "POLYGON ((", "\ufeff",
)  # fmt: skip
"""Values the ``token`` mutation puts in place of a number or word."""

_TOKEN = re.compile(rb"-?\d+(?:\.\d+)?|[A-Za-z_]+")


@dataclass(frozen=True)
class Seed:
    """A valid input file: which table it holds, its name and its bytes."""

    table: str
    name: str
    content: bytes


@dataclass(frozen=True)
class Mutant:
    """A damaged file: its seed, the mutation applied, its name and bytes."""

    seed: str
    mutation: str
    table: str
    name: str
    content: bytes


def head(path: Path, records: int = RECORDS) -> bytes:
    """Return the header line and the first ``records`` lines of a text file's bytes."""
    lines = path.read_bytes().splitlines(keepends=True)
    return b"".join(lines[: records + 1])


def seeds(folder: Path) -> list[Seed]:
    """Return every seed, writing the derived formats in ``folder``."""
    shipped = [
        Seed("households", "demo_households.csv", head(DEMO / "households.csv")),
        Seed("visits", "demo_visits.csv", head(DEMO / "visits.csv")),
        Seed("beats", "demo_beats.geojson", BEATS.read_bytes()),
        Seed("households", "helsinki_households.csv", head(HELSINKI / "households.csv")),
        Seed("visits", "helsinki_visits.csv", head(HELSINKI / "visits.csv")),
        Seed("beats", "helsinki_beats.geojson", (HELSINKI / "beats.geojson").read_bytes()),
    ]
    readers = {"beats": read_beats, "households": read_households, "visits": read_visits}
    folder.mkdir(parents=True, exist_ok=True)
    out = list(shipped)
    for seed in shipped[:3]:
        source = folder / seed.name
        source.write_bytes(seed.content)
        imported = readers[seed.table](source, crs="gcj02")
        assert imported.report.ok, imported.report
        for suffix in FORMATS:
            name = f"{Path(seed.name).stem}{suffix}"
            path = write_table(imported.table, folder / name, kind=seed.table)  # type: ignore[arg-type]
            out.append(Seed(seed.table, name, path.read_bytes()))
    return out


def mutate_bytes(data: bytes, rng: random.Random, kind: str) -> bytes:
    """Apply one byte mutation (``flip``, ``truncate``, ``insert``, ``duplicate``, ``delete``)."""
    if not data:
        return bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
    buf = bytearray(data)
    if kind == "flip":
        for _ in range(rng.randint(1, 8)):
            buf[rng.randrange(len(buf))] ^= rng.randint(1, 255)
    elif kind == "truncate":
        del buf[rng.randrange(len(buf)) :]
    elif kind == "insert":
        at = rng.randrange(len(buf) + 1)
        buf[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    elif kind == "duplicate":
        start = rng.randrange(len(buf))
        chunk = buf[start : start + rng.randint(1, 4096)]
        at = rng.randrange(len(buf) + 1)
        buf[at:at] = chunk
    elif kind == "delete":
        start = rng.randrange(len(buf))
        del buf[start : start + rng.randint(1, 4096)]
    else:
        raise ValueError(kind)
    return bytes(buf)


BYTE_MUTATIONS = ("flip", "truncate", "insert", "duplicate", "delete")


def mutate_token(data: bytes, rng: random.Random) -> bytes:
    """Replace one number or word of a text file by an awkward value."""
    tokens = list(_TOKEN.finditer(data))
    if not tokens:
        return mutate_bytes(data, rng, "flip")
    token = rng.choice(tokens)
    value = rng.choice(AWKWARD).encode("utf-8")
    return data[: token.start()] + value + data[token.end() :]


def mutate_member(data: bytes, rng: random.Random) -> bytes:
    """Damage (or drop) one member of a zip archive and zip it again."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = [(info.filename, archive.read(info)) for info in archive.infolist()]
    victim = rng.randrange(len(members))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for position, (name, content) in enumerate(members):
            if position == victim:
                if rng.random() < 0.15:
                    continue  # dropped
                content = mutate_bytes(content, rng, rng.choice(BYTE_MUTATIONS))
            archive.writestr(name, content)
    return out.getvalue()


def corpus(folder: Path, *, size: int = 1000, seed: int = 12) -> Iterator[Mutant]:
    """Yield ``size`` mutants of the seeds, the same ones on every run."""
    rng = random.Random(seed)
    sources = seeds(folder)
    for number in range(size):
        source = sources[number % len(sources)]
        text = source.name.endswith((".csv", ".geojson"))
        archive = source.name.endswith((".xlsx", ".zip"))
        kinds = [*BYTE_MUTATIONS, "swap"]
        kinds += ["token"] * 3 if text else []
        kinds += ["member"] * 4 if archive else []
        kind = rng.choice(kinds)
        if kind == "token":
            content = mutate_token(source.content, rng)
        elif kind == "member":
            content = mutate_member(source.content, rng)
        elif kind == "swap":
            content = rng.choice([s for s in sources if s.name != source.name]).content
        else:
            content = mutate_bytes(source.content, rng, kind)
        yield Mutant(source.name, kind, source.table, source.name, content)
