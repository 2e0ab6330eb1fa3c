"""Re-alignment of text decoded one byte out of step after a GBK byte was dropped.

Forensics of the damaged sample: where ``。`` (GBK ``A1 A3``) met a quote mark (``“`` ``A1 B0`` or
``”`` ``A1 B1``), the first byte was lost. The decoder then read ``A3 A1`` as ``！`` (which NFKC later
turned into ``!``) and paired every following trail byte with the next lead byte, producing noise
(``。”優(yōu)刻得`` became ``!眱(yōu)刻得``) until it got back in step: at an ASCII byte, or by
skipping a byte that formed no character. The last lead byte of the noise either took the following
ASCII character as its trail (``認`` became ``懻J``) or lost its trail byte (before the ``(`` of a
pinyin note, for instance).

Repair re-encodes the noisy run, puts the lost ``A1`` back and decodes again. NFKC ran after the
shift, so noise it rewrote (``Ｐ`` to ``P``, ``㈢`` to ``(三)``) is read back as each GBK character it
could have been. A lost trail byte is
chosen among the characters that share its lead byte and could have been skipped: the pinyin note that
follows names its reading, and real words beat noise (:mod:`suanli.data.ops.lexicon`). Every possible
end of the noisy run is tried and the whole neighbourhood scored, and a span is only rewritten when
the decoded text scores better than what was there.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from suanli.data.ops import lexicon
from suanli.data.ops.operator import TextOperator
from suanli.data.ops.pinyin_notes import default_reading, readings
from suanli.data.ops.script import to_simplified

_BANG_AT = re.compile("[!！]")
_NOTE = re.compile(r"\(([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,6})\)")
_OPEN, _CLOSE = "“", "”"
_ODD_PENALTY = 12.0
_NOTE_BONUS = 15.0
_QUOTE_BONUS = 6.0
# The log word frequency of a Han character that neither helps nor hurts a reading (``名`` 10.2,
# ``安`` 9.1, ``苊`` 3.5); content errors left by `zh-repair` on the generated corpus: 356, 353 and 350
# characters at 9, 10 and 11, 430 without this term.
_COMMON = 10.0


def _two_byte(ch: str) -> bytes | None:
    try:
        raw = ch.encode("gbk")
    except UnicodeEncodeError:
        return None
    return raw if len(raw) == 2 else None


@lru_cache(maxsize=256)
def chars_with_lead(lead: int) -> tuple[tuple[int, str], ...]:
    """(trail byte, character) of every GBK character whose first byte is ``lead``.

    Only trail bytes from 0x80 up: a lost trail byte below 0x80 would have decoded as visible ASCII.
    """
    found = []
    for trail in range(0x80, 0xFF):
        try:
            ch = bytes((lead, trail)).decode("gbk")
        except UnicodeDecodeError:
            continue
        if len(ch) == 1:
            found.append((trail, ch))
    return tuple(found)


@lru_cache(maxsize=65536)
def _pairs(first: int, second: int) -> bool:
    """Whether the decoder reads ``first second`` as one character (else it skips ``first``)."""
    try:
        return len(bytes((first, second)).decode("gbk")) == 1
    except UnicodeDecodeError:
        return False


@lru_cache(maxsize=65536)
def _simple(ch: str) -> str:
    return to_simplified(ch)


@lru_cache(maxsize=65536)
def _odd(ch: str) -> bool:
    """A character rare in Chinese prose: outside GB2312 even after simplification, or one of its kana,
    Greek, Cyrillic, pinyin-letter or box-drawing rows (``フ``, ``ж``, ``┝``), which shifted bytes
    decode to far more often than writers use them."""
    if ord(ch) < 0x80:
        return False
    try:
        raw = _simple(ch).encode("gb2312")
    except UnicodeEncodeError:
        return True
    return 0xA4 <= raw[0] <= 0xA9


def plausibility(text: str) -> float:
    """How much ``text`` reads like Chinese: known character pairs, common characters, no rare ones.

    Names and other pairs that are no word score alike on pairs alone (``曹名`` and the noise ``安苊``);
    then each Han character counts by how much more common it is than :data:`_COMMON`, which also
    charges noise for every extra character it spells.
    """
    simple = "".join(_simple(c) for c in text)
    common = sum(lexicon.commonness(c) - _COMMON for c in simple if "\u4e00" <= c <= "\u9fff")
    return lexicon.score(simple) - _ODD_PENALTY * sum(1 for c in text if _odd(c)) + common


@lru_cache(maxsize=4096)
def _candidates(lead: int, note: str | None, next_byte: int | None) -> tuple[str, ...]:
    found = [c for t, c in chars_with_lead(lead) if next_byte is None or not _pairs(t, next_byte)]
    if note:
        exact = [c for c in found if default_reading(c) == note]
        found = exact or [c for c in found if note in readings(c)]
    return tuple(found)


def _pick_lost(lead: int, note: str | None, left: str, right: str, next_byte: int | None,
               document: str = "") -> str | None:
    """Choose the character whose trail byte was lost: its reading, then words, then commonness, then
    how often ``document`` uses it (punctuation has no word frequency: ``。`` over ``\u3000``).

    ``next_byte`` is the byte after the loss. The decoder skipped the lost byte because it did not
    pair with ``next_byte``; a candidate whose trail *would* pair is impossible.
    """
    candidates = _candidates(lead, note, next_byte)
    if not candidates:
        return None
    a = _simple(left) if left else ""
    b = _simple(right) if right else ""

    def rank(c: str) -> tuple[float, float]:
        s = _simple(c)
        return (lexicon.pair_score(a + s) + lexicon.pair_score(s + b) + lexicon.commonness(s),
                float(document.count(c)))

    return max(candidates, key=rank)


@dataclass(frozen=True, slots=True)
class _Fix:
    start: int
    end: int
    text: str
    note: str | None = None


@lru_cache(maxsize=1)
def _folded_from() -> dict[str, tuple[bytes, ...]]:
    """What NFKC made of GBK characters: its output (``(三)``, ``20.``, ``1``, ``《``) to their bytes.

    A shifted pair can decode as any GBK character, and NFKC, which ran after the shift, rewrote the
    compatibility ones: full-width forms to ASCII, ``㈢`` to ``(三)``, ``⒛`` to ``20.``, ``①`` to ``1``,
    ``︽`` to ``《``. To re-encode the noise, each of these must be read back as the bytes it was.
    """
    found: dict[str, list[bytes]] = {}
    for lead in range(0x81, 0xFF):
        for trail in range(0x40, 0xFF):
            raw = bytes((lead, trail))
            try:
                ch = raw.decode("gbk")
            except UnicodeDecodeError:
                continue
            folded = unicodedata.normalize("NFKC", ch)
            if len(ch) == 1 and folded != ch and not folded[0].isspace():
                found.setdefault(folded, []).append(raw)
    return {k: tuple(v) for k, v in found.items()}


_LONGEST_FOLD = 4  # ``VIII``, ``(10)``: the longest text NFKC made of one GBK character


def _readings_at(text: str, j: int) -> list[tuple[bytes, int, bool]]:
    """How the noise at ``text[j]`` can be read back as bytes: (bytes, characters used, folded by NFKC)."""
    folded_from = _folded_from()
    # A lone ``(`` is where a pinyin note begins, not noise; ``(三)`` may be ``㈢``.
    shortest = 2 if text[j] == "(" else 1
    ways = [(raw, k, True) for k in range(_LONGEST_FOLD, shortest - 1, -1)
            for raw in folded_from.get(text[j : j + k], ())]
    own = None if text[j].isascii() else _two_byte(text[j])
    return [(own, 1, False), *ways] if own is not None else ways


def _scan(text: str, i: int, max_folded: int = 3, max_run: int = 24, max_candidates: int = 256
          ) -> list[tuple[list[bytes], int]]:
    """Candidate noisy runs after ``text[i]``: (GBK bytes of the run, index just past it).

    Every prefix of the run is a candidate end (the decoder may have got back in step silently). NFKC
    ran after the shift, so a shifted pair that was a compatibility form (``Ｐ``, GBK ``A3 D0``; ``㈢``)
    now reads as something else (``P``; ``(三)``): each way to read it back is tried, up to
    ``max_folded`` of them in one run. The run stops at other ASCII text (the decoder got back in step
    there).
    """
    found: list[tuple[list[bytes], int]] = []

    def walk(run: list[bytes], j: int, folded: int) -> None:
        if len(found) >= max_candidates:
            return
        if j >= len(text) or len(run) >= max_run:
            found.append((run, j))
            return
        ways = _readings_at(text, j)
        if text[j].isascii() or run:
            found.append((run, j))
        if text[j].isascii() and not run:
            return
        if not ways:
            if not run and not text[j].isascii():
                found.append((run, j))
            return
        for raw, used, was_folded in ways:
            if was_folded and folded >= max_folded:
                continue
            walk([*run, raw], j + used, folded + was_folded)

    walk([], i + 1, 0)
    return found


def _decode_run(text: str, i: int, run: list[bytes], j: int) -> _Fix | None:
    """Decode one candidate run back into step, or ``None`` if the bytes cannot have been that."""
    shifted = b"\xa1\xa3\xa1" + b"".join(run)
    if shifted[3] not in (0xB0, 0xB1):
        return None
    body, dangling = shifted[:-1], shifted[-1]
    if dangling < 0x80:
        # The run ends in a pair whose trail byte was ASCII (``盕`` is ``B1 46``, the quote's trail
        # and an ``F``): back in step, that byte is the ``F`` again and nothing dangles.
        try:
            return _Fix(i, j, shifted.decode("gbk"))
        except UnicodeDecodeError:
            return None
    if not 0x81 <= dangling <= 0xFE:
        return None
    try:
        decoded = body.decode("gbk")
    except UnicodeDecodeError:
        return None
    after = text[j:]
    if after and 0x40 <= ord(after[0]) <= 0x7E and after[0] != "(":
        try:
            last = bytes((dangling, ord(after[0]))).decode("gbk")
        except UnicodeDecodeError:
            return None
        note_match = _NOTE.match(text, j + 1)
        return _Fix(i, j + 1, decoded + last, note_match.group(1) if note_match else None)
    note_match = _NOTE.match(text, j)
    note = note_match.group(1) if note_match else None
    follow = text[note_match.end() :] if note_match else after
    nxt = after[:1]
    next_byte = None if not nxt else (_two_byte(nxt) or nxt.encode("utf-8"))[0]
    picked = _pick_lost(dangling, note, decoded[-1], follow[:1], next_byte, text)
    if picked is None:
        return None
    return _Fix(i, j, decoded + picked, note)


def _expected_quote(text: str, start: int, end: int) -> str | None:
    """Which quote the line around ``text[start:end]`` lacks: closing, opening, or neither."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    before = text[line_start:start]
    after = text[end : len(text) if line_end < 0 else line_end]
    if before.count(_OPEN) > before.count(_CLOSE):
        return _CLOSE
    if after.count(_CLOSE) > after.count(_OPEN):
        return _OPEN
    return None


