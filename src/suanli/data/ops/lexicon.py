"""A small character-bigram lexicon of Simplified Chinese words, used as a weak language model.

The GBK re-alignment repair sometimes has to choose between readings of a damaged span; real words
("计算") beat decoding noise ("霸朴"). The word list is pypinyin's phrase dictionary (about 47,000
words), which the repair needs anyway, so no extra data ships with suanli.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def bigrams() -> frozenset[str]:
    """Every pair of adjacent characters inside a known word."""
    from pypinyin.phrases_dict import phrases_dict

    pairs: set[str] = set()
    for word in phrases_dict:
        for i in range(len(word) - 1):
            pairs.add(word[i : i + 2])
    return frozenset(pairs)


def score(text: str) -> int:
    """How many adjacent character pairs of ``text`` occur in known words."""
    known = bigrams()
    return sum(1 for i in range(len(text) - 1) if text[i : i + 2] in known)
