from __future__ import annotations

from suanli.data.ops.pinyin_notes import StripPinyin, strip_annotations


def test_removes_only_verified_readings() -> None:
    text, removed, kept = strip_annotations("數(shù)字化轉(zhuǎn)型,好(mā)人,調(diào)整,行(háng)業")
    assert text == "數字化轉型,好(mā)人,調整,行業"
    assert (removed, kept) == (4, 1)


def test_leaves_non_pinyin_parentheses() -> None:
    for text in ("人工智能(AI)", "公有云(IaaS+PaaS)", "北京(2023)", "拼音(pin)"):
        assert strip_annotations(text)[0] == text


def test_operator_reports_counts() -> None:
    result = StripPinyin()({"text": "會(huì)議(yì)"})
    assert result.doc == {"text": "會議"}
    assert result.counters == {"annotations_removed": 2}


def test_single_character_table_answers_as_pypinyin_does() -> None:
    from pypinyin import Style, lazy_pinyin, pinyin

    from suanli.data.ops.pinyin_notes import default_reading, readings

    # Han characters (a sample of each block), GBK's symbols and letters, ASCII, astral Han, nothing.
    points = [*range(0x3400, 0xA000, 5), *range(0x20, 0x3400, 37), *range(0xFF00, 0xFFEF), 0x3007, 0x20000, 0x2A6D6]
    for ch in [chr(p) for p in points] + ["", "中国"]:
        expected = frozenset(r for g in pinyin(ch, style=Style.TONE, heteronym=True, errors="ignore") for r in g)
        assert readings(ch) == expected, ch
        got = lazy_pinyin(ch, style=Style.TONE, errors="ignore")
        assert default_reading(ch) == (got[0] if got else ""), ch
