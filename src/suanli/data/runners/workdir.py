"""A curation run over its work directory, shared by the local and the Ray runner: committed shards, resumable.

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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from suanli.core.errors import Conflict
from suanli.data.pipeline import Curation, ShardOutput
from suanli.data.recipe import Recipe
from suanli.data.runners.inputs import open_text, read_lines


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


@dataclass
class Progress:
    """What a progress display needs, reported after every committed shard."""

    input_bytes: int
    input_total: int
    docs_in: int
    docs_out: int
    shards_done: int
    shards_resumed: int


class CurationRun:
    """One run of a recipe over a file, as both runners drive it: the committed shards replayed into the dedup
    state (no operator runs), each new shard's dedup decided in input order and committed, the output assembled.
    """

    def __init__(self, recipe: Recipe, source: Path, output: Path, *, shard_docs: int, work_dir: Path | None,
                 reference: list[Path], restart: bool, on_progress: Callable[[Progress], None] | None) -> None:
        self.output = output
        self.work = WorkDir(work_dir or output.with_name(output.name + ".parts"),
                            run_identity(recipe, source, shard_docs, reference), restart)
        self.curation = Curation(recipe)
        for ref in reference:
            self.curation.add_reference(json.loads(line) for line, _ in read_lines(ref))
        self.progress = Progress(0, source.stat().st_size, 0, 0, 0, 0)
        self.on_progress = on_progress
        for _shard, state in self.work.committed():
            self.curation.restore(state["map"], state["dedup"], state["added"], state["bad"])
            self._note(state["kept"], state["docs"], state["position"])
        self.progress.shards_resumed = self.resumed = self.progress.shards_done

    def _note(self, kept: int, docs: int, position: int) -> None:
        self.progress.docs_in += docs
        self.progress.docs_out += kept
        self.progress.input_bytes = position
        self.progress.shards_done += 1
        if self.on_progress:
            self.on_progress(self.progress)

    def commit(self, shard: int, out: ShardOutput, docs: int, position: int) -> None:
        """Decide dedup for the next shard in input order and commit it."""
        lines, delta, added = self.curation.accept_with_delta(out)
        self.work.commit(shard, lines, {"map": out.reports, "dedup": delta, "added": added, "bad": out.bad_lines,
                                        "kept": len(lines), "docs": docs, "position": position})
        self._note(len(lines), docs, position)

    def finish(self, workers: int, keep_work: bool) -> dict[str, Any]:
        """Assemble the output; the run's report."""
        assemble(self.work, self.output)
        report = self.curation.summary()
        report["shards"] = self.progress.shards_done
        report["shards_resumed"] = self.resumed
        report["workers"] = workers
        if not keep_work:
            shutil.rmtree(self.work.root, ignore_errors=True)
        return report
