"""A small language model of Simplified Chinese, read from jieba's word list.

The GBK re-alignment repair has to choose between readings of a damaged span; real words ("计算")
beat decoding noise ("霸朴"). jieba's dictionary (349,046 words with corpus frequencies) answers two
questions cheaply: how often a two-character sequence is a word (or begins a longer one), and how
common a character is. It loads lazily, once per process (about half a second), and only when a
document needs the repair.
"""

from __future__ import annotations

import math
from functools import lru_cache


@lru_cache(maxsize=1)
def _frequencies() -> dict[str, int]:
    from importlib import resources

    freq: dict[str, int] = {}
    text = (resources.files("jieba") / "dict.txt").read_text("utf-8")
    for line in text.splitlines():
        word, _, rest = line.partition(" ")
        count = int(rest.partition(" ")[0] or 0)
        freq[word] = freq.get(word, 0) + count
        # A pair that opens a longer word is evidence too ("哈登" from "哈登堡"-like entries).
        if len(word) > 2:
            head = word[:2]
            freq[head] = freq.get(head, 0) + max(1, count // 4)
    return freq


def load() -> None:
    """Read the word list now rather than on first use (a parent process does, before forking)."""
    _frequencies()


@lru_cache(maxsize=262144)
def pair_score(pair: str) -> float:
    """Log frequency of a two-character sequence as a word or word opening (0 when never seen)."""
    return math.log1p(_frequencies().get(pair, 0))


@lru_cache(maxsize=65536)
def commonness(ch: str) -> float:
    """Log frequency of a character as a one-character word (0 when unknown)."""
    return math.log1p(_frequencies().get(ch, 0))


def score(text: str) -> float:
    """Sum of the pair scores of ``text``: higher reads more like real Chinese."""
    return sum(pair_score(text[i : i + 2]) for i in range(len(text) - 1))
