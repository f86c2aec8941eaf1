"""Tell Chinese text in GB18030 from other bytes that are not UTF-8, and refuse the rest.

Station exports are UTF-8 (with or without a byte-order mark) or GBK/GB18030, and nothing in
a CSV or a .dbf names which. :mod:`geo.readers` reads UTF-8 when the bytes are UTF-8 and
GB18030 only when :func:`is_chinese_gb18030` says they are Chinese text in it; anything else
is refused with a fatal ``bad_encoding`` finding (:func:`encoding_error`), never guessed as
Latin-1 or cp1252. The rule is written out in :func:`is_chinese_gb18030`.
"""

from __future__ import annotations

import codecs
import unicodedata
from typing import Any, Final

import numpy as np

from geo.errors import EncodingError, Finding
from geo.findings import located, problem

__all__ = ["BOMS", "CHINESE_MIN_SHARE", "encoding_error", "is_chinese_gb18030"]

BOMS: Final = {
    codecs.BOM_UTF8: ("utf-8", "utf-8-sig"),
    codecs.BOM_UTF16_LE: ("utf-16-le", "utf-16"),
    codecs.BOM_UTF16_BE: ("utf-16-be", "utf-16"),
}
"""Byte-order mark -> the codec of the bytes after it, and the encoding that reads the file."""

CHINESE_MIN_SHARE: Final = 0.9
"""Share of the non-ASCII characters that must be Chinese for bytes to be read as GB18030."""

_HIGH_BYTES: Final = bytes(range(0x80, 0x100))
_IDEOGRAPH_NAMES: Final = ("CJK UNIFIED IDEOGRAPH-", "CJK COMPATIBILITY IDEOGRAPH-")


def is_chinese_gb18030(chunks: list[bytes], *, cut_ends: bool = False) -> bool:
    """Return whether bytes that are not UTF-8 are Chinese text in GB18030 (or GBK).

    All three must hold:

    1. Every chunk decodes as GB18030 (with ``cut_ends``, but for one character cut off at
       its end, as in a Shapefile's fixed-width cells).
    2. It is not UTF-8 with a few bad bytes: it has fewer well-formed UTF-8 multi-byte
       sequences than non-ASCII bytes outside them. A UTF-8 file with one stray byte has
       many of the first and one of the second. In GBK text some characters happen to be
       valid two-byte UTF-8 sequences (29 % of those of the demo's households, 18 % of its
       visits) and the bytes of the others, outside any, are five to nine times as many.
    3. It looks Chinese: at least :data:`CHINESE_MIN_SHARE` (90 %) of the non-ASCII
       characters it decodes to, and at least one, are Chinese, that is in GB2312 (the
       common simplified hanzi, Chinese punctuation and full-width forms), or CJK
       ideographs outside it that GB18030 writes in four bytes or in two bytes both at or
       above 0x80 (GBK's rarer hanzi such as 喆 or 堃, GB18030's added ones). Latin-1 text
       read as GBK fails here: an accented letter and the ASCII letter after it make one
       rare GBK character (``än`` -> ``鋘``) whose second byte is below 0x80.

    Korean EUC-KR or Japanese EUC-JP text uses the byte ranges of GB2312 and cannot be told
    from it; such files are not expected from a Chinese station.

    Examples
    --------
    >>> is_chinese_gb18030(["走访编号,民警".encode("gbk")])
    True
    >>> is_chinese_gb18030(["Pitkänsillanranta".encode("latin-1")])  # Pitk鋘sillanranta
    False
    """
    texts = []
    for chunk in chunks:
        decoder = codecs.getincrementaldecoder("gb18030")(errors="strict")
        try:
            texts.append(decoder.decode(chunk, final=not cut_ends))
        except UnicodeDecodeError:
            return False
    sequences = outside = 0
    for chunk in chunks:
        found, spread = _utf8_sequences(chunk)
        sequences += found
        outside += spread
    if sequences >= outside:
        return False
    codes = np.frombuffer("".join(texts).encode("utf-32-le"), dtype="<u4")
    counts = np.bincount(codes[codes > 0x7F])
    chinese = sum(int(counts[code]) for code in np.flatnonzero(counts) if _is_chinese(chr(code)))
    return chinese > 0 and chinese >= CHINESE_MIN_SHARE * int(counts.sum())


def _utf8_sequences(chunk: bytes) -> tuple[int, int]:
    r"""Return the well-formed UTF-8 multi-byte sequences of ``chunk`` and its other high bytes.

    Counted as the UTF-8 decoder reads: each maximal invalid part becomes one U+FFFD and
    reading goes on after it.

    Examples
    --------
    >>> _utf8_sequences("ä".encode() + b"\xe4n" + "户".encode())  # 2 sequences, 1 stray byte
    (2, 1)
    """
    high = len(chunk) - len(chunk.translate(None, _HIGH_BYTES))
    text = chunk.decode("utf-8", errors="replace")
    replaced = text.count("\ufffd")
    ascii_bytes = len(chunk) - high
    sequences = len(text) - replaced - ascii_bytes
    in_sequences = len(text.encode("utf-8")) - 3 * replaced - ascii_bytes
    return sequences, high - in_sequences


def _is_chinese(char: str) -> bool:
    """Return whether ``char`` is a Chinese character by rule 3 of :func:`is_chinese_gb18030`."""
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        pass
    else:
        return True
    if not unicodedata.name(char, "").startswith(_IDEOGRAPH_NAMES):
        return False
    encoded = char.encode("gb18030")
    return len(encoded) == 4 or encoded[1] >= 0x80


def encoding_error(
    file: str,
    variant: str,
    values: dict[str, Any],
    *,
    row: int | None,
    row_word: str,
    column: str | None,
) -> EncodingError:
    """Return an :class:`~geo.errors.EncodingError` holding its ``bad_encoding`` finding.

    The finding's message names ``file``, the ``row`` (or feature) and ``column`` as the file
    spells it, and says what to do (the template ``bad_encoding.<variant>``).
    """
    message = located(
        file, problem("bad_encoding", variant, **values), row=row, row_word=row_word, column=column
    )
    if row is not None:
        values = {**values, "row_word": row_word}
    finding = Finding("fatal", "bad_encoding", message, file, row, column, values, variant)
    return EncodingError(finding)
