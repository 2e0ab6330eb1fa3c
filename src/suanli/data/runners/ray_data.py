"""The Ray Data runner: the same recipe, shards and report as the local runner, on a Ray cluster.

A Ray Data pipeline of two operators does the per-document work: a read task streams the input in
shards of ``shard_docs`` lines (the local runner's shards: same boundaries, same numbering), and
``map_batches`` over a fixed pool of actors runs the per-document steps and the dedup signatures on
each shard; every actor builds and prepares the recipe's operators once (OpenCC, pypinyin, jieba's
word list, trafilatura) and keeps them for all its shards. The driver takes the results back, puts
them in input order, and decides dedup with the same :class:`~suanli.data.pipeline.Curation` the
local runner uses, committing each shard to the same work directory format. So the output and the
report equal the local runner's on the same input, and a run interrupted under either runner
resumes from its committed shards (the read task skips them: no operator runs on them again).

The driver must run where Ray can reach a raylet (a node of the cluster, or a Ray job: see
:mod:`suanli.data.runners.ray_job`), and the input, output and work directory must be paths that
the driver and the node running the read task both see (one machine, or a shared filesystem).
"""

from __future__ import annotations

import argparse
import json
import logging
import pickle
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from suanli.core.errors import Unavailable
from suanli.data.pipeline import Pipeline, ShardOutput
from suanli.data.recipe import Recipe, parse
from suanli.data.runners.inputs import read_lines
from suanli.data.runners.workdir import CurationRun, Progress

if TYPE_CHECKING:
    from ray.data import Dataset

READ_CPUS = 0.25
"""CPU reserved by the read task: it only decompresses and splits lines, so a whole CPU would keep one
from the actors."""
ACTOR_START_S = 600
"""How long the actors may take to start (placement, imports, loading the operators' tables)."""


def shards(path: Path, shard_docs: int, skip: int = 0) -> Iterator[tuple[int, list[str], int]]:
    """(shard number, JSON lines, input bytes consumed) of ``path``, from shard ``skip`` on.

    The same boundaries as the local runner's, so that the two runners' work directories agree.
    """
    lines = read_lines(path)
    shard = 0
    while True:
        chunk = list(islice(lines, shard_docs))
        if not chunk:
            return
        if shard >= skip:
            yield shard, [line for line, _ in chunk], chunk[-1][1]
        shard += 1


class ShardSource:
    """A Ray Data datasource of one read task that streams the input file as one block per shard.

    One task, because shard boundaries are line counts over a possibly compressed stream that cannot
    be split without reading it; reading is cheap beside the operators, which run in parallel.
    """

    def __init__(self, path: Path, shard_docs: int, skip: int) -> None:
        self.path = path
        self.shard_docs = shard_docs
        self.skip = skip

    def datasource(self) -> Any:
        """The :class:`ray.data.Datasource` (built here so that importing this module needs no Ray)."""
        from ray.data.block import BlockMetadata
        from ray.data.datasource import Datasource, ReadTask

        source = self

        class _Source(Datasource):
            def __init__(self) -> None:
                super().__init__()  # type: ignore[no-untyped-call]

            def get_name(self) -> str:
                return "SuanliShards"

            def estimate_inmemory_data_size(self) -> int | None:
                return source.path.stat().st_size

            def get_read_tasks(self, parallelism: int, per_task_row_limit: int | None = None,
                               data_context: Any = None) -> list[ReadTask]:
                meta = BlockMetadata(num_rows=None, size_bytes=None, exec_stats=None,
                                     input_files=(str(source.path),))
                return [ReadTask(source.blocks, meta)]

        return _Source()

    def blocks(self) -> Iterable[Any]:
        """One Arrow table per shard: its number, lines, and the input bytes consumed after it."""
        import pyarrow as pa  # type: ignore[import-untyped]

        for shard, lines, position in shards(self.path, self.shard_docs, self.skip):
            yield pa.table({"shard": pa.array([shard], pa.int64()), "position": pa.array([position], pa.int64()),
                            "lines": pa.array([lines], pa.list_(pa.large_string()))})


class ShardWorker:
    """The ``map_batches`` callable: one per actor, holding the recipe's operators, built once."""

    def __init__(self, recipe: dict[str, Any]) -> None:
        self.pipeline = Pipeline(parse(recipe))
        self.pipeline.prepare()

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        shard, docs, position, output = [], [], [], []
        for row in batch.to_pylist():
            result = self.pipeline.process_lines(row["lines"], row["shard"])
            shard.append(row["shard"])
            docs.append(len(row["lines"]))
            position.append(row["position"])
            output.append(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        return pa.table({"shard": pa.array(shard, pa.int64()), "docs": pa.array(docs, pa.int64()),
                         "position": pa.array(position, pa.int64()), "output": pa.array(output, pa.large_binary())})


def _connect(address: str | None) -> bool:
    """Connect this process to the cluster as a driver; True when this call did (so it disconnects)."""
    try:
        import ray
        import ray.data  # needs pandas and pyarrow, which plain `ray[default]` lacks
    except ImportError as exc:
        raise Unavailable(f"the Ray runner needs Ray Data here ({exc}): pip install 'suanli[ray]', or pass "
                          "the cluster's dashboard address (http://HOST:8265) to run the driver as a Ray job") from None

    if ray.is_initialized():
        return False
    kwargs: dict[str, Any] = {}
    host = (address or "").rsplit(":", 1)[0]
    if host.startswith("127."):
        # A cluster on this machine's loopback (Ray replaces 127.0.0.1 by the routable address, so
        # test clusters use 127.0.0.2 and up): the driver joins the raylet on the head's address.
        kwargs["_node_ip_address"] = host
    ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False, **kwargs)
    return True


