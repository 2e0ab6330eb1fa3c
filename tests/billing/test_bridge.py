"""The metering bridge: job runs and gateway tokens reach the invoice, once each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from tests.api.helpers import make_tenant

from suanli.client import Client
from suanli.core.ids import new_id
from suanli.governance.periods import CHINA_TZ
from suanli.governance.service.bridge import MeteringController, run_segments
from suanli.state.governance import MeteredUsage, MeteringCursor
from suanli.state.models import ApiKey, Tenant, User, utcnow
from suanli.state.serving import Deployment
from suanli.state.serving import UsageRecord as GatewayUsage
from suanli.state.training import ComputeCluster, JobEvent, TrainingJob

T = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)


def test_run_segments_follow_the_state_changes() -> None:
    events = [(T, "pending"), (T + timedelta(minutes=1), "running"), (T + timedelta(minutes=31), "preempted"),
              (T + timedelta(minutes=40), "running"), (T + timedelta(minutes=50), "running")]
    assert run_segments(events, T + timedelta(hours=1)) == [
        (T + timedelta(minutes=1), T + timedelta(minutes=31)), (T + timedelta(minutes=40), None)]
    assert run_segments([], T) == []


def _pass(platform, now: datetime) -> int:  # type: ignore[no-untyped-def]
    with platform.db.session() as s:
        row = s.get(MeteringCursor, "ledger")
        MeteringController().reconcile(s, row, now, "test")
        return int(row.unpriced)


def test_jobs_and_tokens_reach_the_invoice_once(platform) -> None:  # type: ignore[no-untyped-def]
    admin = Client(platform.url, platform.admin_token)
    actors = make_tenant(admin, platform.url, "acme")
    admin.create_provider("self", ownership="self-hosted")
    admin.create_pool("local", provider="self", region="local", jurisdiction="CN-SH", cluster_id="local")
    t0 = utcnow() + timedelta(minutes=1)
    admin.add_price("local", "accelerator-hour/nvidia-h100", "20.00", effective=t0 - timedelta(seconds=30))
    with platform.db.session() as s:
        tenant = s.scalars(select(Tenant).where(Tenant.name == "acme")).one()
        member = s.scalars(select(User).where(User.name == actors["member"].user)).one()
        key = s.scalars(select(ApiKey).where(ApiKey.user_id == member.id)).first()
        assert key is not None
        s.add(ComputeCluster(id="clu_local", name="local", engine="local"))
        job = TrainingJob(
            id=new_id("job"), tenant_id=tenant.id, user_id=member.id, command=["true"], accelerators=2,
            accelerator_kind="nvidia-h100", cluster_id="clu_local", state="succeeded",
            placement={"kind": "nvidia-h100", "devices": []}, started_at=t0 + timedelta(minutes=40),
            finished_at=t0 + timedelta(minutes=100),
        )
        s.add(job)
        s.flush()
        for minutes, state in ((0, "running"), (30, "preempted"), (40, "running"), (100, "succeeded")):
            s.add(JobEvent(job_id=job.id, at=t0 + timedelta(minutes=minutes), state=state))
        deployment = Deployment(id=new_id("dep"), tenant_id=tenant.id, name="tiny", engine="transformers",
                                regions={"local": {"min_replicas": 0, "max_replicas": 1}})
        s.add(deployment)
        s.flush()
        for i, (tokens_in, tokens_out) in enumerate(((200_000, 60_000), (100_000, 40_000))):
            s.add(GatewayUsage(id=new_id("use"), request_id=f"req-{i}", at=t0 + timedelta(minutes=5 + i),
                               tenant_id=tenant.id, key_id=key.id, deployment_id=deployment.id, model="tiny",
                               endpoint="chat", prompt_tokens=tokens_in, completion_tokens=tokens_out))

    assert _pass(platform, t0 + timedelta(minutes=10)) == 4  # tokens are not priced yet: left out, counted
    later = t0 + timedelta(hours=3)
    admin.add_price("local", "million-tokens-in/tiny", "2.00", effective=t0 + timedelta(seconds=10))
    admin.add_price("local", "million-tokens-out/tiny", "8.00", effective=t0 + timedelta(seconds=10))
    assert _pass(platform, later) == 0
    assert _pass(platform, later + timedelta(minutes=1)) == 0  # again: nothing counts twice
    with platform.db.session() as s:
        device_seconds = s.scalar(select(func.count()).select_from(MeteredUsage).where(
            MeteredUsage.sku == "accelerator-hour/nvidia-h100"))
        assert device_seconds and device_seconds >= 2  # two runs, cut at hours

    month = t0.astimezone(CHINA_TZ).strftime("%Y-%m")
    invoice = admin.invoice("acme", month)
    # 2 devices x (30 + 60) minutes = 3 device-hours x 20.00; 300k tokens in x 2.00/M; 100k out x 8.00/M
    assert Decimal(invoice["total"]) == Decimal("60.00") + Decimal("0.60") + Decimal("0.80")
    assert {line["user"] for line in invoice["lines"]} == {actors["member"].user}
