"""A Ray cluster's config and how its nodes read as suanli nodes (pure: plain data in, plain data out).

A cluster's config::

    {"address": "http://10.0.0.1:8265",                 # the head's dashboard: the Jobs REST API
     "accelerator_types": {"A800": "nvidia-a100"},      # optional: Ray accelerator type -> suanli kind
     "resources": {"GPU": "nvidia-a100", "MLU": "cambricon-mlu370"},  # optional: Ray resource -> kind
     "python": "/opt/suanli/bin/python"}                # optional: the nodes' Python with suanli and Ray

``python`` runs each start's driver (:mod:`suanli.engines.ray_gang`) on the cluster; by default it is
the interpreter of the suanli server, right where the cluster's nodes share its installation.

A node's devices are its Ray resources of a device kind (``GPU``, ``NPU``, and any resource named in
``resources``). Their suanli kind is found, in order: from the node's ``accelerator_type:<T>`` resource
(which Ray sets on detected hardware) through ``accelerator_types`` or the built-in table below, provided
that kind's vendor is counted by that resource; else from ``resources``. Devices of no known kind are left
out (and said so), never guessed.

Node names are the node's IP address with dashes (``10-0-0-3``): stable across restarts of the Ray node
(whose node id changes) and a valid DNS label. A node with devices of two kinds reports the second as
``<name>-<kind>``, as the local engine does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from suanli.core.accelerators import default_table, kind_of
from suanli.core.errors import InvalidInput
from suanli.engines.base import NodeReport

RAY_TYPES: dict[str, str] = {
    "H100": "nvidia-h100", "H800": "nvidia-h800", "H20": "nvidia-h20", "A100": "nvidia-a100",
    "A100-80G": "nvidia-a100", "A100-40G": "nvidia-a100-40g", "L40S": "nvidia-l40s", "V100": "nvidia-v100",
    "Ascend910B": "ascend-910b", "Ascend910B4": "ascend-910b",
}
"""Ray's accelerator type names (``ray.util.accelerators``) that name a suanli kind."""

VENDOR_RESOURCES: dict[str, str] = {"nvidia": "GPU", "hygon": "GPU", "ascend": "NPU", "cambricon": "MLU",
                                    "kunlunxin": "XPU"}
"""The Ray resource that counts each vendor's devices (``GPU`` and ``NPU`` are Ray's own; the rest custom)."""

BUILTIN_DEVICE_RESOURCES = ("GPU", "NPU")
DOMAIN_LABEL = "suanli.io/interconnect-domain"
RACK_LABEL = "suanli.io/rack"
_KEYS = {"address", "accelerator_types", "resources", "python"}
_RESOURCE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,62}$")


@dataclass(frozen=True, slots=True)
class RayConfig:
    address: str
    accelerator_types: Mapping[str, str]
    resources: Mapping[str, str]
    python: str | None = None

    @classmethod
    def of(cls, config: Mapping[str, Any]) -> RayConfig:
        checked = check(config)
        return cls(checked["address"], checked.get("accelerator_types", {}), checked.get("resources", {}),
                   checked.get("python"))


@dataclass(frozen=True, slots=True)
class RayNode:
    """One Ray node as the state API lists it (``alive``: its state is ALIVE, else DEAD)."""

    ip: str
    resources: Mapping[str, float]
    labels: Mapping[str, str]
    alive: bool = True


@dataclass(frozen=True, slots=True)
class Target:
    """Where a suanli node's devices are in Ray: the node's IP and the resource that counts them."""

    ip: str
    resource: str


def check(config: Mapping[str, Any]) -> dict[str, Any]:
    """The validated config; an :class:`InvalidInput` says which key is wrong and why."""
    unknown = sorted(set(config) - _KEYS)
    if unknown:
        raise InvalidInput(f"unknown ray config key(s): {', '.join(unknown)}", details={"allowed": sorted(_KEYS)})
    address = config.get("address")
    if not isinstance(address, str) or not address:
        raise InvalidInput("a ray cluster needs config.address: the dashboard URL, e.g. http://10.0.0.1:8265")
    if address.startswith("ray://"):
        raise InvalidInput("config.address must be the dashboard's http(s) URL (the Jobs API), not a ray:// address")
    parts = urlsplit(address)
    if len(address) > 2048 or parts.scheme not in ("http", "https") or not parts.hostname or parts.query \
            or parts.fragment or parts.username or parts.password or not address.isprintable():
        raise InvalidInput("config.address must be an http(s) URL with a host and no credentials, e.g. "
                           "http://10.0.0.1:8265")
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number or out of range
    except ValueError:
        raise InvalidInput("config.address has an invalid port") from None
    out: dict[str, Any] = {"address": address.rstrip("/")}
    if "python" in config:
        python = config["python"]
        if not isinstance(python, str) or not python or len(python) > 1024 or not python.isprintable() \
                or python != python.strip():
            raise InvalidInput("config.python must name the Python (with suanli and Ray) on the cluster's nodes, "
                               "e.g. /opt/suanli/bin/python")
        out["python"] = python
    for key in ("accelerator_types", "resources"):
        if key in config:
            out[key] = _mapping(key, config[key])
    for name, kind in out.get("resources", {}).items():
        if name in ("CPU", "memory", "object_store_memory") or name.startswith(("node:", "accelerator_type:")):
            raise InvalidInput(f"config.resources: {name!r} is not a device resource")
        vendor = kind_of(kind).vendor
        if name in BUILTIN_DEVICE_RESOURCES and VENDOR_RESOURCES.get(vendor, name) != name:
            raise InvalidInput(f"config.resources: Ray's {name} resource cannot count {vendor} devices ({kind})")
    return out


