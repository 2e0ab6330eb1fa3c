"""``suanli dataset curate``: a version through the curation pipeline into a new version with lineage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.datasets.conftest import World, docs, write_jsonl

from suanli.core import errors
from suanli.data.datasets.curation import curate_version


def test_curate_makes_a_new_version_with_report_and_lineage(local_world: World, tmp_path: Path) -> None:
    world = local_world
    c = world.client("member")
    c.create_dataset("alpha", "web")
    unique = docs(40, seed=3, width=120)
    src = write_jsonl(tmp_path / "raw.jsonl.gz", unique + unique[:15])  # 15 exact duplicates
    v1 = c.upload_dataset("alpha", "web", [src], chunk_size=world.chunk)
    assert v1["total_documents"] == 55
    stages: list[str] = []
    v2 = curate_version(c, "alpha", "web", "zh-dedup", work_dir=tmp_path / "work", workers=1,
                        chunk_size=world.chunk, on_stage=stages.append)
    assert (v2["number"], v2["parent_number"], v2["recipe"]) == (2, 1, "zh-dedup")
    assert v2["total_documents"] == 40 and v2["report"].startswith("reports/")
    assert stages == ["export version 1", "curate with zh-dedup", "upload the result"]
    report = c.dataset_report("alpha", "web", 2)
    assert (report["recipe"]["name"], report["source_version"], report["docs_in"], report["docs_out"]) == (
        "zh-dedup", 1, 55, 40)
    out = tmp_path / "down"
    m = c.download_dataset("alpha", "web", out, version=2)
    assert m["shards"][0]["name"] == "zh-dedup.jsonl.zst" and m["shards"][0]["compression"] == "zstd"
    c.export_dataset("alpha", "web", tmp_path / "v2.jsonl", version=2)
    ids = [json.loads(line)["id"] for line in (tmp_path / "v2.jsonl").read_text().splitlines()]
    assert sorted(ids) == sorted(d["id"] for d in unique)
    # Lineage protects the source: version 1 cannot go while version 2 derives from it.
    with pytest.raises(errors.Conflict):
        c.delete_dataset_version("alpha", "web", 1)
    with pytest.raises(errors.NotFound):
        c.dataset_report("alpha", "web", 1)  # uploaded by hand: no report
    beta = world.client("tenant-admin", "beta")
    with pytest.raises(errors.NotFound):
        beta.dataset_report("alpha", "web", 2)
    with pytest.raises(errors.Forbidden):
        world.client("viewer").create_dataset_report("alpha", "web", {"x": 1})


def test_curate_from_the_command_line(local_world: World, tmp_path: Path) -> None:
    from tests.datasets.test_cli import cli_env, suanli

    env = cli_env(local_world, SUANLI_HOME=str(tmp_path / "home"))
    assert suanli("create", "web", env=env).returncode == 0
    src = write_jsonl(tmp_path / "raw.jsonl", docs(10, seed=4, width=80) * 2)
    assert suanli("upload", "web", str(src), "--chunk-size", str(local_world.chunk), env=env).returncode == 0
    done = suanli("curate", "web", "--recipe", "zh-dedup", "--workers", "1", "--local", "--json", env=env)
    assert done.returncode == 0, done.stderr
    v = json.loads(done.stdout)
    assert (v["number"], v["parent_number"], v["recipe"], v["total_documents"]) == (2, 1, "zh-dedup", 10)
    assert (tmp_path / "home" / "curate" / "alpha" / "web" / "v1" / "input.jsonl").exists()
    report = json.loads(suanli("report", "web", "--json", env=env).stdout)
    assert (report["docs_in"], report["docs_out"]) == (20, 10)
    table = suanli("report", "web", env=env)
    assert table.returncode == 0 and "dedup_exact" in table.stdout


def test_curate_on_the_server_from_the_command_line(local_world: World, tmp_path: Path) -> None:
    from tests.datasets.test_cli import cli_env, suanli

    env = cli_env(local_world, SUANLI_HOME=str(tmp_path / "home"))
    assert suanli("create", "web", env=env).returncode == 0
    src = write_jsonl(tmp_path / "raw.jsonl", docs(10, seed=4, width=80) * 2)
    assert suanli("upload", "web", str(src), "--chunk-size", str(local_world.chunk), env=env).returncode == 0
    queued = suanli("curate", "web", "--recipe", "zh-dedup", "--no-wait", "--json", env=env)
    assert queued.returncode == 0, queued.stderr
    job = json.loads(queued.stdout)
    assert (job["status"], job["source_version"], job["recipe"]) == ("queued", 1, "zh-dedup")
    bad = suanli("curate", "web", "--recipe", "no-such-recipe", "--no-wait", "--json", env=env)
    assert bad.returncode != 0 and "built-in" in bad.stderr
