"""Files of derived data that are cheaper to read back than to derive again.

They live in ``$SUANLI_CACHE_DIR`` (else ``$XDG_CACHE_HOME/suanli`` or ``~/.cache/suanli``), each named
after the source it was derived from (its path, size and modification time), so a changed source is a
new name. A file is a format line, the SHA-256 of its body and the body; anything wrong with it (absent,
damaged, another format) reads as absent, and a write that cannot happen (a read-only or missing home)
is skipped: the caller derives again, never gets a different answer. Several processes may write the
same file at once: each writes a temporary file of its own and renames it into place.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def path_for(kind: str, source: Path) -> Path | None:
    """Where the ``kind`` derived from ``source`` is kept, or None when there is nowhere to keep it."""
    explicit = os.environ.get("SUANLI_CACHE_DIR")
    try:
        stat = source.stat()
        folder = Path(explicit or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "suanli")
    except (OSError, RuntimeError):  # no home directory to hold it
        return None
    key = hashlib.sha256(f"{source.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    return folder / f"{kind}-{key}.bin"


def read(path: Path, form: bytes) -> bytes | None:
    """The body of the cache file at ``path`` written in ``form``, or None."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    start = len(form) + 32
    body = data[start:]
    return body if data[:start] == form + hashlib.sha256(body).digest() else None


def write(path: Path, form: bytes, body: bytes) -> None:
    """Keep ``body`` at ``path`` in ``form``; silently nothing when it cannot be written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(form + hashlib.sha256(body).digest() + body)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