def _mapping(key: str, value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping) or len(value) > 64:
        raise InvalidInput(f"config.{key} must be an object of at most 64 entries")
    out: dict[str, str] = {}
    for name, kind in value.items():
        if not isinstance(name, str) or not _RESOURCE_RE.match(name):
            raise InvalidInput(f"config.{key}: invalid name {name!r}")
        if not isinstance(kind, str):
            raise InvalidInput(f"config.{key}.{name} must name an accelerator kind")
        out[name] = kind_of(kind).name  # raises InvalidInput listing the known kinds
    return out


def node_name(ip: str) -> str:
    """The suanli name of the Ray node at ``ip`` (a DNS label)."""
    name = re.sub(r"[^a-z0-9]+", "-", ip.lower()).strip("-")
    return name[:63].strip("-") or "ray-node"


def devices(node: RayNode, config: RayConfig) -> tuple[list[tuple[str, str, int]], list[str]]:
    """The node's devices as (kind, Ray resource, count), and a note for each device resource left out."""
    types = [r.removeprefix("accelerator_type:") for r in node.resources if r.startswith("accelerator_type:")]
    found: list[tuple[str, str, int]] = []
    skipped: list[str] = []
    for resource in (*BUILTIN_DEVICE_RESOURCES, *(r for r in config.resources if r not in BUILTIN_DEVICE_RESOURCES)):
        count = int(node.resources.get(resource, 0))
        if count <= 0:
            continue
        kind = _typed_kind(types, resource, config) or config.resources.get(resource)
        if kind is None:
            skipped.append(f"{count} {resource} on {node.ip}: no kind known for accelerator type(s) "
                           f"{types or 'none'}; map it in config.accelerator_types or config.resources")
            continue
        found.append((kind, resource, count))
    return found, skipped


def _typed_kind(types: list[str], resource: str, config: RayConfig) -> str | None:
    for t in types:
        kind = config.accelerator_types.get(t) or RAY_TYPES.get(t)
        if kind is not None and VENDOR_RESOURCES.get(kind_of(kind).vendor) == resource:
            return kind
    return None


def inventory(nodes: list[RayNode], config: RayConfig) -> tuple[list[NodeReport], dict[str, Target], list[str]]:
    """Node reports for suanli, where each alive node's devices are in Ray, and notes on what was left out.

    A dead node (Ray keeps them listed) is reported unhealthy, so its jobs are requeued at once rather than
    after the cluster's heartbeat grace, unless an alive node has taken its address (a restarted node).
    """
    reports: dict[str, NodeReport] = {}
    targets: dict[str, Target] = {}
    notes: list[str] = []
    table = default_table()
    for node in sorted(nodes, key=lambda n: (not n.alive, n.ip)):
        base = node_name(node.ip)
        found, skipped = devices(node, config)
        if node.alive:
            notes.extend(skipped)
        for i, (kind, resource, count) in enumerate(found):
            name = base if i == 0 else f"{base}-{kind}"[:63]
            if name in reports:
                if node.alive:
                    notes.append(f"two alive Ray nodes at {node.ip}: only the first is used")
                continue
            reports[name] = NodeReport(
                name=name, kind=kind, count=count, memory_gb=table.kinds[kind].memory_gb,
                interconnect_domain=str(node.labels.get(DOMAIN_LABEL, ""))[:63],
                rack=str(node.labels.get(RACK_LABEL, "") or "rack-0")[:63], healthy=node.alive,
            )
            if node.alive:
                targets[name] = Target(node.ip, resource)
    return list(reports.values()), targets, notes
