"""Where the public sample data lives: ``../shared/data`` beside the checkout.

Tests read traces and corpora from there (they are third-party data and stay out of the repository).
``SUANLI_SHARED_DATA`` overrides the location; a clone elsewhere on a machine of this workplace finds
``/work/shared/data``.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _locate() -> Path:
    candidates = [os.environ.get("SUANLI_SHARED_DATA"), ROOT.parent / "shared" / "data", "/work/shared/data"]
    for c in candidates:
        if c and (Path(c) / "README.md").exists():
            return Path(c)
    raise RuntimeError(
        "the shared sample data was not found beside the checkout (../shared/data); "
        "set SUANLI_SHARED_DATA to its location"
    )


SHARED_DATA = _locate()
