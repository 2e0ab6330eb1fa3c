"""Reading and writing corpora: JSON lines (plain, gzip, zstd), Parquet and WARC files, streamed."""

from __future__ import annotations

import base64
import gzip
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from suanli.core.errors import InvalidInput


def _is_warc(path: Path) -> bool:
    return path.name.endswith((".warc", ".warc.gz"))


@contextmanager
def open_text(path: Path, mode: str = "r") -> Iterator[IO[str]]:
    """Open a possibly compressed text file by its suffix (``.gz``, ``.zst``)."""
    if path.suffix == ".gz":
        with gzip.open(path, mode + "t", encoding="utf-8") as gz:
            yield gz  # type: ignore[misc]
    elif path.suffix == ".zst":
        import zstandard

        with path.open(mode + "b") as raw:
            if mode == "r":
                stream: Any = zstandard.ZstdDecompressor().stream_reader(raw)
            else:
                stream = zstandard.ZstdCompressor(level=3).stream_writer(raw)
            with io.TextIOWrapper(stream, encoding="utf-8") as fh:
                yield fh
    else:
        with path.open(mode, encoding="utf-8") as fh:
            yield fh


def _charset(content_type: str | None) -> str | None:
    if not content_type or "charset=" not in content_type.lower():
        return None
    return content_type.lower().split("charset=")[-1].split(";")[0].strip().strip("\"'") or None


def _decode_html(payload: bytes, declared: str | None) -> str:
    for encoding in (declared, "utf-8", "gb18030"):
        if not encoding:
            continue
        try:
            return payload.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return payload.decode("utf-8", errors="replace")


def warc_documents(fh: IO[bytes]) -> Iterator[dict[str, Any]]:
    """HTML responses of an open WARC file as documents ``{id, url, html}``."""
    from warcio.archiveiterator import ArchiveIterator  # type: ignore[import-untyped]

    for record in ArchiveIterator(fh):
        if record.rec_type != "response" or record.http_headers is None:
            continue
        content_type = record.http_headers.get_header("Content-Type") or ""
        if "html" not in content_type.lower():
            continue
        payload = record.content_stream().read()
        yield {
            "id": record.rec_headers.get_header("WARC-Record-ID"),
            "url": record.rec_headers.get_header("WARC-Target-URI"),
            "html": _decode_html(payload, _charset(content_type)),
        }


def _json_value(value: object) -> object:
    """Parquet values that JSON has no type for: times as ISO text, bytes as base64, the rest as text."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return str(value)  # durations and whatever else: their text


def open_parquet(source: Path | IO[bytes], name: str) -> Any:
    """A ``pyarrow.parquet.ParquetFile`` (its footer read); :class:`InvalidInput` if ``source`` is not one."""
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    try:
        return pq.ParquetFile(source)
    except (pa.ArrowException, OSError) as exc:
        raise InvalidInput(f"{name} is not a Parquet file: {exc}") from None


def parquet_batches(parquet: Any, name: str, batch_rows: int = 1024) -> Iterator[Any]:
    """The record batches of an open Parquet file, each checked whole (its text is UTF-8).

    A page that does not decode is an :class:`InvalidInput` naming the row it stopped at.
    """
    import pyarrow as pa

    batches = parquet.iter_batches(batch_size=batch_rows)
    done = 0
    while True:
        try:
            batch = next(batches, None)
            if batch is None:
                return
            batch.validate(full=True)
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise InvalidInput(f"{name} is damaged after row {done}: {exc}") from None
        done += batch.num_rows
        yield batch


def parquet_lines(source: Path | IO[bytes], name: str) -> Iterator[tuple[str, int]]:
    """Each row of a Parquet file as a JSON line (a document), and the file's bytes read so far.

    Rows are read a batch at a time, so memory holds one batch, not the file. The bytes read so far
    are the file's size in proportion to the rows read (Parquet has no byte offset per row).
    """
    if isinstance(source, Path):
        size = source.stat().st_size
    else:
        size = source.seek(0, io.SEEK_END)
        source.seek(0)
    parquet = open_parquet(source, name)
    rows = parquet.metadata.num_rows
    done = 0
    for batch in parquet_batches(parquet, name):
        for row in batch.to_pylist():
            done += 1
            yield json.dumps(row, ensure_ascii=False, default=_json_value), size * done // max(rows, 1)


def read_lines(path: Path) -> Iterator[tuple[str, int]]:
    """Yield (JSON line, bytes of input consumed so far) from a JSONL, Parquet or WARC file, streaming."""
    if not path.is_file():
        raise InvalidInput(f"input {path} does not exist")
    if path.suffix == ".parquet":
        yield from parquet_lines(path, f"input {path}")
        return
    if _is_warc(path):
        with path.open("rb") as raw:
            for doc in warc_documents(raw):
                yield json.dumps(doc, ensure_ascii=False), raw.tell()
        return
    with path.open("rb") as raw:
        if path.suffix == ".gz":
            stream: Any = gzip.GzipFile(fileobj=raw)
        elif path.suffix == ".zst":
            import zstandard

            stream = zstandard.ZstdDecompressor().stream_reader(raw)
        else:
            stream = raw
        for line in io.TextIOWrapper(stream, encoding="utf-8"):
            if line.strip():
                yield line.rstrip("\n"), raw.tell()
