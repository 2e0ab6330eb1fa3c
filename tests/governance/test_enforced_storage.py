"""Placement policy where datasets are stored, through a real server on both databases: uploads (opened and
committed), server-side curation (submitted and its output stored), and a stricter classification are checked
against the pool that describes the object store; a refusal names the rule and its version, is audited, and
leaves nothing written."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.api.helpers import make_tenant

from suanli.client import Client
from suanli.core import errors
from suanli.data.datasets.curation_controller import CurationController
from suanli.governance.service import policies
from suanli.state.models import utcnow

from .test_enforced_jobs import ADMIN

RULES = """
rules:
  - id: important-data-stays-home
    version: 3
    author: compliance@bank.example
    effective: {effective}
    description: important and core data is stored only in the tenant's jurisdiction
    applies_to: {{kinds: [storage], classification_at_least: important}}
    forbid: {{outside_tenant_jurisdiction: true}}
"""


def _enact(platform: Any) -> None:
    """The rules, in force from now (the API refuses an effective time in the past: this writes it directly)."""
    now = utcnow()
    with platform.db.session() as s:
        policies.upload(s, ADMIN, RULES.format(effective=now.isoformat()), now)


@pytest.fixture(autouse=True)
def no_storage_pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    monkeypatch.delenv("SUANLI_STORAGE_POOL", raising=False)
    yield monkeypatch


def _file(tmp_path: Path, name: str, n: int) -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps({"text": f"账本 {name} 第{i}条 " + "x" * 40}, ensure_ascii=False) + "\n"
                            for i in range(n)))
    return path


def _world(platform: Any) -> tuple[Client, Client]:
    admin = Client(platform.url, platform.admin_token, retries=0)
    actors = make_tenant(admin, platform.url, "bank")
    admin.set_residency("bank", "CN-SH")
    admin.create_provider("harbour", ownership="private")
    admin.create_provider("telecom", ownership="state-owned")
    admin.create_pool("hk-store", provider="harbour", region="hk", jurisdiction="HK")
    admin.create_pool("sh-store", provider="telecom", region="cn-east", jurisdiction="CN-SH")
    return admin, actors["member"].client(platform.url)


def _refused(call: Any) -> errors.SuanliError:
    with pytest.raises(errors.InvalidInput) as caught:
        call()
    assert caught.value.details and caught.value.message.startswith("placement policy forbids storing")
    return caught.value


def test_storage_is_placed_under_policy(platform, tmp_path: Path, no_storage_pool) -> None:  # type: ignore[no-untyped-def]
    admin, member = _world(platform)
    member.create_dataset("bank", "news")
    member.create_dataset("bank", "ledger")
    # The embedded default: no rules, no pool describes the store, everything is stored.
    member.upload_dataset("bank", "news", [_file(tmp_path, "n1.jsonl", 5)])
    member.classify_dataset("bank", "ledger", "important")  # nothing stored yet: nothing to check
    member.upload_dataset("bank", "ledger", [_file(tmp_path, "l1.jsonl", 5)])

    _enact(platform)
    member.upload_dataset("bank", "news", [_file(tmp_path, "n2.jsonl", 6)])  # public data: no rule speaks
    # Important data, and no pool describes the store: the rule cannot be checked, so it is refused.
    err = _refused(lambda: member.upload_dataset("bank", "ledger", [_file(tmp_path, "l2.jsonl", 7)]))
    assert "described by no pool" in err.message and "important-data-stays-home version 3" in err.message
    assert "SUANLI_STORAGE_POOL" in err.message and "(important data)" in err.message
    no_storage_pool.setenv("SUANLI_STORAGE_POOL", "no-such-pool")
    err = _refused(lambda: member.upload_dataset("bank", "ledger", [_file(tmp_path, "l2.jsonl", 7)]))
    assert "'no-such-pool', which does not exist" in err.message

    no_storage_pool.setenv("SUANLI_STORAGE_POOL", "hk-store")
    err = _refused(lambda: member.upload_dataset("bank", "ledger", [_file(tmp_path, "l2.jsonl", 7)]))
    assert err.message == (
        "placement policy forbids storing a new version of dataset ledger (important data) in the object store: "
        "pool hk-store excluded by rule important-data-stays-home version 3 (important and core data is stored "
        "only in the tenant's jurisdiction): data would leave CN-SH for HK")
    assert err.details["storage_pool"] == "hk-store" and err.details["classification"] == "important"
    assert [v["number"] for v in member.dataset_versions("bank", "ledger")] == [1]
    assert member.storage("bank")["reserved_bytes"] == 0  # nothing reserved, nothing staged
    # Raising public data that is stored in HK to important is refused, and the label stays.
    err = _refused(lambda: member.classify_dataset("bank", "news", "important"))
    assert "storing its stored versions of dataset news (important data)" in err.message
    assert member.dataset("bank", "news")["classification"] == "public"
    member.classify_dataset("bank", "news", "internal")  # no rule speaks about internal data
    _refused(lambda: member.curate_dataset("bank", "ledger", "zh-dedup"))
    assert member.curations("bank", "ledger") == []

    no_storage_pool.setenv("SUANLI_STORAGE_POOL", "sh-store")  # the store is in the tenant's jurisdiction
    assert member.upload_dataset("bank", "ledger", [_file(tmp_path, "l2.jsonl", 7)])["number"] == 2
    member.classify_dataset("bank", "news", "core")
    # An upload opened while it was allowed and committed after the store moved out: refused at commit, dropped.
    path = _file(tmp_path, "l3.jsonl", 9)
    data = path.read_bytes()
    files = [{"name": path.name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}]
    opened = member.begin_dataset_upload("bank", "ledger", files, chunk_size=len(data))
    member.put_dataset_chunk("bank", "ledger", opened["id"], 0, 1, data)
    no_storage_pool.setenv("SUANLI_STORAGE_POOL", "hk-store")
    err = _refused(lambda: member.commit_dataset_upload("bank", "ledger", opened["id"]))
    assert "rule important-data-stays-home version 3" in err.message
    assert member.dataset_upload("bank", "ledger", opened["id"])["status"] == "aborted"
    assert [v["number"] for v in member.dataset_versions("bank", "ledger")] == [1, 2]
    assert not list(platform.app.state.objects.list(f"tenants/{admin.tenant('bank')['id']}/uploads/"))

    events = [e for e in admin.audit(tenant="bank", limit=200) if e["status_code"] == 422]
    refusals = [e for e in events if e["details"].get("error", {}).get("code") == "placement_forbidden"]
    assert {e["action"] for e in refusals} == {"datasets.uploads.create", "datasets.uploads.commit",
                                               "datasets.classify", "datasets.curations.create"}
    assert all(e["outcome"] == "rejected" and "important-data-stays-home version 3" in e["details"]["error"]["message"]
               for e in refusals if "no pool" not in e["details"]["error"]["message"])
    # Each refusal is also a placement decision of the tenant, explained as the user was told.
    decisions = [d for d in member.placement_decisions("bank", limit=200)
                 if d["explanation"].startswith("placement policy forbids storing")]
    assert sorted(e["details"]["error"]["message"] for e in refusals) == sorted(d["explanation"] for d in decisions)
    assert all(d["chosen_pool"] is None and d["policy_version"] is not None for d in decisions)
    assert "dataset ledger: a new version" in {d["workload"] for d in decisions}


def test_a_curation_whose_output_policy_forbids_fails_and_stores_nothing(platform, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                         no_storage_pool) -> None:
    _, member = _world(platform)
    _enact(platform)
    no_storage_pool.setenv("SUANLI_STORAGE_POOL", "sh-store")
    member.create_dataset("bank", "ledger")
    member.classify_dataset("bank", "ledger", "core")
    member.upload_dataset("bank", "ledger", [_file(tmp_path, "l1.jsonl", 20)])
    job = member.curate_dataset("bank", "ledger", "zh-dedup")
    no_storage_pool.setenv("SUANLI_STORAGE_POOL", "hk-store")  # the store moved before the run stored its output
    ctl = next(c for c in platform.runner.controllers if isinstance(c, CurationController))
    deadline = time.monotonic() + 120
    while (out := member.curation("bank", "ledger", job["id"]))["status"] in ("queued", "running"):
        assert time.monotonic() < deadline
        platform.runner.run_pass()
        ctl.wait(job["id"], timeout=1.0)
    assert out["status"] == "failed" and "important-data-stays-home version 3" in out["error"]
    assert "placement policy forbids storing a new version of dataset ledger (core data)" in out["error"]
    assert [v["number"] for v in member.dataset_versions("bank", "ledger")] == [1]
    (decision,) = [d for d in member.placement_decisions("bank")
                   if d["explanation"].startswith("placement policy forbids storing")]
    assert decision["explanation"] in out["error"] and decision["workload"] == "dataset ledger: a new version"
    assert member.storage("bank")["reserved_bytes"] == 0


def test_model_files_are_stored_under_policy_at_the_label_they_inherit(  # type: ignore[no-untyped-def]
        platform, tmp_path: Path, no_storage_pool) -> None:
    _, member = _world(platform)
    member.create_dataset("bank", "ledger")
    member.classify_dataset("bank", "ledger", "important")
    member.upload_dataset("bank", "ledger", [_file(tmp_path, "l1.jsonl", 5)])
    folder = tmp_path / "scorer"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"architectures": ["GPT2LMHeadModel"], "n_positions": 128}))
    member.create_model("bank", "scorer")
    member.create_model("bank", "open")
    _enact(platform)
    no_storage_pool.setenv("SUANLI_STORAGE_POOL", "hk-store")
    # A model trained on important data is important: its files may not go to a store in HK.
    err = _refused(lambda: member.upload_model("bank", "scorer", folder, dataset_version="ledger@1"))
    assert err.message.startswith("placement policy forbids storing version 1 of model scorer (important data)")
    assert "pool hk-store excluded by rule important-data-stays-home version 3" in err.message
    assert member.model_versions("bank", "scorer") == []  # the refused version was never created
    (decision,) = [d for d in member.placement_decisions("bank")
                   if d["explanation"].startswith("placement policy forbids storing")]
    assert decision["workload"] == "model scorer: version 1" and decision["explanation"] == err.message
    assert member.upload_model("bank", "open", folder)["status"] == "ready"  # public: no rule speaks
    no_storage_pool.setenv("SUANLI_STORAGE_POOL", "sh-store")  # the tenant's own jurisdiction
    assert member.upload_model("bank", "scorer", folder, dataset_version="ledger@1")["status"] == "ready"
