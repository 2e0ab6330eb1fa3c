"""Classification along lineage, through a real server on both databases: a dataset labelled ``core`` makes
the job that mounts it ``core`` (kept off a cluster whose pool lacks the certification, the rule as its
pending reason), the model registered from that job ``core``, and a deployment of the model ``core``."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.api.helpers import make_tenant
from tests.jobs.conftest import wait_for

from suanli.client import Client
from suanli.core.errors import Conflict, InvalidInput

RULES = """
rules:
  - id: core-needs-mlps3
    version: 1
    author: compliance@bank.example
    effective: {effective}
    applies_to: {{classification_at_least: core}}
    forbid: {{lacking_certification: mlps-3}}
"""


@pytest.fixture(autouse=True)
def fake_accelerators(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUANLI_LOCAL_ACCELERATORS", "nvidia-h100:8")
    monkeypatch.setenv("SUANLI_SCHEDULER_MIN_INTERVAL_S", "0")


def _world(platform: Any, tmp_path: Path) -> tuple[Client, Client]:
    admin = Client(platform.url, platform.admin_token)
    member = make_tenant(admin, platform.url, "bank")["member"].client(platform.url)
    admin.create_provider("harbour", ownership="private")
    # The box's own cluster is described by a pool without MLPS level 3: no place for core data.
    admin.create_pool("box", provider="harbour", region="local", jurisdiction="CN-SH", cluster_id="local")
    # The object store is described by a certified pool: core data may be stored (and labelled core) there.
    admin.create_pool("vault", provider="harbour", region="local", jurisdiction="CN-SH", cluster_id="objects",
                      certifications=["mlps-3"])
    effective = datetime.now(UTC) + timedelta(seconds=1)  # rules are never retroactive: in force a second later
    admin.upload_policy(RULES.format(effective=effective.isoformat()))
    member.create_dataset("bank", "ledger")
    (tmp_path / "a.jsonl").write_text(json.dumps({"text": "转账 1"}, ensure_ascii=False) + "\n")
    member.upload_dataset("bank", "ledger", [tmp_path / "a.jsonl"])
    time.sleep(max(0.0, (effective - datetime.now(UTC)).total_seconds()))
    return admin, member


def test_a_job_mounting_core_data_is_kept_off_a_pool_the_policy_forbids(platform, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, member = _world(platform, tmp_path)
    labelled = member.classify_dataset("bank", "ledger", "core")
    assert labelled == {"dataset": "ledger", "classification": "core", "raised": []}
    assert member.dataset("bank", "ledger")["classification"] == "core"
    assert [d["classification"] for d in member.datasets("bank")] == ["core"]

    # Declared 'internal', mounts core data: the job is core.
    core = member.submit_job("bank", command=["true"], kind="nvidia-h100", datasets=["ledger@1"],
                             classification="internal")
    plain = member.submit_job("bank", command=["true"], kind="nvidia-h100")
    assert core["classification"] == "core" and plain["classification"] == "public"
    wait_for(platform, lambda: member.job("bank", plain["id"])["state"] in ("running", "succeeded"))
    waiting = member.job("bank", core["id"])
    assert waiting["state"] == "pending" and waiting["placement"] is None
    reason = waiting["pending_reason"] or ""
    assert reason.startswith(f"placement policy forbids every cluster to {core['id']} (core data)"), reason
    assert "local: pool box excluded by rule core-needs-mlps3 version 1" in reason
    assert {j["id"]: j["classification"] for j in member.jobs("bank")} == {core["id"]: "core", plain["id"]: "public"}


def test_classification_flows_from_dataset_to_job_to_model_to_deployment(platform, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, member = _world(platform, tmp_path)
    member.classify_dataset("bank", "ledger", "internal")
    job = member.submit_job("bank", command=["true"], kind="nvidia-h100", datasets=["ledger"])
    assert job["classification"] == "internal"
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"architectures": ["GPT2LMHeadModel"], "n_positions": 64}))
    member.create_model("bank", "scorer")
    member.upload_model("bank", "scorer", folder, training_job_id=job["id"])

    # Raising the dataset raises what derives from it: the job and the model trained by it.
    raised = member.classify_dataset("bank", "ledger", "core")
    assert raised["classification"] == "core" and job["id"] in raised["raised"] and len(raised["raised"]) == 2
    assert member.job("bank", job["id"])["classification"] == "core"

    # A deployment of the model is core whatever it declares: the only region's pool lacks MLPS 3.
    with pytest.raises(InvalidInput, match="forbids region local to deployment scorer-api \\(core data\\)"):
        member.deploy("bank", "scorer-api", model="scorer", classification="public")
    external = member.deploy("bank", "echo", engine="external", classification="internal",
                             engine_options={"url": "http://127.0.0.1:9/v1", "model": "echo"})
    assert external["classification"] == "internal"
    assert member.deployment("bank", "echo")["classification"] == "internal"

    # Labels are raised, never lowered; unknown ones are refused; nothing changed.
    with pytest.raises(Conflict, match="raised, never lowered"):
        member.classify_dataset("bank", "ledger", "public")
    with pytest.raises(InvalidInput, match="unknown data classification"):
        member.classify_dataset("bank", "ledger", "secret")
    with pytest.raises(InvalidInput, match="unknown data classification"):
        member.submit_job("bank", command=["true"], classification="secret")
    assert member.dataset("bank", "ledger")["classification"] == "core"
