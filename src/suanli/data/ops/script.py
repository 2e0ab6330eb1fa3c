"""Traditional-to-Simplified repair, decided per document.

Content farms run Simplified text through a one-to-one character table to look "different"; such text
converts back cleanly. Genuinely Traditional documents (Taiwan, Hong Kong) are left alone unless the
recipe asks (``mode: always``), because converting them is an editorial choice, not a repair.
"""

from __future__ import annotations

import operator
import re
from functools import lru_cache
from typing import Any

from suanli.data.ops import charclass, pinyin_notes
from suanli.data.ops.operator import TextOperator


@lru_cache(maxsize=4)
def _converter(config: str) -> Any:
    import opencc

    return opencc.OpenCC(config)


@lru_cache(maxsize=2)
def _changed_by(config: str) -> re.Pattern[str]:
    """A character class of every Han character that OpenCC's ``config`` changes on its own."""
    han = [*map(chr, range(0x4E00, 0xA000)), *map(chr, range(0x3400, 0x4DC0))]
    converted = str(_converter(config).convert("\n".join(han))).split("\n")
    changed = [a for a, b in zip(han, converted, strict=True) if a != b]
    return re.compile("[" + "".join(changed) + "]")


def _traditional_chars() -> re.Pattern[str]:
    return _changed_by("t2s")


def has_traditional(text: str) -> bool:
    """Whether ``text`` holds any character that only Traditional Chinese writes."""
    return _traditional_chars().search(text) is not None


def to_simplified(text: str) -> str:
    """Convert with OpenCC's ``t2s`` (characters and phrases); Simplified text is returned as is."""
    if len(text) > 64 and not has_traditional(text):
        return text
    return str(_converter("t2s").convert(text))


def mismatches(a: str, b: str) -> int:
    """Positions where ``a`` and ``b`` differ, compared pairwise up to the shorter length (as ``zip``)."""
    return sum(map(operator.ne, a, b))


def differs_beyond(config: str, source: str, text: str, han: int, share: float) -> bool:
    """Whether more than ``share`` of ``han`` positions of ``text`` differ from OpenCC ``config``'s ``source``.

    Positions pair up as :func:`mismatches` pairs them. The conversion runs line by line and stops as
    soon as the count passes the share: mechanical text differs on its first lines, and converting the
    rest is most of the cost. No OpenCC phrase spans a line break, so the lines convert as the whole
    text would; a line whose conversion changes its length shifts later positions, and then the whole
    text is converted and compared.
    """
    converter = _converter(config)
    if "\0" in source:
        return mismatches(text, str(converter.convert(source))) / han > share
    count = 0
    pos = 0
    for line in source.split("\n"):
        other = str(converter.convert(line)) if line else ""
        if len(other) != len(line):
            return mismatches(text, str(converter.convert(source))) / han > share
        count += mismatches(text[pos : pos + len(line)], other)
        pos += len(line)
        if pos < len(source):
            # The line break converts to itself and is compared like any character.
            count += pos < len(text) and text[pos] != "\n"
            pos += 1
        if count / han > share:
            return True
    return False


# ``著`` is both a Traditional form of ``着`` and a Simplified character of its own (``著名``). OpenCC
# keeps it; a one-to-one table wrote it for every ``着``, so mechanical text gets it back except in
# the words where Simplified Chinese writes ``著``.
_TABLE_ZHU = re.compile("(?<![显卓土名原编巨论专昭])著(?![名作称述录书者])")


@lru_cache(maxsize=1)
def _table_only() -> dict[int, str]:
    """Traditional forms that the table writes and ``t2s`` keeps (``暱`` for ``昵``), to their source.

    Mainland text writes neither, so in mechanical text each goes back to the character it was
    converted from. ``著`` is the exception, handled by word (:data:`_TABLE_ZHU`).
    """
    han = [*map(chr, range(0x4E00, 0xA000))]
    traditional = str(_converter("s2t").convert("\n".join(han))).split("\n")
    kept = str(_converter("t2s").convert("\n".join(traditional))).split("\n")
    return {ord(t): s for s, t, k in zip(han, traditional, kept, strict=True)
            if len(t) == 1 and t != s and k == t and t != "著"}


def _untable(text: str) -> str:
    text = text.translate(_table_only())
    return _TABLE_ZHU.sub("着", text) if "著" in text else text



