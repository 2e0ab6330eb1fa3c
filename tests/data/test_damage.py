"""The damage generator reproduces the four damages of the real sample."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable

from suanli.data.damage import damage, drop_gbk_byte, to_traditional_by_table, to_traditional_like_sample
from suanli.data.pipeline import curate_documents
from suanli.data.recipe import load


def test_reproduces_the_samples_dropped_byte_spans() -> None:
    # The sample's own spans, from the text they must have been (Traditional, annotated, pre-NFKC).
    assert drop_gbk_byte("機會點。”優(yōu)刻得") == "機會點！眱(yōu)刻得"
    assert drop_gbk_byte("機會。“云計(jì)算廠商") == "機會！霸朴(jì)算廠商"
    assert drop_gbk_byte("服務。”陸銘認(rèn)為") == "服務！标戙懻J(rèn)為"
    assert drop_gbk_byte("基礎。”2023年") == "基礎！2023年"


def test_all_four_damages_in_order() -> None:
    got = damage("数字化转型的风吹了多年，步入两会。”优刻得")
    assert got.startswith("數(shù)字化轉(zhuǎn)型的風(fēng)吹了多年,步入兩會(huì)!眱(yōu)刻得")
    assert damage("No Chinese here, fine.") == "No Chinese here, fine."


def test_the_samples_own_table_rewrites_its_repaired_text_as_the_farm_did(damaged_sample: str) -> None:
    """Repaired to Simplified and converted again, the sample comes back as the farm wrote it, except
    where the dropped byte shifted the decoding: the farm's table is :func:`to_traditional_like_sample`."""
    (repaired,), _ = curate_documents(load("zh-repair"), [{"text": damaged_sample}])
    farm = unicodedata.normalize("NFKC", re.sub(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,6}\)", "", damaged_sample))

    def differing(table: Callable[[str], str]) -> int:
        ours = unicodedata.normalize("NFKC", table(str(repaired["text"])))
        matcher = difflib.SequenceMatcher(None, ours, farm, autojunk=False)
        return len(farm) - sum(block.size for block in matcher.get_matching_blocks())

    assert differing(to_traditional_like_sample) == 11  # the four re-aligned spans, and nothing else
    assert differing(to_traditional_by_table) == 92  # and 81 more: 雲 for 云, 爲 for 為, 後 for 后, ...
