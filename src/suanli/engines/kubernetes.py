"""The Kubernetes engine: suanli decides admission, order and placement; Kubernetes runs the pods.

A cluster's config (no secrets: the kubeconfig file holds the credentials, on the server's disk)::

    {"kubeconfig": "/etc/suanli/kube/east.yaml", "context": "east", "namespace": "suanli",
     "image": "registry.example/suanli/runtime:1", "gang": "volcano", "checkpoint_pvc": "checkpoints"}

Each start of a job is one Job named ``sl-<job id>-<start>`` (rendered by
:mod:`suanli.engines.kubernetes_render`: an Indexed Job, a headless Service for the rendezvous and a
Volcano PodGroup or Kueue labels for the gang), its pods pinned to the nodes the scheduler chose by
required node affinity on ``kubernetes.io/hostname``, one pod a node. The device plugin picks which
devices of a node a pod gets: Kubernetes offers no way to ask for particular device indices, so suanli
decides how many devices on which node, not which ones.

The API calls go through :class:`KubeApi`, a handful of verbs; :class:`ClientApi` implements them with
the official ``kubernetes`` client.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from suanli.core.accelerators import default_table, kind_of
from suanli.core.errors import InvalidInput
from suanli.engines.base import LaunchSpec, NodeReport, RunStatus
from suanli.engines.kubernetes_render import KubernetesJobSpec, Manifest, RenderOptions, render_job
from suanli.engines.kubernetes_render.spec import GangScheduler

log = logging.getLogger("suanli.engines.kubernetes")

HOSTNAME = "kubernetes.io/hostname"
JOB_ID_LABEL = "suanli.io/job-id"
START_LABEL = "suanli.io/start"
RACK_LABEL = "topology.kubernetes.io/zone"
GANGS: tuple[GangScheduler, ...] = ("volcano", "kueue", "none")
CONFIG_KEYS = {"kubeconfig", "context", "namespace", "image", "gang", "checkpoint_pvc", "resource_names"}


class KubeApi(Protocol):
    """The verbs the engine needs of a Kubernetes API server; objects are plain manifest dicts."""

    def create(self, manifest: Manifest) -> bool:
        """Create the object; False when one of that name already exists (a repeated submit)."""
        ...

    def delete(self, kind: str, namespace: str, name: str, *, grace_s: int | None) -> None:
        """Delete the object and what it owns; deleting an absent object is not an error."""
        ...

    def job(self, namespace: str, name: str) -> Manifest | None:
        """The Job with its status, or None."""
        ...

    def pods(self, namespace: str, selector: str) -> list[Manifest]:
        ...

    def log(self, namespace: str, pod: str) -> str:
        ...

    def nodes(self) -> list[Manifest]:
        ...


def check_config(config: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(config) - CONFIG_KEYS
    if unknown:
        raise InvalidInput(f"unknown kubernetes cluster settings: {', '.join(sorted(unknown))}",
                           details={"allowed": sorted(CONFIG_KEYS)})
    for key in ("kubeconfig", "image"):
        if not isinstance(config.get(key), str) or not config[key].strip():
            raise InvalidInput(f"a kubernetes cluster needs {key!r} (a kubeconfig path on the server; the image "
                               "its pods run)")
    if not Path(config["kubeconfig"]).is_absolute():
        raise InvalidInput("kubeconfig must be an absolute path on the server")
    if config.get("gang", "volcano") not in GANGS:
        raise InvalidInput(f"gang must be one of {', '.join(GANGS)}")
    for key in ("context", "namespace", "checkpoint_pvc"):
        if key in config and not isinstance(config[key], str):
            raise InvalidInput(f"{key} must be a string")
    names = config.get("resource_names", {})
    if not isinstance(names, dict) or not all(isinstance(v, str) for v in names.values()):
        raise InvalidInput("resource_names maps accelerator kinds to Kubernetes resource names")
    for kind in names:
        kind_of(kind)
    checked = dict(config)
    KubernetesJobSpec(name="check", image=checked["image"], command=("true",),
                      namespace=checked.get("namespace", "default")).validate()
    return checked


def connect(config: Mapping[str, Any], home: Path) -> KubernetesEngine:
    from kubernetes import config as kubeconfig  # type: ignore[import-untyped]

    api_client = kubeconfig.new_client_from_config(config_file=config["kubeconfig"], context=config.get("context"))
    return KubernetesEngine(ClientApi(api_client), config)


class KubernetesEngine:
    name = "kubernetes"

    def __init__(self, api: KubeApi, config: Mapping[str, Any]) -> None:
        self.api = api
        self.namespace: str = config.get("namespace", "default")
        self.image: str = config["image"]
        self.checkpoint_pvc: str | None = config.get("checkpoint_pvc")
        self.options = RenderOptions(gang=config.get("gang", "volcano"),
                                     resource_names=dict(config.get("resource_names", {})))

    def render(self, spec: LaunchSpec) -> list[Manifest]:
        """The objects of one start of a job, pinned to the scheduler's nodes."""
        counts = {len(devices) for _, devices in spec.devices}
        if len(counts) != 1:
            raise InvalidInput("the kubernetes engine runs a gang with the same number of devices on each node: "
                               "submit with --nodes so the scheduler spreads it evenly")
        nodes = [node for node, _ in spec.devices]
        name = _name(spec.job_id, spec.restart_count)
        rendered = render_job(KubernetesJobSpec(
            name=name, image=self.image, command=spec.command, namespace=self.namespace,
            env={**spec.env, "SUANLI_JOB_ID": spec.job_id, "SUANLI_TENANT": spec.tenant,
                 "SUANLI_ACCELERATOR_KIND": spec.kind},
            accelerator_kind=spec.kind, accelerators_per_node=counts.pop(), nodes=len(nodes),
            tenant=spec.tenant, checkpoint_pvc=self.checkpoint_pvc,
            checkpoint_subpath=f"{spec.tenant}/{spec.job_id}" if self.checkpoint_pvc else None,
            restart_count=spec.restart_count,
            labels={JOB_ID_LABEL: spec.job_id, START_LABEL: str(spec.restart_count)},
        ), self.options)
        pod = rendered.job["spec"]["template"]["spec"]
        pod["affinity"] = _pinned(nodes, name)
        return rendered.objects()

    def submit(self, spec: LaunchSpec) -> dict[str, Any]:
        name = _name(spec.job_id, spec.restart_count)
        for manifest in self.render(spec):
            if not self.api.create(manifest):  # a pass that crashed before it committed created it: adopt
                log.info("%s %s exists already: adopted", manifest["kind"], manifest["metadata"]["name"])
        return {"engine": self.name, "namespace": self.namespace, "name": name, "start": spec.restart_count}

    def status(self, job_id: str, handle: Mapping[str, Any]) -> RunStatus:
        job = self.api.job(handle["namespace"], handle["name"])
        if job is None:
            return RunStatus("lost", message="the Kubernetes Job is gone")
        status = job.get("status") or {}
        conditions = {c["type"]: c for c in status.get("conditions") or [] if c.get("status") == "True"}
        if "Complete" in conditions:
            return RunStatus("succeeded", exit_code=0)
        if "Failed" in conditions:
            reason = conditions["Failed"].get("reason", "")
            code = self._exit_code(handle)
            return RunStatus("failed", exit_code=code, message=f"Kubernetes: {reason}".strip(": "))
        spec = job.get("spec") or {}
        ranks = int(spec.get("completions") or spec.get("parallelism") or 1)
        if int(status.get("ready") or 0) >= ranks:
            return RunStatus("running")
        pods = self.api.pods(handle["namespace"], f"job-name={handle['name']}")
        waiting = waiting_reason(pods, ranks)
        return RunStatus("running") if waiting is None else RunStatus("starting", message=waiting)

    def _exit_code(self, handle: Mapping[str, Any]) -> int | None:
        for pod in self.api.pods(handle["namespace"], f"job-name={handle['name']}"):
            for container in (pod.get("status") or {}).get("containerStatuses") or []:
                code = ((container.get("state") or {}).get("terminated") or {}).get("exitCode")
                if code:
                    return int(code)
        return None

    def cancel(self, job_id: str, handle: Mapping[str, Any], *, force: bool = False) -> None:
        grace = 0 if force else None  # None: each pod's own terminationGracePeriodSeconds (SIGTERM first)
        for kind in ("Job", "Service", "PodGroup"):
            self.api.delete(kind, handle["namespace"], handle["name"], grace_s=grace)

    def logs(self, job_id: str, offset: int = 0, limit: int = 1 << 20) -> bytes:
        """The output of the rank-0 pod of the job's latest start."""
        pods = self.api.pods(self.namespace, f"{JOB_ID_LABEL}={job_id}")
        if not pods:
            return b""
        latest = max(pods, key=lambda p: (int(p["metadata"]["labels"].get(START_LABEL, "0")),
                                          p["metadata"].get("annotations", {}).get(_INDEX, "0") == "0"))
        text = self.api.log(self.namespace, latest["metadata"]["name"]).encode()
        return text[offset:offset + limit]

    def inventory(self) -> list[NodeReport]:
        """Ready, schedulable nodes with whole accelerators, their kind from the accelerator label."""
        reports = []
        table = default_table()
        for node in self.api.nodes():
            meta, spec, status = node["metadata"], node.get("spec") or {}, node.get("status") or {}
            labels = meta.get("labels") or {}
            ready = any(c["type"] == "Ready" and c["status"] == "True" for c in status.get("conditions") or [])
            kind = labels.get(self.options.accelerator_label)
            if not ready or spec.get("unschedulable") or kind not in table.kinds:
                continue
            resource = self._resource(kind)
            count = int((status.get("allocatable") or {}).get(resource, "0"))
            if count:
                reports.append(NodeReport(
                    name=meta["name"], kind=kind, count=count, memory_gb=table.kinds[kind].memory_gb,
                    interconnect_domain=labels.get(self.options.interconnect_label, ""),
                    rack=labels.get(RACK_LABEL, "rack-0")))
        return reports

    def _resource(self, kind: str) -> str:
        from suanli.engines.kubernetes_render import resource_name_for

        return resource_name_for(kind, overrides=self.options.resource_names)


