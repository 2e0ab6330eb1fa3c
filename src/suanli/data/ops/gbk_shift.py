"""Re-alignment of text decoded one byte out of step after a GBK byte was dropped.

Forensics of the damaged sample: where ``。`` (GBK ``A1 A3``) met a quote mark (``“`` ``A1 B0`` or
``”`` ``A1 B1``), the first byte was lost. The decoder then read ``A3 A1`` as ``！`` (which NFKC later
turned into ``!``) and paired every following trail byte with the next lead byte, producing noise
(``。”優(yōu)刻得`` became ``!眱(yōu)刻得``) until an ASCII byte put it back in step. The last lead
byte either took the following ASCII character as its trail (``認`` became ``懻J``) or lost its trail
to the ASCII byte after it (the pinyin annotation's ``(``).

Repair re-encodes the noisy run, puts the lost ``A1`` back and decodes again. A lost trail byte is
chosen among the characters that share its lead byte: the annotation that follows names its reading,
and real words beat noise (:mod:`suanli.data.ops.lexicon`). A run is only rewritten when the evidence
(annotation, words, rare characters) says the decoded text is better than what was there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from suanli.data.ops import lexicon
from suanli.data.ops.operator import TextOperator
from suanli.data.ops.pinyin_notes import default_reading, readings
from suanli.data.ops.script import to_simplified

_BANG = ("!", "！")
_NOTE = re.compile(r"\(([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,6})\)")
_OPEN, _CLOSE = "“", "”"


def _two_byte(ch: str) -> bytes | None:
    try:
        raw = ch.encode("gbk")
    except UnicodeEncodeError:
        return None
    return raw if len(raw) == 2 else None


@lru_cache(maxsize=256)
def chars_with_lead(lead: int) -> tuple[str, ...]:
    """Every GBK character whose first byte is ``lead``."""
    found = []
    for trail in range(0x40, 0xFF):
        if trail == 0x7F:
            continue
        try:
            ch = bytes((lead, trail)).decode("gbk")
        except UnicodeDecodeError:
            continue
        if len(ch) == 1:
            found.append(ch)
    return tuple(found)


@lru_cache(maxsize=65536)
def _odd(ch: str) -> bool:
    """A character that even after simplification is outside GB2312: rare in real text."""
    if ord(ch) < 0x80:
        return False
    try:
        to_simplified(ch).encode("gb2312")
    except UnicodeEncodeError:
        return True
    return False


def _oddness(text: str) -> int:
    return sum(1 for ch in text if _odd(ch))


def _words(text: str) -> int:
    return lexicon.score(to_simplified(text))


def _pick_lost(lead: int, note: str | None, before: str, after: str) -> str | None:
    """Choose the character whose trail byte was lost: reading first, then words, then commonness."""
    candidates = chars_with_lead(lead)
    if note:
        exact = [c for c in candidates if default_reading(c) == note]
        candidates = tuple(exact) or tuple(c for c in candidates if note in readings(c))
    if not candidates:
        return None

    def rank(c: str) -> tuple[int, int, int, int]:
        simple = to_simplified(c)
        return (_words(before[-1:] + c + after[:1]), int(simple != c), int(not _odd(c)), -ord(c))

    return max(candidates, key=rank)


@dataclass(frozen=True, slots=True)
class _Fix:
    start: int
    end: int
    text: str


def _quote_for(text: str, at: int) -> str:
    """The quote that most likely followed ``。``: closing if an opening one is still unmatched."""
    line_start = text.rfind("\n", 0, at) + 1
    before = text[line_start:at]
    return _CLOSE if before.count(_OPEN) > before.count(_CLOSE) else _OPEN


def _scan(text: str, i: int, max_fullwidth: int = 3) -> list[tuple[list[bytes], int]]:
    """Candidate noisy runs after ``text[i]``: (GBK bytes of the run, index just past it).

    NFKC ran after the shift, so a shifted pair that happened to be a full-width form (``Ｐ``, GBK
    ``A3 D0``) now reads as ASCII ``P``. Each such character is both a possible end of the run and a
    possible continuation; the caller weighs the candidates.
    """
    found: list[tuple[list[bytes], int]] = []
    run: list[bytes] = []
    j = i + 1
    widened = 0
    while j < len(text):
        ch = text[j]
        if ch.isascii():
            found.append((list(run), j))
            if not run or widened >= max_fullwidth or not ("!" <= ch <= "~") or ch == "(":
                return found
            run.append(bytes((0xA3, ord(ch) - 0x21 + 0xA1)))
            widened += 1
            j += 1
            continue
        raw = _two_byte(ch)
        if raw is None:
            break
        run.append(raw)
        j += 1
    found.append((run, j))
    return found


def _candidate(text: str, i: int, run: list[bytes], j: int) -> tuple[int, _Fix] | None:
    """Decode one candidate run back into step; return (evidence, fix) or ``None``."""
    shifted = b"\xa1\xa3\xa1" + b"".join(run)
    if shifted[3] not in (0xB0, 0xB1):
        return None
    body, dangling = shifted[:-1], shifted[-1]
    if not 0x81 <= dangling <= 0xFE:
        return None
    try:
        decoded = body.decode("gbk")
    except UnicodeDecodeError:
        return None
    after = text[j:]
    end = j
    if after and 0x40 <= ord(after[0]) <= 0x7E:
        try:
            last = bytes((dangling, ord(after[0]))).decode("gbk")
        except UnicodeDecodeError:
            return None
        end += 1
        note_match = _NOTE.match(text, end)
    else:
        note_match = _NOTE.match(text, end)
        note = note_match.group(1) if note_match else None
        follow = text[note_match.end() :] if note_match else after
        picked = _pick_lost(dangling, note, decoded, follow)
        if picked is None:
            return None
        last = picked
    fixed = decoded + last
    damaged = text[i:end]
    evidence = _oddness(damaged) - _oddness(fixed[2:])
    evidence += _words(fixed[2:]) - _words(damaged[1:])
    if note_match is not None:
        note = note_match.group(1)
        evidence += 2 * (int(note in readings(last)) - int(note in readings(damaged[-1])))
    return evidence, _Fix(i, end, fixed)


def _repair_at(text: str, i: int) -> _Fix | None:
    prev = text[i - 1] if i > 0 else "\n"
    if prev.isascii() and prev not in ")\n":
        return None
    best: tuple[int, _Fix] | None = None
    for run, j in _scan(text, i):
        if not run:
            # The quote's trail byte met an ASCII byte and was lost too: only ``。`` + quote explains
            # a ``!`` between Chinese text and digits or Latin text inside an unmatched quotation.
            quote = _quote_for(text, i)
            if quote == _CLOSE and text[j : j + 1].isalnum():
                return _Fix(i, i + 1, "。" + quote)
            continue
        got = _candidate(text, i, run, j)
        if got is not None and got[0] > 0 and (best is None or got[0] > best[0]):
            best = got
    return best[1] if best else None


def realign(text: str) -> tuple[str, int]:
    """Undo every dropped-byte shift in ``text``; return the text and how many spans were fixed."""
    if "!" not in text and "！" not in text:
        return text, 0
    out: list[str] = []
    pos = 0
    fixes = 0
    i = 0
    while i < len(text):
        if text[i] in _BANG:
            fix = _repair_at(text, i)
            if fix is not None:
                out.append(text[pos : fix.start])
                out.append(fix.text)
                pos = i = fix.end
                fixes += 1
                continue
        i += 1
    out.append(text[pos:])
    return "".join(out), fixes


class RealignGBK(TextOperator):
    """Repair text decoded one byte out of step after a dropped GBK byte (``!眱(yōu)`` → ``。”優(yōu)``)."""

    name = "realign_gbk"

    def rewrite(self, text: str) -> tuple[str, dict[str, int]]:
        new, fixes = realign(text)
        return new, ({"spans_realigned": fixes} if fixes else {})
