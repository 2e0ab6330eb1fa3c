"""Pure rules: compressions, chunk plans, declarations; reading shards back."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json

import pytest
import zstandard

from suanli.core.errors import InvalidInput
from suanli.data.datasets import manifest
from suanli.data.datasets.manifest import DeclaredFile
from suanli.data.datasets.verify import check_shard, iter_documents

SHA = "a" * 64


def test_compression_from_the_ending() -> None:
    assert manifest.compression_of("x.jsonl") == "none"
    assert manifest.compression_of("x.jsonl.gz") == "gzip"
    assert manifest.compression_of("x.jsonl.zst") == "zstd"
    assert manifest.compression_of("x.parquet") == "parquet"
    for bad in ("x.json", "x.jsonl.bz2", "x.parq", "jsonl"):
        with pytest.raises(InvalidInput):
            manifest.compression_of(bad)


def test_chunk_plan_covers_the_file_exactly() -> None:
    for size in (1, 9, 10, 11, 99, 100, 101):
        count = manifest.part_count(size, 10)
        sizes = [manifest.part_size(size, 10, n) for n in range(1, count + 1)]
        assert sum(sizes) == size and all(s == 10 for s in sizes[:-1]) and 0 < sizes[-1] <= 10
    with pytest.raises(InvalidInput):
        manifest.part_size(100, 10, 11)
    with pytest.raises(InvalidInput):
        manifest.part_size(100, 10, 0)


def test_declarations_are_checked() -> None:
    manifest.check_files([DeclaredFile("a.jsonl", 1, SHA)])
    for files in ([], [DeclaredFile("a.jsonl", 1, SHA)] * 2, [DeclaredFile("../a.jsonl", 1, SHA)],
                  [DeclaredFile("a.jsonl", 0, SHA)], [DeclaredFile("a.jsonl", 1, "A" * 64)],
                  [DeclaredFile("a.txt", 1, SHA)]):
        with pytest.raises(InvalidInput):
            manifest.check_files(files)
    with pytest.raises(InvalidInput):
        manifest.check_chunk_size(1024, 5 * 1024 * 1024)  # below S3's part minimum


def test_fingerprint_changes_with_content_and_lineage() -> None:
    a = [DeclaredFile("a.jsonl", 1, SHA)]
    base = manifest.fingerprint(a, 10, {"parent": None})
    assert base == manifest.fingerprint(list(a), 10, {"parent": None})
    assert base != manifest.fingerprint([DeclaredFile("a.jsonl", 1, "b" * 64)], 10, {"parent": None})
    assert base != manifest.fingerprint(a, 11, {"parent": None})
    assert base != manifest.fingerprint(a, 10, {"parent": 1})


RAW = b'{"id": 1, "text": "a"}\n\n{"id": 2, "text": "b"}\n{"id": 3, "text": "c"}'


@pytest.mark.parametrize("compression,data", [
    ("none", RAW),
    ("gzip", gzip.compress(RAW)),
    ("gzip", gzip.compress(RAW[:20]) + gzip.compress(RAW[20:])),  # concatenated members
    ("zstd", zstandard.ZstdCompressor().compress(RAW)),
])
def test_check_shard_counts_documents(compression: str, data: bytes) -> None:
    chunks = [data[i : i + 7] for i in range(0, len(data), 7)]
    check = check_shard("s", compression, chunks)
    assert (check.sha256, check.size, check.documents) == (hashlib.sha256(data).hexdigest(), len(data), 3)
    assert b"".join(iter_documents(compression, chunks)) == RAW


@pytest.mark.parametrize("compression,data", [
    ("none", b"not json\n"),
    ("none", b"[1, 2]\n"),
    ("none", b"\n\n"),
    ("gzip", gzip.compress(RAW)[:-10]),
    ("gzip", RAW),
    ("zstd", RAW),
])
def test_check_shard_refuses_what_is_not_jsonl(compression: str, data: bytes) -> None:
    with pytest.raises(InvalidInput):
        check_shard("s", compression, [data])


def parquet_bytes(rows: list[dict[str, object]], row_group_size: int = 2) -> bytes:
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), buf, row_group_size=row_group_size, compression="zstd")
    return buf.getvalue()


def test_a_parquet_shard_is_counted_by_rows_and_exported_as_json_lines() -> None:
    import datetime
    from decimal import Decimal

    rows: list[dict[str, object]] = [
        {"id": i, "text": f"第{i}篇", "at": datetime.datetime(2026, 11, i + 1, tzinfo=datetime.UTC),
         "price": Decimal("1.50"), "raw": bytes([i, 255])} for i in range(5)]
    data = parquet_bytes(rows)
    chunks = [data[i : i + 100] for i in range(0, len(data), 100)]
    check = check_shard("p.parquet", "parquet", chunks)
    assert (check.sha256, check.size, check.documents) == (hashlib.sha256(data).hexdigest(), len(data), 5)
    lines = b"".join(iter_documents("parquet", chunks)).decode().splitlines()
    assert [json.loads(line) for line in lines] == [
        {"id": i, "text": f"第{i}篇", "at": f"2026-11-0{i + 1}T00:00:00+00:00", "price": "1.50",
         "raw": base64.b64encode(bytes([i, 255])).decode()} for i in range(5)]


@pytest.mark.parametrize("data", [b"PAR1 not really", gzip.compress(RAW), b""])
def test_what_is_not_parquet_is_refused(data: bytes) -> None:
    with pytest.raises(InvalidInput, match="not a Parquet file"):
        check_shard("p.parquet", "parquet", [data])


def test_an_empty_parquet_shard_is_refused() -> None:
    empty = parquet_bytes([])
    with pytest.raises(InvalidInput, match="holds no documents"):
        check_shard("p.parquet", "parquet", [empty])


def test_a_damaged_parquet_shard_is_refused_at_commit_or_reads_whole() -> None:
    import random

    good = parquet_bytes([{"id": i, "text": f"文本{i}" * 30} for i in range(400)], row_group_size=100)
    rnd = random.Random(1)
    refused = 0
    for _ in range(150):
        damaged = bytearray(good)
        at = rnd.randrange(4, len(damaged) - 16)
        for k in range(rnd.randint(1, 6)):
            damaged[at + k] ^= rnd.randrange(1, 256)
        try:
            check = check_shard("p.parquet", "parquet", [bytes(damaged)])
        except InvalidInput:
            refused += 1
            continue
        # What the check let through is read back whole, as many rows as it counted.
        assert sum(1 for _ in iter_documents("parquet", [bytes(damaged)])) == check.documents == 400
    assert refused > 30  # damaged pages, headers and footers are all refused before a version exists
