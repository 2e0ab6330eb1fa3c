"""``npu-smi info``: Huawei Ascend NPUs (910B series with HBM, 310P cards with one or two chips).

The table shows each NPU as a line with name, health, power and temperature, followed by one line
per chip with its bus id, AI-core use and memory. When the chip header has a ``Device`` column
(multi-chip cards), the device number is the logical id that ``ASCEND_RT_VISIBLE_DEVICES`` takes;
otherwise the NPU id is. Memory is HBM where the header lists ``HBM-Usage(MB)``, else the chip's
``Memory-Usage(MB)``. The process table after the devices is ignored.
"""

from __future__ import annotations

import re

from suanli.core.accelerators import AcceleratorTable
from suanli.engines.discovery.records import DiscoveredDevice, garbage, match_kind, number

TOOL = "npu-smi"
NPU_COMMAND = ("npu-smi", "info")
_NPU_LINE = re.compile(r"^(\d+)\s+(\S+)$")
_CHIP_LINE = re.compile(r"^(\d+)(?:\s+(\d+))?$")
_BUS_ID = re.compile(r"^[0-9A-Fa-f]{4}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-7]$")
_PAIR = re.compile(r"(\d+)\s*/\s*(\d+)")
_HEALTHY = frozenset({"OK", "WARNING"})  # Warning: minor alarms, still schedulable


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def parse_npu_smi_info(text: str, table: AcceleratorTable | None = None) -> list[DiscoveredDevice]:
    """Devices (one per chip) from ``npu-smi info``."""
    if not text.strip():
        return []
    lines = text.splitlines()
    header = next((i for i, line in enumerate(lines) if re.search(r"\|\s*NPU\s+Name\s*\|", line)), None)
    if header is None or header + 1 >= len(lines):
        raise garbage(TOOL, "no 'NPU Name | Health' table header")
    chip_header = lines[header + 1]
    hbm = "HBM-Usage" in chip_header
    has_device_column = bool(re.search(r"\|\s*Chip\s+Device\s*\|", chip_header))
    devices: list[DiscoveredDevice] = []
    npu: tuple[int, str, str, list[str]] | None = None  # id, name, health, power/temp cells
    for line_no, line in enumerate(lines[header + 2 :], start=header + 3):
        if not line.startswith("|") or set(line) <= set("|=+- "):
            continue
        cells = _cells(line)
        if "Process id" in line or "Process name" in line:
            break
        if len(cells) < 3:
            raise garbage(TOOL, "expected three |-separated columns", line_no, line)
        npu_match, chip_match = _NPU_LINE.match(cells[0]), _CHIP_LINE.match(cells[0])
        if npu_match and not _BUS_ID.match(cells[1]):
            npu = (int(npu_match.group(1)), npu_match.group(2), cells[1], cells[2].split())
        elif chip_match and _BUS_ID.match(cells[1]):
            if npu is None:
                raise garbage(TOOL, "a chip line comes before any NPU line", line_no, line)
            devices.append(_device(npu, chip_match, cells, hbm, has_device_column, table, line_no, line))
        else:
            raise garbage(TOOL, "neither an NPU line nor a chip line", line_no, line)
    if not devices:
        raise garbage(TOOL, "the table lists no NPU")
    return devices


def _device(npu: tuple[int, str, str, list[str]], chip: re.Match[str], cells: list[str], hbm: bool,
            has_device_column: bool, table: AcceleratorTable | None, line_no: int,
            line: str) -> DiscoveredDevice:
    npu_id, name, health, power_temp = npu
    pairs = _PAIR.findall(cells[2])
    head = cells[2].split()
    if len(pairs) < (2 if hbm else 1) or not head:
        raise garbage(TOOL, "missing 'used / total' memory figures", line_no, line)
    used, total = pairs[-1] if hbm else pairs[0]
    try:
        index = int(chip.group(2)) if has_device_column and chip.group(2) else npu_id
        memory = int(total)
        return DiscoveredDevice(
            index=index,
            vendor="ascend",
            model=name,
            kind=match_kind("ascend", name, memory, table),
            memory_mib=memory,
            memory_used_mib=int(used),
            utilization_pct=number(head[0]),
            power_w=number(power_temp[0]) if power_temp else None,
            temperature_c=number(power_temp[1]) if len(power_temp) > 1 else None,
            health=health,
            healthy=health.upper() in _HEALTHY,
            bus_id=cells[1],
            extra={"npu_id": str(npu_id), "chip_id": chip.group(1)},
        )
    except ValueError as exc:
        raise garbage(TOOL, str(exc), line_no, line) from None
