"""``nvidia-smi --query-gpu=... --format=csv[,noheader][,nounits]``."""

from __future__ import annotations

import csv
import re

from suanli.core.accelerators import AcceleratorTable
from suanli.engines.discovery.records import DiscoveredDevice, garbage, integer, match_kind, number

TOOL = "nvidia-smi"
# The query the engine runs; without a header the parser must be told the field order, so keep
# this tuple and the command in step (see NVIDIA_COMMAND).
NVIDIA_FIELDS = (
    "index", "name", "uuid", "memory.total", "memory.used", "utilization.gpu", "temperature.gpu",
    "power.draw", "pci.bus_id", "ecc.errors.uncorrected.volatile.total",
)
NVIDIA_COMMAND = ("nvidia-smi", f"--query-gpu={','.join(NVIDIA_FIELDS)}", "--format=csv,noheader,nounits")
_REQUIRED = ("index", "name")


def _header(row: list[str]) -> tuple[str, ...] | None:
    """Field names if ``row`` is nvidia-smi's csv header (``memory.total [MiB]`` -> ``memory.total``)."""
    names = tuple(re.sub(r"\s*\[[^\]]*\]$", "", c.strip()) for c in row)
    return names if "index" in names and "name" in names else None


def parse_nvidia_smi(text: str, fields: tuple[str, ...] = NVIDIA_FIELDS,
                     table: AcceleratorTable | None = None) -> list[DiscoveredDevice]:
    """Devices from nvidia-smi's csv output, with or without header and units.

    ``fields`` is the ``--query-gpu`` list when the output has no header; a header, when present,
    wins. Memory is in MiB. An uncorrected ECC error count above zero marks the device unhealthy.
    """
    if text.strip() in ("", "No devices were found"):
        return []
    rows = [(i, line) for i, line in enumerate(text.splitlines(), start=1) if line.strip()]
    first = next(csv.reader([rows[0][1]], skipinitialspace=True))
    header = _header(first)
    if header is not None:
        fields, rows = header, rows[1:]
    missing = [f for f in _REQUIRED if f not in fields]
    if missing:
        raise garbage(TOOL, f"the query lacks the fields {missing}")
    devices = []
    for line_no, line in rows:
        cells = next(csv.reader([line], skipinitialspace=True))
        if len(cells) != len(fields):
            raise garbage(TOOL, f"expected {len(fields)} comma-separated fields, found {len(cells)}",
                          line_no, line)
        row = dict(zip(fields, (c.strip() for c in cells), strict=True))
        try:
            index = int(row["index"])
            memory = integer(row.get("memory.total"))
            ecc = integer(row.get("ecc.errors.uncorrected.volatile.total"))
            device = DiscoveredDevice(
                index=index,
                vendor="nvidia",
                model=row["name"],
                kind=match_kind("nvidia", row["name"], memory, table),
                memory_mib=memory,
                memory_used_mib=integer(row.get("memory.used")),
                utilization_pct=number(row.get("utilization.gpu")),
                temperature_c=number(row.get("temperature.gpu")),
                power_w=number(row.get("power.draw")),
                health=None if ecc is None else ("OK" if ecc == 0 else f"{ecc} uncorrected ECC errors"),
                healthy=None if ecc is None else ecc == 0,
                bus_id=row.get("pci.bus_id"),
                uuid=row.get("uuid"),
            )
        except ValueError as exc:
            raise garbage(TOOL, str(exc), line_no, line) from None
        if not device.model:
            raise garbage(TOOL, "empty GPU name", line_no, line)
        devices.append(device)
    return devices
