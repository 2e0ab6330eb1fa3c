"""Running a recipe over documents: per-document steps on shards, then deduplication in input order.

The split follows the operators' nature. Per-document steps and dedup *signatures* are pure and run
anywhere (a worker process, a Ray task) on a shard of lines: :func:`process_shard`. Dedup *decisions*
need every earlier document, so one :class:`Curation` applies them shard by shard in input order; that
keeps the result identical however many workers ran, and the same as one process would produce.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from suanli.data.ops.operator import Doc
from suanli.data.recipe import Recipe, Step, build
from suanli.data.report import StepReport, merge_steps

SAMPLE_LIMIT = 20
"""Removed documents kept as examples per step in a report."""


@dataclass
class Kept:
    """A document that survived the per-document steps: its output line and dedup signatures."""

    line: str
    key: str
    text_bytes: int
    signatures: list[Any]


@dataclass
class ShardOutput:
    """What a worker returns for one shard."""

    kept: list[Kept]
    reports: list[StepReport]
    bad_lines: int = 0


class Pipeline:
    """The built operators of a recipe (build once per process: some load dictionaries)."""

    def __init__(self, recipe: Recipe) -> None:
        self.recipe = recipe
        self.map_steps: list[tuple[Step, Any]] = [(s, build(s)) for s in recipe.steps if not s.is_dedup]
        self.dedup_steps: list[tuple[Step, Any]] = [(s, build(s)) for s in recipe.steps if s.is_dedup]

    def field_of(self, op: Any) -> str:
        """The text field an operator reads."""
        return str(getattr(op, "field", "text"))

    def new_reports(self, dedup: bool = False) -> list[StepReport]:
        """Empty reports for the per-document steps (or the dedup steps)."""
        steps = self.dedup_steps if dedup else self.map_steps
        return [StepReport(step.op) for step, _ in steps]

    def run_doc(self, doc: Doc, reports: list[StepReport], limit: int = SAMPLE_LIMIT) -> Doc | None:
        """Pass one document through the per-document steps, counting into ``reports``."""
        # The UTF-8 size of the text last measured: most steps hand the same string on, and encoding
        # it again for every step's byte counts costs more than several of the steps.
        measured: tuple[object, int] = (None, 0)

        def size(text: object) -> int:
            nonlocal measured
            if text is not measured[0]:
                measured = (text, len(text.encode("utf-8")) if isinstance(text, str) else 0)
            return measured[1]

        for (_step, op), rep in zip(self.map_steps, reports, strict=True):
            field = self.field_of(op)
            before = doc.get(field)
            size_in = size(before)
            rep.docs_in += 1
            rep.bytes_in += size_in
            result = op(doc)
            rep.counters.update(result.counters)
            if result.doc is None:
                rep.removed[result.reason] += 1
                rep.sample(doc, before if isinstance(before, str) else "", result.reason, limit)
                return None
            rep.docs_out += 1
            after = result.doc.get(field)
            if result.doc is doc or after is before:
                rep.bytes_out += size_in
            else:
                rep.changed += 1
                rep.bytes_out += size(after)
            doc = result.doc
        return doc

    def prepare(self) -> None:
        """Load every operator's lazily loaded resources (dictionaries, converters, heavy imports) now.

        A parent process calls this before forking its workers, so that they share the loaded tables
        instead of each loading its own (about a quarter of a CPU-second per worker for ``zh-web``).
        """
        for _, op in (*self.map_steps, *self.dedup_steps):
            prepare = getattr(op, "prepare", None)
            if prepare is not None:
                prepare()

    def signatures(self, doc: Doc) -> list[Any]:
        """The dedup signature of ``doc`` for every dedup step."""
        return [op.signature(doc) for _, op in self.dedup_steps]

    def process_lines(self, lines: Sequence[str], shard: int, limit: int = SAMPLE_LIMIT) -> ShardOutput:
        """Run the per-document steps over one shard of JSON lines."""
        reports = self.new_reports()
        kept: list[Kept] = []
        bad = 0
        field = self.field_of(self.dedup_steps[0][1]) if self.dedup_steps else "text"
        for i, line in enumerate(lines):
            try:
                doc = json.loads(line)
            except ValueError:
                bad += 1
                continue
            if not isinstance(doc, dict):
                bad += 1
                continue
            out = self.run_doc(doc, reports, limit)
            if out is None:
                continue
            text = out.get(field)
            key = str(out["id"]) if "id" in out else f"{shard}:{i}"
            kept.append(Kept(
                json.dumps(out, ensure_ascii=False), key,
                len(text.encode("utf-8")) if isinstance(text, str) else 0, self.signatures(out),
            ))
        return ShardOutput(kept, reports, bad)


_PIPELINES: dict[str, Pipeline] = {}


def _cache_key(recipe: dict[str, Any]) -> str:
    return json.dumps(recipe, sort_keys=True)


def share(pipeline: Pipeline) -> None:
    """Make ``pipeline`` the one :func:`process_shard` uses for its recipe in this process.

    Worker processes forked after this call inherit it, already built and (after
    :meth:`Pipeline.prepare`) with its tables loaded.
    """
    _PIPELINES[_cache_key(pipeline.recipe.to_dict())] = pipeline


def process_shard(recipe: dict[str, Any], lines: Sequence[str], shard: int) -> ShardOutput:
    """Worker entry point: build the recipe's pipeline once per process, run one shard."""
    from suanli.data.recipe import parse

    cache_key = _cache_key(recipe)
    pipeline = _PIPELINES.get(cache_key)
    if pipeline is None:
        pipeline = _PIPELINES[cache_key] = Pipeline(parse(recipe))
    return pipeline.process_lines(lines, shard)


