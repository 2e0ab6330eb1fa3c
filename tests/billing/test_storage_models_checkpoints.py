"""Storage GB-hours of registry models and job checkpoints, through a real server: a model uploaded and jobs that
wrote checkpoints (one to a named folder, one to its engine's folder, one resuming the first's folder) are
sampled after each hour closes, once, into records and invoice lines per model and per job, checked against the
bytes the test itself wrote."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.api.helpers import make_tenant
from tests.jobs.conftest import job_state, wait_for

from suanli.client import Client
from suanli.governance.periods import CHINA_TZ, hour_floor
from suanli.governance.service.bridge import MeteringController
from suanli.state.governance import MeteredUsage, MeteringCursor
from suanli.state.models import utcnow

GB_SECOND = Decimal(2628000000) / (730 * 3600)  # the price below, per GB-second: 1000


@pytest.fixture(autouse=True)
def fake_accelerators_and_storage_pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SUANLI_LOCAL_ACCELERATORS", "nvidia-h100:2")
    monkeypatch.setenv("SUANLI_SCHEDULER_MIN_INTERVAL_S", "0")
    monkeypatch.setenv("SUANLI_STORAGE_POOL", "store")  # named by the setting, not by cluster_id "objects"
    yield


def _pass(platform, now: datetime) -> None:  # type: ignore[no-untyped-def]
    controller = MeteringController(platform.home)
    controller.prepare(platform.db, now)  # as the runner does, before the claim's transaction
    with platform.db.session() as s:
        row = s.get(MeteringCursor, "ledger")
        controller.reconcile(s, row, now, "test")


def _write(n: int, name: str) -> str:
    return f'head -c {n} /dev/zero > "$SUANLI_CHECKPOINT_DIR/{name}"'


def test_models_and_checkpoints_reach_the_invoice_once(platform, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    admin = Client(platform.url, platform.admin_token)
    actors = make_tenant(admin, platform.url, "acme")
    member = actors["member"].client(platform.url)
    admin.create_provider("self", ownership="self-hosted")
    admin.create_pool("store", provider="self", region="local", jurisdiction="CN-SH")
    t0 = utcnow() + timedelta(seconds=30)
    admin.add_price("store", "storage-gb-month", "2628000000", effective=t0)

    folder = tmp_path / "tiny"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"architectures": ["GPT2LMHeadModel"], "n_positions": 64}))
    (folder / "model.safetensors").write_bytes(b"\x01" * 12_345)
    member.create_model("acme", "tiny")
    member.upload_model("acme", "tiny", folder)
    member.upload_model("acme", "tiny", folder)  # a second version stores its own copy
    model_bytes = 2 * sum(p.stat().st_size for p in folder.iterdir())
    model_id = member.model("acme", "tiny")["id"]

    first = member.submit_job("acme", script=_write(3000, "step-1.pt"), checkpoint_dir="run1")
    own = member.submit_job("acme", script=_write(5000, "step-1.pt"))  # its engine's checkpoint folder
    for job in (first, own):
        wait_for(platform, job_state(member, "acme", job["id"], "succeeded"))
    resumed = member.submit_job("acme", script=_write(1000, "step-2.pt"), checkpoint_dir="run1")
    wait_for(platform, job_state(member, "acme", resumed["id"], "succeeded"))
    # The independent count: what each job wrote. run1 now belongs to the job that resumed it.
    expected = {model_id: model_bytes, resumed["id"]: 3000 + 1000, own["id"]: 5000}

    start = hour_floor(t0) + timedelta(hours=2, minutes=5)
    _pass(platform, start)
    _pass(platform, start + timedelta(hours=2))
    _pass(platform, start + timedelta(hours=2))  # a retry of the same pass: nothing twice
    _pass(platform, start + timedelta(hours=2, minutes=30))  # no hour closed since: nothing new
    hours = [hour_floor(start) - timedelta(hours=1) + timedelta(hours=i) for i in range(3)]
    with platform.db.session() as s:
        rows = s.scalars(select(MeteredUsage).where(MeteredUsage.sku == "storage-gb-month")).all()
        assert sorted((r.subject, r.start) for r in rows) == sorted((sub, h) for sub in expected for h in hours)
        assert {r.subject: r.units for r in rows} == {sub: Decimal(n) / 10**9 for sub, n in expected.items()}
        assert {r.key for r in rows if r.subject == model_id} == {
            f"model/{model_id}/storage/{h.isoformat()}" for h in hours}
        assert {r.key for r in rows if r.subject == own["id"]} == {
            f"checkpoint/{own['id']}/storage/{h.isoformat()}" for h in hours}
        assert {r.user for r in rows} == {actors["member"].user} and {r.pool_id for r in rows} == {"store"}

    months = sorted({h.astimezone(CHINA_TZ).strftime("%Y-%m") for h in hours})
    lines = [ln for m in months for ln in admin.invoice("acme", m)["lines"] if ln["sku"] == "storage-gb-month"]
    usage: dict[str, Decimal] = {}
    for ln in lines:
        usage[ln["subject"]] = usage.get(ln["subject"], Decimal(0)) + Decimal(ln["usage"])
    assert usage == {sub: Decimal(n) * 3 * 3600 / 10**9 for sub, n in expected.items()}  # GB-seconds
    assert sum(Decimal(ln["amount"]) for ln in lines) > 0
    assert {ln["subject"] for ln in lines} == {model_id, resumed["id"], own["id"]}  # first's folder is resumed's


def test_checkpoints_are_walked_before_the_metering_transaction(  # type: ignore[no-untyped-def]
        platform, monkeypatch: pytest.MonkeyPatch) -> None:
    """The walk reads files: it happens in ``prepare``, outside the transaction that holds SQLite's write
    lock, and the pass walks again only if the folders changed in between."""
    from suanli.governance.service import storage_usage

    walks: list[frozenset[str]] = []
    real = storage_usage.checkpoint_files
    monkeypatch.setattr(storage_usage, "checkpoint_files",
                        lambda home, folders: walks.append(frozenset(folders)) or real(home, folders))
    admin = Client(platform.url, platform.admin_token)
    member = make_tenant(admin, platform.url, "acme")["member"].client(platform.url)
    job = member.submit_job("acme", script=_write(100, "step-1.pt"), checkpoint_dir="run1")
    wait_for(platform, job_state(member, "acme", job["id"], "succeeded"))
    now = utcnow() + timedelta(hours=3)
    controller = MeteringController(platform.home)
    walks.clear()
    controller.prepare(platform.db, now)
    assert walks == [frozenset({"checkpoints/" + admin.tenant("acme")["id"] + "/run1"})]
    with platform.db.session() as s:
        controller.reconcile(s, s.get(MeteringCursor, "ledger"), now, "test")
    assert len(walks) == 1  # the pass used the walk

    controller.prepare(platform.db, now + timedelta(hours=2))
    other = member.submit_job("acme", script=_write(100, "step-1.pt"), checkpoint_dir="run2")
    wait_for(platform, job_state(member, "acme", other["id"], "succeeded"))  # the server's passes walk too
    walks.clear()
    with platform.db.session() as s:
        controller.reconcile(s, s.get(MeteringCursor, "ledger"), now + timedelta(hours=2), "test")
    assert [len(w) for w in walks] == [2]  # a folder appeared since the walk: the pass walked again