def _repair_at(text: str, i: int) -> _Fix | None:
    prev = text[i - 1] if i > 0 else "\n"
    nxt = text[i + 1 : i + 2]
    after_latin = prev.isascii() and prev not in ")\n"
    if after_latin and nxt not in ("", "\n", " "):
        return None  # after Latin text only a quotation's end can be the damage (below); no noise to scan
    candidates = _scan(text, i)
    if candidates and not candidates[0][0]:
        # The quote's trail byte met an ASCII byte and was lost too: only ``。`` + quote explains a
        # ``!`` between Chinese text and digits or Latin text inside an open quotation, or one that
        # ends the quotation's line (``发行 CBDC!``) or its last sentence before a space. Only the
        # ASCII ``!`` counts there (NFKC ran): a full-width ``！`` ending a quoted paragraph is prose.
        line_end = text.find("\n", i)
        rest = text[i + 1 : len(text) if line_end < 0 else line_end]
        closes = text[i] == "!" and (nxt in ("", "\n") or (nxt == " " and _CLOSE not in rest))
        if _expected_quote(text, i, i + 1) == _CLOSE and (
                closes or (nxt.isascii() and nxt.isalnum() and not after_latin)):
            return _Fix(i, i + 1, "。" + _CLOSE)
        return None
    if after_latin:
        return None
    fixes = [f for run, j in candidates if run and (f := _decode_run(text, i, run, j)) is not None]
    if not fixes:
        return None
    # Compare every candidate on the same span, so that a short repair followed by leftover noise
    # and a long repair that swallows good text are judged alike.
    horizon = max(f.end for f in fixes) + 2
    left = text[max(0, i - 2) : i]

    def judged(fix: _Fix | None) -> float:
        if fix is None:
            return plausibility(left + text[i:horizon])
        value = plausibility(left + fix.text[1:] + text[fix.end : horizon])
        value += _QUOTE_BONUS * int(fix.text[1] == _expected_quote(text, i, fix.end))
        if fix.note is not None:
            value += _NOTE_BONUS * (int(fix.note in readings(fix.text[-1]))
                                    - int(fix.note in readings(text[fix.end - 1])))
        return value

    best = max(fixes, key=judged)
    return best if judged(best) > judged(None) else None


