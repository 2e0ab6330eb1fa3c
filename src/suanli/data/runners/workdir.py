"""A curation run's work directory, shared by the local and the Ray runner: committed shards, resumable.

Each committed shard is ``NNNNNN.jsonl`` (its output lines) and ``NNNNNN.state`` (its report delta and index
additions, written last, so a shard is committed once its state exists); ``run.json`` names the run (recipe,
input, shard size, reference corpora), so a directory is never resumed by another run.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from suanli.core.errors import Conflict
from suanli.data.recipe import Recipe
from suanli.data.runners.inputs import open_text


def atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


class WorkDir:
    """The committed shards of one run: ``NNNNNN.jsonl`` + ``NNNNNN.state`` (written last)."""

    def __init__(self, root: Path, identity: dict[str, Any], restart: bool) -> None:
        self.root = root
        marker = root / "run.json"
        if restart and root.exists():
            shutil.rmtree(root)
        root.mkdir(parents=True, exist_ok=True)
        if marker.exists():
            existing = json.loads(marker.read_text("utf-8"))
            if existing != identity:
                raise Conflict(
                    f"work directory {root} belongs to another run (different recipe, input or shard "
                    "size); pass --restart to discard it",
                )
        else:
            atomic_write(marker, json.dumps(identity, sort_keys=True).encode("utf-8"))

    def state(self, shard: int) -> Path:
        return self.root / f"{shard:06d}.state"

    def lines(self, shard: int) -> Path:
        return self.root / f"{shard:06d}.jsonl"

    def commit(self, shard: int, lines: list[str], state: dict[str, Any]) -> None:
        atomic_write(self.lines(shard), "".join(line + "\n" for line in lines).encode("utf-8"))
        atomic_write(self.state(shard), pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL))

    def committed(self) -> Iterator[tuple[int, dict[str, Any]]]:
        shard = 0
        while self.state(shard).exists() and self.lines(shard).exists():
            with self.state(shard).open("rb") as fh:
                yield shard, pickle.load(fh)
            shard += 1


def run_identity(recipe: Recipe, source: Path, shard_docs: int, reference: list[Path]) -> dict[str, Any]:
    stat = source.stat()
    fingerprint = hashlib.sha256(f"{source.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()
    return {
        "recipe": recipe.to_dict(),
        "input": fingerprint,
        "shard_docs": shard_docs,
        "reference": [str(p.resolve()) for p in reference],
    }


def assemble(work: WorkDir, output: Path) -> None:
    """Concatenate committed shards into ``output`` (written under a temporary name, then renamed)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    # Keep the suffix: it selects the compression.
    tmp = output.with_name(f".{output.name}.tmp{output.suffix}")
    with open_text(tmp, "w") as fh:
        shard = 0
        while work.lines(shard).exists() and work.state(shard).exists():
            with work.lines(shard).open(encoding="utf-8") as part:
                shutil.copyfileobj(part, fh)
            shard += 1
    tmp.replace(output)
