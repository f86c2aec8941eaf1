"""Tests for app.tables: yes/no and missing values as people read them, on screen and in files.

One hand-made table of three households:

=====  =========  ===========  ==========  ========
hh     contacted  vulnerable   address     attempts
=====  =========  ===========  ==========  ========
h1     True       True         中山路1号   2
h2     False      None         None        NaN
h3     False      False        NaN         1
=====  =========  ===========  ==========  ========

``contacted`` is a plain boolean column, ``vulnerable_overdue`` an object column of
booleans with a missing value, ``address`` text with ``None`` and ``NaN``, ``attempts`` a
number with ``NaN`` (left a number: the table shows it empty, the files write it empty).
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from app.tables import is_yes_no, labelled, to_csv, to_excel


def homes() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "household_id": ["h1", "h2", "h3"],
            "contacted": [True, False, False],
            "vulnerable_overdue": pd.Series([True, None, False], dtype=object),
            "address": ["中山路1号", None, np.nan],
            "attempts": [2.0, np.nan, 1.0],
        }
    )


@pytest.mark.parametrize(
    ("lang", "yes", "no"),
    [("en", "✓", "–"), ("zh", "是", "否")],
)
def test_yes_no_columns_read_as_words_and_missing_cells_are_empty(
    lang: str, yes: str, no: str
) -> None:
    shown = labelled(homes(), lang=lang, headers=False)
    assert shown["contacted"].tolist() == [yes, no, no]
    assert shown["vulnerable_overdue"].tolist() == [yes, "", no]
    assert shown["address"].tolist() == ["中山路1号", "", ""]
    assert shown["attempts"].tolist()[0::2] == [2.0, 1.0]  # numbers stay numbers
    assert np.isnan(shown["attempts"][1])
    text = " ".join(map(str, shown.to_numpy().ravel()))
    for word in ("True", "False", "None", "<NA>"):
        assert word not in text


def test_nullable_booleans_are_yes_no_too() -> None:
    frame = pd.DataFrame({"contacted": pd.array([True, pd.NA, False], dtype="boolean")})
    assert labelled(frame, lang="zh", headers=False)["contacted"].tolist() == ["是", "", "否"]
    assert is_yes_no(frame["contacted"])
    assert not is_yes_no(pd.Series([1, 0]))  # counts are not yes/no
    assert not is_yes_no(pd.Series([None, None], dtype=object))  # nothing to tell


def test_downloads_write_yes_no_words_and_empty_cells() -> None:
    lines = to_csv(homes(), lang="zh").decode("utf-8-sig").splitlines()
    assert lines[1:] == ["h1,是,是,中山路1号,2.0", "h2,否,,,", "h3,否,否,,1.0"]
    book = pd.read_excel(io.BytesIO(to_excel(homes(), lang="en")), keep_default_na=False)
    assert book.iloc[:, 1].tolist() == ["✓", "–", "–"]
    assert book.iloc[:, 2].tolist() == ["✓", "", "–"]
    assert book.iloc[:, 3].tolist() == ["中山路1号", "", ""]
    # the raw download for scripts keeps the booleans
    raw = to_csv(homes(), headers=False).decode("utf-8-sig").splitlines()
    assert raw[1] == "h1,True,True,中山路1号,2.0"
