"""The Ray Data runner on a real Ray cluster: the same output and report as the local runner, resumable.

One head node (no fake devices) on 127.0.0.6 is started per session by ``scripts/ray_cluster.py`` and
stopped by SIGTERM to its own ``ray start`` PID. This process connects to it once as a Ray driver; the
CLI test goes through the head's Jobs API instead, as a user on another machine would.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tests.shared_data import SHARED_DATA
from typer.testing import CliRunner

from suanli.cli.main import app
from suanli.data.damage import damage
from suanli.data.recipe import load
from suanli.data.runners import local, ray_data

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts"))
import ray_cluster

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]
CORPORA = SHARED_DATA / "corpora"


@pytest.fixture(scope="module")
def head() -> Iterator[ray_cluster.RayNode]:
    base = Path(tempfile.mkdtemp(prefix="srd-"))  # short: Ray's socket paths must stay under 107 bytes
    node = ray_cluster.start_head(base, "127.0.0.6", num_gpus=0)
    yield node
    ray_cluster.stop(node)
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def driver(head: ray_cluster.RayNode) -> Iterator[ray_cluster.RayNode]:
    """This process connected to the cluster once, for every in-process run of the module."""
    monkey = pytest.MonkeyPatch()
    for key, value in ray_cluster.ENV.items():  # no token auth, no usage stats, before Ray reads them
        monkey.setenv(key, value)
    import ray

    ray.init(address=head.gcs_address, _node_ip_address=head.ip, log_to_driver=False)
    yield head
    ray.shutdown()
    monkey.undo()


def _write(path: Path, docs: list[dict[str, object]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for d in docs:
            fh.write(json.dumps(d, ensure_ascii=False) + "\n")
        fh.write("not json\n")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Chinese news (clean, and damaged copies: near-duplicates), Chinese web pages with spam, the real
    damaged article, a document without an id and a line that is not JSON: about 30 documents."""
    with (CORPORA / "zh_news.jsonl").open(encoding="utf-8") as fh:
        news = [json.loads(next(fh))["text"] for _ in range(6)]
    with (CORPORA / "cc2021-43_cleared1.jsonl").open(encoding="utf-8") as fh:
        web = [json.loads(next(fh)) for _ in range(14)]
    docs: list[dict[str, object]] = []
    for i, text in enumerate(news):
        docs += [{"id": f"news{i}", "text": damage(text)}, {"id": f"copy{i}", "text": text}]
    docs += [{"id": w["digest"], "url": w["url"], "text": w["raw_content"]} for w in web]
    docs.append({"id": "article", "text": (CORPORA / "damaged_news_sample.txt").read_text("utf-8")})
    docs.append({"text": news[0] + "\n" + news[1]})  # no id: its key is its place in its shard
    path = tmp_path_factory.mktemp("ray-data") / "in.jsonl"
    _write(path, docs)
    return path


def _ignoring_workers(report: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in report.items() if k != "workers"}


def _map_tasks(head: ray_cluster.RayNode) -> int:
    from ray.util.state import list_tasks

    return sum(t.name.endswith("Worker)).submit")
               for t in list_tasks(head.gcs_address, limit=10_000, raise_on_missing_output=False))


def test_equals_the_local_runner_with_one_map_task_per_shard(driver: ray_cluster.RayNode, sample: Path,
                                                              tmp_path: Path) -> None:
    recipe = load("zh-web")
    expected = local.run(recipe, sample, tmp_path / "local.jsonl", workers=1, shard_docs=4)
    before = _map_tasks(driver)
    got = ray_data.run(recipe, sample, tmp_path / "ray.jsonl", workers=2, shard_docs=4)
    assert (tmp_path / "ray.jsonl").read_bytes() == (tmp_path / "local.jsonl").read_bytes()
    assert _ignoring_workers(got) == _ignoring_workers(expected) and got["workers"] == 2
    assert got["shards"] == 8 and got["docs_in"] == 29 and got["bad_lines"] == 1
    steps = {s["name"]: s for s in got["steps"]}
    duplicates = sum(steps[n]["docs_in"] - steps[n]["docs_out"] for n in ("dedup_exact", "dedup_near"))
    assert steps["spam"]["removed"] and duplicates >= 6  # the sample exercises filters and dedup
    assert not (tmp_path / "ray.jsonl.parts").exists()
    # Each shard is its own block and map task, which the pool's actors share (Ray Data would
    # otherwise pack the small shards into one block, or fuse the read into the map: one task).
    for _ in range(20):  # workers report task events to the GCS about once a second
        if _map_tasks(driver) - before >= got["shards"]:
            break
        time.sleep(0.5)
    assert _map_tasks(driver) - before >= got["shards"]


def test_a_parquet_input_gives_the_local_runners_output(driver: ray_cluster.RayNode, sample: Path,
                                                        tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = []
    for line in sample.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except ValueError:
            continue  # the sample's bad line: Parquet rows are records
    source = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist(rows), source, row_group_size=7)
    recipe = load("zh-dedup")
    expected = local.run(recipe, source, tmp_path / "local.jsonl", workers=1, shard_docs=6)
    got = ray_data.run(recipe, source, tmp_path / "ray.jsonl", workers=2, shard_docs=6)
    assert (tmp_path / "ray.jsonl").read_bytes() == (tmp_path / "local.jsonl").read_bytes()
    assert _ignoring_workers(got) == _ignoring_workers(expected) and got["docs_in"] == len(rows) == 28


