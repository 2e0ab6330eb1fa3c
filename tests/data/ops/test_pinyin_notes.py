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
