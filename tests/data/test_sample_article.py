"""The real damaged article, repaired by the built-in ``zh-repair`` recipe."""

from __future__ import annotations

import re

from suanli.data.pipeline import curate_documents
from suanli.data.recipe import load


def test_zh_repair_restores_the_real_article(damaged_sample: str) -> None:
    (doc,), report = curate_documents(load("zh-repair"), [{"id": "sample", "text": damaged_sample}])
    text = doc["text"]
    assert doc["id"] == "sample"
    # The four dropped-byte spans, back in step.
    for span in ("机会点。”优刻得", "。“云计算厂商如何", "基础。”2023年", "服务。”陆铭认为"):
        assert span in text
    # No pinyin notes, no Traditional forms, no ASCII punctuation between Chinese characters.
    assert not re.search(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)", text)
    assert not any(ch in text for ch in "數轉風會動經濟發優計銘眱霸朴懻")
    assert not re.search(r"[\u4e00-\u9fff][,?!:;]|[,?!:;][\u4e00-\u9fff]", text)
    assert text.startswith("数字化转型的风吹了多年，步入两会时间，如何推动我国数字经济高质量发展")
    assert "（IaaS+PaaS）" in text and "32.5%" in text
    steps = {s["name"]: s for s in report["steps"]}
    assert steps["realign_gbk"]["counters"] == {"spans_realigned": 4}
    assert steps["strip_pinyin"]["counters"]["annotations_removed"] == 347
