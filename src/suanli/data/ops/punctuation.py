"""Restoration of full-width punctuation that NFKC folded to ASCII in Chinese text.

NFKC maps ``，`` to ``,``, ``？`` to ``?`` and ``…`` to ``...``. Chinese news typesets the full-width
forms everywhere except inside Latin text and numbers (``Hello, world``, ``1,000``, ``http://``). So in
a Chinese document a mark is restored unless both of its neighbours are ASCII (a comma between a number
and a word is restored too, and one between digits unless it separates thousands or two-digit numbers);
in other documents nothing changes. The rules were checked against 963 clean news articles (``zh_news.jsonl``): see
``benchmarks/data/README.md``.
"""

from __future__ import annotations

import re

from suanli.data.ops import charclass
from suanli.data.ops.operator import TextOperator

_FULL = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "&": "＆"}
_FULL_FORMS = re.compile("[，：；？！（）]")
# A run of ``?`` and ``!`` (``!!!``, ``?!``) takes the width of its context as one mark.
_MARKS = re.compile(r"[?!]+|[,:;&]|\.{3,}")
# NFKC spells ``℃`` as ``°C``; Chinese text writes the one-character sign after a number.
_CELSIUS = re.compile(r"(?<=\d)°C")
# A numbered item at the start of a line (``1)AI方向``) closes with ``）`` in Chinese text.
_ITEM = re.compile(r"(?m)^(\d{1,2})\)(?=\S)")
_PAREN = re.compile(r"\(([^()\n]{0,80})\)")
# The digits on either side of a comma, up to four (enough to tell ``1,250`` from ``02,04``).
_RUN_BEFORE = re.compile(r"[0-9]+$")
_RUN_AFTER = re.compile(r"[0-9]+")


def is_chinese(ch: str) -> bool:
    """Han characters and the full-width punctuation that lives among them."""
    return (
        "\u4e00" <= ch <= "\u9fff"
        or "\u3400" <= ch <= "\u4dbf"
        or "\u3000" <= ch <= "\u303f"
        or "\uff00" <= ch <= "\uffef"
        or ch in "“”‘’…—"
    )


def chinese_share(text: str) -> float:
    """Share of Han characters among the non-space characters of ``text``."""
    visible = charclass.visible_length(text)
    return charclass.count(charclass.HAN, text) / visible if visible else 0.0


def _ascii(ch: str) -> bool:
    return ch != "" and ch.isascii() and not ch.isspace()


def _wants_full(text: str, start: int, end: int) -> bool:
    prev = text[start - 1] if start > 0 else ""
    nxt = text[end] if end < len(text) else ""
    spaced = nxt == " " and prev.isascii() and prev.isalnum()
    if spaced:
        # ``Hello, world``: look past the space for the word the mark separates from.
        rest = text[end:].lstrip(" ")
        nxt = rest[:1]
    mark = text[start]
    if mark == "." or mark == "&":
        # An ellipsis is ``…`` in Chinese text unless it sits inside Latin words or numbers
        # (``wait...what``); ``＆`` joins Chinese words (``崎岖＆严酷``), ``&`` Latin ones (``R&D``).
        if mark == "&":
            return is_chinese(prev) and is_chinese(nxt)
        return not (prev.isascii() and prev.isalnum() and nxt.isascii() and nxt.isalnum())
    if not (_ascii(prev) and _ascii(nxt)):
        return True
    if prev.isdigit() and nxt.isdigit():
        # Scores and clock times take the full-width colon in Chinese news more often than not.
        return mark == ":" or (mark == "," and not spaced and not _ascii_digit_comma(text, start))
    if mark == "," and not spaced:
        # Between a number and a word (``$260，IMA``, ``50%，5G``) Chinese text writes ``，``; only
        # Latin words keep ``,`` between them, and a comma followed by a space is Latin typing.
        return not (prev.isalpha() and nxt.isalpha())
    return False


def _ascii_digit_comma(text: str, at: int) -> bool:
    """Whether the comma at ``at``, between digits, is ASCII: a thousands separator or a two-digit list.

    ``1,250`` and ``262,500`` (three digits after it) keep ``,``, and so do lists of two-digit numbers
    (``02,04,05``), which the news writes either way but more often with ``,``; ``1，2，3`` and
    ``5+1，12`` take ``，``.
    """
    before = _RUN_BEFORE.search(text, max(0, at - 4), at)
    after = _RUN_AFTER.match(text, at + 1, at + 5)
    digits_before = len(before.group(0)) if before else 0
    digits_after = len(after.group(0)) if after else 0
    return digits_after == 3 or digits_before == digits_after == 2


def restore(text: str, min_share: float = 0.1) -> tuple[str, int]:
    """Return ``text`` with full-width punctuation restored, and how many marks were restored."""
    if _FULL_FORMS.search(text) or chinese_share(text) < min_share:
        # A document that still has any full-width mark was not folded by NFKC: its ASCII marks are
        # the author's, and changing them would be an edit, not a repair.
        return text, 0
    count = 0
    source = text

    def mark(match: re.Match[str]) -> str:
        nonlocal count
        s = match.group(0)
        if not _wants_full(source, match.start(), match.end()):
            return s
        if s[0] == ".":
            if len(s) % 3:
                return s
            count += 1
            return "…" * (len(s) // 3)
        count += len(s)
        return "".join(_FULL[c] for c in s)

    def paren(match: re.Match[str]) -> str:
        nonlocal count
        inner = match.group(1)
        prev = match.string[match.start() - 1] if match.start() > 0 else ""
        # Chinese news writes full-width parentheses even around Latin text (``ETF（159915）``); only
        # a space-separated Latin aside keeps ASCII ones.
        # Numbered items (``（1）``) are full-width after a space too.
        if any(is_chinese(c) for c in inner) or prev != " " or inner.isdigit():
            count += 1
            return "（" + inner + "）"
        return match.group(0)

    if "(" in source:
        # Parentheses first, so that a mark after ``）`` sees Chinese context (``（-6），18洞``).
        source = _PAREN.sub(paren, source)
    if ")" in source:
        source, n = _ITEM.subn(r"\1）", source)
        count += n
    out = _MARKS.sub(mark, source)
    if "°C" in out:
        out, n = _CELSIUS.subn("℃", out)
        count += n
    if "¥" in out:
        # NFKC folds the full-width yuan sign; Chinese text writes ``￥``.
        count += out.count("¥")
        out = out.replace("¥", "￥")
    return out, count


class RestorePunctuation(TextOperator):
    """Turn ``,`` ``:`` ``;`` ``?`` ``!`` ``...`` and ``( )`` back to full width in Chinese documents."""

    name = "restore_punctuation"

    def __init__(self, field: str = "text", min_share: float = 0.1) -> None:
        super().__init__(field)
        self.min_share = min_share

    def rewrite(self, text: str) -> tuple[str, dict[str, int]]:
        new, count = restore(text, self.min_share)
        return new, ({"marks_restored": count} if count else {})
