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


def test_line_by_line_comparison_equals_the_whole_text(news: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from suanli.data.ops import script
    from suanli.data.ops.script import differs_beyond, mismatches, to_simplified

    def whole(config: str, source: str, text: str, han: int, share: float) -> bool:
        return mismatches(text, str(_converter(config).convert(source))) / han > share

    texts = [to_traditional_by_table(news[0]), str(_converter("s2hk").convert(news[1])), news[2],
             "第一行\n\n" + to_traditional_by_table(news[3][:200]) + "\n", "短\n行"]
    for text in texts:
        source = to_simplified(text)
        for config in ("s2hk", "s2twp"):
            for share in (0.0, 0.01, 0.2):
                assert differs_beyond(config, source, text, 100, share) == whole(config, source, text, 100, share)

    class Lengthening:
        """A converter that writes one line longer: later positions shift, so the whole text decides."""

        def convert(self, text: str) -> str:
            return text.replace("乙", "乙乙")

    monkeypatch.setattr(script, "_converter", lambda config: Lengthening())
    assert differs_beyond("x", "甲\n乙\n丙", "甲\n乙\n丙", 3, 0.0)
    assert not differs_beyond("x", "甲\n丁\n丙", "甲\n丁\n丙", 3, 0.0)
    assert differs_beyond("x", "甲\n乙", "甲\n乙乙", 3, 0.0) is False


def test_table_zhu_is_undone_outside_the_words_that_write_it() -> None:
    import random
    import re

    from suanli.data.ops.script import _untable

    words = re.compile("著(?=[名作称述录书者])|(?<=[显卓土名原编巨论专昭])著")

    def reference(text: str) -> str:
        keep = {m.start() for m in words.finditer(text)}
        return "".join("着" if ch == "著" and i not in keep else ch for i, ch in enumerate(text))

    rnd = random.Random(3)
    for _ in range(2000):
        text = "".join(rnd.choice("著名作显卓看着x") for _ in range(rnd.randint(0, 12)))
        assert _untable(text) == reference(text), text
    assert _untable("他看著著名的著作，显著") == "他看着著名的著作，显著"


def test_a_table_form_that_t2s_keeps_goes_back_in_mechanical_text() -> None:
    from suanli.data.damage import to_traditional_by_table
    from suanli.data.ops.script import SimplifyScript, _untable

    # OpenCC's t2s keeps ``暱`` (a variant it does not fold), but the table wrote it for ``昵``.
    assert _untable("暱稱") == "昵稱"
    source = "用户可以一键登录获取微信昵称、微信头像或手机号码，昵称会显示在页面上，头发也可以设置。"
    result = SimplifyScript()({"text": to_traditional_by_table(source)})
    assert result.doc is not None and result.doc["text"] == source
