"""A Slurm cluster's config in suanli: where its ``slurm.conf`` is and how its GRES map to accelerator kinds.

``{"slurm_conf": "/etc/slurm/slurm.conf", "partition": "gpu", "account": "ai", "output_dir": "/shared/suanli",
"bin_dir": "/usr/bin", "gres_kinds": {"gpu:a100": "nvidia-a100"}}``; only ``slurm_conf`` is required. No
secrets: Slurm authenticates this server through munge, whose socket ``slurm.conf`` names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from suanli.core.accelerators import kind_of
from suanli.core.errors import InvalidInput

KEYS = ("slurm_conf", "partition", "account", "output_dir", "bin_dir", "gres_kinds")
_SLURM_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_GRES_KEY = re.compile(r"^[A-Za-z0-9_.-]{1,64}(:[A-Za-z0-9_.-]{1,64})?$")


@dataclass(frozen=True, slots=True)
class SlurmConfig:
    slurm_conf: str
    partition: str | None = None
    account: str | None = None
    output_dir: str | None = None
    bin_dir: str | None = None
    gres_kinds: Mapping[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"slurm_conf": self.slurm_conf}
        for key in ("partition", "account", "output_dir", "bin_dir"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.gres_kinds:
            out["gres_kinds"] = dict(self.gres_kinds)
        return out


def parse(config: Mapping[str, Any]) -> SlurmConfig:
    """The config's values, each checked; an :class:`InvalidInput` names the first that is wrong."""
    unknown = sorted(set(config) - set(KEYS))
    if unknown:
        raise InvalidInput(f"unknown Slurm config key {unknown[0]!r}", details={"allowed": list(KEYS)})
    conf = _path(config, "slurm_conf")
    if conf is None:
        raise InvalidInput("a Slurm cluster needs slurm_conf: the path of its slurm.conf on this server")
    names = {}
    for key in ("partition", "account"):
        value = config.get(key)
        if value is not None and (not isinstance(value, str) or not _SLURM_NAME.match(value)):
            raise InvalidInput(f"{key} must be a Slurm name (letters, digits, '_', '.', '-')")
        names[key] = value
    kinds = config.get("gres_kinds") or {}
    if not isinstance(kinds, dict):
        raise InvalidInput("gres_kinds maps a GRES ('gpu:a100', 'a100' or 'gpu') to an accelerator kind")
    for key, kind in kinds.items():
        if not isinstance(key, str) or not _GRES_KEY.match(key) or not isinstance(kind, str):
            raise InvalidInput(f"bad gres_kinds entry {key!r}: use 'name:type' or 'type' -> kind")
        kind_of(kind)  # an unknown kind is an InvalidInput listing the known ones
    return SlurmConfig(slurm_conf=conf, partition=names["partition"], account=names["account"],
                       output_dir=_path(config, "output_dir"), bin_dir=_path(config, "bin_dir"),
                       gres_kinds=dict(kinds))


def check(config: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a config when a cluster is created: the values, and that ``slurm.conf`` is a file here."""
    parsed = parse(config)
    if not Path(parsed.slurm_conf).is_file():
        raise InvalidInput(f"slurm_conf {parsed.slurm_conf} is not a file on this server")
    if parsed.bin_dir is not None and not Path(parsed.bin_dir, "sbatch").is_file():
        raise InvalidInput(f"bin_dir {parsed.bin_dir} has no sbatch")
    return parsed.as_json()


def _path(config: Mapping[str, Any], key: str) -> str | None:
    value = config.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.startswith("/") or len(value) > 1024 or "\x00" in value \
            or any(part == ".." for part in value.split("/")):
        raise InvalidInput(f"{key} must be an absolute path without '..'")
    return value
