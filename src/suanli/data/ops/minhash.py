"""Near-duplicate detection: MinHash over character n-grams of normalised text, with LSH banding.

Character n-grams, not whitespace tokens: Chinese has no spaces, so a whitespace "token" is a whole
sentence and two copies that differ by one comma share none of them. Shingle hashing and the MinHash
permutations are vectorised with numpy (multiply-shift hashing on uint64), so a signature costs a few
array operations per document rather than a Python loop per shingle.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import numpy.typing as npt

from suanli.data.ops.ngrams import window_hashes
from suanli.data.ops.normalize import normalize
from suanli.data.ops.operator import Doc

Signature = npt.NDArray[np.uint32]

_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


def _params(num_perm: int, seed: int) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
    return a, b


def _windows(text: str, n: int) -> npt.NDArray[np.uint64]:
    """Hashes of every character ``n``-gram of ``text`` in order, repeats included (one if it is shorter)."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if codes.size == 0:
        return np.zeros(1, dtype=np.uint64)
    return window_hashes(codes, min(n, int(codes.size)))


def shingle_hashes(text: str, n: int) -> npt.NDArray[np.uint64]:
    """64-bit hashes of every character ``n``-gram of ``text`` (one hash if it is shorter)."""
    return np.unique(_windows(text, n))


class NearDedup:
    """MinHash signatures of documents (pure; the runner holds the :class:`LSHIndex`).

    ``threshold`` is the estimated Jaccard similarity of n-gram sets above which two documents are
    duplicates; ``bands`` x ``rows`` must equal ``num_perm``. The defaults (5-grams, 128 permutations in
    32 bands of 4 rows, threshold 0.6) make a pair at Jaccard 0.7 a candidate with probability 0.9998
    (16 bands of 8 rows: only 0.61) and verify every candidate on the full signature, so the banding
    only finds candidates and never decides: recall comes from the bands, precision from the check.
    """

    name = "dedup_near"

    def __init__(self, field: str = "text", ngram: int = 5, num_perm: int = 128, bands: int = 32,
                 threshold: float = 0.6, seed: int = 42, simplify: bool = True) -> None:
        if num_perm % bands:
            raise ValueError(f"num_perm ({num_perm}) must be a multiple of bands ({bands})")
        self.field = field
        self.ngram = ngram
        self.num_perm = num_perm
        self.bands = bands
        self.threshold = threshold
        self.simplify = simplify
        self._a, self._b = _params(num_perm, seed)

    def prepare(self) -> None:
        """Load the Traditional-to-Simplified converter now (see ``Pipeline.prepare``)."""
        if self.simplify:
            normalize("中", self.simplify)

    def signature(self, doc: Doc) -> Signature:
        """The MinHash signature of the document's normalised text."""
        text = doc.get(self.field)
        norm = normalize(text, self.simplify) if isinstance(text, str) else ""
        # The minimum over a set is the minimum over its elements with repeats: no need to deduplicate.
        permuted = np.multiply.outer(self._a, _windows(norm, self.ngram))
        permuted += self._b[:, None]
        # Multiply-shift: the high 32 bits of a*x+b mod 2^64 are a good universal hash of x.
        signature: Signature = (permuted.min(axis=1) >> np.uint64(32)).astype(np.uint32)
        return signature

    def new_index(self) -> LSHIndex:
        """An empty index for one run."""
        return LSHIndex(self.bands, self.threshold)


class LSHIndex:
    """Bands of signatures seen so far; answers "is this a near-copy of something kept?"."""

    def __init__(self, bands: int, threshold: float) -> None:
        self.bands = bands
        self.threshold = threshold
        self._buckets: defaultdict[bytes, list[int]] = defaultdict(list)
        self._signatures: list[Signature] = []
        self._keys: list[str] = []

    def __len__(self) -> int:
        return len(self._keys)

    def _band_keys(self, signature: Signature) -> list[bytes]:
        rows = signature.size // self.bands
        return [bytes([b]) + signature[b * rows : (b + 1) * rows].tobytes() for b in range(self.bands)]

    def query(self, signature: Signature) -> tuple[str, float] | None:
        """The most similar earlier document at or above the threshold, with its estimated Jaccard."""
        best: tuple[str, float] | None = None
        seen: set[int] = set()
        for band in self._band_keys(signature):
            for idx in self._buckets.get(band, ()):
                if idx in seen:
                    continue
                seen.add(idx)
                sim = float(np.mean(self._signatures[idx] == signature))
                if sim >= self.threshold and (best is None or sim > best[1]):
                    best = (self._keys[idx], sim)
        return best

    def add(self, signature: Signature, key: str) -> None:
        """Index a kept document (or one of a reference corpus)."""
        idx = len(self._keys)
        self._keys.append(key)
        self._signatures.append(signature)
        for band in self._band_keys(signature):
            self._buckets[band].append(idx)

    def admit(self, signature: Signature, key: str) -> str | None:
        """Return the key of a near-duplicate already kept, else index this one and return ``None``."""
        hit = self.query(signature)
        if hit is not None:
            return hit[0]
        self.add(signature, key)
        return None
