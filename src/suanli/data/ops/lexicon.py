"""A small language model of Simplified Chinese, read from jieba's word list.

The GBK re-alignment repair has to choose between readings of a damaged span; real words ("计算")
beat decoding noise ("霸朴"). jieba's dictionary (349,046 words with corpus frequencies) answers two
questions cheaply: how often a two-character sequence is a word (or begins a longer one), and how
common a character is. It loads lazily, once per process, and only when a document needs the repair.
Only those two questions are ever asked, so only one- and two-character entries are kept (190,000
instead of 413,000), and the word list is read as a file of the installed package, without importing
jieba (its segmenter's tables take a tenth of a second to import and are never used here).

Counting the word list takes about a fifth of a CPU-second, a tenth of what a cold ``suanli curate``
spends on a few megabytes, so the counts are kept in a cache file (``$SUANLI_CACHE_DIR``, else
``$XDG_CACHE_HOME/suanli`` or ``~/.cache/suanli``) named after the word list's path, size and
modification time (:mod:`suanli.data.cache`); reading it back costs a quarter of counting. The file
is plain data (counts and words); any problem with it means counting again, never a different answer.
"""

from __future__ import annotations

import importlib.util
import math
import re
from array import array
from functools import lru_cache
from pathlib import Path

from suanli.data import cache

# A line is ``word count tag``; these read a word of one or two characters, or the first two characters
# of a longer word, and its count.
_SHORT_WORD = re.compile(r"^(\S{1,2}) (\d*)", re.MULTILINE)
_LONG_WORD = re.compile(r"^(\S\S)\S+ (\d*)", re.MULTILINE)
_CACHE_FORMAT = b"suanli-lexicon-1\n"


def _word_list_path() -> Path:
    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("jieba is not installed: its word list is the lexicon")
    return Path(spec.origin).parent / "dict.txt"


def count_words(text: str) -> dict[str, int]:
    """Frequency of every one- and two-character word of a jieba word list, openings of longer words included."""
    freq: dict[str, int] = {}
    get = freq.get
    for word, count in _SHORT_WORD.findall(text):
        freq[word] = get(word, 0) + int(count or 0)
    # A pair that opens a longer word is evidence too ("哈登" from "哈登堡"-like entries).
    for head, count in _LONG_WORD.findall(text):
        freq[head] = get(head, 0) + max(1, int(count or 0) // 4)
    return freq


def _decode(body: bytes) -> dict[str, int] | None:
    if len(body) < 8:
        return None
    n = int.from_bytes(body[:8], "little")
    counts = array("q")
    counts.frombytes(body[8 : 8 + 8 * n])
    words = body[8 + 8 * n :].decode("utf-8").split("\n")
    if len(counts) != n or len(words) != n:
        return None
    return dict(zip(words, counts, strict=True))


def _encode(freq: dict[str, int]) -> bytes:
    return b"".join((len(freq).to_bytes(8, "little"), array("q", freq.values()).tobytes(),
                     "\n".join(freq).encode("utf-8")))


@lru_cache(maxsize=1)
def _frequencies() -> dict[str, int]:
    """:func:`count_words` of jieba's word list, from the cache file when it has them."""
    source = _word_list_path()
    where = cache.path_for("lexicon", source)
    body = cache.read(where, _CACHE_FORMAT) if where is not None else None
    freq = _decode(body) if body is not None else None
    if freq is None:
        freq = count_words(source.read_text("utf-8"))
        if where is not None:
            cache.write(where, _CACHE_FORMAT, _encode(freq))
    return freq


def load() -> None:
    """Read the word list now rather than on first use (a parent process does, before forking)."""
    _frequencies()


@lru_cache(maxsize=262144)
def pair_score(pair: str) -> float:
    """Log frequency of a two-character sequence as a word or word opening (0 when never seen).

    Longer sequences are not kept and score 0.
    """
    return math.log1p(_frequencies().get(pair, 0))


@lru_cache(maxsize=65536)
def commonness(ch: str) -> float:
    """Log frequency of a character as a one-character word (0 when unknown)."""
    return math.log1p(_frequencies().get(ch, 0))


def score(text: str) -> float:
    """Sum of the pair scores of ``text``: higher reads more like real Chinese."""
    return sum(pair_score(text[i : i + 2]) for i in range(len(text) - 1))
