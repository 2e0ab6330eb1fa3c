"""A generator of the four damages found in ``damaged_news_sample.txt``, for tests and benchmarks.

Applied in the order the forensics imply: (1) Simplified characters mapped to Traditional one by one;
(2) the default pinyin reading inserted after each character of a fixed set (the 71 characters
annotated in the sample); (3) in GBK bytes, the first byte of ``。`` dropped where it meets a quote
mark, decoding the rest of the run one byte out of step; (4) NFKC, which turns ``！`` into ``!`` and
``，`` into ``,``. The generator is deterministic: the same text always yields the same damage.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any

from suanli.data.ops.pinyin_notes import default_reading

ANNOTATED = frozenset(
    "個優儲內創動務勢區協嚴團執堅報場學實對強態應戰據數時會業構機準濟爭獨現環產當發礎競節結絡統經網續聯臺蘊"
    "術規計訓設認調負財質轉進運關項領風驗點"
)
"""The Traditional characters that the sample annotates with pinyin (``數(shù)``)."""


@lru_cache(maxsize=65536)
def _traditional(ch: str) -> str:
    return str(_s2t().convert(ch)) if "\u4e00" <= ch <= "\u9fff" else ch


@lru_cache(maxsize=1)
def _s2t() -> Any:
    import opencc

    return opencc.OpenCC("s2t")


def to_traditional_by_table(text: str) -> str:
    """Damage 1: convert character by character, ignoring words (as content farms do)."""
    return "".join(_traditional(ch) for ch in text)


SAMPLE_KEPT = frozenset("云后游采里并于么伙占")
"""Simplified characters that the sample's own table leaves alone (``云计算``, ``最后``, ``里``, ``于``): each
is also a Traditional character of its own. Read from the sample: it writes ``云`` 46 times and ``雲`` never."""


@lru_cache(maxsize=65536)
def _traditional_tw(ch: str) -> str:
    return str(_s2tw().convert(ch)) if "\u4e00" <= ch <= "\u9fff" and ch not in SAMPLE_KEPT else ch


@lru_cache(maxsize=1)
def _s2tw() -> Any:
    import opencc

    return opencc.OpenCC("s2tw")


def to_traditional_like_sample(text: str) -> str:
    """Damage 1 as the sample's content farm did it, so far as one article shows: one by one, with Taiwan's
    variants (``為``, ``群``, ``著`` for ``着``, where :func:`to_traditional_by_table` writes OpenCC's ``爲``,
    ``羣``, ``着``), and :data:`SAMPLE_KEPT` left Simplified. Against the sample's text (pinyin notes
    removed), this leaves only the four re-aligned spans different (11 characters); the OpenCC table
    differs at 81 characters more."""
    return "".join(_traditional_tw(ch) for ch in text)


def annotate_pinyin(text: str, chars: frozenset[str] = ANNOTATED) -> str:
    """Damage 2: insert the default reading after every character of ``chars``."""
    return "".join(f"{ch}({default_reading(ch)})" if ch in chars else ch for ch in text)


def _gbk_width(ch: str) -> int:
    try:
        return len(ch.encode("gbk"))
    except UnicodeEncodeError:
        return 0


def drop_gbk_byte(text: str) -> str:
    """Damage 3: drop the first GBK byte of ``。`` before a quote; decode the run out of step."""
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        if text[i] == "。" and i + 1 < n and text[i + 1] in "“”":
            m = i + 1
            while m < n and _gbk_width(text[m]) == 2:
                m += 1
            raw = text[i:m].encode("gbk")[1:]
            end = m
            if m < n and text[m].isascii():
                raw += text[m].encode("ascii")
                end = m + 1
            out.append(raw.decode("gbk", errors="ignore"))
            i = end
            continue
        out.append(text[i])
        i += 1
    return "".join(out)


def damage(text: str) -> str:
    """Apply all four damages to clean Simplified text."""
    return unicodedata.normalize("NFKC", drop_gbk_byte(annotate_pinyin(to_traditional_by_table(text))))
