from __future__ import annotations

import numpy as np

from suanli.data.damage import damage
from suanli.data.ops.exact_dedup import ExactDedup
from suanli.data.ops.minhash import NearDedup, shingle_hashes
from suanli.data.ops.normalize import normalize


def test_normalize_folds_script_width_punctuation_and_notes() -> None:
    assert normalize("數(shù)據，ＡＩ！ Hello") == normalize("数据,AI hello") == "数据aihello"


def test_exact_dedup_sees_through_damage(news: list[str]) -> None:
    op = ExactDedup()
    index = op.new_index()
    assert index.admit(op.signature({"text": news[0]}), "a") is None
    assert index.admit(op.signature({"text": news[0].replace("，", ",")}), "b") == "a"
    assert index.admit(op.signature({"text": news[1]}), "c") is None


def test_near_dedup_finds_edited_and_damaged_copies(news: list[str]) -> None:
    op = NearDedup()
    index = op.new_index()
    for i, text in enumerate(news):
        assert index.admit(op.signature({"text": text}), f"orig{i}") is None
    long_docs = [t for t in news if len(t) > 400]
    for text in long_docs:
        edited = text[:100] + "据悉，" + text[100:-30]
        assert index.query(op.signature({"text": edited})) is not None
        hit = index.query(op.signature({"text": damage(text)}))
        assert hit is not None and hit[1] >= op.threshold


def test_shingles_are_character_ngrams() -> None:
    assert shingle_hashes("abcde", 5).size == 1
    assert shingle_hashes("abcdef", 5).size == 2
    assert shingle_hashes("ab", 5).size == 1
    same = shingle_hashes("中文字符串", 3)
    assert np.array_equal(same, shingle_hashes("中文字符串", 3))
