"""The kubernetes engine through a real suanli server, against an emulated API server (see kube_apiserver).

What this shows: the cluster's nodes are read into the inventory; a placed job becomes valid Job, Service
and PodGroup objects pinned to the scheduler's nodes; the Job's conditions drive the job's state; logs,
cancel and a vanished Job behave. What it cannot show: a real kube-apiserver, scheduler and kubelet.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.api.helpers import make_tenant
from tests.engines.kube_apiserver import KubeApiServer
from tests.jobs.conftest import job_state, wait_for

from suanli.client import Client
from suanli.core.errors import InvalidInput

IMAGE = "registry.local/suanli/runtime:1"


@pytest.fixture
def kube() -> Iterator[KubeApiServer]:
    server = KubeApiServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def every_pass_schedules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUANLI_SCHEDULER_MIN_INTERVAL_S", "0")
    monkeypatch.setenv("SUANLI_LOCAL_ACCELERATORS", "")


def _cluster(platform: Any, kube: KubeApiServer, tmp_path: Path) -> Client:
    kube.add_node("gpu-a", "nvidia-h100", "nvidia.com/gpu", 8, domain="nvl-1")
    kube.add_node("gpu-b", "nvidia-h100", "nvidia.com/gpu", 8, domain="nvl-1")
    kube.add_node("gpu-sick", "nvidia-h100", "nvidia.com/gpu", 8, ready=False)
    admin = Client(platform.url, platform.admin_token)
    config = {"kubeconfig": str(kube.kubeconfig(tmp_path / "kubeconfig")), "namespace": "suanli", "image": IMAGE}
    admin.create_cluster("east", engine="kubernetes", region="cn-east", config=config)
    member = make_tenant(admin, platform.url, "acme")["member"].client(platform.url)
    wait_for(platform, lambda: {n["name"] for n in admin.cluster("east")["nodes"]} == {"gpu-a", "gpu-b"})
    return member


def _name(job: dict[str, Any], start: int = 0) -> str:
    return f"sl-{job['id'].replace('_', '-')}-{start}"


def test_a_gang_runs_as_pinned_kubernetes_objects(platform, kube: KubeApiServer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    member = _cluster(platform, kube, tmp_path)
    job = member.submit_job("acme", command=["python", "train.py"], accelerators=16, kind="nvidia-h100", nodes=2)
    name = _name(job)
    wait_for(platform, lambda: ("Job", "suanli", name) in kube.objects)
    assert {k for k, ns, n in kube.objects if n == name} == {"Job", "Service", "PodGroup"}
    pod = kube.job(name)["spec"]["template"]["spec"]
    terms = pod["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert terms[0]["matchExpressions"][0]["values"] == ["gpu-a", "gpu-b"]
    assert "podAntiAffinity" in pod["affinity"]
    assert pod["containers"][0]["resources"]["limits"] == {"nvidia.com/gpu": "8"}
    assert pod["containers"][0]["image"] == IMAGE
    assert kube.job(name)["spec"]["completions"] == 2

    # Until every rank's pod runs, the job is starting, with Kubernetes' own reason.
    created = wait_for(platform, job_state(member, "acme", job["id"], "starting"))
    assert created["pending_reason"] == "waiting in Kubernetes: 0 of 2 pod(s) running; its pods are being created"
    kube.pend_pods(name)
    pending = wait_for(platform, lambda: (j := member.job("acme", job["id"]))["pending_reason"] != created[
        "pending_reason"] and j)
    assert pending["state"] == "starting" and pending["pending_reason"] == (
        f"waiting in Kubernetes: 0 of 2 pod(s) running; pod {name}-0-x0 waits for its container (ContainerCreating: )")
    kube.run_pods(name, "step 10 loss 3.21\n")
    wait_for(platform, job_state(member, "acme", job["id"], "running"))
    assert "loss 3.21" in member.job_logs("acme", job["id"])["data"]
    kube.finish(name, 0)
    done = wait_for(platform, job_state(member, "acme", job["id"], "succeeded", "failed"))
    assert done["state"] == "succeeded" and done["exit_code"] == 0

    failing = member.submit_job("acme", command=["false"], accelerators=8, kind="nvidia-h100")
    wait_for(platform, lambda: ("Job", "suanli", _name(failing)) in kube.objects)
    kube.run_pods(_name(failing), "")
    kube.finish(_name(failing), 3)
    failed = wait_for(platform, job_state(member, "acme", failing["id"], "failed"))
    assert failed["exit_code"] == 3 and "BackoffLimitExceeded" in failed["message"]


def test_cancel_deletes_objects_and_a_vanished_job_is_requeued(platform, kube: KubeApiServer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    member = _cluster(platform, kube, tmp_path)
    job = member.submit_job("acme", command=["sleep", "1000"], accelerators=8, kind="nvidia-h100")
    wait_for(platform, lambda: ("Job", "suanli", _name(job)) in kube.objects)
    kube.run_pods(_name(job), "")
    wait_for(platform, job_state(member, "acme", job["id"], "running"))
    member.cancel_job("acme", job["id"])
    wait_for(platform, lambda: ("Job", "suanli", _name(job)) not in kube.objects)
    assert ("Job", _name(job), None) in kube.deleted  # graceful: the pods' own grace period, SIGTERM first

    again = member.submit_job("acme", command=["train"], accelerators=8, kind="nvidia-h100",
                              restart_policy="on-failure(2)")
    wait_for(platform, lambda: ("Job", "suanli", _name(again)) in kube.objects)
    del kube.objects[("Job", "suanli", _name(again))]  # someone deleted it behind suanli's back
    wait_for(platform, lambda: ("Job", "suanli", _name(again, 1)) in kube.objects)
    assert member.job("acme", again["id"])["restart_count"] == 1


def test_bad_kubernetes_configs_are_refused(platform, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    admin = Client(platform.url, platform.admin_token)
    good = {"kubeconfig": "/etc/suanli/kube.yaml", "image": IMAGE}
    for config, match in (({}, "needs 'kubeconfig'"), ({**good, "kubeconfig": "kube.yaml"}, "absolute"),
                          ({**good, "gang": "yunikorn"}, "gang must be"), ({**good, "token": "x"}, "unknown"),
                          ({**good, "namespace": "Not_A_Label"}, "namespace"),
                          ({**good, "resource_names": {"no-such-kind": "x/y"}}, "no-such-kind")):
        with pytest.raises(InvalidInput, match=match):
            admin.create_cluster("east", engine="kubernetes", config=config)


def test_the_waiting_reason_is_the_first_waiting_pods_in_kubernetes_words() -> None:
    from suanli.engines.kubernetes import waiting_reason

    def pod(name: str, status: dict[str, Any]) -> dict[str, Any]:
        return {"metadata": {"name": name}, "status": status}

    unschedulable = {"phase": "Pending", "conditions": [
        {"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
         "message": "0/3 nodes are available: 3 Insufficient huawei.com/Ascend910."}]}
    running = {"phase": "Running"}
    assert waiting_reason([pod("b", unschedulable), pod("a", running)], 2) == (
        "waiting in Kubernetes: 1 of 2 pod(s) running; pod b is not scheduled "
        "(Unschedulable: 0/3 nodes are available: 3 Insufficient huawei.com/Ascend910.)")
    assert waiting_reason([pod("a", running), pod("b", {"phase": "Succeeded"})], 2) is None
    assert waiting_reason([pod("a", {"phase": "Pending"})], 1) == (
        "waiting in Kubernetes: 0 of 1 pod(s) running; pod a is pending")
