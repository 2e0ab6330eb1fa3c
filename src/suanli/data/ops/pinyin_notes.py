"""Removal of pinyin annotations that content farms insert after characters (``數(shù)``).

An annotation is removed only when it is a reading of the character it follows (checked with
pypinyin, heteronyms included), so ``(AI)``, ``(2023)`` or a genuine parenthesised ``(ān)`` after an
unrelated character stay.
"""

from __future__ import annotations

import importlib.util
import json
import re
from functools import lru_cache
from pathlib import Path

from suanli.data.ops.operator import TextOperator

# A pinyin syllable with a tone mark (the damage writes tone marks, never tone numbers).
_SYLLABLE = "[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüêńňǹḿ]{1,6}"
ANNOTATION = re.compile(rf"([\u3400-\u9fff])[(（]({_SYLLABLE})[)）]")


@lru_cache(maxsize=1)
def _single_characters() -> dict[int, str]:
    """pypinyin's table of single-character readings: code point -> ``"zhōng,zhòng"`` (default first).

    pypinyin answers a single character from this table alone, so it is read as data. Importing pypinyin
    also loads its phrase dictionary and trains its phrase segmenter (a quarter of a CPU-second), which
    a single character never uses; ``tests/data/ops/test_pinyin_notes.py`` checks the answers agree.
    """
    spec = importlib.util.find_spec("pypinyin")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("pypinyin is not installed")
    table = json.loads((Path(spec.origin).parent / "pinyin_dict.json").read_text("utf-8"))
    return {int(code): found for code, found in table.items()}


@lru_cache(maxsize=65536)
def readings(ch: str) -> frozenset[str]:
    """Every tone-marked reading pypinyin knows for ``ch`` (empty when it knows none)."""
    if len(ch) == 1:
        found = _single_characters().get(ord(ch))
        return frozenset(found.split(",")) if found else frozenset()
    from pypinyin import Style, pinyin

    return frozenset(r for group in pinyin(ch, style=Style.TONE, heteronym=True, errors="ignore") for r in group)


def default_reading(ch: str) -> str:
    """The reading pypinyin gives ``ch`` on its own (what the damage inserts)."""
    if len(ch) == 1:
        found = _single_characters().get(ord(ch))
        return found.partition(",")[0] if found else ""
    from pypinyin import Style, lazy_pinyin

    got = lazy_pinyin(ch, style=Style.TONE, errors="ignore")
    return got[0] if got else ""


_TONE_MARKS = frozenset("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ")


@lru_cache(maxsize=65536)
def is_reading(ch: str, syllable: str) -> bool:
    """Whether ``syllable`` (tone-marked) is a reading of ``ch``: a note the damage could have inserted."""
    return not _TONE_MARKS.isdisjoint(syllable) and syllable in readings(ch)


def strip_annotations(text: str) -> tuple[str, int, int]:
    """Remove verified annotations; return (text, removed, kept because unverified)."""
    removed = 0
    kept = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal removed, kept
        ch, syllable = match.groups()
        if is_reading(ch, syllable):
            removed += 1
            return ch
        kept += 1
        return match.group(0)

    return ANNOTATION.sub(replace, text), removed, kept


class StripPinyin(TextOperator):
    """Remove ``字(zì)`` annotations whose syllable is a reading of the preceding character."""

    name = "strip_pinyin"

    def prepare(self) -> None:
        """Load pypinyin's dictionaries now (see :meth:`suanli.data.pipeline.Pipeline.prepare`)."""
        readings("中")
        default_reading("中")

    def rewrite(self, text: str) -> tuple[str, dict[str, int]]:
        if "(" not in text and "（" not in text:
            return text, {}
        new, removed, kept = strip_annotations(text)
        counters = {"annotations_removed": removed} if removed else {}
        if kept:
            counters["annotations_unverified"] = kept
        return new, counters
