r"""Parse CSV text into a frame of text cells: Arrow when it reads as pandas does, else pandas.

The cells of a CSV file are what ``pandas.read_csv(dtype=str, keep_default_na=False,
skipinitialspace=True, sep=delimiter)`` reads: every cell as text (dtype ``str``), no
missing values (an empty cell is ``""``), the spaces at the start of a cell dropped (spaces
only, not tabs), blank lines and lines of spaces and tabs skipped. That reader turns each
cell into a Python string; :func:`pyarrow.csv.read_csv` reads the same text in C++, about
five times faster, but it knows no ``skipinitialspace`` and reads some files differently.
So Arrow reads a file only when it is certain to give the same frame, and pandas reads
every other one:

* **No double quotes** in the text. A quote after the spaces that follow a delimiter
  starts a quoted cell for pandas, not for Arrow; rather than tell such cells apart, a file
  with any quote is read by pandas.
* **No NUL characters**, **no lone carriage returns** (``\r`` not followed by ``\n``), and
  the text starts with its header line (no blank lines or spaces before it).
* **At least two columns**: with one column a line of spaces is a cell for Arrow and a
  skipped line for pandas.
* **Headers**: none empty and no two alike once their leading spaces are dropped (pandas
  names those ``Unnamed: 0`` and ``a.1``).
* **Every line has as many cells as the header** (or is empty): Arrow refuses any other
  line and pandas then reads the file as it always did (a short line's missing cells are
  ``""``; a longer line is pandas' error, or an index when every line is longer).
* **At least one record**: a header alone is read by pandas (the dtypes of an empty
  frame).

Arrow reads every column as text (``strings_can_be_null=False``, no null values) and the
leading spaces of its cells are dropped (``utf8_ltrim`` of ``" "``); the result has
pandas' dtype, ``str`` backed by Arrow ``large_string`` (read as such, so pandas takes the
columns without a copy), and a ``RangeIndex``.
``tests/geo/test_csv_cells.py`` reads every shipped CSV and a list of odd files both ways
and compares the frames exactly.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)
"""pandas' default text dtype (``str``), as ``read_csv(dtype=str)`` gives it."""


def read_cells(text: str, *, delimiter: str, data: bytes | None = None) -> pd.DataFrame:
    r"""Return the cells of CSV ``text`` as text columns, headers as in the file.

    Parameters
    ----------
    text : str
        The decoded file.
    delimiter : str
        One character: comma, semicolon, tab or bar.
    data : bytes, optional
        ``text`` encoded as UTF-8 when the caller has it (the file's own bytes, saved as
        UTF-8 without a byte-order mark), so it is not encoded again.

    Raises
    ------
    pandas.errors.ParserError, csv.Error
        As :func:`pandas.read_csv` raises them, for a file Arrow does not read.

    Examples
    --------
    >>> read_cells("id, name\n1, Ann\n", delimiter=",").to_dict("list")
    {'id': ['1'], 'name': ['Ann']}
    """
    frame = _arrow_cells(text, delimiter=delimiter, data=data)
    if frame is None:
        frame = pandas_cells(text, delimiter=delimiter)
    return frame


def pandas_cells(text: str, *, delimiter: str) -> pd.DataFrame:
    """Return the cells of CSV ``text`` as :func:`pandas.read_csv` reads them (the reference)."""
    return pd.read_csv(
        io.StringIO(text),
        dtype=str,
        keep_default_na=False,
        skipinitialspace=True,
        sep=delimiter,
    )


def _arrow_cells(text: str, *, delimiter: str, data: bytes | None) -> pd.DataFrame | None:
    """Return the cells as Arrow reads them, or ``None`` when pandas must read the file."""
    if '"' in text or "\0" in text or ("\r" in text and text.count("\r") != text.count("\r\n")):
        return None
    end = text.find("\n")
    header = (text if end < 0 else text[:end]).removesuffix("\r")
    names = header.split(delimiter)
    trimmed = [name.lstrip(" ") for name in names]
    if len(names) < 2 or header != header.lstrip(" \t") or "" in trimmed:
        return None
    if len(set(trimmed)) != len(trimmed) or len(set(names)) != len(names):
        return None
    try:
        table = pa_csv.read_csv(
            io.BytesIO(text.encode("utf-8") if data is None else data),
            read_options=pa_csv.ReadOptions(encoding="utf8"),
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter,
                quote_char=False,
                escape_char=False,
                newlines_in_values=False,
                ignore_empty_lines=True,
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.large_string()),
                null_values=[],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                auto_dict_encode=False,
            ),
        )
    except pa.ArrowInvalid:  # a line with more or fewer cells than the header
        return None
    if table.column_names != names or table.num_rows == 0:
        return None
    columns = [
        pc.utf8_ltrim(column, " ") if pc.any(pc.starts_with(column, " ")).as_py() else column
        for column in table.columns
    ]
    cells = pa.table(columns, names=[f"c{i}" for i in range(len(names))])
    frame = cells.to_pandas(types_mapper={pa.large_string(): _TEXT}.get)
    frame.columns = pd.Index(trimmed)
    return frame


__all__ = ["pandas_cells", "read_cells"]