class Curation:
    """One run's state: reports of every step and the dedup indexes, fed shard by shard in order."""

    def __init__(self, recipe: Recipe, limit: int = SAMPLE_LIMIT) -> None:
        self.pipeline = Pipeline(recipe)
        self.limit = limit
        self.map_reports = self.pipeline.new_reports()
        self.dedup_reports = self.pipeline.new_reports(dedup=True)
        self.indexes = [op.new_index() for _, op in self.pipeline.dedup_steps]
        self.bad_lines = 0

    def add_reference(self, docs: Iterable[Doc]) -> int:
        """Index an existing corpus, so that new documents that duplicate it are removed."""
        n = 0
        for doc in docs:
            key = f"ref:{doc.get('id', n)}"
            for sig, index in zip(self.pipeline.signatures(doc), self.indexes, strict=True):
                index.add(sig, key)
            n += 1
        return n

    def accept(self, shard: ShardOutput) -> list[str]:
        """Merge a shard's reports, decide dedup for its documents; return the lines to write."""
        return self.accept_with_delta(shard)[0]

    def accept_with_delta(self, shard: ShardOutput) -> tuple[list[str], list[StepReport], list[list[Any]]]:
        """Like :meth:`accept`, also returning the shard's dedup reports and what each index added.

        A resumable runner stores both with the shard, so a resumed run rebuilds the indexes and the
        report exactly as if it had never stopped.
        """
        merge_steps(self.map_reports, shard.reports, self.limit)
        self.bad_lines += shard.bad_lines
        delta = self.pipeline.new_reports(dedup=True)
        added: list[list[Any]] = [[] for _ in self.indexes]
        out: list[str] = []
        for item in shard.kept:
            if self._admit(item, delta, added):
                out.append(item.line)
        merge_steps(self.dedup_reports, delta, self.limit)
        return out, delta, added

    def restore(self, map_reports: list[StepReport], dedup_reports: list[StepReport],
                added: list[list[Any]], bad_lines: int) -> None:
        """Replay a finished shard saved by :meth:`accept_with_delta` (resume after a crash)."""
        merge_steps(self.map_reports, map_reports, self.limit)
        merge_steps(self.dedup_reports, dedup_reports, self.limit)
        self.bad_lines += bad_lines
        for index, entries in zip(self.indexes, added, strict=True):
            for key, sig in entries:
                index.add(sig, key)

    def _admit(self, item: Kept, delta: list[StepReport], added: list[list[Any]]) -> bool:
        steps = zip(item.signatures, self.indexes, delta, added, strict=True)
        for sig, index, rep, log in steps:
            rep.docs_in += 1
            rep.bytes_in += item.text_bytes
            dup_of = index.admit(sig, item.key)
            if dup_of is not None:
                rep.removed["duplicate"] += 1
                if len(rep.samples) < self.limit:
                    doc = json.loads(item.line)
                    text = doc.get(self.pipeline.field_of(self.pipeline.dedup_steps[0][1]), "")
                    rep.sample(doc, str(text), "duplicate", self.limit, duplicate_of=dup_of)
                return False
            log.append((item.key, sig))
            rep.docs_out += 1
            rep.bytes_out += item.text_bytes
        return True

    def reports(self) -> list[StepReport]:
        """Every step's report, in recipe order."""
        return [*self.map_reports, *self.dedup_reports]

    def summary(self) -> dict[str, Any]:
        """The run report: recipe, totals and per-step counters."""
        steps = self.reports()
        first, last = steps[0], steps[-1]
        return {
            "recipe": self.pipeline.recipe.to_dict(),
            "docs_in": first.docs_in + self.bad_lines,
            "docs_out": last.docs_out,
            "bytes_in": first.bytes_in,
            "bytes_out": last.bytes_out,
            "bad_lines": self.bad_lines,
            "steps": [s.to_dict() for s in steps],
        }


def curate_documents(recipe: Recipe, docs: Iterable[Doc],
                     reference: Iterable[Doc] = ()) -> tuple[list[Doc], dict[str, Any]]:
    """Run ``recipe`` over in-memory documents in this process (tests, notebooks, small inputs)."""
    run = Curation(recipe)
    run.add_reference(reference)
    lines = [json.dumps(d, ensure_ascii=False) for d in docs]
    kept = run.accept(run.pipeline.process_lines(lines, 0))
    return [json.loads(line) for line in kept], run.summary()
