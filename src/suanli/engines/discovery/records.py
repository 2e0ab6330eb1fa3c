"""What discovery produces: one record per device, and the matching of a tool's model name to a kind."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from suanli.core.accelerators import AcceleratorTable, default_table
from suanli.core.errors import InvalidInput

# A reported memory size within this fraction of a kind's published size is that kind. Tools report
# usable memory (H100: 81559 MiB of 80 GiB; a 310P chip: 21527 MB of 24 GB), so some slack is needed;
# more would let an H100 NVL (94 GB) pass for an H100 SXM (80 GB).
MEMORY_TOLERANCE = 0.15


class DiscoveryError(InvalidInput):
    """A discovery tool's output could not be read: the message names the tool, the line and why."""

    code = "discovery_output_invalid"


@dataclass(frozen=True, slots=True)
class DiscoveredDevice:
    """One accelerator as a discovery tool reported it.

    ``index`` is the number a process puts in the vendor's visible-devices variable. ``kind`` is the
    accelerator table's name for it when model and memory match one entry, else ``None`` (the
    operator then maps ``model`` by hand or extends the table). Fields the tool did not report are
    ``None``; ``health`` is the tool's own word and ``healthy`` suanli's reading of it.
    """

    index: int
    vendor: str
    model: str
    kind: str | None
    memory_mib: int | None
    memory_used_mib: int | None = None
    utilization_pct: float | None = None
    temperature_c: float | None = None
    power_w: float | None = None
    health: str | None = None
    healthy: bool | None = None
    bus_id: str | None = None
    uuid: str | None = None
    extra: dict[str, str] = field(default_factory=dict, compare=False)


def _tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[^0-9A-Za-z]+", text.upper()) if t]


def _key_token(model: str) -> str | None:
    """The part of a table model name that identifies the chip: its first token with a digit."""
    return next((t for t in _tokens(model) if any(c.isdigit() for c in t)), None)


def _names_chip(reported: list[str], key: str) -> bool:
    for t in reported:
        if t == key:
            return True
        # "910B" names the 910B3 and "Z100" the Z100L, but "H20" must not name the H200: a variant
        # suffix must switch between letters and digits, never extend the key's last run.
        if t.startswith(key) and len(t) > len(key) and key[-1].isalpha() != t[len(key)].isalpha():
            return True
    return False


def match_kind(vendor: str, model: str, memory_mib: int | None,
               table: AcceleratorTable | None = None) -> str | None:
    """The table's kind for a device of ``vendor`` reported as ``model`` with ``memory_mib``.

    Candidates are the vendor's kinds whose chip name appears in ``model``; memory, where known,
    must be within :data:`MEMORY_TOLERANCE` of the kind's and picks the closest (A100 80 GB vs 40 GB).
    """
    t = table or default_table()
    reported = _tokens(model)
    best: tuple[float, str] | None = None
    for kind in t.kinds.values():
        key = _key_token(kind.model)
        if kind.vendor != vendor or key is None or not _names_chip(reported, key):
            continue
        if memory_mib is None:
            distance = 0.0
        else:
            published_mib = kind.memory_gb * 1024
            distance = abs(memory_mib - published_mib) / published_mib
            if distance > MEMORY_TOLERANCE:
                continue
        if best is None or distance < best[0]:
            best = (distance, kind.name)
    return best[1] if best else None


def vendor_for_tool(tool: str, table: AcceleratorTable | None = None) -> str:
    """The vendor whose discovery tool is ``tool`` (``npu-smi`` -> ``ascend``)."""
    t = table or default_table()
    for v in t.vendors.values():
        if v.discovery_tool == tool:
            return v.name
    raise DiscoveryError(f"no vendor in the accelerator table uses the discovery tool {tool!r}",
                         details={"known": sorted(v.discovery_tool for v in t.vendors.values())})


_NOT_AVAILABLE = frozenset({"N/A", "NA", "NOT SUPPORTED", "-", "UNKNOWN", "INSUFFICIENT PERMISSIONS"})


def number(text: str | None) -> float | None:
    """A float from a tool's cell (units and ``%`` stripped); ``None`` for N/A-like cells."""
    if text is None:
        return None
    s = text.strip()
    if not s or s.strip("[]").upper() in _NOT_AVAILABLE:
        return None
    m = re.fullmatch(r"([-+]?\d+(?:\.\d+)?)\s*([A-Za-z%/]*)", s)
    if not m:
        raise ValueError(f"not a number: {text!r}")
    return float(m.group(1))


def integer(text: str | None) -> int | None:
    """An int from a tool's cell, as :func:`number` reads it."""
    n = number(text)
    return None if n is None else int(n)


def garbage(tool: str, why: str, line_no: int | None = None, line: str | None = None) -> DiscoveryError:
    """The error for unreadable output; shows the offending line (cut short) when there is one."""
    where = f" at line {line_no}" if line_no is not None else ""
    shown = f": {line.strip()[:120]!r}" if line is not None else ""
    return DiscoveryError(f"cannot read {tool} output{where}: {why}{shown}",
                          details={"tool": tool, "line": line_no})
