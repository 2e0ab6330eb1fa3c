"""What the Kubernetes renderer takes: a job as suanli sees it, and how the cluster wants it dressed."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from suanli.core.errors import InvalidInput

GangScheduler = Literal["volcano", "kueue", "none"]

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")
_LABEL_KEY = re.compile(r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")


@dataclass(frozen=True, slots=True)
class KubernetesJobSpec:
    """One suanli job to run on Kubernetes: the same on every node, ``nodes`` pods wide.

    ``accelerators_per_node`` devices of ``accelerator_kind`` (a kind of the accelerator table) go to
    each pod. ``restart_count`` is how many times suanli has started this job before: Kubernetes
    does not retry it (``backoffLimit`` 0) because suanli's restart policy decides, and passes the
    count on as ``SUANLI_RESTART_COUNT``.
    """

    name: str
    image: str
    command: tuple[str, ...]
    namespace: str = "default"
    env: Mapping[str, str] = field(default_factory=dict)
    accelerator_kind: str | None = None
    accelerators_per_node: int = 0
    nodes: int = 1
    cpu: str | None = None
    memory: str | None = None
    priority_class: str | None = None
    queue: str | None = None
    tenant: str | None = None
    checkpoint_pvc: str | None = None
    checkpoint_subpath: str | None = None
    interconnect_domain: str | None = None
    max_runtime_s: int | None = None
    restart_count: int = 0
    labels: Mapping[str, str] = field(default_factory=dict)

    def validate(self) -> None:
        """Raise :class:`InvalidInput` for what the API server would refuse, before it is sent."""
        problems: list[str] = []
        # Indexed pods are named NAME-INDEX and their hostnames must stay DNS labels (63 chars).
        longest = len(self.name) + (len(str(self.nodes - 1)) + 1 if self.nodes > 1 else 0)
        if not _DNS_LABEL.match(self.name) or longest > 63:
            problems.append(f"name {self.name!r} must be a DNS label (a-z, 0-9, '-') of at most "
                            f"{63 - (longest - len(self.name))} characters")
        if not _DNS_LABEL.match(self.namespace):
            problems.append(f"namespace {self.namespace!r} is not a DNS label")
        if not self.image.strip():
            problems.append("image is empty")
        if not self.command:
            problems.append("command is empty")
        if self.nodes < 1:
            problems.append(f"nodes must be at least 1, not {self.nodes}")
        if self.accelerators_per_node < 0:
            problems.append("accelerators_per_node must not be negative")
        if self.accelerators_per_node and not self.accelerator_kind:
            problems.append("accelerators_per_node is set but accelerator_kind is not")
        if self.max_runtime_s is not None and self.max_runtime_s < 1:
            problems.append("max_runtime_s must be at least 1")
        if self.restart_count < 0:
            problems.append("restart_count must not be negative")
        problems += [f"environment variable name {k!r} is invalid" for k in self.env
                     if not _ENV_NAME.match(k)]
        problems += [f"label key {k!r} is invalid" for k in self.labels if not _LABEL_KEY.match(k)
                     or len(k.rsplit("/", 1)[-1]) > 63]
        named = (("queue", self.queue), ("tenant", self.tenant), ("priority_class", self.priority_class),
                 ("interconnect_domain", self.interconnect_domain), *self.labels.items())
        for what, value in named:
            if value is not None and (len(value) > 63 or not _LABEL_VALUE.match(value)):
                problems.append(f"{what} {value!r} is not a valid Kubernetes label value")
        if problems:
            raise InvalidInput("cannot render this job for Kubernetes: " + "; ".join(problems),
                               details={"problems": problems})


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """How one cluster wants jobs rendered (kept per cluster, beside its kubeconfig).

    ``gang`` picks Volcano (a PodGroup and ``schedulerName: volcano``), Kueue (queue and priority
    labels on a suspended Job, admitted whole) or neither. ``resource_names`` overrides the
    extended-resource name per kind (for instance for HAMi or a newer device plugin).
    """

    gang: GangScheduler = "volcano"
    volcano_scheduler_name: str = "volcano"
    default_volcano_queue: str = "default"
    resource_names: Mapping[str, str] = field(default_factory=dict)
    accelerator_label: str = "suanli.io/accelerator-kind"
    interconnect_label: str = "suanli.io/interconnect-domain"
    # Without a named domain, pods of a multi-node job must still share one (NVLink/HCCS/RoCE island).
    same_domain_for_multinode: bool = True
    tolerate_accelerator_taints: bool = True
    checkpoint_mount: str = "/suanli/checkpoints"
    rendezvous_port: int = 29500
    service_account: str | None = None
