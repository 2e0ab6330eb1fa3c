"""Render a :class:`KubernetesJobSpec` into the objects to apply: PodGroup, Service, Job.

Plain dicts in the shape of the API (camelCase), so the engine can hand them to the kubernetes
client or dump them as YAML; the tests check them against the client's models.

One node: a plain ``batch/v1`` Job with one pod. Several nodes: an Indexed Job (``completions`` =
``parallelism`` = nodes) whose pods find each other through a headless Service: pod ``i`` is
``NAME-i.NAME.NAMESPACE.svc`` and learns its rank from the completion index.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from suanli.core.accelerators import AcceleratorTable, default_table, kind_of
from suanli.engines.kubernetes_render.resources import resource_name_for
from suanli.engines.kubernetes_render.spec import KubernetesJobSpec, RenderOptions

Manifest = dict[str, Any]
MANAGED_BY = "suanli"
VOLCANO_GROUP_ANNOTATION = "scheduling.k8s.io/group-name"
KUEUE_QUEUE_LABEL = "kueue.x-k8s.io/queue-name"
KUEUE_PRIORITY_LABEL = "kueue.x-k8s.io/priority-class"
_INDEX_ANNOTATION = "batch.kubernetes.io/job-completion-index"


@dataclass(frozen=True, slots=True)
class RenderedJob:
    """The objects of one job, each a manifest dict; :meth:`objects` lists them in apply order."""

    job: Manifest
    service: Manifest | None
    pod_group: Manifest | None

    def objects(self) -> list[Manifest]:
        """PodGroup first (Volcano must see it before the pods), then the Service, then the Job."""
        return [o for o in (self.pod_group, self.service, self.job) if o is not None]

    def to_yaml(self) -> str:
        """All objects as one multi-document YAML, for ``kubectl apply -f -``."""
        return yaml.safe_dump_all(self.objects(), sort_keys=False)


def _labels(spec: KubernetesJobSpec, options: RenderOptions) -> dict[str, str]:
    labels = {"app.kubernetes.io/managed-by": MANAGED_BY, "suanli.io/job": spec.name, **spec.labels}
    if spec.tenant:
        labels["suanli.io/tenant"] = spec.tenant
    if spec.queue:
        labels["suanli.io/queue"] = spec.queue
    if options.gang == "kueue":
        if spec.queue:
            labels[KUEUE_QUEUE_LABEL] = spec.queue
        if spec.priority_class:
            labels[KUEUE_PRIORITY_LABEL] = spec.priority_class
    return labels


def _env(spec: KubernetesJobSpec, options: RenderOptions, ckpt_dir: str | None) -> list[Manifest]:
    env: list[Manifest] = [{"name": k, "value": v} for k, v in sorted(spec.env.items())]
    env.append({"name": "SUANLI_JOB", "value": spec.name})
    env.append({"name": "SUANLI_RESTART_COUNT", "value": str(spec.restart_count)})
    if ckpt_dir:
        env.append({"name": "SUANLI_CHECKPOINT_DIR", "value": ckpt_dir})
    if spec.nodes > 1:
        leader = f"{spec.name}-0.{spec.name}.{spec.namespace}.svc"

        def rank() -> Manifest:  # a fresh dict each time, so YAML output has no anchors
            return {"fieldRef": {"fieldPath": f"metadata.annotations['{_INDEX_ANNOTATION}']"}}
        env += [
            {"name": "SUANLI_NNODES", "value": str(spec.nodes)},
            {"name": "SUANLI_NODE_RANK", "valueFrom": rank()},
            {"name": "SUANLI_MASTER_ADDR", "value": leader},
            {"name": "SUANLI_MASTER_PORT", "value": str(options.rendezvous_port)},
            # torchrun's and most launchers' names for the same facts.
            {"name": "NNODES", "value": str(spec.nodes)},
            {"name": "NODE_RANK", "valueFrom": rank()},
            {"name": "MASTER_ADDR", "value": leader},
            {"name": "MASTER_PORT", "value": str(options.rendezvous_port)},
        ]
    return env


def _placement(spec: KubernetesJobSpec, options: RenderOptions,
               resource: str | None) -> tuple[dict[str, str], list[Manifest], Manifest | None]:
    selector: dict[str, str] = {}
    tolerations: list[Manifest] = []
    if spec.accelerator_kind and spec.accelerators_per_node:
        selector[options.accelerator_label] = spec.accelerator_kind
        if options.tolerate_accelerator_taints and resource:
            # Accelerator nodes are commonly tainted with their resource name to keep others off.
            tolerations.append({"key": resource, "operator": "Exists", "effect": "NoSchedule"})
    affinity: Manifest | None = None
    if spec.interconnect_domain:
        selector[options.interconnect_label] = spec.interconnect_domain
        tolerations.append({"key": options.interconnect_label, "operator": "Equal",
                            "value": spec.interconnect_domain, "effect": "NoSchedule"})
    elif spec.nodes > 1 and options.same_domain_for_multinode:
        affinity = {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [{
            "labelSelector": {"matchLabels": {"suanli.io/job": spec.name}},
            "topologyKey": options.interconnect_label,
        }]}}
    return selector, tolerations, affinity


def render_job(spec: KubernetesJobSpec, options: RenderOptions | None = None,
               table: AcceleratorTable | None = None) -> RenderedJob:
    """The Kubernetes objects that run ``spec``; raises ``InvalidInput`` for a job they cannot express."""
    opts = options or RenderOptions()
    t = table or default_table()
    spec.validate()
    resource = None
    if spec.accelerator_kind:
        kind_of(spec.accelerator_kind, t)  # an unknown kind is an error even with zero devices
        resource = resource_name_for(spec.accelerator_kind, t, opts.resource_names)
    labels = _labels(spec, opts)
    ckpt_dir = opts.checkpoint_mount if spec.checkpoint_pvc else None

    limits: dict[str, str] = {}
    requests: dict[str, str] = {}
    if resource and spec.accelerators_per_node:
        limits[resource] = str(spec.accelerators_per_node)  # extended resources: limits imply requests
    for name, value in (("cpu", spec.cpu), ("memory", spec.memory)):
        if value:
            requests[name] = limits[name] = value
    container: Manifest = {"name": "main", "image": spec.image, "command": list(spec.command),
                           "env": _env(spec, opts, ckpt_dir)}
    if limits or requests:
        container["resources"] = {k: v for k, v in (("limits", limits), ("requests", requests)) if v}
    pod: Manifest = {"restartPolicy": "Never", "containers": [container]}
    if spec.checkpoint_pvc:
        mount: Manifest = {"name": "checkpoints", "mountPath": opts.checkpoint_mount}
        if spec.checkpoint_subpath:
            mount["subPath"] = spec.checkpoint_subpath
        container["volumeMounts"] = [mount]
        pod["volumes"] = [{"name": "checkpoints",
                           "persistentVolumeClaim": {"claimName": spec.checkpoint_pvc}}]
    selector, tolerations, affinity = _placement(spec, opts, resource)
    if selector:
        pod["nodeSelector"] = selector
    if tolerations:
        pod["tolerations"] = tolerations
    if affinity:
        pod["affinity"] = affinity
    if spec.priority_class:
        pod["priorityClassName"] = spec.priority_class
    if opts.service_account:
        pod["serviceAccountName"] = opts.service_account
    pod_meta: Manifest = {"labels": dict(labels)}
    if opts.gang == "volcano":
        pod["schedulerName"] = opts.volcano_scheduler_name
        pod_meta["annotations"] = {VOLCANO_GROUP_ANNOTATION: spec.name}
    if spec.nodes > 1:
        pod["subdomain"] = spec.name

    job_spec: Manifest = {"backoffLimit": 0, "template": {"metadata": pod_meta, "spec": pod}}
    if spec.nodes > 1:
        job_spec.update({"completionMode": "Indexed", "completions": spec.nodes, "parallelism": spec.nodes})
    if spec.max_runtime_s:
        job_spec["activeDeadlineSeconds"] = spec.max_runtime_s
    if opts.gang == "kueue":
        job_spec["suspend"] = True  # Kueue unsuspends the Job when its queue admits all of it
    meta: Manifest = {"name": spec.name, "namespace": spec.namespace, "labels": labels}
    job: Manifest = {"apiVersion": "batch/v1", "kind": "Job", "metadata": meta, "spec": job_spec}

    service = None
    if spec.nodes > 1:
        service = {"apiVersion": "v1", "kind": "Service",
                   "metadata": {"name": spec.name, "namespace": spec.namespace, "labels": dict(labels)},
                   "spec": {"clusterIP": "None", "publishNotReadyAddresses": True,
                            "selector": {"suanli.io/job": spec.name},
                            "ports": [{"name": "rendezvous", "port": opts.rendezvous_port}]}}
    pod_group = _pod_group(spec, opts, resource, labels, requests) if opts.gang == "volcano" else None
    return RenderedJob(job=job, service=service, pod_group=pod_group)


def _pod_group(spec: KubernetesJobSpec, opts: RenderOptions, resource: str | None,
               labels: dict[str, str], requests: dict[str, str]) -> Manifest:
    """Volcano's gang: no pod starts until all ``nodes`` pods (and their devices) fit at once."""
    min_resources: dict[str, str] = {}
    if resource and spec.accelerators_per_node:
        min_resources[resource] = str(spec.accelerators_per_node * spec.nodes)
    if "cpu" in requests and requests["cpu"].isdigit():
        min_resources["cpu"] = str(int(requests["cpu"]) * spec.nodes)
    group: Manifest = {"minMember": spec.nodes, "queue": spec.queue or opts.default_volcano_queue}
    if spec.priority_class:
        group["priorityClassName"] = spec.priority_class
    if min_resources:
        group["minResources"] = min_resources
    return {"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "PodGroup",
            "metadata": {"name": spec.name, "namespace": spec.namespace, "labels": dict(labels)},
            "spec": group}
