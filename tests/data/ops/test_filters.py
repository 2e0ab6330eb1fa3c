from __future__ import annotations

from suanli.data.ops.language import LanguageFilter, identify
from suanli.data.ops.quality import QualityFilter, dup_ngram_share
from suanli.data.ops.spam import SpamFilter


def test_identify_scripts() -> None:
    assert identify("今天天气很好，我们去公园。")[0] == "zh"
    assert identify("The weather is nice and we are going to the park.")[0] == "en"
    assert identify("今日はいい天気ですね。")[0] == "ja"
    assert identify("오늘 날씨가 좋네요")[0] == "ko"
    assert identify("12345 !!!")[0] == "und"


def test_language_filter_reasons() -> None:
    op = LanguageFilter(languages=["zh"])
    assert op({"text": "The weather is nice and it is sunny."}).reason == "lang:en"
    assert op({"text": "中文内容"}).doc == {"text": "中文内容"}


def test_quality_keeps_news_and_drops_boilerplate(news: list[str]) -> None:
    op = QualityFilter()
    assert sum(not op({"text": t}).removed for t in news) >= len(news) - 1
    nav = "\n".join(["首页", "新闻", "体育", "财经", "首页", "新闻", "联系我们", "关于我们"] * 3)
    assert op({"text": nav}).reason.startswith("quality:")
    assert op({"text": "太短了。"}).reason == "quality:too_short"
    assert dup_ngram_share("重复的句子在这里。" * 10, 10) > 0.9


def test_spam_title_and_terms(news: list[str]) -> None:
    op = SpamFilter()
    assert op({"text": news[0], "title": "威尼斯人现金网网址"}).reason == "spam:title"
    spam = "百家乐在线开户送彩金，澳门新葡京真人视讯，注册送88元。" * 3
    assert op({"text": spam}).reason == "spam:terms"
    assert not op({"text": "本期双色球开奖结果公布，一等奖5注。" * 3}).removed


def test_spam_terms_match_the_lowered_text_as_ignorecase_matches_the_text() -> None:
    # Matching the lower-cased text is the same as re.IGNORECASE on the text when every character of a
    # term matches, ignoring case, exactly the characters that lower-case to it, and no character
    # lower-cases to a string holding a term's character otherwise.
    import re

    from suanli.data.ops.spam import SPAM_TERMS, spam_hits

    alphabet = set("".join(t.lower() for t in SPAM_TERMS))
    every = "".join(map(chr, range(0x110000)))
    lowering_to: dict[str, set[str]] = {}
    for c in every:
        low = c.lower()
        assert len(low) == 1 or alphabet.isdisjoint(low), c
        if low in alphabet:
            lowering_to.setdefault(low, set()).add(c)
    for x in alphabet:
        assert set(re.findall(re.escape(x), every, re.IGNORECASE)) == lowering_to[x], x
    assert spam_hits("BET365 Bet365 AV在线 av在线 百家乐") == (5, 3)
