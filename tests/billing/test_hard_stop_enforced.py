"""A budget's hard stop refuses new jobs and deployments, with its reason, and lifts when raised."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.billing.helpers import month_of, tenant_world, usage

from suanli.core.errors import QuotaExceeded
from suanli.state.models import utcnow


def test_hard_stop_refuses_new_work(platform) -> None:  # type: ignore[no-untyped-def]
    admin, actors, tenant_id = tenant_world(platform.url, platform.admin_token)
    owner = actors["tenant-admin"].client(platform.url)
    member = actors["member"].client(platform.url)
    start = utcnow() + timedelta(seconds=2)  # after the catalog's prices took effect
    month = month_of(start)
    owner.set_budget("bank", month, "1.00", hard_stop=True)
    admin.record_usage([usage("u1", tenant_id, start, hours=0.5, units="1")])  # more than ¥1
    with pytest.raises(QuotaExceeded, match="budget") as refused:
        member.submit_job("bank", command=["true"], accelerators=1, kind="nvidia-h100")
    assert refused.value.details["budget"] == "hard_stop"
    with pytest.raises(QuotaExceeded, match="budget"):
        member.submit_jobs("bank", [{"command": ["true"], "accelerators": 1, "kind": "nvidia-h100"}])
    with pytest.raises(QuotaExceeded, match="budget"):
        member.deploy("bank", "svc", engine="external", engine_options={"url": "http://127.0.0.1:9/v1"})
    assert member.jobs("bank") == [] and member.deployments("bank") == []

    owner.set_budget("bank", month, "1000.00", hard_stop=True)  # raising the limit lifts the stop
    assert member.submit_job("bank", command=["true"], accelerators=1, kind="nvidia-h100")["state"] == "pending"
