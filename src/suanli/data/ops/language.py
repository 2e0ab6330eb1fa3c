"""Language identification by script, good enough to route Chinese, Japanese, Korean and English.

A statistical identifier (fastText ``lid.176``) needs a 126 MB model download; for the question this
plane asks first ("is this Chinese web text?") the writing system answers it: Han characters without
kana are Chinese, kana means Japanese, Hangul Korean, and mostly Latin letters with English function
words English.
"""

from __future__ import annotations

import re

from suanli.data.ops import charclass
from suanli.data.ops.operator import Doc, Result, drop, keep

_EN_WORDS = frozenset(
    ["the", "of", "and", "to", "in", "is", "that", "for", "it", "with", "as", "was", "on", "are", "be",
     "by", "this", "have", "from", "or", "at"]
)
_WORD = re.compile(r"[a-z]+")


def identify(text: str, sample: int = 4000) -> tuple[str, float]:
    """Return (language code, confidence in 0..1) for the first ``sample`` characters of ``text``."""
    head = text[:sample]
    han = charclass.count(charclass.HAN, head)
    kana = charclass.count(charclass.KANA, head)
    hangul = charclass.count(charclass.HANGUL, head)
    latin = charclass.count(charclass.LATIN, head)
    letters = han + kana + hangul + latin
    if letters == 0:
        return "und", 0.0
    if kana and kana >= 0.1 * (han + kana):
        return "ja", (han + kana) / letters
    if hangul > han and hangul > latin:
        return "ko", hangul / letters
    # A Chinese character carries about as much text as three Latin letters: weigh them so.
    if han * 3 >= latin:
        return "zh", han * 3 / (han * 3 + latin)
    words = _WORD.findall(head.lower())
    if words:
        share = sum(1 for w in words if w in _EN_WORDS) / len(words)
        if share >= 0.05:
            return "en", min(1.0, latin / letters * (0.5 + share * 2))
    return "und", latin / letters


class LanguageFilter:
    """Keep documents in ``languages`` identified with at least ``min_score`` confidence."""

    name = "language"

    def __init__(self, languages: list[str] | None = None, min_score: float = 0.5,
                 field: str = "text", annotate: bool = False) -> None:
        self.languages = frozenset(languages or ["zh"])
        self.min_score = min_score
        self.field = field
        self.annotate = annotate

    def __call__(self, doc: Doc) -> Result:
        text = doc.get(self.field)
        if not isinstance(text, str):
            return drop(f"no_text_field:{self.field}")
        lang, score = identify(text)
        if lang not in self.languages:
            return drop(f"lang:{lang}")
        if score < self.min_score:
            return drop("lang:low_score")
        if self.annotate:
            return keep({**doc, "lang": lang, "lang_score": round(score, 3)})
        return keep(doc)