# Characters that only Simplified Chinese writes: their presence next to many Traditional forms is the
# fingerprint of a mechanical conversion that missed a few, or of a mixed document.
def traditional_share(text: str) -> tuple[int, int]:
    """Count (Han characters, characters that ``t2s`` would change)."""
    joined = "".join(charclass.HAN.findall(text))
    if not joined:
        return 0, 0
    return len(joined), mismatches(joined, to_simplified(joined))


class SimplifyScript(TextOperator):
    """Convert Traditional-converted documents back to Simplified.

    ``mode``: ``auto`` converts only documents that look like a mechanical Simplified-to-Traditional
    conversion (content-farm damage: ``min_share`` of the Han characters change, and converting back
    yields no phrase-level ambiguity the text would reveal); ``always`` converts every document;
    ``never`` is a no-op (handy to switch a recipe step off). ``pinyin_evidence``: where the script
    cannot tell (the text reads the same as a Hong Kong or Taiwan conversion), verified pinyin notes,
    the content farm's other damage, decide for conversion.

    Why ``auto`` can tell the two apart: a one-to-one table maps characters without looking at words, so
    it writes Traditional forms that no Taiwanese or Hong Kong writer uses for that word (``發`` for
    ``头发`` 's ``发``, ``後`` vs ``后``). Those mistakes are exactly the characters where a
    Traditional-to-Simplified round trip through OpenCC's phrase tables disagrees with Taiwan usage
    (``t2tw``); genuine Traditional text round-trips, mechanical text does not.
    """

    name = "simplify_script"

    def __init__(self, field: str = "text", mode: str = "auto", min_share: float = 0.05,
                 marker_share: float = 0.0, max_simplified_share: float = 0.15,
                 pinyin_evidence: bool = True) -> None:
        super().__init__(field)
        if mode not in ("auto", "always", "never"):
            raise ValueError(f"mode must be auto, always or never, not {mode!r}")
        self.mode = mode
        self.min_share = min_share
        self.marker_share = marker_share
        self.max_simplified_share = max_simplified_share
        self.pinyin_evidence = pinyin_evidence

    def prepare(self) -> None:
        """Load the OpenCC converters and character tables now (see :meth:`Pipeline.prepare`)."""
        for config in ("t2s", "s2t"):
            _changed_by(config)
        _table_only()
        for config in ("s2hk", "s2twp", "t2s"):
            _converter(config)
        if self.pinyin_evidence:
            pinyin_notes.readings("中")

    def looks_mechanical(self, text: str, sample: int = 1500, simplified: str | None = None) -> bool:
        """Whether ``text`` reads like Simplified text pushed through a one-to-one table.

        The decision is per document, so a sample of ``sample`` characters decides (phrase-level
        conversions are the expensive part of the operator). ``simplified`` is ``to_simplified(text)``
        when the caller has it already.
        """
        if len(text) > sample:
            text, simplified = text[:sample], None
        han, changed = traditional_share(text)
        if han == 0 or changed / han < self.min_share:
            return False
        # A table converts every character it knows; a document that still has many Simplified-only
        # characters is a Simplified text quoting Traditional (a Hong Kong film title), not a farm's.
        if len(_changed_by("s2t").findall(text)) / han > self.max_simplified_share:
            return False
        if simplified is None:
            simplified = to_simplified(text)
        # Convert back the way Hong Kong and Taiwan (with its phrase table) write: genuine Traditional
        # text comes back unchanged in one of them; a character-table conversion differs in both.
        if (differs_beyond("s2hk", simplified, text, han, self.marker_share)
                and differs_beyond("s2twp", simplified, text, han, self.marker_share)):
            return True
        # A short text may hold no character where the table and a regional convention disagree: then
        # the script alone cannot tell, and the farm's other fingerprint decides, pinyin notes that
        # are readings of the characters they follow (``數(shù)``). Run this step before
        # ``strip_pinyin`` for that evidence to be seen.
        return self.pinyin_evidence and pinyin_notes.strip_annotations(text)[1] > 0

    def rewrite(self, text: str) -> tuple[str, dict[str, int]]:
        if self.mode == "never":
            return text, {}
        simplified = to_simplified(text)
        if simplified == text:
            # Most web text is Simplified already: one conversion answers, no statistics needed.
            return text, {}
        if self.mode == "auto" and not self.looks_mechanical(text, simplified=simplified):
            return text, {"left_traditional": 1} if traditional_share(text)[1] else {}
        new = simplified
        if self.mode == "auto":
            new = _untable(new)
        return new, {"converted_docs": 1, "chars_converted": mismatches(text, new)}
