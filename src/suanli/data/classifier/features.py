"""Hashed character n-gram features of a document: sparse, length-normalised, dictionary-free.

Characters, not words: Chinese has no spaces, and a character n-gram model needs no segmenter. The
n-grams keep punctuation and line breaks, which carry much of what separates curated text from
navigation lists and spam (``\\n首页\\n``, ``|``, runs of short lines). Each n-gram is hashed (FNV-1a
over code points, vectorised with numpy) into ``2**bits`` buckets; a document's vector holds
``log(1 + count)`` per bucket, scaled to unit length so that long and short documents compare.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

_OFFSET = np.uint64(0xCBF29CE484222325)
_PRIME = np.uint64(0x100000001B3)


@dataclass(frozen=True)
class FeatureSpec:
    """How text becomes a vector: n-gram orders, hash width, and how much of a document is read."""

    min_n: int = 1
    max_n: int = 2
    bits: int = 20
    max_chars: int = 6000

    def __post_init__(self) -> None:
        if not 1 <= self.min_n <= self.max_n <= 8:
            raise ValueError(f"n-gram orders must satisfy 1 <= min_n <= max_n <= 8, not {self.min_n}..{self.max_n}")
        if not 8 <= self.bits <= 24:
            raise ValueError(f"bits must be between 8 and 24, not {self.bits}")
        if self.max_chars < 1:
            raise ValueError("max_chars must be positive")

    @property
    def size(self) -> int:
        """Number of buckets (the model has one weight each)."""
        return 1 << self.bits


@dataclass(frozen=True)
class Sparse:
    """Rows of a sparse matrix in CSR form: row ``i`` is ``indices/data[indptr[i]:indptr[i+1]]``."""

    indptr: npt.NDArray[np.int64]
    indices: npt.NDArray[np.int64]
    data: npt.NDArray[np.float64]
    width: int

    @property
    def rows(self) -> int:
        """Number of documents."""
        return int(self.indptr.size - 1)

    def row_ids(self) -> npt.NDArray[np.int64]:
        """The row of every stored value."""
        return np.repeat(np.arange(self.rows, dtype=np.int64), np.diff(self.indptr))

    def dot(self, weights: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """``X @ weights``."""
        products = self.data * weights[self.indices]
        return np.bincount(self.row_ids(), weights=products, minlength=self.rows).astype(np.float64)

    def rdot(self, per_row: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """``X.T @ per_row``."""
        weighted = self.data * per_row[self.row_ids()]
        return np.bincount(self.indices, weights=weighted, minlength=self.width).astype(np.float64)


def _prepare(text: str, spec: FeatureSpec) -> str:
    # NFKC folds full-width forms, so repaired and damaged punctuation read alike; case is noise here.
    return unicodedata.normalize("NFKC", text[: spec.max_chars]).lower()


def buckets(text: str, spec: FeatureSpec) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """The non-zero buckets of one document and their values (unit length; one bucket if empty)."""
    codes = np.frombuffer(_prepare(text, spec).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    hashes = []
    with np.errstate(over="ignore"):
        for n in range(spec.min_n, spec.max_n + 1):
            count = codes.size - n + 1
            if count <= 0:
                break
            h = np.full(count, _OFFSET ^ np.uint64(n), dtype=np.uint64)
            for k in range(n):
                h = (h ^ codes[k : k + count]) * _PRIME
            hashes.append(h)
    if not hashes:
        return np.zeros(1, dtype=np.int64), np.ones(1, dtype=np.float64)
    mask = np.uint64(spec.size - 1)
    # Fold the high bits in before masking: FNV's low bits alone mix poorly.
    every = np.concatenate(hashes)
    folded = (every ^ (every >> np.uint64(29))) & mask
    idx, counts = np.unique(folded.astype(np.int64), return_counts=True)
    values = np.log1p(counts.astype(np.float64))
    return idx, values / float(np.linalg.norm(values))


def featurize(texts: list[str], spec: FeatureSpec) -> Sparse:
    """Feature rows of ``texts``, in order."""
    indptr = np.zeros(len(texts) + 1, dtype=np.int64)
    parts_i: list[npt.NDArray[np.int64]] = []
    parts_v: list[npt.NDArray[np.float64]] = []
    for i, text in enumerate(texts):
        idx, values = buckets(text, spec)
        parts_i.append(idx)
        parts_v.append(values)
        indptr[i + 1] = indptr[i] + idx.size
    indices = np.concatenate(parts_i) if parts_i else np.zeros(0, dtype=np.int64)
    data = np.concatenate(parts_v) if parts_v else np.zeros(0, dtype=np.float64)
    return Sparse(indptr, indices, data, spec.size)
