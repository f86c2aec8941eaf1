"""Arrow reads CSV cells as pandas does: :func:`geo.csv_cells.read_cells` against
:func:`geo.csv_cells.pandas_cells` (``pandas.read_csv``, the reader before it), odd texts one
by one. Whole imports through both are compared in ``tests/geo/test_import_paths.py``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import geo.readers
from geo.csv_cells import _arrow_cells, pandas_cells, read_cells

ROOT = Path(__file__).resolve().parents[2]

ODD = [
    "a,b\n1,2\n",
    "a,b\r\n1,2\r\n3,4",
    "a,b\r1,2\r3,4\r",
    "a,b\n1,2\r3,4\n",
    "a,b\n 1,  2\n",
    "a,b\n\t x, \ty\n",
    "a;b\n1 ; 2\n",
    "a|b\n1| 2\n",
    "a\tb\n1\t 2\n \t \n\t\n3\t4\n",
    "a,b\n1,\u3000x\n",
    "a,b\n1,2\n\n\n3,4\n\n",
    "a,b\n1,2\n   \n3,4\n",
    "a,b\n1,2\n , \n,\n",
    "a,b\n1\n",
    "a,b\n1,2,\n3,4,\n",
    "a,b\n1,2,\n3,4\n",
    "a,b\n1,2,3,4\n",
    "\n\na,b\n1,2\n",
    "  \na,b\n1,2\n",
    " a, b\n1,2\n",
    "a,a\n1,2\n",
    "a, a\n1,2\n",
    "a,a \n1,2\n",
    "a,,b\n1,2,3\n",
    "a,b,\n1,2,\n",
    "a\n1\n  \n2\n",
    "a,b\n",
    "a,b",
    'a,b\n1,"x, y"\n',
    'a,b\n1, "x, y"\n',
    'a,b\n1,x"y\n',
    'a,b\n1,"x\ny"\n',
    "a,b\n1,\x002\n",
    "ä,ö\n1,国\n",
    "a;b\n-0;1e5\n0x10; 1,5\n",
]


@pytest.mark.parametrize("text", ODD)
def test_read_cells_reads_as_pandas_does(text: str) -> None:
    delimiter = geo.readers._delimiter(text)
    try:
        want = pandas_cells(text, delimiter=delimiter)
    except Exception as error:  # noqa: BLE001 (the same error is expected)
        with pytest.raises(type(error)) as raised:
            read_cells(text, delimiter=delimiter)
        assert str(raised.value) == str(error)
        return
    got = read_cells(text, delimiter=delimiter)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got.columns.tolist() == want.columns.tolist()


def test_plain_files_are_read_by_arrow() -> None:
    """The comparisons above are not all of pandas against itself."""
    for text in (ODD[0], ODD[1], ODD[4], ODD[8], ODD[34]):
        assert _arrow_cells(text, delimiter=geo.readers._delimiter(text), data=None) is not None
    for name in ("visits.csv", "households.csv"):
        data = (ROOT / "data" / "demo" / name).read_bytes()
        text = data.decode(geo.readers.detect_encoding(data))
        assert _arrow_cells(text, delimiter=",", data=None) is not None
