"""A small catalog for billing tests, built through the SDK: providers, pools, prices, a tenant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from tests.api.helpers import Actor, make_tenant

from suanli.client import Client
from suanli.governance import CHINA_TZ


def next_hour(after: datetime | None = None) -> datetime:
    """The start of the UTC hour after the next one: prices set now are in force by then."""
    now = after or datetime.now(UTC)
    return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)


def month_of(at: datetime) -> str:
    local = at.astimezone(CHINA_TZ)
    return f"{local.year:04d}-{local.month:02d}"


def build_catalog(admin: Client) -> None:
    """Two providers, a direct pool and a resold pool, each with prices in force from now."""
    admin.create_provider("telecom-cloud", ownership="state-owned", name="Telecom Cloud")
    admin.create_provider("river-gpu", ownership="private", name="River GPU")
    admin.create_provider("province-agent", ownership="private", name="Province Integrator")
    admin.create_pool("sh-telecom", provider="telecom-cloud", region="cn-east", jurisdiction="CN-SH",
                      certifications=["mlps-3"], accelerators={"ascend-910b": 64})
    admin.create_pool("sh-river", provider="river-gpu", region="cn-east", jurisdiction="CN-SH",
                      certifications=["mlps-3"], accelerators={"ascend-910b": 32, "nvidia-h100": 8},
                      resale=[{"reseller": "province-agent", "markup": "0.10"},
                              {"reseller": "telecom-cloud", "markup": "0.05"}])
    admin.add_price("sh-telecom", "accelerator-hour/ascend-910b", "16.00")
    admin.add_price("sh-telecom", "cpu-core-hour", "0.35")
    admin.add_price("sh-river", "accelerator-hour/ascend-910b", "12.00")
    admin.add_price("sh-river", "accelerator-hour/nvidia-h100", "21.37")
    admin.add_price("sh-river", "million-tokens-in/qwen2.5-72b", "2.00")
    admin.add_price("sh-river", "million-tokens-out/qwen2.5-72b", "6.00")


def tenant_world(url: str, token: str, name: str = "bank") -> tuple[Client, dict[str, Actor], str]:
    """The admin client, a tenant's actors and the tenant's id, with the catalog built."""
    admin = Client(url, token, retries=0)
    actors = make_tenant(admin, url, name)
    admin.update_tenant(name, industry="finance")
    admin.set_residency(name, "CN-SH")
    build_catalog(admin)
    return admin, actors, admin.tenant(name)["id"]


def usage(key: str, tenant: str, start: datetime, *, hours: float = 1.0, sku: str = "accelerator-hour/ascend-910b",
          pool: str = "sh-telecom", units: str = "8", user: str = "alice", subject: str = "job_a") -> dict[str, Any]:
    """One usage record as the REST API takes it (token SKUs: an instant, ``units`` tokens)."""
    timed = not sku.startswith("million-tokens")
    end = start + timedelta(hours=hours) if timed else start
    return {"key": key, "tenant": tenant, "user": user, "subject": subject, "pool": pool, "sku": sku,
            "units": units, "start": start.isoformat(), "end": end.isoformat()}


def money(text: str) -> Decimal:
    return Decimal(text)
