from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from suanli.data.damage import annotate_pinyin, damage, drop_gbk_byte, to_traditional_by_table
from suanli.data.ops.gbk_shift import RealignGBK, chars_with_lead, realign


def test_realigns_the_four_spans_of_the_sample(damaged_sample: str) -> None:
    fixed, count = realign(damaged_sample)
    assert count == 4
    assert "。”優(yōu)刻得" in fixed
    assert "。“云計(jì)算廠" in fixed
    assert "。”2023年" in fixed
    assert "。”陸銘認(rèn)" in fixed
    assert "眱" not in fixed and "懻J" not in fixed


def test_a_real_exclamation_mark_stays() -> None:
    for text in ("太好了！我们赢了。", "他说：“太好了!”然后走了", "Yahoo!不是中文", "真的吗!保持冷静"):
        assert realign(text) == (text, 0)


def test_round_trip_on_generated_damage(news: list[str]) -> None:
    # Damages 1-4 as the content farm applied them; realign must put every span back in step. Where
    # the decoder got back in step silently, two readings can both fit the bytes, and the language
    # model prefers words to names ("。”哈登在" comes back as "。”沟渠在"): at most two wrong
    # characters per span are allowed, and counted.
    spans = 0
    wrong_chars = 0
    for text in news:
        for sentence in text.split("\n"):
            if "。“" in sentence or "。”" in sentence:
                source = unicodedata.normalize("NFKC", annotate_pinyin(to_traditional_by_table(sentence)))
                fixed = realign(unicodedata.normalize("NFKC", drop_gbk_byte(
                    annotate_pinyin(to_traditional_by_table(sentence)))))[0]
                assert len(fixed) == len(source)
                diff = sum(a != b for a, b in zip(fixed, source, strict=True))
                assert diff <= 2, (source, fixed)
                spans += 1
                wrong_chars += diff
    assert spans >= 3
    assert wrong_chars <= 2


def test_lost_trail_byte_is_chosen_by_the_pinyin_note() -> None:
    assert "優" in dict(chars_with_lead(0x83)).values()
    assert realign("點!眱(yōu)刻得")[0] == "點。”優(yōu)刻得"


def test_operator_counts_and_keeps_other_fields() -> None:
    doc = {"id": 7, "text": damage("机会点。”优刻得董事长说"), "url": "u"}
    result = RealignGBK()(doc)
    assert result.doc is not None
    assert result.doc["id"] == 7 and result.doc["url"] == "u"
    assert result.counters == {"spans_realigned": 1}


def test_a_full_width_bang_at_a_line_end_inside_a_quote_stays() -> None:
    text = "他说：“我们有重来的决心！\n足坛反赌还在继续。"
    assert realign(text) == (text, 0)
    assert realign("他说：“我们有重来的决心!\n足坛")[0] == "他说：“我们有重来的决心。”\n足坛"


def test_lexicon_cache_gives_the_counted_answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from suanli.data.ops import lexicon

    monkeypatch.setenv("SUANLI_CACHE_DIR", str(tmp_path / "cache"))
    counted = lexicon.count_words(lexicon._word_list_path().read_text("utf-8"))
    lexicon._frequencies.cache_clear()
    try:
        assert lexicon._frequencies() == counted  # counted, then written
        [cache] = (tmp_path / "cache").iterdir()
        lexicon._frequencies.cache_clear()
        assert lexicon._frequencies() == counted  # read back
        data = bytearray(cache.read_bytes())
        data[-100] ^= 1  # damaged: counted again, same answers
        cache.write_bytes(bytes(data))
        lexicon._frequencies.cache_clear()
        assert lexicon._frequencies() == counted
        monkeypatch.setenv("SUANLI_CACHE_DIR", "/proc/no-such-place")  # unwritable: counted every time
        lexicon._frequencies.cache_clear()
        assert lexicon._frequencies() == counted
    finally:
        lexicon._frequencies.cache_clear()
    assert counted["计算"] > 0 and counted["中"] > 0 and all(len(w) <= 2 for w in counted)


def test_a_repaired_span_stays_folded_in_a_folded_document() -> None:
    # The shifted bytes decode ``（`` here; left full-width it would be the only full-width mark of a
    # document that NFKC folded, and punctuation restoration would take the document for unfolded.
    source = "研究人员说，这是人类创造的。”（编译/潘剑）"
    fixed, count = realign(damage(source))
    assert count == 1
    assert fixed == "研究人員說,這是人類創(chuàng)造的。”(編譯/潘劍)"
    # A document that still has full-width marks keeps the decoded width.
    assert realign("他說，這是人類創造的!保ň幾g/潘劍)")[0] == "他說，這是人類創造的。”（編譯/潘劍)"


def test_a_folded_document_with_a_repaired_span_is_repaired_whole() -> None:
    from suanli.data.pipeline import curate_documents
    from suanli.data.recipe import load

    source = "研究人员说，这是人类创造的。”（编译/潘剑）"
    (repaired,), _ = curate_documents(load("zh-repair"), [{"text": damage(source)}])
    assert repaired["text"] == source


def _shifted(source: str) -> str:
    return unicodedata.normalize("NFKC", drop_gbk_byte(to_traditional_by_table(source)))


def test_noise_that_nfkc_rewrote_is_read_back_as_its_bytes() -> None:
    # The shifted bytes decode ``㈢``, which NFKC spelled ``(三)``; the sentence's last ``。`` lost its
    # trail byte, and the document's own ``。`` beats the ideographic space that shares its lead byte.
    damaged = _shifted("他认为未来有望延续。”刘珈吟表示。\n不仅如此。")
    assert "(三)" in damaged
    assert realign(damaged) == ("他認爲未來有望延續。”劉珈吟表示。\n不僅如此。", 1)


def test_a_quote_whose_trail_byte_paired_with_a_latin_letter() -> None:
    damaged = _shifted("与客户的成功密不可分。”Fredrik说。")
    assert "!盕redrik" in damaged  # ``”``'s trail byte B1 and ``F``
    assert realign(damaged)[0] == "與客戶的成功密不可分。”Fredrik說。"


def test_common_characters_beat_noise_where_no_word_decides() -> None:
    # A name is no word: on word pairs alone ``安苊`` (noise) and ``曹名`` tie, and the noise stayed.
    damaged = _shifted("跑赢市场多少百分比。“曹名长认为关注收益")
    assert "!安苊" in damaged
    assert realign(damaged)[0] == "跑贏市場多少百分比。“曹名長認爲關注收益"


def test_a_quote_closing_after_latin_text_or_before_a_space() -> None:
    # ``。”`` lost its first byte and its trail met the line end (or a space): ``CBDC!`` and ``的!`` inside
    # an open quotation are the damage, a ``!`` in Latin text outside one is not.
    assert realign("他说“只会在有授权时发行 CBDC!\n根据")[0] == "他说“只会在有授权时发行 CBDC。”\n根据"
    assert realign("他说“计划且精确的! 该研究")[0] == "他说“计划且精确的。” 该研究"
    assert realign("他说“真棒! 我们”走了")[0] == "他说“真棒! 我们”走了"
    assert realign("发布了 Hello World!\n下一段")[0] == "发布了 Hello World!\n下一段"