def test_resumes_without_redoing_finished_shards(driver: ray_cluster.RayNode, sample: Path, tmp_path: Path) -> None:
    """Interrupted under Ray after two shards, then under the local runner after four, resumed under Ray."""
    recipe = load("zh-dedup")
    full = local.run(recipe, sample, tmp_path / "full.jsonl", workers=1, shard_docs=5)

    class Crash(Exception):
        pass

    def crash_after(n: int) -> Callable[[local.Progress], None]:
        def crash(p: local.Progress) -> None:
            if p.shards_done == n:
                raise Crash
        return crash

    out = tmp_path / "out.jsonl"
    parts = tmp_path / "out.jsonl.parts"
    with pytest.raises(Crash):
        ray_data.run(recipe, sample, out, workers=2, shard_docs=5, on_progress=crash_after(2))
    assert not out.exists() and not (parts / "000002.state").exists()
    finished = {p.name: p.stat().st_ino for p in parts.glob("00000[01].*")}
    assert len(finished) == 4
    with pytest.raises(Crash):
        local.run(recipe, sample, out, workers=1, shard_docs=5, on_progress=crash_after(4))
    assert {p.name: p.stat().st_ino for p in parts.glob("00000[01].*")} == finished  # the local runner resumed
    finished = {p.name: p.stat().st_ino for p in parts.glob("00000[0-3].*")}
    assert len(finished) == 8 and not (parts / "000004.state").exists()

    resumed = ray_data.run(recipe, sample, out, workers=2, shard_docs=5, keep_work=True)
    assert resumed["shards_resumed"] == 4 and resumed["shards"] == 6
    assert {p.name: p.stat().st_ino for p in parts.glob("00000[0-3].*")} == finished  # never written again
    assert out.read_bytes() == (tmp_path / "full.jsonl").read_bytes()
    assert _ignoring_workers(resumed) == {**_ignoring_workers(full), "shards_resumed": 4}


def test_the_shard_source_skips_committed_shards(sample: Path) -> None:
    every = [shard for shard, _, _ in ray_data.shards(sample, 5)]
    assert every == list(range(6))
    blocks = list(ray_data.ShardSource(sample, 5, skip=4).blocks())
    assert [b["shard"].to_pylist() for b in blocks] == [[4], [5]]
    assert blocks[-1]["position"].to_pylist() == [sample.stat().st_size]


def test_cli_runs_on_the_cluster_as_a_ray_job(head: ray_cluster.RayNode, sample: Path, tmp_path: Path) -> None:
    expected = local.run(load("zh-dedup"), sample, tmp_path / "local.jsonl", workers=1, shard_docs=10)
    out, rep = tmp_path / "out.jsonl", tmp_path / "report.json"
    result = CliRunner().invoke(app, ["curate", "--runner", "ray", "--ray-address", head.dashboard,
                                      "--recipe", "zh-dedup", "--input", str(sample), "--output", str(out),
                                      "--report", str(rep), "--shard-docs", "10", "--workers", "1", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(rep.read_text("utf-8"))
    assert report["ray_job"].startswith("curate-") and report["workers"] == 1
    assert _ignoring_workers({k: v for k, v in report.items() if k != "ray_job"}) == _ignoring_workers(expected)
    assert out.read_bytes() == (tmp_path / "local.jsonl").read_bytes()
    assert not list(tmp_path.glob(".out.jsonl.*"))  # the job's report hand-over file is gone


def test_a_second_submission_waits_for_the_job_already_running(head: ray_cluster.RayNode, sample: Path,
                                                               tmp_path: Path) -> None:
    """A CLI killed while its job runs: the same command adopts that job; other arguments are refused."""
    import httpx

    from suanli.core.errors import Conflict
    from suanli.data.runners import ray_job

    recipe, out = load("zh-dedup"), tmp_path / "out.jsonl"
    command = ray_job.entrypoint(recipe, sample, out, python=sys.executable, workers=1, shard_docs=10,
                                 reference=[], restart=False)
    prefix = ray_job.job_prefix(out)
    orphan = f"{prefix}-orphan"
    answer = httpx.post(f"{head.dashboard}/api/jobs/", json={"entrypoint": command, "submission_id": orphan},
                        timeout=30)
    assert answer.status_code == 200, answer.text
    with pytest.raises(Conflict):
        ray_job.run(head.dashboard, load("zh-repair"), sample, out, python=sys.executable, workers=1,
                    shard_docs=10, poll_s=0.2)
    report = ray_job.run(head.dashboard, recipe, sample, out, python=sys.executable, workers=1, shard_docs=10,
                         poll_s=0.2)
    assert report["ray_job"] == orphan and report["docs_out"] < report["docs_in"]
    jobs = httpx.get(f"{head.dashboard}/api/jobs/", timeout=30).json()
    assert [j["submission_id"] for j in jobs if str(j.get("submission_id")).startswith(prefix)] == [orphan]
