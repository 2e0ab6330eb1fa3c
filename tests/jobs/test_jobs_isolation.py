"""How the training routes without a tenant in their path keep tenants apart."""

from __future__ import annotations

import pytest
from tests.api.helpers import make_tenant
from tests.jobs.conftest import job_state, wait_for

from suanli.client import Client
from suanli.core.errors import Forbidden, NotFound


def test_only_platform_admins_manage_clusters(platform) -> None:  # type: ignore[no-untyped-def]
    admin = Client(platform.url, platform.admin_token)
    actors = make_tenant(admin, platform.url, "acme")
    platform.runner.run_pass()
    node = admin.cluster("local")["nodes"][0]["name"]
    for role in ("tenant-admin", "member", "viewer"):
        c = actors[role].client(platform.url)
        with pytest.raises(Forbidden):
            c.create_cluster("mine", engine="local")
        with pytest.raises(Forbidden):
            c.add_node("local", "n9", kind="nvidia-h100", count=8)
        for action in ("cordon", "drain", "uncordon", "heartbeat"):
            with pytest.raises(Forbidden):
                c.node_action("local", node, action)
    assert all(n["schedulable"] == "ready" for n in admin.cluster("local")["nodes"])


def test_tenants_see_capacity_not_jobs(platform) -> None:  # type: ignore[no-untyped-def]
    admin = Client(platform.url, platform.admin_token)
    alpha = make_tenant(admin, platform.url, "alpha")["member"].client(platform.url)
    beta = make_tenant(admin, platform.url, "beta")["viewer"].client(platform.url)
    job = alpha.submit_job("alpha", script="sleep 60", accelerators=2, kind="nvidia-h100")
    wait_for(platform, job_state(alpha, "alpha", job["id"], "running"))
    seen = beta.cluster("local")
    h100 = next(n for n in seen["nodes"] if n["accelerator_kind"] == "nvidia-h100")
    assert h100["allocated"] == 2 and job["id"] not in str(seen)
    assert [c["name"] for c in beta.clusters()] == ["local"]
    with pytest.raises(NotFound):
        beta.job("alpha", job["id"])
    alpha.cancel_job("alpha", job["id"])
    wait_for(platform, job_state(alpha, "alpha", job["id"], "cancelled"))


def test_queue_is_scoped(platform) -> None:  # type: ignore[no-untyped-def]
    admin = Client(platform.url, platform.admin_token)
    alpha = make_tenant(admin, platform.url, "alpha")["member"].client(platform.url)
    beta = make_tenant(admin, platform.url, "beta")["member"].client(platform.url)
    a = alpha.submit_job("alpha", command=["true"], accelerators=64, kind="nvidia-h100")  # never fits
    b = beta.submit_job("beta", command=["true"], accelerators=64, kind="nvidia-h100")
    platform.runner.run_pass()
    assert [j["id"] for j in alpha.queue()] == [a["id"]]
    assert [j["id"] for j in beta.queue()] == [b["id"]]
    with pytest.raises(NotFound):
        beta.queue(tenant="alpha")
    everything = admin.queue()
    assert [j["id"] for j in everything] == [a["id"], b["id"]]
    assert [j["queue_position"] for j in everything] == [0, 1]
    assert everything[0]["pending_reason"] == "no 8 idle whole nodes of nvidia-h100 (idle whole nodes: 1)"
