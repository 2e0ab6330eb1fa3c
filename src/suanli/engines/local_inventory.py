"""What accelerators this box has: declared fakes (``SUANLI_LOCAL_ACCELERATORS``) or the vendors' tools."""

from __future__ import annotations

import logging
import shutil
import subprocess

from suanli.core.accelerators import default_table, kind_of
from suanli.core.errors import InvalidInput
from suanli.engines.discovery import DISCOVERY_COMMANDS, DiscoveryError, parse

log = logging.getLogger("suanli.engines")

MAX_FAKE_DEVICES = 1024


def parse_declared(text: str) -> list[tuple[str, int]]:
    """``"nvidia-h100:8,ascend-910b:4"`` as ``[(kind, count), ...]``; kinds must be in the accelerator table."""
    out: list[tuple[str, int]] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        kind, _, count = part.partition(":")
        kind_of(kind.strip())
        try:
            n = int(count or "1")
        except ValueError:
            raise InvalidInput(f"bad accelerator declaration {part!r}: use KIND:COUNT, e.g. nvidia-h100:8") from None
        if not 0 < n <= MAX_FAKE_DEVICES:
            raise InvalidInput(f"bad accelerator count in {part!r}: 1 to {MAX_FAKE_DEVICES}")
        out.append((kind.strip(), n))
    return out


def discover() -> list[tuple[str, int]]:
    """Run each vendor's discovery tool that is installed and count the devices of each known kind."""
    counts: dict[str, int] = {}
    for vendor in default_table().vendors.values():
        tool = vendor.discovery_tool
        if not tool or shutil.which(tool) is None or tool not in DISCOVERY_COMMANDS:
            continue
        try:
            text = "\n".join(
                subprocess.run(list(cmd), capture_output=True, text=True, timeout=20, check=True).stdout
                for cmd in DISCOVERY_COMMANDS[tool]
            )
            for device in parse(tool, text):
                if device.kind is not None:
                    counts[device.kind] = counts.get(device.kind, 0) + 1
                else:
                    log.warning("%s reports %r, which the accelerator table does not know", tool, device.model)
        except (OSError, subprocess.SubprocessError, DiscoveryError) as exc:
            log.warning("accelerator discovery with %s failed: %s", tool, exc)
    return sorted(counts.items())
