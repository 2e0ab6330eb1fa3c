"""``xpu-smi`` (also installed as ``xpu_smi``): Kunlunxin XPUs.

The tool prints ``Runtime Version``/``Driver Version`` lines and a whitespace-aligned table
(``DEVID  PCI Addr  Model  SN  INODE  State  UseRate  L3  Memory  Power(W)  Temp ...``). Cells with
spaces (``0 %``, ``0 / 32768 MB``) make column positions unreliable, so rows are read by pattern:
the last ``used / total MB`` pair is the device memory (the first is the L3 cache). State ``N``
is normal.
"""

from __future__ import annotations

import re

from suanli.core.accelerators import AcceleratorTable
from suanli.engines.discovery.records import DiscoveredDevice, garbage, match_kind

TOOL = "xpu-smi"
KUNLUNXIN_COMMAND = ("xpu-smi",)
_ROW = re.compile(
    r"^\s*(?P<index>\d+)\s+(?P<bus>[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7])\s+(?P<model>\S+)"
    r"\s+(?P<sn>\S+)\s+(?P<inode>/dev/\S+)\s+(?P<state>\S+)\s+(?P<use>\d+(?:\.\d+)?)\s*%"
)
_MB_PAIR = re.compile(r"(\d+)\s*/\s*(\d+)\s*MB")
_AFTER_MEMORY = re.compile(r"MB\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\b")


def parse_xpu_smi(text: str, table: AcceleratorTable | None = None) -> list[DiscoveredDevice]:
    """Devices from xpu-smi's default table."""
    if not text.strip():
        return []
    lines = text.splitlines()
    header = next((i for i, line in enumerate(lines) if "DEVID" in line and "Model" in line), None)
    if header is None:
        raise garbage(TOOL, "no 'DEVID ... Model' table header")
    devices = []
    for line_no, line in enumerate(lines[header + 1 :], start=header + 2):
        if not line.strip():
            continue
        row, pairs = _ROW.match(line), _MB_PAIR.findall(line)
        if row is None or not pairs:
            raise garbage(TOOL, "not a device row", line_no, line)
        used, total = (int(x) for x in pairs[-1])
        tail = _AFTER_MEMORY.findall(line)
        power, temp = (float(tail[-1][0]), float(tail[-1][1])) if tail else (None, None)
        state = row["state"]
        devices.append(DiscoveredDevice(
            index=int(row["index"]),
            vendor="kunlunxin",
            model=row["model"],
            kind=match_kind("kunlunxin", row["model"], total, table),
            memory_mib=total,
            memory_used_mib=used,
            utilization_pct=float(row["use"]),
            temperature_c=temp,
            power_w=power,
            health=state,
            healthy=state.upper() == "N",
            bus_id=row["bus"],
            extra={"serial": row["sn"], "device_file": row["inode"]},
        ))
    if not devices:
        raise garbage(TOOL, "the table lists no device")
    return devices
