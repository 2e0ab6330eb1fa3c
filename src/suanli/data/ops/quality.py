"""Gopher- and C4-style quality heuristics, adapted to Chinese.

Gopher counts words; Chinese has no spaces, so lengths and repetitions are counted in characters and
character n-grams. Each rule has a threshold in the recipe; a document fails on the first rule it
breaks, and the reason names the rule (``quality:dup_lines``), so the report shows what each rule costs.
"""

from __future__ import annotations

import re
from collections import Counter

from suanli.data.ops import charclass
from suanli.data.ops.ngrams import dup_ngram_share
from suanli.data.ops.operator import Doc, Result, drop, keep

_TERMINAL = tuple("。！？!?…”」』.;；:：)）")
_SYMBOLS = frozenset("#…|•·►▶★☆■□◆◇●○→←↑↓")


_SYMBOL_RE = re.compile("[" + re.escape("".join(sorted(_SYMBOLS))) + "]+")


def measures(text: str) -> dict[str, float]:
    """Every statistic the rules look at (also handy to explain a decision)."""
    return _measures(text, "".join(text.split()))


def _measures(text: str, visible: str) -> dict[str, float]:
    lines = [ln for ln in map(str.strip, text.split("\n")) if ln]
    n = max(1, len(visible))
    line_counts = Counter(lines)
    dup_lines = sum(c for c in line_counts.values() if c > 1)
    dup_line_chars = sum(len(ln) * c for ln, c in line_counts.items() if c > 1)
    return {
        "chars": float(len(visible)),
        "han_share": charclass.count(charclass.HAN, visible) / n,
        "lines": float(len(lines)),
        "dup_line_share": dup_lines / max(1, len(lines)),
        "dup_line_char_share": dup_line_chars / n,
        "short_line_share": sum(1 for ln in lines if len(ln) < 10) / max(1, len(lines)),
        "terminal_line_share": sum(1 for ln in lines if ln.endswith(_TERMINAL)) / max(1, len(lines)),
        "symbol_share": charclass.count(_SYMBOL_RE, visible) / n,
        "digit_share": charclass.count(charclass.DIGIT, visible) / n,
    }


class QualityFilter:
    """Drop documents that break any quality rule.

    Defaults are Gopher's where a rule carries over (duplicate lines 30%, their characters 20%) and
    were checked against the labelled clean and dirty samples for the Chinese-specific ones.
    """

    name = "quality"

    def __init__(self, field: str = "text", min_chars: int = 50, max_chars: int = 1_000_000,
                 min_han_share: float = 0.3, max_dup_line_share: float = 0.3,
                 max_dup_line_char_share: float = 0.2, max_short_line_share: float = 0.6,
                 min_terminal_line_share: float = 0.2, max_symbol_share: float = 0.05,
                 max_digit_share: float = 0.3, max_dup_10gram_share: float = 0.4) -> None:
        self.field = field
        self.min_chars = min_chars
        self.max_chars = max_chars
        self.min_han_share = min_han_share
        self.max_dup_line_share = max_dup_line_share
        self.max_dup_line_char_share = max_dup_line_char_share
        self.max_short_line_share = max_short_line_share
        self.min_terminal_line_share = min_terminal_line_share
        self.max_symbol_share = max_symbol_share
        self.max_digit_share = max_digit_share
        self.max_dup_10gram_share = max_dup_10gram_share

    def verdict(self, text: str) -> str | None:
        """The first rule ``text`` breaks, or ``None`` if it passes them all."""
        visible = "".join(text.split())
        m = _measures(text, visible)
        checks = (
            ("too_short", m["chars"] < self.min_chars),
            ("too_long", m["chars"] > self.max_chars),
            ("low_han_share", m["han_share"] < self.min_han_share),
            ("dup_lines", m["dup_line_share"] > self.max_dup_line_share),
            ("dup_line_chars", m["dup_line_char_share"] > self.max_dup_line_char_share),
            ("short_lines", m["short_line_share"] > self.max_short_line_share),
            ("no_terminal_punctuation", m["terminal_line_share"] < self.min_terminal_line_share),
            ("symbols", m["symbol_share"] > self.max_symbol_share),
            ("digits", m["digit_share"] > self.max_digit_share),
        )
        for rule, failed in checks:
            if failed:
                return rule
        # The n-gram scan is the most expensive rule: run it last, on survivors only.
        if dup_ngram_share(visible, 10) > self.max_dup_10gram_share:
            return "dup_ngrams"
        return None

    def __call__(self, doc: Doc) -> Result:
        text = doc.get(self.field)
        if not isinstance(text, str):
            return drop(f"no_text_field:{self.field}")
        rule = self.verdict(text)
        return drop(f"quality:{rule}") if rule else keep(doc)
