"""Accelerator vendors and kinds, loaded from a data table (``accelerators.yaml``).

A kind is a name such as ``nvidia-h100`` or ``ascend-910b``; its vendor says how a process is
given devices (the visible-devices variable), how Kubernetes names the resource, and which tool
discovers the devices. Adding a chip is an edit to the table, not to code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from suanli.core.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Vendor:
    name: str
    visible_devices_env: str
    k8s_resources: tuple[str, ...]
    discovery_tool: str
    domestic: bool


@dataclass(frozen=True, slots=True)
class AcceleratorKind:
    name: str
    vendor: str
    model: str
    memory_gb: int


@dataclass(frozen=True, slots=True)
class AcceleratorTable:
    vendors: dict[str, Vendor]
    kinds: dict[str, AcceleratorKind]

    def overridden(self, overrides: dict[str, Any]) -> AcceleratorTable:
        """A copy of this table with a cluster's own ``vendors``/``kinds`` entries laid over it."""
        merged = _parse(overrides, base=self)
        return merged


def _parse(raw: dict[str, Any], base: AcceleratorTable | None = None) -> AcceleratorTable:
    vendors = dict(base.vendors) if base else {}
    kinds = dict(base.kinds) if base else {}
    for name, v in (raw.get("vendors") or {}).items():
        vendors[name] = Vendor(
            name=name,
            visible_devices_env=str(v["visible_devices_env"]),
            k8s_resources=tuple(v.get("k8s_resources", ())),
            discovery_tool=str(v.get("discovery_tool", "")),
            domestic=bool(v.get("domestic", False)),
        )
    for name, k in (raw.get("kinds") or {}).items():
        if k["vendor"] not in vendors:
            raise InvalidInput(f"accelerator kind {name!r} names unknown vendor {k['vendor']!r}")
        kinds[name] = AcceleratorKind(
            name=name, vendor=str(k["vendor"]), model=str(k.get("model", name)), memory_gb=int(k["memory_gb"])
        )
    return AcceleratorTable(vendors=vendors, kinds=kinds)


@cache
def default_table() -> AcceleratorTable:
    """The table shipped with suanli."""
    text = resources.files("suanli.core").joinpath("accelerators.yaml").read_text(encoding="utf-8")
    return _parse(yaml.safe_load(text))


VENDORS = default_table().vendors


def kind_of(name: str, table: AcceleratorTable | None = None) -> AcceleratorKind:
    """The accelerator kind called ``name``; a clear error lists the known kinds otherwise."""
    t = table or default_table()
    try:
        return t.kinds[name]
    except KeyError:
        raise InvalidInput(
            f"unknown accelerator kind {name!r}", details={"known": sorted(t.kinds)}
        ) from None


def vendor_of(kind: str, table: AcceleratorTable | None = None) -> Vendor:
    """The vendor of an accelerator kind."""
    t = table or default_table()
    return t.vendors[kind_of(kind, t).vendor]
