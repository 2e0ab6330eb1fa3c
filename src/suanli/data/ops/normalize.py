"""Text normalisation for deduplication: the form in which two copies of a document compare equal.

Copies of one article differ in ways that do not change what it says: Traditional vs Simplified
characters, full-width vs ASCII forms, punctuation, spacing, case, and inserted pinyin annotations.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from suanli.data.ops.script import to_simplified

_PINYIN_NOTE = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,6}\)")
# Keep letters, digits and Han characters; everything else (punctuation, symbols, spaces) goes.
_NOISE = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff]+")


@lru_cache(maxsize=4)
def normalize(text: str, simplify: bool = True) -> str:
    """NFKC, case-fold, Traditional to Simplified, drop pinyin notes, punctuation and whitespace.

    Cached for the last few texts: exact and near dedup normalise the same document one after the
    other.
    """
    text = unicodedata.normalize("NFKC", text).lower()
    if "(" in text:
        text = _PINYIN_NOTE.sub("", text)
    if simplify:
        text = to_simplified(text)
    return _NOISE.sub("", text)
