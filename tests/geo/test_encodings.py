"""The rule that tells Chinese GB18030 text from other bytes that are not UTF-8, by hand.

Each case is a few bytes whose GB18030 and UTF-8 readings are written out; files read
through :mod:`geo.readers` are in tests/geo/test_readers.py.
"""

from __future__ import annotations

from geo.encodings import is_chinese_gb18030


def test_chinese_share_rule_by_hand() -> None:
    # 9 common hanzi and one 鋘 (e4 6e, second byte below 0x80): 90 % Chinese, just enough;
    # 8 and one: 8/9 = 89 %, not. 喆 (86 b4) and 䶮 (fe 9f) are rare but written with high
    # bytes only, and 𠀀 takes four bytes: Chinese.
    rare = "鋘".encode("gb18030")
    assert rare == b"\xe4\x6e"
    assert is_chinese_gb18030(["一二三四五六七八九".encode("gbk") + b"," + rare])
    assert not is_chinese_gb18030(["一二三四五六七八".encode("gbk") + b"," + rare])
    assert is_chinese_gb18030(["喆,䶮,𠀀".encode("gb18030")])
    # undecodable as GB18030 (a lead byte before a comma): not Chinese whatever else
    assert not is_chinese_gb18030(["户号".encode("gbk") + b"\xb0,"])


def test_damaged_utf8_rule_by_hand() -> None:
    # 户 (e6 88 b7) in UTF-8 is one well-formed sequence; as GB18030 it would be 鎴 + a lead
    # byte. Two UTF-8 hanzi and a GBK one ("玄" d0 fe): 2 sequences, 2 bytes outside them:
    # not fewer, so this is UTF-8 with bad bytes even though it decodes as GB18030
    data = "户号".encode() + "玄".encode("gbk")
    assert data.decode("gb18030") == "鎴峰彿玄"
    assert not is_chinese_gb18030([data])
    # the same in GBK throughout: no UTF-8 sequences, Chinese
    assert is_chinese_gb18030(["户号玄".encode("gbk")])


def test_a_character_cut_off_at_the_end_is_not_chinese() -> None:
    # 0x81 can only start a GB18030 character: cut off at the end (cut_ends, as in a .dbf
    # cell) it decodes to nothing, and nothing Chinese is not Chinese text
    assert not is_chinese_gb18030([b"KYL\x81"], cut_ends=True)
    assert is_chinese_gb18030(["警务区".encode("gbk") + b"\x81"], cut_ends=True)
