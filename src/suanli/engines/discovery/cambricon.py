"""``cnmon``: Cambricon MLUs.

Each card takes two table lines: ``Card VF Name Firmware | Bus-Id | Util Ecc-Error`` then
``Fan Temp Pwr:Usage/Cap | Memory-Usage | Mode Compute-Mode``. The process table is ignored. A
non-zero ECC error count marks the card unhealthy.
"""

from __future__ import annotations

import re

from suanli.core.accelerators import AcceleratorTable
from suanli.engines.discovery.records import DiscoveredDevice, garbage, match_kind

TOOL = "cnmon"
CAMBRICON_COMMAND = ("cnmon",)
_CARD = re.compile(r"^(\d+)\s+(?:(\S+)\s+)?(\S+)\s+(v\S+)$")
_UTIL = re.compile(r"^(\d+(?:\.\d+)?)%\s+(\d+|N/A)$")
_TEMP = re.compile(r"(\d+)C\b")
_POWER = re.compile(r"(\d+(?:\.\d+)?)\s*W\s*/")
_MEMORY = re.compile(r"(\d+)\s*MiB\s*/\s*(\d+)\s*MiB")


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def parse_cnmon(text: str, table: AcceleratorTable | None = None) -> list[DiscoveredDevice]:
    """Devices from cnmon's default table."""
    if not text.strip():
        return []
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("|===")), None)
    if start is None or not any("Card" in line and "Bus-Id" in line for line in lines[:start]):
        raise garbage(TOOL, "no 'Card ... | Bus-Id | Util' table header")
    devices: list[DiscoveredDevice] = []
    pending: tuple[int, str, list[str], re.Match[str]] | None = None
    for line_no, line in enumerate(lines[start + 1 :], start=start + 2):
        if "Processes:" in line:
            break
        if not line.startswith("|"):
            continue
        cells = _cells(line)
        if len(cells) != 3:
            raise garbage(TOOL, "expected three |-separated columns", line_no, line)
        card = _CARD.match(cells[0])
        if card:
            pending = (line_no, line, cells, card)
            continue
        if pending is None:
            raise garbage(TOOL, "a status line comes before its card line", line_no, line)
        devices.append(_device(pending, cells, line_no, line, table))
        pending = None
    if pending is not None:
        raise garbage(TOOL, "a card line has no status line after it", pending[0], pending[1])
    if not devices:
        raise garbage(TOOL, "the table lists no card")
    return devices


def _device(pending: tuple[int, str, list[str], re.Match[str]], status: list[str], line_no: int,
            line: str, table: AcceleratorTable | None) -> DiscoveredDevice:
    _, _, cells, card = pending
    util, memory = _UTIL.match(cells[2]), _MEMORY.search(status[1])
    if util is None or memory is None:
        raise garbage(TOOL, "no 'N%  ECC' figures or no 'used MiB/ total MiB'", line_no, line)
    temp, power = _TEMP.search(status[0]), _POWER.search(status[0])
    ecc = None if util.group(2) == "N/A" else int(util.group(2))
    name, total = card.group(3), int(memory.group(2))
    mode = status[2].split()
    return DiscoveredDevice(
        index=int(card.group(1)),
        vendor="cambricon",
        model=name,
        kind=match_kind("cambricon", name, total, table),
        memory_mib=total,
        memory_used_mib=int(memory.group(1)),
        utilization_pct=float(util.group(1)),
        temperature_c=float(temp.group(1)) if temp else None,
        power_w=float(power.group(1)) if power else None,
        health=None if ecc is None else ("OK" if ecc == 0 else f"{ecc} ECC errors"),
        healthy=None if ecc is None else ecc == 0,
        bus_id=cells[1],
        extra={"firmware": card.group(4), **({"mode": mode[0]} if mode else {})},
    )
