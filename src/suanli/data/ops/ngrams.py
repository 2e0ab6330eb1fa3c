"""Character n-grams at C speed: a hash of every window, and the share of text that repeated ones cover.

A Python slice per position costs more than the rest of a document's quality checks together; numpy
hashes every window of the code points in a few array operations instead. Hashes only find
candidates: equal n-grams always hash alike, so the rare text whose windows collide is checked on
the n-grams themselves and answers stay exact.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import numpy.typing as npt

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


def code_points(text: str) -> npt.NDArray[np.uint64]:
    """The code points of ``text`` (lone surrogates included) as 64-bit integers."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)


def window_hashes(codes: npt.NDArray[np.uint64], n: int) -> npt.NDArray[np.uint64]:
    """FNV-1a style 64-bit hash of every window of ``n`` code points (``len(codes) - n + 1`` of them)."""
    count = codes.size - n + 1
    h = np.full(count, _FNV_OFFSET, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(n):
            h = (h ^ codes[k : k + count]) * _FNV_PRIME
    return h


def dup_ngram_share(text: str, n: int) -> float:
    """Share of characters covered by character ``n``-grams that occur more than once (Gopher)."""
    if len(text) < 2 * n:
        return 0.0
    hashes = window_hashes(code_points(text), n)
    # Sorted, equal hashes sit side by side: a window is a candidate when it shares its hash with a neighbour.
    order = hashes.argsort()
    ordered = hashes[order]
    same = ordered[1:] == ordered[:-1]
    if not same.any():
        return 0.0
    shared = np.zeros(hashes.size, dtype=bool)
    shared[1:] = same
    shared[:-1] |= same
    candidates = order[shared].tolist()
    # Every occurrence of a repeated n-gram is a candidate; a candidate that only shares a hash is not.
    grams = [text[i : i + n] for i in candidates]
    seen = Counter(grams)
    repeated = np.zeros(hashes.size, dtype=np.int64)
    repeated[candidates] = [seen[g] > 1 for g in grams]
    covered = np.convolve(repeated, np.ones(n, dtype=np.int64)) > 0
    return int(np.count_nonzero(covered)) / len(text)
