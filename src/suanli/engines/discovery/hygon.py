"""``hy-smi``: Hygon DCUs (the ROCm-derived tool; newer releases call the devices HCU).

Plain ``hy-smi`` prints a table of temperature, power, VRAM% and DCU% but neither the product nor
the memory size, so the engine runs ``hy-smi; hy-smi --showproductname --showmeminfo vram`` and
hands the parser both outputs together: ``DCU[i] : Card series: K100_AI`` and
``DCU[i] : vram Total Memory (B): ...`` lines then fill in model and memory. Without them the model
is ``DCU`` and the kind unknown.
"""

from __future__ import annotations

import re

from suanli.core.accelerators import AcceleratorTable
from suanli.engines.discovery.records import DiscoveredDevice, garbage, match_kind, number

TOOL = "hy-smi"
HYGON_COMMANDS = (("hy-smi",), ("hy-smi", "--showproductname", "--showmeminfo", "vram"))
_HEADER = re.compile(r"^\s*(DCU|HCU|GPU)\s+Temp\b")
_KEY_VALUE = re.compile(r"^\s*(?:DCU|HCU|GPU)\[(\d+)\]\s*:\s*(.+?)\s*:\s*(.*?)\s*$")
_HEALTHY_MODES = frozenset({"NORMAL"})


def parse_hy_smi(text: str, table: AcceleratorTable | None = None) -> list[DiscoveredDevice]:
    """Devices from hy-smi's default table, enriched by product and memory lines where present."""
    if not text.strip():
        return []
    columns: list[str] | None = None
    rows: dict[int, tuple[int, dict[str, str]]] = {}
    info: dict[int, dict[str, str]] = {}
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("="):
            continue
        if _HEADER.match(line):
            columns = [c.upper() for c in line.split()]
            continue
        kv = _KEY_VALUE.match(line)
        if kv:
            info.setdefault(int(kv.group(1)), {})[kv.group(2).lower()] = kv.group(3)
            continue
        cells = line.split()
        if columns is not None and cells[0].isdigit():
            if len(cells) != len(columns):
                raise garbage(TOOL, f"expected {len(columns)} columns, found {len(cells)}", line_no, line)
            rows[int(cells[0])] = (line_no, dict(zip(columns, cells, strict=True)))
            continue
        raise garbage(TOOL, "not a table row, a header or a 'DCU[i] : key: value' line", line_no, line)
    if not rows:
        raise garbage(TOOL, "no device table ('DCU  Temp  AvgPwr ...')")
    devices = []
    for index, (line_no, row) in sorted(rows.items()):
        extra = info.get(index, {})
        model = extra.get("card series") or extra.get("card sku") or "DCU"
        try:
            total_b = number(extra.get("vram total memory (b)"))
            used_b = number(extra.get("vram total used memory (b)"))
            memory = None if total_b is None else int(total_b) // (1 << 20)
            busy = row.get("DCU%", row.get("HCU%", row.get("GPU%")))
            mode = row.get("MODE")
            devices.append(DiscoveredDevice(
                index=index,
                vendor="hygon",
                model=model,
                kind=match_kind("hygon", model, memory, table) if model != "DCU" else None,
                memory_mib=memory,
                memory_used_mib=None if used_b is None else int(used_b) // (1 << 20),
                utilization_pct=number(busy),
                temperature_c=number(row.get("TEMP")),
                power_w=number(row.get("AVGPWR")),
                health=mode,
                healthy=None if mode is None else mode.upper() in _HEALTHY_MODES,
                extra={k: v for k, v in (("vram_pct", row.get("VRAM%")),
                                         ("card_model", extra.get("card model"))) if v is not None},
            ))
        except ValueError as exc:
            raise garbage(TOOL, str(exc), line_no) from None
    return devices
