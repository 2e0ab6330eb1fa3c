"""The local runner: a recipe over a file with every core, in bounded memory, resumable by shard.

The main process streams the input in shards of ``shard_docs`` lines and keeps at most two shards per
worker in flight. Workers run the per-document steps and compute dedup signatures; the main process
takes results back *in input order*, decides dedup, and commits each shard to the work directory
(output lines, report delta, index additions) with an atomic rename. After a crash, ``run`` replays
the committed shards (cheap: no operator runs) and carries on with the first missing one. Memory is
bounded by the in-flight shards plus the dedup indexes (about 0.6 KB per kept document for near-dedup).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from pathlib import Path
from typing import Any

from suanli.data.pipeline import Pipeline, ShardOutput, process_shard, share
from suanli.data.recipe import Recipe
from suanli.data.report import StepReport
from suanli.data.runners.inputs import read_lines
from suanli.data.runners.workdir import CurationRun, Progress

__all__ = ["Progress", "available_cpus", "run", "steps_table"]


def _shards(path: Path, shard_docs: int) -> Iterator[tuple[list[str], int]]:
    lines = read_lines(path)
    while True:
        chunk = list(islice(lines, shard_docs))
        if not chunk:
            return
        yield [line for line, _ in chunk], chunk[-1][1]


def run(recipe: Recipe, source: Path, output: Path, *, workers: int | None = None,
        shard_docs: int = 2000, work_dir: Path | None = None, reference: list[Path] | None = None,
        restart: bool = False, keep_work: bool = False,
        on_progress: Callable[[Progress], None] | None = None) -> dict[str, Any]:
    """Curate ``source`` into ``output`` with ``recipe``; return the run report.

    ``reference`` files (JSONL) are an existing corpus: their documents are indexed for dedup first,
    so new documents that duplicate them are removed. ``work_dir`` (default ``OUTPUT.parts``) keeps
    committed shards until the run finishes; an interrupted run started again with the same
    arguments resumes from it.
    """
    workers = workers or available_cpus()
    run_ = CurationRun(recipe, source, output, shard_docs=shard_docs, work_dir=work_dir, reference=reference or [],
                       restart=restart, on_progress=on_progress)
    recipe_data = recipe.to_dict()
    shards = islice(enumerate(_shards(source, shard_docs)), run_.resumed, None)
    if workers == 1:
        for shard, (lines, position) in shards:
            run_.commit(shard, process_shard(recipe_data, lines, shard), len(lines), position)
    else:
        _run_pool(run_.curation.pipeline, shards, workers, run_.commit)
    return run_.finish(workers, keep_work)


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity mask: a container's cpuset, ``taskset``)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _pool(pipeline: Pipeline, workers: int) -> ProcessPoolExecutor:
    """Worker processes that start with ``pipeline`` built and its tables loaded, where that is safe.

    A single-threaded parent (the CLI, a benchmark) forks: the workers inherit the prepared pipeline
    instead of each loading OpenCC, pypinyin, jieba's word list and trafilatura again, and
    ``gc.freeze`` keeps the collector from touching (and so copying) the inherited objects. A parent
    with other threads (the server runs curations in a thread) must not fork, since a lock held by
    another thread would stay locked in the child; it uses a fork server, and each worker builds its
    pipeline on its first shard.
    """
    if threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods():
        return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver"))
    pipeline.prepare()
    share(pipeline)
    gc.freeze()
    try:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
        # Start every worker now, while the parent's objects are frozen (they stay frozen in the
        # workers, which never free the pipeline).
        for future in [pool.submit(os.getpid) for _ in range(workers)]:
            future.result()
    finally:
        gc.unfreeze()
    return pool


def _run_pool(pipeline: Pipeline, shards: Iterator[tuple[int, tuple[list[str], int]]],
              workers: int, commit: Callable[[int, ShardOutput, int, int], None]) -> None:
    # At most two shards per worker in flight: enough to keep every core busy while the main process
    # commits, few enough that memory does not grow with the input.
    recipe_data = pipeline.recipe.to_dict()
    window = 2 * workers
    pending: dict[int, tuple[Future[ShardOutput], int, int]] = {}
    with _pool(pipeline, workers) as pool:
        exhausted = False
        next_commit: int | None = None
        while True:
            while not exhausted and len(pending) < window:
                item = next(shards, None)
                if item is None:
                    exhausted = True
                    break
                shard, (lines, position) = item
                if next_commit is None:
                    next_commit = shard
                pending[shard] = (pool.submit(process_shard, recipe_data, lines, shard), len(lines), position)
            if next_commit is None or next_commit not in pending:
                return
            future, docs, position = pending.pop(next_commit)
            commit(next_commit, future.result(), docs, position)
            next_commit += 1


def steps_table(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows for a per-step table in the CLI (documents and bytes kept, top removal reason)."""
    rows = []
    for step in report["steps"]:
        rep = StepReport.from_dict(step)
        top = rep.removed.most_common(2)
        rows.append({
            "step": rep.name,
            "docs in": rep.docs_in,
            "docs out": rep.docs_out,
            "changed": rep.changed,
            "MB in": f"{rep.bytes_in / 1e6:.2f}",
            "MB out": f"{rep.bytes_out / 1e6:.2f}",
            "removed (top reasons)": ", ".join(f"{k} {v}" for k, v in top),
        })
    return rows
