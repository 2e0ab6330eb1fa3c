"""Which Kubernetes extended resource asks for a whole device of a kind."""

from __future__ import annotations

import re
from collections.abc import Mapping

from suanli.core.accelerators import AcceleratorTable, default_table, kind_of
from suanli.core.errors import InvalidInput

# Resources in the table that slice a device (memory, cores, shares) rather than count whole ones.
_SLICE_MARKERS = ("mem", "core", "share", "num")


def _whole_device(resource: str) -> bool:
    last = resource.rsplit("/", 1)[-1].lower()
    return not any(m in last for m in _SLICE_MARKERS)


def resource_name_for(kind: str, table: AcceleratorTable | None = None,
                      overrides: Mapping[str, str] | None = None) -> str:
    """The resource name for whole devices of ``kind``: an override, else the vendor's only
    whole-device resource, else (Ascend lists 910 and 310) the one that shares the chip's number."""
    if overrides and kind in overrides:
        return overrides[kind]
    t = table or default_table()
    k = kind_of(kind, t)
    candidates = [r for r in t.vendors[k.vendor].k8s_resources if _whole_device(r)]
    if not candidates:
        candidates = list(t.vendors[k.vendor].k8s_resources)
    if len(candidates) > 1:
        numbers = re.findall(r"\d{3,}", f"{k.model} {k.name}")
        for r in candidates:
            if any(n in r for n in numbers):
                return r
    if not candidates:
        raise InvalidInput(f"the accelerator table names no Kubernetes resource for vendor {k.vendor!r}")
    return candidates[0]
