"""The damage generator reproduces the four damages of the real sample."""

from __future__ import annotations

from suanli.data.damage import damage, drop_gbk_byte


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
