from __future__ import annotations

import pytest

from suanli.data.damage import to_traditional_by_table
from suanli.data.ops.script import SimplifyScript, _converter


def test_mechanical_traditional_goes_back_to_simplified(news: list[str]) -> None:
    op = SimplifyScript()
    for text in news[:4]:
        result = op({"text": to_traditional_by_table(text)})
        assert result.doc == {"text": text}
        assert result.counters["converted_docs"] == 1


def test_genuine_taiwan_text_is_left_alone(news: list[str]) -> None:
    op = SimplifyScript()
    left = 0
    for text in news:
        taiwan = str(_converter("s2twp").convert(text))
        left += op({"text": taiwan}).doc == {"text": taiwan}
    assert left >= len(news) - 1


def test_always_converts_and_never_does_nothing() -> None:
    taiwan = "我們的軟體會自動更新資訊。"
    assert SimplifyScript(mode="always")({"text": taiwan}).doc == {"text": "我们的软体会自动更新资讯。"}
    assert SimplifyScript(mode="never")({"text": taiwan}).doc == {"text": taiwan}
    with pytest.raises(ValueError):
        SimplifyScript(mode="sometimes")


def test_simplified_text_quoting_traditional_is_left_alone(news: list[str]) -> None:
    quoted = news[6] + "\n·專訪《命案》鄭保瑞和游乃海深度談電影｜編劇親揭劇本意思"
    assert SimplifyScript()({"text": quoted}).doc == {"text": quoted}


def test_pinyin_notes_decide_where_the_script_cannot() -> None:
    # Short text whose table conversion reads exactly like Hong Kong writing: the script alone leaves it.
    from suanli.data.damage import annotate_pinyin

    text = "他们在市场上发现了这个问题，然后进行了调查。"
    table = to_traditional_by_table(text)
    assert str(_converter("s2hk").convert(text)) == table
    assert SimplifyScript()({"text": table}).doc == {"text": table}
    noted = annotate_pinyin(table)
    assert noted != table
    converted = SimplifyScript()({"text": noted}).doc
    assert converted is not None and "們" not in converted["text"] and "场(" in converted["text"]
    assert SimplifyScript(pinyin_evidence=False)({"text": noted}).doc == {"text": noted}
