"""A demo dataset made on the spot from the docstrings of Python's standard library.

Nothing may be downloaded at run time, and the repository should not carry a corpus, yet a demo
wants real English with structure to learn. Every Python install has that text: the docstrings of
its standard modules. Run ``python -m suanli.training.tinygpt.demo_data OUT.jsonl`` to write one
record per documented object as ``{"text": ...}``.
"""

from __future__ import annotations

import importlib
import inspect
import json
import sys
from collections.abc import Iterator
from pathlib import Path

MODULES = (
    "abc", "argparse", "asyncio", "base64", "bisect", "calendar", "collections", "contextlib", "csv",
    "dataclasses", "datetime", "decimal", "difflib", "email", "enum", "fractions", "functools", "gzip",
    "hashlib", "heapq", "http.client", "inspect", "io", "itertools", "json", "logging", "math",
    "operator", "os", "pathlib", "pickle", "queue", "random", "re", "shutil", "socket", "sqlite3",
    "statistics", "string", "subprocess", "tarfile", "tempfile", "textwrap", "threading", "typing",
    "unittest", "urllib.parse", "uuid", "zipfile",
)


def docstrings(max_chars: int = 2_000_000) -> Iterator[str]:
    """Docstrings of the modules in :data:`MODULES` and their public members, in a fixed order."""
    total = 0
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:  # a trimmed Python may lack one: the demo only needs most of them
            continue
        objects = [module] + [obj for attr, obj in sorted(vars(module).items()) if not attr.startswith("_")]
        for obj in objects:
            doc = inspect.getdoc(obj) if (inspect.ismodule(obj) or inspect.isclass(obj)
                                          or inspect.isroutine(obj)) else None
            if not doc or len(doc) < 80:
                continue
            if obj is not module and getattr(obj, "__module__", name) != module.__name__:
                continue  # re-exported from elsewhere: its own module will list it
            total += len(doc)
            yield doc
            if total >= max_chars:
                return


def write(out: Path, max_chars: int = 2_000_000) -> int:
    """Write the demo JSONL to ``out``; returns the number of records."""
    out.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with out.open("w", encoding="utf-8") as f:
        for doc in docstrings(max_chars):
            f.write(json.dumps({"text": doc}, ensure_ascii=False) + "\n")
            n += 1
    return n


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m suanli.training.tinygpt.demo_data OUT.jsonl")
    print(json.dumps({"records": write(Path(sys.argv[1])), "path": sys.argv[1]}))
