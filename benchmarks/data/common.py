"""Shared helpers of the data-plane benchmarks: paths, machine description, edit distance, tables."""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("SUANLI_SHARED_DATA", ROOT.parent / "shared" / "data"))
CORPORA = DATA / "corpora"
RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> str:
    """One line naming the machine the numbers came from."""
    return f"{platform.machine()}, {os.cpu_count()} CPUs ({platform.processor() or 'unknown cpu'}), " \
           f"Python {platform.python_version()}, shared and noisy"


def read_jsonl(path: Path) -> Iterator[dict[str, object]]:
    """Documents of a JSON-lines file."""
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def levenshtein(a: str, b: str) -> int:
    """Edit distance, vectorised one row at a time with numpy (O(len(a)*len(b)) work, O(len(b)) memory).

    The left-neighbour dependency of a row is resolved with a running minimum: after the diagonal and
    upper moves, ``D[j] = min_k (T[k] + j - k)``, which is ``cummin(T - j) + j``.
    """
    if a == b:
        return 0
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return len(a)
    bb = np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32)
    idx = np.arange(len(b) + 1, dtype=np.int64)
    prev = idx.copy()
    for i, ch in enumerate(a, start=1):
        cost = (bb != ord(ch)).astype(np.int64)
        cur = np.empty_like(prev)
        cur[0] = i
        cur[1:] = np.minimum(prev[1:] + 1, prev[:-1] + cost)
        cur = np.minimum.accumulate(cur - idx) + idx
        prev = cur
    return int(prev[-1])


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A markdown table."""
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)
