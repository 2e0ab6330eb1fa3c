"""A training job's output model is registered when the job succeeds, with lineage to the job and its data."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.api.helpers import make_tenant
from tests.jobs.conftest import job_state, wait_for

from suanli.client import Client
from suanli.core.errors import InvalidInput

WRITE = """
import json, os, pathlib
out = pathlib.Path(os.environ["SUANLI_OUTPUT_DIR"])
(out / "sub").mkdir(parents=True)
(out / "config.json").write_text(json.dumps({"architectures": ["GPT2LMHeadModel"], "n_positions": 64}))
(out / "sub" / "weights.bin").write_bytes(b"w" * 1000)
"""
LINK = """
import os, pathlib
out = pathlib.Path(os.environ["SUANLI_OUTPUT_DIR"])
out.mkdir(parents=True)
(out / "config.json").write_text("{}")
(out / "secret").symlink_to("/etc/hostname")
"""


@pytest.fixture(autouse=True)
def fake_accelerators(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SUANLI_LOCAL_ACCELERATORS", "nvidia-h100:2")
    monkeypatch.setenv("SUANLI_SCHEDULER_MIN_INTERVAL_S", "0")
    yield


def _finished(platform: Any, member: Client, job: dict[str, Any]) -> dict[str, Any]:
    done = wait_for(platform, job_state(member, "acme", job["id"], "succeeded", "failed"))
    assert done["state"] == "succeeded", member.job_logs("acme", job["id"])["data"]

    def registered() -> dict[str, Any] | None:
        shown = member.job("acme", job["id"])
        return shown if shown["output_version_id"] or shown["output_error"] else None

    result: dict[str, Any] = wait_for(platform, registered)
    return result


def test_a_succeeded_jobs_output_becomes_a_model_version(platform: Any, tmp_path: Path) -> None:
    admin = Client(platform.url, platform.admin_token)
    member = make_tenant(admin, platform.url, "acme")["member"].client(platform.url)
    corpus = tmp_path / "a.jsonl"
    corpus.write_text(json.dumps({"text": "你好"}) + "\n")
    member.create_dataset("acme", "news")
    member.upload_dataset("acme", "news", [corpus])
    with pytest.raises(InvalidInput, match="output model"):
        member.submit_job("acme", command=["true"], output_model="Not A Name")

    job = member.submit_job("acme", command=[sys.executable, "-c", WRITE], datasets=["news"], output_model="tiny")
    assert job["output_model"] == "tiny" and job["output_version_id"] is None
    shown = _finished(platform, member, job)
    assert shown["output_error"] is None
    version = member.model_version("acme", "tiny")
    assert version["id"] == shown["output_version_id"] and version["number"] == 1 and version["status"] == "ready"
    assert (version["training_job_id"], version["dataset_version"]) == (job["id"], "news@1")
    assert version["architecture"] == "GPT2LMHeadModel" and version["context_length"] == 64
    assert sorted(version["files"]) == ["config.json", "sub/weights.bin"] and version["size_bytes"] > 1000
    assert any("registered as model tiny version 1" in e["message"] for e in member.job_events("acme", job["id"]))

    # An output that is missing or holds a link is not registered; the job stays succeeded and says why.
    empty = _finished(platform, member, member.submit_job("acme", command=["true"], output_model="tiny"))
    assert empty["output_error"] == "the job wrote nothing to $SUANLI_OUTPUT_DIR" and empty["state"] == "succeeded"
    linked = _finished(
        platform, member, member.submit_job("acme", command=[sys.executable, "-c", LINK], output_model="tiny")
    )
    assert "symbolic link" in linked["output_error"]
    assert [v["number"] for v in member.model_versions("acme", "tiny")] == [1]


def test_an_output_that_policy_forbids_to_store_is_refused_and_leaves_no_model(
        platform: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.governance.test_enforced_storage import _enact, _world

    _, member = _world(platform)  # tenant bank in CN-SH; pools hk-store (HK) and sh-store (CN-SH)
    corpus = tmp_path / "a.jsonl"
    corpus.write_text(json.dumps({"text": "账本"}) + "\n")
    member.create_dataset("bank", "ledger")
    member.classify_dataset("bank", "ledger", "important")
    member.upload_dataset("bank", "ledger", [corpus])
    _enact(platform)  # important data is stored only in the tenant's jurisdiction
    monkeypatch.setenv("SUANLI_STORAGE_POOL", "hk-store")
    job = member.submit_job("bank", command=[sys.executable, "-c", WRITE], datasets=["ledger"],
                            output_model="ledger-model")
    done = wait_for(platform, job_state(member, "bank", job["id"], "succeeded", "failed"))
    assert done["state"] == "succeeded", member.job_logs("bank", job["id"])["data"]
    shown = wait_for(platform, lambda: (s := member.job("bank", job["id"]))["output_error"] and s)
    assert shown["output_error"].startswith(
        f"placement policy forbids storing the output of job {job['id']} of model ledger-model (important data)")
    assert shown["output_version_id"] is None
    assert [m["name"] for m in member.models("bank")] == []  # the savepoint took the new model row back
    (decision,) = [d for d in member.placement_decisions("bank")
                   if d["explanation"].startswith("placement policy forbids storing")]
    assert decision["explanation"] == shown["output_error"]  # recorded, though the savepoint rolled back
    assert decision["workload"] == f"model ledger-model: the output of job {job['id']}"
