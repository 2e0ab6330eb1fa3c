"""Reaching a cluster's engine. The server's own box is the ``local`` engine; a Ray, Slurm or Kubernetes
cluster is reached through the cluster's ``config`` (a Ray dashboard address, a ``slurm.conf`` path, ...).

Each remote engine registers a :class:`Connector` in :data:`CONNECTORS`: ``check`` validates a config when
an admin creates or changes the cluster (an :class:`~suanli.core.errors.InvalidInput` names what is wrong),
``connect`` builds the engine that the job controller drives. Connectors import their engine lazily, so an
optional dependency (Ray) is needed only where such a cluster exists.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from suanli.core.errors import InvalidInput
from suanli.engines.base import Engine

MAX_CONFIG_BYTES = 8192


@dataclass(frozen=True, slots=True)
class Connector:
    check: Callable[[Mapping[str, Any]], dict[str, Any]]
    connect: Callable[[Mapping[str, Any], Path], Engine]


CONNECTORS: dict[str, Connector] = {}


def _slurm_check(config: Mapping[str, Any]) -> dict[str, Any]:
    from suanli.engines import slurm_config

    return slurm_config.check(config)


def _slurm_connect(config: Mapping[str, Any], home: Path) -> Engine:
    from suanli.engines import slurm

    return slurm.connect(config, home)


CONNECTORS["slurm"] = Connector(check=_slurm_check, connect=_slurm_connect)


def _ray_check(config: Mapping[str, Any]) -> dict[str, Any]:
    from suanli.engines import ray_config

    return ray_config.check(config)


def _ray_connect(config: Mapping[str, Any], home: Path) -> Engine:
    from suanli.engines.ray import RayEngine
    from suanli.engines.ray_config import RayConfig

    return RayEngine(RayConfig.of(config))


CONNECTORS["ray"] = Connector(check=_ray_check, connect=_ray_connect)


def _kubernetes_check(config: Mapping[str, Any]) -> dict[str, Any]:
    from suanli.engines import kubernetes

    return kubernetes.check_config(config)


def _kubernetes_connect(config: Mapping[str, Any], home: Path) -> Engine:
    from suanli.engines import kubernetes

    return kubernetes.connect(config, home)


CONNECTORS["kubernetes"] = Connector(check=_kubernetes_check, connect=_kubernetes_connect)


def check_config(engine: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """The validated config of a cluster of ``engine``; engines without a connector take no config."""
    if len(json.dumps(config)) > MAX_CONFIG_BYTES:
        raise InvalidInput(f"a cluster's config must be at most {MAX_CONFIG_BYTES} bytes of JSON")
    connector = CONNECTORS.get(engine)
    if connector is None:
        if config:
            raise InvalidInput(f"{engine} clusters take no config")
        return {}
    return connector.check(config)


def connect(engine: str, config: Mapping[str, Any], home: Path) -> Engine | None:
    """The engine for a cluster, or None when this server has no connector for its kind."""
    connector = CONNECTORS.get(engine)
    return connector.connect(config, home) if connector else None
