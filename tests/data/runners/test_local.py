from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from tests.shared_data import SHARED_DATA

from suanli.core.errors import Conflict, InvalidInput
from suanli.data.damage import damage
from suanli.data.recipe import load
from suanli.data.runners import local
from suanli.data.runners.inputs import read_lines

WARC = SHARED_DATA / "corpora" / "sample-0000.warc.gz"


def _corpus(path: Path, news: list[str]) -> list[dict[str, object]]:
    docs: list[dict[str, object]] = []
    for i, text in enumerate(news):
        docs.append({"id": f"d{i}", "text": damage(text)})
        docs.append({"id": f"c{i}", "text": text})  # the clean original: a near-duplicate
    with path.open("w", encoding="utf-8") as fh:
        for d in docs:
            fh.write(json.dumps(d, ensure_ascii=False) + "\n")
        fh.write("not json\n")
    return docs


def _ids(path: Path) -> list[str]:
    return [json.loads(line)["id"] for line, _ in read_lines(path)]


def test_parallel_equals_serial(tmp_path: Path, news: list[str]) -> None:
    src = tmp_path / "in.jsonl"
    _corpus(src, news)
    recipe = load("zh-web")
    one = local.run(recipe, src, tmp_path / "one.jsonl", workers=1, shard_docs=3)
    two = local.run(recipe, src, tmp_path / "two.jsonl", workers=2, shard_docs=3)
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()
    assert one["steps"] == two["steps"]
    assert one["bad_lines"] == 1 and one["docs_in"] == 2 * len(news) + 1
    kept = _ids(tmp_path / "one.jsonl")
    assert all(k.startswith("d") for k in kept)  # every clean copy is a duplicate of its repair
    assert not (tmp_path / "one.jsonl.parts").exists()


def test_parquet_input_curates_as_its_json_lines_do(tmp_path: Path, news: list[str]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    src = tmp_path / "in.jsonl"
    docs = _corpus(src, news)
    pq.write_table(pa.Table.from_pylist(docs), tmp_path / "in.parquet", row_group_size=5)
    lines = list(read_lines(tmp_path / "in.parquet"))
    assert [json.loads(line) for line, _ in lines] == docs
    consumed = [n for _, n in lines]
    assert consumed == sorted(consumed) and consumed[-1] <= (tmp_path / "in.parquet").stat().st_size
    recipe = load("zh-web")
    from_lines = local.run(recipe, src, tmp_path / "a.jsonl", workers=1, shard_docs=4)
    from_parquet = local.run(recipe, tmp_path / "in.parquet", tmp_path / "b.jsonl", workers=2, shard_docs=4)
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert from_parquet["steps"] == from_lines["steps"] and from_parquet["bad_lines"] == 0
    bad = tmp_path / "bad.parquet"
    bad.write_text("not parquet")
    with pytest.raises(InvalidInput, match="not a Parquet file"):
        local.run(recipe, bad, tmp_path / "c.jsonl", workers=1)


def test_resumes_from_committed_shards(tmp_path: Path, news: list[str]) -> None:
    src = tmp_path / "in.jsonl.gz"
    docs = _corpus(tmp_path / "plain.jsonl", news)
    with gzip.open(src, "wt", encoding="utf-8") as fh:
        fh.write((tmp_path / "plain.jsonl").read_text("utf-8"))
    recipe = load("zh-dedup")
    full = local.run(recipe, src, tmp_path / "full.jsonl", workers=1, shard_docs=4)

    class Crash(Exception):
        pass

    def crash_after_two(p: local.Progress) -> None:
        if p.shards_done == 2:
            raise Crash

    out = tmp_path / "out.jsonl"
    with pytest.raises(Crash):
        local.run(recipe, src, out, workers=1, shard_docs=4, on_progress=crash_after_two)
    assert not out.exists() and (tmp_path / "out.jsonl.parts" / "000001.state").exists()
    resumed = local.run(recipe, src, out, workers=1, shard_docs=4)
    assert resumed["shards_resumed"] == 2
    assert out.read_bytes() == (tmp_path / "full.jsonl").read_bytes()
    assert resumed["steps"] == full["steps"]
    assert len(_ids(out)) == len(news) < len(docs)


def test_a_different_run_does_not_resume_silently(tmp_path: Path, news: list[str]) -> None:
    src = tmp_path / "in.jsonl"
    _corpus(src, news)
    out = tmp_path / "out.jsonl"
    local.run(load("zh-dedup"), src, out, workers=1, shard_docs=4, keep_work=True)
    with pytest.raises(Conflict):
        local.run(load("zh-repair"), src, out, workers=1, shard_docs=4)
    report = local.run(load("zh-repair"), src, out, workers=1, shard_docs=4, restart=True)
    assert report["shards_resumed"] == 0


def test_warc_input_and_compressed_output(tmp_path: Path) -> None:
    out = tmp_path / "web.jsonl.gz"
    report = local.run(load("en-web"), WARC, out, workers=1, shard_docs=8)
    assert report["steps"][0]["counters"]["pages_extracted"] >= 10
    with gzip.open(out, "rt", encoding="utf-8") as fh:
        docs = [json.loads(line) for line in fh]
    assert docs and all(d["id"].startswith("<urn:uuid:") and "html" not in d for d in docs)


def test_pool_from_a_threaded_parent_equals_serial(tmp_path: Path, news: list[str]) -> None:
    """A parent with other threads (the server) starts its workers from a fork server, not by fork."""
    import threading

    src = tmp_path / "in.jsonl"
    _corpus(src, news)
    recipe = load("zh-web")
    one = local.run(recipe, src, tmp_path / "one.jsonl", workers=1, shard_docs=5)
    got: dict[str, object] = {}

    def in_thread() -> None:
        got["report"] = local.run(recipe, src, tmp_path / "three.jsonl", workers=3, shard_docs=5)

    worker = threading.Thread(target=in_thread)
    worker.start()
    worker.join()
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "three.jsonl").read_bytes()
    three = got["report"]
    assert isinstance(three, dict)
    assert one["steps"] == three["steps"] and three["workers"] == 3


def test_prepared_pipeline_gives_the_same_results(news: list[str]) -> None:
    """Loading every table up front (what a forking parent does) changes no output."""
    from suanli.data.pipeline import Pipeline

    lines = [json.dumps({"id": i, "text": damage(t)}, ensure_ascii=False) for i, t in enumerate(news[:20])]
    cold = Pipeline(load("zh-web")).process_lines(lines, 0)
    from suanli.data.ops import lexicon, script

    lexicon._frequencies.cache_clear()
    script._changed_by.cache_clear()
    warm_pipeline = Pipeline(load("zh-web"))
    warm_pipeline.prepare()
    assert lexicon._frequencies.cache_info().currsize == 1  # the tables are loaded before any document
    assert script._changed_by.cache_info().currsize == 2
    warm = warm_pipeline.process_lines(lines, 0)
    assert [k.line for k in cold.kept] == [k.line for k in warm.kept]
    assert [r.to_dict() for r in cold.reports] == [r.to_dict() for r in warm.reports]
