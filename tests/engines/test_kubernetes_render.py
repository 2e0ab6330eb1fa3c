"""Rendered Kubernetes objects, checked against the official client's models (kubernetes==36.0.3).

A manifest is valid for a model when deserialising it into that model and serialising it back
gives the same dict: a misspelt or misplaced field is dropped on the way and the round trip differs,
a missing required field raises.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from kubernetes import client  # type: ignore[import-untyped]  # no stubs or py.typed in 36.0.3

from suanli.core.accelerators import default_table
from suanli.core.errors import InvalidInput
from suanli.engines.kubernetes_render import (
    KUEUE_PRIORITY_LABEL,
    KUEUE_QUEUE_LABEL,
    VOLCANO_GROUP_ANNOTATION,
    KubernetesJobSpec,
    RenderOptions,
    render_job,
    resource_name_for,
)

_API = client.ApiClient()


def conforms(manifest: dict[str, Any], model: str) -> None:
    # The client keeps its dict-to-model reader private; it is the one the client itself uses.
    obj = _API._ApiClient__deserialize(manifest, model)
    assert _API.sanitize_for_serialization(obj) == manifest


def pod(job: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = job["spec"]["template"]["spec"]
    return spec


def env(job: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in pod(job)["containers"][0]["env"]}


def spec(**kw: Any) -> KubernetesJobSpec:
    base: dict[str, Any] = {"name": "train-7", "image": "registry.local/suanli/tinygpt:0.1",
                            "command": ("python", "-m", "suanli.training.tinygpt")}
    return KubernetesJobSpec(**{**base, **kw})


def test_the_round_trip_check_catches_a_misspelt_field() -> None:
    job = render_job(spec()).job
    conforms(job, "V1Job")
    pod(job)["nodeSelecter"] = {"a": "b"}
    with pytest.raises(AssertionError):
        conforms(job, "V1Job")
    with pytest.raises(ValueError):
        conforms({"apiVersion": "batch/v1", "kind": "Job", "spec": {"template": {"spec": {
            "containers": [{"image": "x"}]}}}}, "V1Job")


def test_single_node_gpu_job_with_volcano() -> None:
    r = render_job(spec(accelerator_kind="nvidia-h100", accelerators_per_node=8, queue="team-a",
                        tenant="acme", priority_class="high", cpu="32", memory="256Gi",
                        env={"HF_HUB_OFFLINE": "1"}, max_runtime_s=7200, restart_count=2))
    conforms(r.job, "V1Job")
    assert r.service is None and r.pod_group is not None
    assert [o["kind"] for o in r.objects()] == ["PodGroup", "Job"]
    p = pod(r.job)
    res = p["containers"][0]["resources"]
    assert res["limits"] == {"nvidia.com/gpu": "8", "cpu": "32", "memory": "256Gi"}
    assert res["requests"] == {"cpu": "32", "memory": "256Gi"}
    assert p["schedulerName"] == "volcano" and p["priorityClassName"] == "high"
    assert r.job["spec"]["template"]["metadata"]["annotations"] == {VOLCANO_GROUP_ANNOTATION: "train-7"}
    assert p["nodeSelector"] == {"suanli.io/accelerator-kind": "nvidia-h100"}
    assert p["tolerations"] == [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    assert "completionMode" not in r.job["spec"] and "affinity" not in p
    assert r.job["spec"]["backoffLimit"] == 0 and r.job["spec"]["activeDeadlineSeconds"] == 7200
    assert env(r.job) == {"HF_HUB_OFFLINE": "1", "SUANLI_JOB": "train-7", "SUANLI_RESTART_COUNT": "2"}
    assert r.job["metadata"]["labels"]["suanli.io/tenant"] == "acme"
    group = r.pod_group
    assert group["apiVersion"] == "scheduling.volcano.sh/v1beta1"
    assert group["metadata"]["name"] == "train-7"
    assert group["spec"] == {"minMember": 1, "queue": "team-a", "priorityClassName": "high",
                             "minResources": {"nvidia.com/gpu": "8", "cpu": "32"}}


def test_multi_node_ascend_job_is_an_indexed_job_with_a_headless_service_and_a_gang() -> None:
    r = render_job(spec(accelerator_kind="ascend-910b", accelerators_per_node=8, nodes=4,
                        checkpoint_pvc="ckpt-acme", checkpoint_subpath="train-7"))
    conforms(r.job, "V1Job")
    assert r.service is not None and r.pod_group is not None
    conforms(r.service, "V1Service")
    assert [o["kind"] for o in r.objects()] == ["PodGroup", "Service", "Job"]
    js = r.job["spec"]
    assert (js["completionMode"], js["completions"], js["parallelism"]) == ("Indexed", 4, 4)
    p = pod(r.job)
    assert p["subdomain"] == r.service["metadata"]["name"] == "train-7"
    assert r.service["spec"]["clusterIP"] == "None"
    assert r.service["spec"]["selector"] == {"suanli.io/job": "train-7"}
    assert p["containers"][0]["resources"]["limits"] == {"huawei.com/Ascend910": "8"}
    e = env(r.job)
    assert e["SUANLI_MASTER_ADDR"] == e["MASTER_ADDR"] == "train-7-0.train-7.default.svc"
    assert e["SUANLI_NNODES"] == "4"
    assert e["SUANLI_NODE_RANK"]["fieldRef"]["fieldPath"] == (
        "metadata.annotations['batch.kubernetes.io/job-completion-index']")
    assert e["SUANLI_CHECKPOINT_DIR"] == "/suanli/checkpoints"
    assert p["volumes"] == [{"name": "checkpoints", "persistentVolumeClaim": {"claimName": "ckpt-acme"}}]
    assert p["containers"][0]["volumeMounts"] == [
        {"name": "checkpoints", "mountPath": "/suanli/checkpoints", "subPath": "train-7"}]
    # No domain named: the pods must still land in one interconnect domain.
    term = p["affinity"]["podAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0]
    assert term["topologyKey"] == "suanli.io/interconnect-domain"
    assert term["labelSelector"] == {"matchLabels": {"suanli.io/job": "train-7"}}
    assert r.pod_group["spec"]["minMember"] == 4
    assert r.pod_group["spec"]["minResources"] == {"huawei.com/Ascend910": "32"}
    assert r.pod_group["spec"]["queue"] == "default"


def test_named_interconnect_domain_selects_and_tolerates_it() -> None:
    r = render_job(spec(accelerator_kind="hygon-k100", accelerators_per_node=8, nodes=2,
                        interconnect_domain="rack-12"))
    conforms(r.job, "V1Job")
    p = pod(r.job)
    assert p["nodeSelector"] == {"suanli.io/accelerator-kind": "hygon-k100",
                                 "suanli.io/interconnect-domain": "rack-12"}
    assert {"key": "suanli.io/interconnect-domain", "operator": "Equal", "value": "rack-12",
            "effect": "NoSchedule"} in p["tolerations"]
    assert "affinity" not in p


def test_kueue_labels_a_suspended_job_and_makes_no_pod_group() -> None:
    opts = RenderOptions(gang="kueue", accelerator_label="node.suanli.io/kind")
    r = render_job(spec(accelerator_kind="cambricon-mlu370", accelerators_per_node=4, nodes=2,
                        queue="lq-acme", priority_class="batch-low"), opts)
    conforms(r.job, "V1Job")
    assert r.pod_group is None and [o["kind"] for o in r.objects()] == ["Service", "Job"]
    labels = r.job["metadata"]["labels"]
    assert labels[KUEUE_QUEUE_LABEL] == "lq-acme" and labels[KUEUE_PRIORITY_LABEL] == "batch-low"
    assert r.job["spec"]["suspend"] is True
    p = pod(r.job)
    assert "schedulerName" not in p
    assert "annotations" not in r.job["spec"]["template"]["metadata"]
    assert p["nodeSelector"] == {"node.suanli.io/kind": "cambricon-mlu370"}


def test_no_gang_and_no_accelerators() -> None:
    r = render_job(spec(cpu="2"), RenderOptions(gang="none", service_account="suanli-runner"))
    conforms(r.job, "V1Job")
    p = pod(r.job)
    assert r.objects() == [r.job]
    assert "nodeSelector" not in p and "tolerations" not in p and "schedulerName" not in p
    assert p["serviceAccountName"] == "suanli-runner"
    assert p["containers"][0]["resources"] == {"limits": {"cpu": "2"}, "requests": {"cpu": "2"}}
    assert KUEUE_QUEUE_LABEL not in r.job["metadata"]["labels"]


@pytest.mark.parametrize(("kind", "resource"), [
    ("nvidia-a100", "nvidia.com/gpu"),
    ("ascend-910b", "huawei.com/Ascend910"),
    ("ascend-310p", "huawei.com/Ascend310P"),
    ("hygon-z100", "hygon.com/dcu"),
    ("cambricon-mlu370", "cambricon.com/mlu"),
    ("kunlunxin-r200", "kunlunxin.com/xpu"),
])
def test_resource_names_come_from_the_accelerator_table(kind: str, resource: str) -> None:
    assert resource_name_for(kind) == resource


def test_every_kind_renders_and_overrides_win() -> None:
    for kind in default_table().kinds:
        conforms(render_job(spec(accelerator_kind=kind, accelerators_per_node=1)).job, "V1Job")
    opts = RenderOptions(resource_names={"ascend-310p": "huawei.com/Ascend310P"})
    job = render_job(spec(accelerator_kind="ascend-310p", accelerators_per_node=2), opts).job
    assert pod(job)["containers"][0]["resources"]["limits"] == {"huawei.com/Ascend310P": "2"}


def test_yaml_output_is_plain_and_loads_back() -> None:
    r = render_job(spec(accelerator_kind="nvidia-h800", accelerators_per_node=8, nodes=3))
    text = r.to_yaml()
    assert "&id" not in text and "*id" not in text
    assert list(yaml.safe_load_all(text)) == r.objects()


@pytest.mark.parametrize(("kw", "message"), [
    ({"name": "Train_7"}, "DNS label"),
    ({"name": "a" * 62, "nodes": 16}, "at most 60 characters"),
    ({"namespace": "Team A"}, "namespace"),
    ({"command": ()}, "command is empty"),
    ({"nodes": 0}, "nodes must be at least 1"),
    ({"accelerators_per_node": 2}, "accelerator_kind is not"),
    ({"env": {"1BAD": "x"}}, "environment variable"),
    ({"queue": "team a"}, "label value"),
    ({"labels": {"bad key!": "x"}}, "label key"),
    ({"max_runtime_s": 0}, "max_runtime_s"),
])
def test_jobs_kubernetes_would_refuse_are_refused_here(kw: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        render_job(spec(**kw))


def test_unknown_accelerator_kind_is_refused_with_the_known_ones() -> None:
    with pytest.raises(InvalidInput, match="unknown accelerator kind") as err:
        render_job(spec(accelerator_kind="tpu-v5", accelerators_per_node=4))
    assert "nvidia-h100" in err.value.details["known"]