_INDEX = "batch.kubernetes.io/job-completion-index"


def _name(job_id: str, start: int) -> str:
    return f"sl-{job_id.replace('_', '-')}-{start}"


def _pinned(nodes: list[str], name: str) -> Manifest:
    """Pods only on the chosen nodes, never two on one."""
    affinity: Manifest = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": HOSTNAME, "operator": "In", "values": sorted(nodes)}]}]}}}
    if len(nodes) > 1:
        affinity["podAntiAffinity"] = {"requiredDuringSchedulingIgnoredDuringExecution": [
            {"labelSelector": {"matchLabels": {"suanli.io/job": name}}, "topologyKey": HOSTNAME}]}
    return affinity


def waiting_reason(pods: list[Manifest], ranks: int) -> str | None:
    """Why a gang of ``ranks`` pods is not all running yet, in Kubernetes' own words; None once it is.

    A pod waits to be scheduled (``PodScheduled`` false: ``Unschedulable`` with the scheduler's message,
    for example no node with free GPUs, or a gang scheduler holding the group) or for its containers
    (``ContainerCreating``, ``ImagePullBackOff``...). Until every rank runs, the job is ``starting``.
    """
    started = [p for p in pods if (p.get("status") or {}).get("phase") in ("Running", "Succeeded", "Failed")]
    if len(started) >= ranks:
        return None
    head = f"waiting in Kubernetes: {len(started)} of {ranks} pod(s) running"
    for pod in sorted(pods, key=lambda p: p["metadata"]["name"]):
        status = pod.get("status") or {}
        if status.get("phase") not in (None, "Pending"):
            continue
        name = pod["metadata"]["name"]
        for c in status.get("conditions") or []:
            if c.get("type") == "PodScheduled" and c.get("status") == "False":
                return f"{head}; pod {name} is not scheduled ({c.get('reason', '')}: {c.get('message', '')})"
        for c in status.get("containerStatuses") or []:
            held = (c.get("state") or {}).get("waiting")
            if held:
                why = f"{held.get('reason', '')}: {held.get('message', '')}"
                return f"{head}; pod {name} waits for its container ({why})"
        return f"{head}; pod {name} is pending"
    return f"{head}; its pods are being created"


