"""Training data: JSONL text (plain, gzip or zstd) read whole, byte-tokenised, and served in a resumable order.

The order of training examples is a pure function of ``(seed, epoch, cursor)``: each epoch is a
permutation of fixed windows, drawn from a generator seeded by the seed and the epoch. A
checkpoint therefore records the data position as two integers, and a resumed run sees exactly the
batches that an uninterrupted run would have seen.

The whole dataset is held in memory (two bytes a token): right for the small demo and test sets
this trainer is for, not for pre-training corpora.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import torch

from suanli.training.tinygpt.tokenizer import EOS_ID, encode

ENDINGS = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".parquet")
"""The data plane's dataset shards: JSON Lines (plain, gzip or zstd) or Parquet (one row a record)."""


class DataError(ValueError):
    """The dataset cannot be read or is too small to train on."""


@dataclass(frozen=True, slots=True)
class Corpus:
    """The token stream of a dataset, with what lineage needs to name it."""

    tokens: torch.Tensor  # int16 (ids < 257), documents joined by EOS
    documents: int
    skipped: int
    sha256: str
    files: tuple[str, ...]


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        found = sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(ENDINGS))
        if not found:
            raise DataError(f"no {', '.join('*' + e for e in ENDINGS)} files under {path}")
        return found
    if not path.is_file():
        raise DataError(f"dataset {path} does not exist")
    return [path]


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    if path.name.endswith(".parquet"):
        from suanli.core.errors import InvalidInput
        from suanli.data.runners.inputs import parquet_lines

        try:
            for number, (line, _) in enumerate(parquet_lines(path, str(path)), start=1):
                yield number, line.encode()
        except ImportError as exc:
            raise DataError(f"{path}: reading Parquet needs pyarrow ({exc})") from None
        except InvalidInput as exc:
            raise DataError(exc.message) from None
        return
    if path.name.endswith(".zst"):
        import zstandard

        with open(path, "rb") as raw, io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(raw)) as f:
            yield from enumerate(f, start=1)
        return
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as f:
        yield from enumerate(f, start=1)


def load_corpus(path: Path, text_field: str = "text") -> Corpus:
    """Read every record's ``text_field`` from a JSONL file (plain, .gz, .zst) or a folder of them.

    Records without a string in ``text_field`` are counted as skipped; a line that is not JSON is
    an error that names the file and line, since it means the file is not what it claims to be.
    """
    digest = hashlib.sha256()
    ids = array("H")
    documents = skipped = 0
    files = _files(path)
    for file in files:
        digest.update(file.name.encode() + b"\0")
        for lineno, raw in _lines(file):
            digest.update(raw)
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise DataError(f"{file}:{lineno}: not a JSON line ({exc})") from None
            text = record.get(text_field) if isinstance(record, dict) else None
            if not isinstance(text, str) or not text:
                skipped += 1
                continue
            ids.extend(encode(text))
            ids.append(EOS_ID)
            documents += 1
    if not documents:
        raise DataError(f"{path}: no record has a non-empty string field {text_field!r}")
    tokens = torch.frombuffer(bytearray(ids.tobytes()), dtype=torch.int16)
    return Corpus(tokens, documents, skipped, digest.hexdigest(), tuple(str(f) for f in files))


@dataclass(slots=True)
class Batches:
    """Windows of ``context + 1`` tokens in a seeded per-epoch order, resumable from ``position``."""

    tokens: torch.Tensor
    context: int
    seed: int
    epoch: int = 0
    cursor: int = 0
    _order_epoch: int = field(default=-1, init=False, repr=False)
    _order: torch.Tensor = field(default_factory=lambda: torch.empty(0, dtype=torch.int64), init=False,
                                 repr=False)

    def __post_init__(self) -> None:
        if self.windows < 1:
            raise DataError(
                f"the dataset has {len(self.tokens)} tokens; a context of {self.context} needs at least "
                f"{self.context + 1}: add text or lower --context"
            )

    @property
    def windows(self) -> int:
        """Non-overlapping windows per epoch (each also reads the next window's first token)."""
        return (len(self.tokens) - 1) // self.context

    @property
    def position(self) -> dict[str, int]:
        """Where the next batch starts: saved in checkpoints."""
        return {"epoch": self.epoch, "cursor": self.cursor}

    def seek(self, epoch: int, cursor: int) -> None:
        """Continue from a saved :attr:`position`."""
        if not (epoch >= 0 and 0 <= cursor < self.windows):
            raise DataError(f"data position epoch={epoch} cursor={cursor} is outside this dataset")
        self.epoch, self.cursor = epoch, cursor

    def _order_of(self, epoch: int) -> torch.Tensor:
        if epoch != self._order_epoch:
            g = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
            self._order = torch.randperm(self.windows, generator=g)
            self._order_epoch = epoch
        return self._order

    def next(self, batch_size: int) -> torch.Tensor:
        """The next ``[batch_size, context + 1]`` batch; epochs roll over inside a batch if need be."""
        rows = []
        for _ in range(batch_size):
            start = int(self._order_of(self.epoch)[self.cursor]) * self.context
            rows.append(self.tokens[start : start + self.context + 1])
            self.cursor += 1
            if self.cursor == self.windows:
                self.epoch, self.cursor = self.epoch + 1, 0
        return torch.stack(rows).to(torch.int64)
