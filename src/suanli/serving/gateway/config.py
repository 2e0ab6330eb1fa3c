"""Gateway settings: rate limits, region locations and IP prefixes, prefix affinity, the wait queue.

From ``$SUANLI_GATEWAY_CONFIG`` (a YAML file) when set::

    limits: {key_rpm: 600, key_tpm: 200000, tenant_rpm: 3000, tenant_tpm: 1000000}
    regions: {cn-bj: [39.9, 116.4], cn-sh: [31.2, 121.5]}
    prefixes: {"10.1.0.0/16": cn-bj}
    default_region: cn-bj
    affinity: true
    queue: {capacity: 64, timeout_s: 60}
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from suanli.core.errors import InvalidInput
from suanli.serving.gateway.limits import Limits
from suanli.serving.routing import AffinityConfig, RegionMap, Router


@dataclass(frozen=True)
class GatewayConfig:
    """Everything a gateway process needs besides the database."""

    limits: Limits = field(default_factory=Limits.from_env)
    regions: RegionMap | None = None
    affinity: AffinityConfig | None = None
    queue_capacity: int = 64
    queue_timeout_s: float = 60.0
    refresh_s: float = 0.5
    max_body_bytes: int = 4 * 1024 * 1024

    def router(self) -> Router:
        return Router(regions=self.regions, affinity=self.affinity)

    @classmethod
    def from_env(cls) -> GatewayConfig:
        path = os.environ.get("SUANLI_GATEWAY_CONFIG")
        return cls.from_file(Path(path)) if path else cls()

    @classmethod
    def from_file(cls, path: Path) -> GatewayConfig:
        try:
            raw: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise InvalidInput(f"cannot read gateway config {path}: {exc}") from None
        if not isinstance(raw, dict):
            raise InvalidInput(f"gateway config {path} must be a mapping")
        config = cls()
        if isinstance(raw.get("limits"), dict):
            config = replace(config, limits=Limits(**{**vars_of(config.limits), **raw["limits"]}))
        if isinstance(raw.get("regions"), dict):
            locations = {str(k): (float(v[0]), float(v[1])) for k, v in raw["regions"].items()}
            config = replace(config, regions=RegionMap.build(locations, raw.get("prefixes"), raw.get("default_region")))
        if raw.get("affinity"):
            config = replace(config, affinity=AffinityConfig())
        queue = raw.get("queue") or {}
        return replace(
            config, queue_capacity=int(queue.get("capacity", 64)), queue_timeout_s=float(queue.get("timeout_s", 60.0))
        )


def vars_of(limits: Limits) -> dict[str, int]:
    return {
        "key_rpm": limits.key_rpm,
        "key_tpm": limits.key_tpm,
        "tenant_rpm": limits.tenant_rpm,
        "tenant_tpm": limits.tenant_tpm,
    }
