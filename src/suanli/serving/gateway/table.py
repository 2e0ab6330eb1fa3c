"""The gateway's view of deployments and replicas, reloaded from the database every half second.

Replica objects live as long as their replica: a reload updates their state in place, so the
outstanding-request counts the event loop keeps on them are never lost or raced.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from suanli.serving.gateway.limits import Overrides
from suanli.state.db import Database
from suanli.state.models import Tenant
from suanli.state.serving import Deployment, GatewayRateLimit, Replica


@dataclass(eq=False)
class LiveReplica:
    """A replica as the router sees it (implements ``suanli.serving.routing.Replica``)."""

    id: str
    region: str
    url: str
    healthy: bool = True
    ready: bool = False
    draining: bool = False
    outstanding: int = 0
    capacity: int | None = None
    model_version_id: str | None = None
    failed_at: float = 0.0
    """When a connection to it last failed (monotonic); the gateway avoids it for a few seconds."""


@dataclass(eq=False)
class Served:
    """One deployment as clients address it: ``model`` is its name within the tenant."""

    id: str
    tenant_id: str
    tenant_name: str
    name: str
    regions: tuple[str, ...]
    upstream_model: str | None
    api_key_env: str | None
    created: int
    replicas: list[LiveReplica] = field(default_factory=list)


class ReplicaTable:
    """``(tenant id, model name) -> Served``, refreshed by :meth:`reload`."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.served: dict[tuple[str, str], Served] = {}
        self._replicas: dict[str, LiveReplica] = {}
        self._by_tenant_name: dict[tuple[str, str], Served] = {}
        self.rate_limits: dict[str, Overrides] = {}
        """Tenants' own gateway limits (``gateway_rate_limits`` rows), reloaded with the replicas."""

    def lookup(self, tenant_id: str, model: str) -> Served | None:
        return self.served.get((tenant_id, model))

    def lookup_qualified(self, tenant_name: str, model: str) -> Served | None:
        """``tenant/model``: how a platform operator addresses another tenant's deployment."""
        return self._by_tenant_name.get((tenant_name, model))

    def of_tenant(self, tenant_id: str) -> list[Served]:
        return sorted((s for (t, _), s in self.served.items() if t == tenant_id), key=lambda s: s.name)

    def reload(self) -> None:
        """Read active deployments and live replicas (runs in the gateway's background thread)."""
        with self.db.sessions() as s:
            deployments = s.execute(
                select(Deployment, Tenant.name)
                .join(Tenant, Tenant.id == Deployment.tenant_id)
                .where(Deployment.status == "active")
            ).all()
            replicas = s.scalars(select(Replica).where(Replica.state.in_(("ready", "draining", "starting")))).all()
            limits = s.scalars(select(GatewayRateLimit)).all()
            self.rate_limits = {r.tenant_id: (r.key_rpm, r.key_tpm, r.tenant_rpm, r.tenant_tpm) for r in limits}
        by_dep: dict[str, list[LiveReplica]] = {}
        seen: dict[str, LiveReplica] = {}
        for r in replicas:
            live = self._replicas.get(r.id)
            if live is None:
                live = LiveReplica(id=r.id, region=r.region, url=r.url)
            live.url, live.region = r.url, r.region
            live.ready, live.draining = r.state == "ready", r.state == "draining"
            live.model_version_id = r.model_version_id
            seen[r.id] = live
            by_dep.setdefault(r.deployment_id, []).append(live)
        served: dict[tuple[str, str], Served] = {}
        for d, tenant_name in deployments:
            options = d.engine_options or {}
            slots = d.slots_per_replica if d.engine != "external" else None
            reps = by_dep.get(d.id, [])
            for rep in reps:
                rep.capacity = slots * 4 if slots else None  # queue at the replica beyond its slots, up to 4x
            served[(d.tenant_id, d.name)] = Served(
                id=d.id,
                tenant_id=d.tenant_id,
                tenant_name=tenant_name,
                name=d.name,
                regions=tuple(sorted(d.regions)),
                upstream_model=options.get("model") if d.engine == "external" else None,
                api_key_env=options.get("api_key_env") if d.engine == "external" else None,
                created=int(d.created_at.timestamp()),
                replicas=reps,
            )
        self._replicas = seen
        self.served = served
        self._by_tenant_name = {(v.tenant_name, v.name): v for v in served.values()}