class ClientApi:
    """:class:`KubeApi` through the official client (kubernetes==36.0.3)."""

    _PODGROUP = ("scheduling.volcano.sh", "v1beta1", "podgroups")

    def __init__(self, api_client: Any) -> None:
        from kubernetes import client

        self.client = api_client
        self.batch = client.BatchV1Api(api_client)
        self.core = client.CoreV1Api(api_client)
        self.custom = client.CustomObjectsApi(api_client)
        self.ApiException = client.ApiException

    def _plain(self, obj: Any) -> Manifest:
        plain: Manifest = self.client.sanitize_for_serialization(obj)
        return plain

    def create(self, manifest: Manifest) -> bool:
        ns, kind = manifest["metadata"]["namespace"], manifest["kind"]
        try:
            if kind == "Job":
                self.batch.create_namespaced_job(ns, manifest)
            elif kind == "Service":
                self.core.create_namespaced_service(ns, manifest)
            elif kind == "PodGroup":
                self.custom.create_namespaced_custom_object(*self._PODGROUP[:2], ns, self._PODGROUP[2], manifest)
            else:
                raise ValueError(f"the kubernetes engine does not create {kind} objects")
        except self.ApiException as exc:
            if exc.status == 409:
                return False
            raise
        return True

    def delete(self, kind: str, namespace: str, name: str, *, grace_s: int | None) -> None:
        try:
            if kind == "Job":
                self.batch.delete_namespaced_job(name, namespace, grace_period_seconds=grace_s,
                                                 propagation_policy="Background")
            elif kind == "Service":
                self.core.delete_namespaced_service(name, namespace)
            elif kind == "PodGroup":
                group, version, plural = self._PODGROUP
                self.custom.delete_namespaced_custom_object(group, version, namespace, plural, name)
        except self.ApiException as exc:
            if exc.status != 404:
                raise

    def job(self, namespace: str, name: str) -> Manifest | None:
        try:
            return self._plain(self.batch.read_namespaced_job_status(name, namespace))
        except self.ApiException as exc:
            if exc.status == 404:
                return None
            raise

    def pods(self, namespace: str, selector: str) -> list[Manifest]:
        return [self._plain(p) for p in self.core.list_namespaced_pod(namespace, label_selector=selector).items]

    def log(self, namespace: str, pod: str) -> str:
        try:
            text: str = self.core.read_namespaced_pod_log(pod, namespace)
        except self.ApiException as exc:
            if exc.status in (400, 404):  # not started yet, or gone
                return ""
            raise
        return text

    def nodes(self) -> list[Manifest]:
        return [self._plain(n) for n in self.core.list_node().items]
