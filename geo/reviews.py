"""A chief's review decisions on flagged visits: the file the CLI reads with ``--reviews``.

A reviews file is a table (CSV in any encoding the importer reads, or XLSX) with a
``visit_id`` column and a ``decision`` column whose values are ``confirmed`` (the flags
stand: the visit is not counted) or ``dismissed`` (the flags are wrong: the visit counts).
Headers may also be written 走访编号/走访ID and 审核结果/结论; decisions 确认/属实 and
驳回/撤销/不属实 are read as ``confirmed`` and ``dismissed``. A visit listed twice keeps its
last decision. Blank lines are skipped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pandas as pd

from geo.errors import InputFileError
from geo.readers import read_raw

DECISIONS: Final = ("confirmed", "dismissed")
"""The decisions a chief can take on a flagged visit."""

_HEADERS: Final = {
    "visit_id": ("visit_id", "visit", "走访编号", "走访id", "走访ID"),
    "decision": ("decision", "review", "审核结果", "结论"),
}
_WORDS: Final = {
    "confirmed": "confirmed",
    "confirm": "confirmed",
    "确认": "confirmed",
    "属实": "confirmed",
    "dismissed": "dismissed",
    "dismiss": "dismissed",
    "驳回": "dismissed",
    "撤销": "dismissed",
    "不属实": "dismissed",
}


def read_reviews(path: str | Path) -> pd.DataFrame:
    """Read a reviews file into ``visit_id`` and ``decision`` columns (text).

    Parameters
    ----------
    path : str or Path
        CSV or XLSX file.

    Returns
    -------
    pandas.DataFrame
        ``visit_id`` and ``decision`` (``confirmed`` or ``dismissed``), one row per line of
        the file that is not blank.

    Raises
    ------
    InputFileError
        The file is missing or unreadable, lacks one of the two columns, or a line has no
        visit id or an unknown decision; the message names the file, row and column.
    """
    raw = read_raw(path)
    frame = raw.frame
    lowered = {str(c).strip().lower(): c for c in frame.columns}
    found: dict[str, str] = {}
    for canonical, names in _HEADERS.items():
        for name in names:
            if name.lower() in lowered:
                found[canonical] = lowered[name.lower()]
                break
        else:
            msg = (
                f"{raw.file}: no column {canonical!r} (have {list(frame.columns)}); a reviews "
                "file needs the columns visit_id and decision"
            )
            raise InputFileError(msg)
    ids = frame[found["visit_id"]].astype(str).str.strip()
    words = frame[found["decision"]].astype(str).str.strip()
    blank = (ids == "") & (words == "")
    decision = words.str.lower().map(_WORDS)
    for position in range(len(frame)):
        if blank.iloc[position]:
            continue
        row = raw.row_number(position)
        if ids.iloc[position] == "":
            msg = (
                f"{raw.file}: {raw.row_word} {row} has no visit id in column {found['visit_id']!r}"
            )
            raise InputFileError(msg)
        if pd.isna(decision.iloc[position]):
            msg = (
                f"{raw.file}: {raw.row_word} {row} has {words.iloc[position]!r} in column "
                f"{found['decision']!r}; write confirmed (not counted) or dismissed (counted)"
            )
            raise InputFileError(msg)
    keep = ~blank.to_numpy()
    return pd.DataFrame(
        {"visit_id": ids.to_numpy()[keep], "decision": decision.to_numpy()[keep].astype(str)}
    )
