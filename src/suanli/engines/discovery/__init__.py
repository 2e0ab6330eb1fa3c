"""Accelerator discovery: pure parsers from a vendor tool's text output to device records.

Each vendor's tool (named in the accelerator table) has one parser; :func:`parse` picks it by tool
name. Parsers take text and return :class:`DiscoveredDevice` records; they run nothing, so the
engines run the commands in :data:`DISCOVERY_COMMANDS` (locally, over SSH, in a DaemonSet) and the
parsers are tested on recorded outputs. Empty output means no devices; output that is not the
tool's raises :class:`DiscoveryError` naming the line.
"""

from __future__ import annotations

from collections.abc import Callable

from suanli.core.accelerators import AcceleratorTable
from suanli.engines.discovery.ascend import NPU_COMMAND, parse_npu_smi_info
from suanli.engines.discovery.cambricon import CAMBRICON_COMMAND, parse_cnmon
from suanli.engines.discovery.hygon import HYGON_COMMANDS, parse_hy_smi
from suanli.engines.discovery.kunlunxin import KUNLUNXIN_COMMAND, parse_xpu_smi
from suanli.engines.discovery.nvidia import NVIDIA_COMMAND, NVIDIA_FIELDS, parse_nvidia_smi
from suanli.engines.discovery.records import (
    MEMORY_TOLERANCE,
    DiscoveredDevice,
    DiscoveryError,
    match_kind,
    vendor_for_tool,
)

Parser = Callable[[str, AcceleratorTable | None], list[DiscoveredDevice]]

PARSERS: dict[str, Parser] = {
    "nvidia-smi": lambda text, table: parse_nvidia_smi(text, table=table),
    "npu-smi": parse_npu_smi_info,
    "hy-smi": parse_hy_smi,
    "cnmon": parse_cnmon,
    "xpu-smi": parse_xpu_smi,
    "xpu_smi": parse_xpu_smi,
}

# What to run for each tool; the outputs of a tool's commands are joined with newlines and parsed
# together (hy-smi needs two invocations to tell model and memory).
DISCOVERY_COMMANDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "nvidia-smi": (NVIDIA_COMMAND,),
    "npu-smi": (NPU_COMMAND,),
    "hy-smi": HYGON_COMMANDS,
    "cnmon": (CAMBRICON_COMMAND,),
    "xpu-smi": (KUNLUNXIN_COMMAND,),
}


def parse(tool: str, text: str, table: AcceleratorTable | None = None) -> list[DiscoveredDevice]:
    """Parse ``text`` printed by ``tool`` (a ``discovery_tool`` of the accelerator table)."""
    try:
        parser = PARSERS[tool]
    except KeyError:
        raise DiscoveryError(f"no parser for discovery tool {tool!r}",
                             details={"known": sorted(PARSERS)}) from None
    return parser(text, table)


__all__ = [
    "DISCOVERY_COMMANDS",
    "MEMORY_TOLERANCE",
    "NVIDIA_FIELDS",
    "PARSERS",
    "DiscoveredDevice",
    "DiscoveryError",
    "match_kind",
    "parse",
    "parse_cnmon",
    "parse_hy_smi",
    "parse_npu_smi_info",
    "parse_nvidia_smi",
    "parse_xpu_smi",
    "vendor_for_tool",
]
