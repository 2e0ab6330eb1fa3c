from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest

from suanli.data.ops import ngrams
from suanli.data.ops.ngrams import dup_ngram_share


def _reference(text: str, n: int) -> float:
    """The definition, one n-gram at a time."""
    if len(text) < 2 * n:
        return 0.0
    grams = [text[i : i + n] for i in range(len(text) - n + 1)]
    counts = Counter(grams)
    covered = bytearray(len(text))
    for i, g in enumerate(grams):
        if counts[g] > 1:
            covered[i : i + n] = b"\x01" * n
    return sum(covered) / len(text)


def _texts() -> list[tuple[str, int]]:
    rnd = random.Random(7)
    cases = [("重复的句子在这里。" * 10, 10), ("", 3), ("abcabc", 3), ("甲乙丙丁" * 3 + "戊", 4)]
    for _ in range(500):
        alphabet = rnd.choice(["ab", "abc", "中文字", "a\ud800𝄞"])
        cases.append(("".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 60))), rnd.randint(1, 8)))
    return cases


def test_dup_ngram_share_matches_its_definition() -> None:
    for text, n in _texts():
        assert dup_ngram_share(text, n) == _reference(text, n), (text, n)


def test_colliding_hashes_do_not_change_the_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every window hashes alike: every position is a candidate, and the n-grams themselves decide.
    monkeypatch.setattr(ngrams, "window_hashes",
                        lambda codes, n: np.zeros(codes.size - n + 1, dtype=np.uint64))
    for text, n in _texts():
        assert dup_ngram_share(text, n) == _reference(text, n), (text, n)