def _dataset(recipe: Recipe, source: Path, shard_docs: int, skip: int, workers: int) -> Dataset:
    import ray.data

    ctx = ray.data.DataContext.get_current()
    saved = (ctx.enable_progress_bars, ctx.print_on_execution_start, ctx.target_max_block_size,
             ctx.execution_options.preserve_order, ctx.wait_for_min_actors_s)
    ctx.enable_progress_bars = False
    ctx.print_on_execution_start = False
    # One shard, one block: Ray Data otherwise packs the read's small blocks into one of up to 128 MiB,
    # and a single actor gets every shard.
    ctx.target_max_block_size = 1
    # Shards in input order, so the driver's reorder buffer stays small (it reorders anyway).
    ctx.execution_options.preserve_order = True
    # Every actor has built its operators before the first shard goes out: otherwise the first one up
    # takes shard after shard while the others are still loading their dictionaries. A cluster too
    # small for the pool fails after this long instead of waiting for ever.
    ctx.wait_for_min_actors_s = ACTOR_START_S
    try:
        read = ray.data.read_datasource(ShardSource(source, shard_docs, skip).datasource(), override_num_blocks=1,
                                        num_cpus=READ_CPUS)
        # Two shards per actor in flight: one to work on, one waiting, so no actor idles and the
        # shards held in memory stay few.
        pool = ray.data.ActorPoolStrategy(size=workers, max_tasks_in_flight_per_actor=2)
        dataset: Dataset = read.map_batches(ShardWorker, fn_constructor_args=(recipe.to_dict(),), batch_size=1,
                                            batch_format="pyarrow", compute=pool, num_cpus=1)
        return dataset
    finally:  # the dataset keeps the settings it was made with (Ray Data seals the context)
        (ctx.enable_progress_bars, ctx.print_on_execution_start, ctx.target_max_block_size,
         ctx.execution_options.preserve_order, ctx.wait_for_min_actors_s) = saved


def _results(dataset: Dataset, first: int) -> Iterator[tuple[int, ShardOutput, int, int]]:
    """(shard, output, documents, position) in shard order, starting at shard ``first``."""
    waiting: dict[int, tuple[ShardOutput, int, int]] = {}
    expected = first
    table: Any
    with warnings.catch_warnings():
        # Ray Data cannot know how many shards the one read task will stream, so it warns that the
        # actors may be idle; they are not.
        warnings.filterwarnings("ignore", "The minimum number of concurrent actors", UserWarning)
        for table in dataset.iter_batches(batch_size=None, batch_format="pyarrow"):
            for row in table.to_pylist():
                waiting[row["shard"]] = (pickle.loads(row["output"]), row["docs"], row["position"])
            while expected in waiting:
                out, docs, position = waiting.pop(expected)
                yield expected, out, docs, position
                expected += 1
    if waiting:
        raise RuntimeError(f"Ray Data returned shards {sorted(waiting)} but never shard {expected}")


def default_workers() -> int:
    """One actor per CPU of the cluster, less the read task's share."""
    import ray

    resources: dict[str, float] = ray.cluster_resources()  # type: ignore[no-untyped-call]
    return max(1, int(resources.get("CPU", 2) - READ_CPUS))


def run(recipe: Recipe, source: Path, output: Path, *, address: str | None = None, workers: int | None = None,
        shard_docs: int = 2000, work_dir: Path | None = None, reference: list[Path] | None = None,
        restart: bool = False, keep_work: bool = False,
        on_progress: Callable[[Progress], None] | None = None) -> dict[str, Any]:
    """Curate ``source`` into ``output`` with ``recipe`` on a Ray cluster; return the run report.

    ``address`` is the cluster's GCS address (``HOST:PORT``), ``auto`` or ``None`` (Ray's own
    discovery: ``RAY_ADDRESS`` inside a Ray job); a process already connected to Ray uses that
    connection. ``workers`` is the number of actors (default: the cluster's CPUs but one). The other
    arguments, the output and the report are those of :func:`suanli.data.runners.local.run`.
    """
    import ray

    run_ = CurationRun(recipe, source, output, shard_docs=shard_docs, work_dir=work_dir, reference=reference or [],
                       restart=restart, on_progress=on_progress)
    connected = _connect(address)
    try:
        workers = workers or default_workers()
        dataset = _dataset(recipe, source, shard_docs, run_.resumed, workers)
        for shard, out, docs, position in _results(dataset, run_.resumed):
            run_.commit(shard, out, docs, position)
    finally:
        if connected:
            ray.shutdown()
    return run_.finish(workers, keep_work)


def main(argv: list[str] | None = None) -> None:
    """The driver of a Ray job (``python -m suanli.data.runners.ray_data``): arguments as JSON."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("spec", help="JSON: recipe, input, output, report, and run() keyword arguments")
    spec = json.loads(parser.parse_args(argv).spec)
    report = run(parse(spec["recipe"]), Path(spec["input"]), Path(spec["output"]), address=spec.get("address"),
                 workers=spec.get("workers"), shard_docs=spec["shard_docs"],
                 reference=[Path(p) for p in spec.get("reference", [])], restart=spec.get("restart", False))
    target = Path(spec["report"])
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    tmp.replace(target)
    print(f"curated {report['docs_out']} of {report['docs_in']} documents", file=sys.stderr)


if __name__ == "__main__":
    main()
