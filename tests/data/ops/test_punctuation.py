from __future__ import annotations

import unicodedata

from suanli.data.ops.punctuation import RestorePunctuation, restore


def test_restores_nfkc_folded_marks(news: list[str]) -> None:
    exact = sum(restore(unicodedata.normalize("NFKC", t))[0] == t for t in news)
    assert exact >= len(news) - 2


def test_commas_between_numbers_and_words_follow_what_the_numbers_are() -> None:
    """Thousands and two-digit lists keep ``,``; other digit groups and number-word pairs take ``，``."""
    text = "净利润1,250万元,红球02,04,05,前区5+1,12期,1,2,3名,年费$260,IMA考试,增长50%,5G手机,AB,CD"
    assert restore(text)[0] == ("净利润1,250万元，红球02,04,05，前区5+1，12期，1，2，3名，年费$260，IMA考试，"
                                "增长50%，5G手机，AB,CD")
    assert restore("他列出版本1, 2, 3和Hello, 5G")[0] == "他列出版本1, 2, 3和Hello, 5G"  # typed the Latin way


def test_keeps_ascii_in_numbers_and_latin_text() -> None:
    text = "他说,价格是1,000元,比分3:1,网址http://a.cn 和 Hello, world!好吗?"
    assert restore(text)[0] == "他说，价格是1,000元，比分3：1，网址http://a.cn 和 Hello, world！好吗？"


def test_documents_with_full_width_marks_are_not_touched() -> None:
    text = "作者自己写的,混合标点，不是NFKC的结果。"
    assert restore(text) == (text, 0)
    english = "Hello, world: nothing Chinese here!"
    assert RestorePunctuation()({"text": english}).doc == {"text": english}


def test_ellipsis_and_parentheses() -> None:
    assert restore("他想了想......说(笑)")[0] == "他想了想……说（笑）"


def test_runs_ampersands_degrees_and_numbered_items() -> None:
    text = "真的吗?!太好了!!!崎岖&严酷,R&D部门说气温25°C,\n1)第一条;\n2)第二条。"
    assert restore(text)[0] == "真的吗？！太好了！！！崎岖＆严酷，R&D部门说气温25℃，\n1）第一条；\n2）第二条。"


def test_ellipsis_between_lines_and_marks_after_parentheses() -> None:
    assert restore("他说:\n......\n完了(-6),18洞后")[0] == "他说：\n……\n完了（-6），18洞后"
    assert restore("这是中文,wait...what")[0] == "这是中文，wait...what"
