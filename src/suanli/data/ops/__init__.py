"""Pure curation operators: documents in, documents out, each saying what it changed or removed.

Per-document operators (``__call__(doc) -> Result``) repair, extract, filter and mask; deduplicators
split into a pure ``signature(doc)`` (computed in parallel) and an index that the runner holds.
"""

from __future__ import annotations

from suanli.data.ops.exact_dedup import ExactDedup, ExactIndex
from suanli.data.ops.extract import ExtractText
from suanli.data.ops.gbk_shift import RealignGBK
from suanli.data.ops.language import LanguageFilter
from suanli.data.ops.minhash import LSHIndex, NearDedup
from suanli.data.ops.mojibake import FixMojibake
from suanli.data.ops.operator import Doc, Operator, Result, TextOperator, drop, keep
from suanli.data.ops.pii import MaskPII
from suanli.data.ops.pinyin_notes import StripPinyin
from suanli.data.ops.punctuation import RestorePunctuation
from suanli.data.ops.quality import QualityFilter
from suanli.data.ops.quality_model import QualityModelFilter
from suanli.data.ops.script import SimplifyScript
from suanli.data.ops.spam import SpamFilter

OPERATORS: dict[str, type] = {
    cls.name: cls
    for cls in (
        FixMojibake, RealignGBK, StripPinyin, SimplifyScript, RestorePunctuation, ExtractText,
        LanguageFilter, QualityFilter, QualityModelFilter, SpamFilter, MaskPII,
    )
}
"""Per-document operators by the name a recipe uses."""

DEDUPLICATORS: dict[str, type] = {cls.name: cls for cls in (ExactDedup, NearDedup)}
"""Deduplicators by the name a recipe uses."""

__all__ = [
    "DEDUPLICATORS",
    "OPERATORS",
    "Doc",
    "ExactDedup",
    "ExactIndex",
    "ExtractText",
    "FixMojibake",
    "LSHIndex",
    "LanguageFilter",
    "MaskPII",
    "NearDedup",
    "Operator",
    "QualityFilter",
    "QualityModelFilter",
    "RealignGBK",
    "RestorePunctuation",
    "Result",
    "SimplifyScript",
    "SpamFilter",
    "StripPinyin",
    "TextOperator",
    "drop",
    "keep",
]
