"""Reading a stored shard back: its sha256, and its documents counted through its compression."""

from __future__ import annotations

import hashlib
import json
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from suanli.core.errors import InvalidInput
from suanli.data.datasets.manifest import compression_of
from suanli.data.runners.inputs import open_parquet, open_text, parquet_batches, parquet_lines

_SPOOL_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ShardCheck:
    sha256: str
    size: int
    documents: int


class _Lines:
    """Counts JSON Lines documents in a stream of decompressed bytes; checks the first and last parse."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.documents = 0
        self.first: bytes | None = None
        self.tail = b""

    def feed(self, data: bytes) -> None:
        if not data:
            return
        buf = self.tail + data
        lines = buf.split(b"\n")
        self.tail = lines.pop()
        for line in lines:
            if line.strip():
                self.documents += 1
                if self.first is None:
                    self.first = line
                self.last = line

    def finish(self) -> int:
        if self.tail.strip():
            self.feed(b"\n")
        if self.documents == 0:
            raise InvalidInput(f"shard {self.name!r} holds no documents")
        for line in {self.first, getattr(self, "last", None)}:
            try:
                ok = isinstance(json.loads(line or b""), dict)
            except ValueError:
                ok = False
            if not ok:
                raise InvalidInput(f"shard {self.name!r} is not JSON Lines (one JSON object per line)")
        return self.documents


def _decompressor(compression: str) -> tuple[object, str]:
    if compression == "gzip":
        return zlib.decompressobj(wbits=16 + zlib.MAX_WBITS), "zlib"
    if compression == "zstd":
        import zstandard

        return zstandard.ZstdDecompressor().decompressobj(), "zstd"
    return None, "none"


def _spooled(chunks: Iterable[bytes], h: hashlib._Hash | None = None) -> IO[bytes]:
    """The bytes in a temporary file (in memory while small): Parquet is read from its end first."""
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115 (the caller closes it)
    for c in chunks:
        if h is not None:
            h.update(c)
        spool.write(c)
    spool.seek(0)
    return spool


def _check_parquet(name: str, chunks: Iterable[bytes]) -> ShardCheck:
    h = hashlib.sha256()
    with _spooled(chunks, h) as spool:
        size = spool.seek(0, 2)
        spool.seek(0)
        parquet = open_parquet(spool, f"shard {name!r}")
        documents = parquet.metadata.num_rows
        # Every page decodes (a damaged one is refused now, not when the data is curated).
        read = sum(batch.num_rows for batch in parquet_batches(parquet, f"shard {name!r}"))
    if read != documents:
        raise InvalidInput(f"shard {name!r} holds {read} rows where its footer says {documents}")
    if documents == 0:
        raise InvalidInput(f"shard {name!r} holds no documents")
    return ShardCheck(h.hexdigest(), size, documents)


def check_shard(name: str, compression: str, chunks: Iterable[bytes]) -> ShardCheck:
    """sha256, size and document count of a shard's bytes; :class:`InvalidInput` if they are not what
    the name says (JSON Lines, compressed as named, or Parquet)."""
    if compression == "parquet":
        return _check_parquet(name, chunks)
    h, size = hashlib.sha256(), 0
    lines = _Lines(name)
    dec, kind = _decompressor(compression)
    try:
        for c in chunks:
            h.update(c)
            size += len(c)
            if dec is None:
                lines.feed(c)
            else:
                lines.feed(dec.decompress(c))  # type: ignore[attr-defined]
                if kind == "zlib":
                    while dec.unused_data:  # type: ignore[attr-defined]
                        # concatenated gzip members (what `cat a.gz b.gz` makes) are one stream
                        rest = dec.unused_data  # type: ignore[attr-defined]
                        dec = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
                        lines.feed(dec.decompress(rest))
        if dec is not None and kind == "zlib":
            lines.feed(dec.flush())  # type: ignore[attr-defined]
            if not dec.eof:  # type: ignore[attr-defined]
                raise InvalidInput(f"shard {name!r} is a truncated gzip stream")
    except (zlib.error, EOFError) as exc:
        raise InvalidInput(f"shard {name!r} does not decompress as {compression}: {exc}") from None
    except Exception as exc:
        if type(exc).__name__ == "ZstdError":
            raise InvalidInput(f"shard {name!r} does not decompress as zstd: {exc}") from None
        raise
    return ShardCheck(h.hexdigest(), size, lines.finish())


def iter_documents(compression: str, chunks: Iterable[bytes]) -> Iterator[bytes]:
    """A shard's documents as JSON Lines bytes (for export), as a stream: decompressed, or each row of
    a Parquet shard as a line."""
    if compression == "parquet":
        with _spooled(chunks) as spool:
            for line, _ in parquet_lines(spool, "shard"):
                yield line.encode() + b"\n"
        return
    dec, kind = _decompressor(compression)
    for c in chunks:
        if dec is None:
            yield c
            continue
        yield dec.decompress(c)  # type: ignore[attr-defined]
        while kind == "zlib" and dec.unused_data:  # type: ignore[attr-defined]
            rest = dec.unused_data  # type: ignore[attr-defined]
            dec = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            yield dec.decompress(rest)
    if dec is not None and kind == "zlib":
        yield dec.flush()  # type: ignore[attr-defined]


def glance(path: Path) -> None:
    """A quick look at a local shard before it is sent: its name is a shard's, and its first document
    reads (a Parquet footer, or a first line that is a JSON object). The server checks every byte at
    commit; this spares sending a large file that cannot pass."""
    compression = compression_of(path.name)
    if compression == "parquet":
        open_parquet(path, path.name)
        return
    import zstandard

    try:
        with open_text(path) as fh:
            first = next((line for line in fh if line.strip()), "")
        ok = isinstance(json.loads(first), dict)
    except (ValueError, OSError, EOFError, zstandard.ZstdError):
        ok = False
    if not ok:
        packed = "" if compression == "none" else f", {compression}-compressed as its name says"
        raise InvalidInput(f"{path.name} is not JSON Lines{packed}: its first line is not a JSON object")