_FULL_WIDTH_FORMS = re.compile("[\uff01-\uff5e]")


def _half_width(text: str) -> str:
    return _FULL_WIDTH_FORMS.sub(lambda m: chr(ord(m.group(0)) - 0xFEE0), text)


def realign(text: str) -> tuple[str, int]:
    """Undo every dropped-byte shift in ``text``; return the text and how many spans were fixed.

    In a document that NFKC folded (no full-width form left anywhere), a repaired span is folded the
    same way: a ``（`` decoded from the shifted bytes would otherwise be the document's only full-width
    mark and tell :mod:`~suanli.data.ops.punctuation` that the document was never folded.
    """
    if "!" not in text and "！" not in text:
        return text, 0
    folded = _FULL_WIDTH_FORMS.search(text) is None
    fixes = 0
    found = _BANG_AT.search(text)
    while found is not None:
        fix = _repair_at(text, found.start())
        if fix is None:
            found = _BANG_AT.search(text, found.start() + 1)
            continue
        repaired = _half_width(fix.text) if folded else fix.text
        # Rewrite in place: later repairs on the line need the quotes this one restored.
        text = text[: fix.start] + repaired + text[fix.end :]
        fixes += 1
        found = _BANG_AT.search(text, fix.start + len(repaired))
    return text, fixes


class RealignGBK(TextOperator):
    """Repair text decoded one byte out of step after a dropped GBK byte (``!眱(yōu)`` → ``。”優(yōu)``)."""

    name = "realign_gbk"

    def prepare(self) -> None:
        """Load the word frequencies, pypinyin and OpenCC now (see ``Pipeline.prepare``)."""
        lexicon.load()
        readings("中")
        default_reading("中")
        to_simplified("中")

    def rewrite(self, text: str) -> tuple[str, dict[str, int]]:
        new, fixes = realign(text)
        return new, ({"spans_realigned": fixes} if fixes else {})
