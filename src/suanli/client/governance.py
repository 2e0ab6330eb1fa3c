"""The SDK's calls for governance: providers, pools, prices, policy, usage, invoices, budgets, quotes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from suanli.client.transport import Transport


class GovernanceCalls(Transport):
    """What things cost and where they may run."""

    def create_provider(self, id: str, *, ownership: str, name: str = "") -> dict[str, Any]:
        body = {"id": id, "name": name, "ownership": ownership}
        return self.call("POST", "/api/v1/providers", json=body, idempotent=True)

    def providers(self) -> list[dict[str, Any]]:
        return self.call_list("GET", "/api/v1/providers")

    def create_pool(self, id: str, *, provider: str, region: str, jurisdiction: str, cluster_id: str | None = None,
                    certifications: list[str] | None = None, accelerators: dict[str, int] | None = None,
                    resale: list[dict[str, str]] | None = None) -> dict[str, Any]:
        """Add a pool; ``resale`` is the chain operator side first: ``[{"reseller": id, "markup": "0.05"}]``."""
        body = {"id": id, "provider": provider, "region": region, "jurisdiction": jurisdiction,
                "cluster_id": cluster_id, "certifications": certifications or [],
                "accelerators": accelerators or {}, "resale": resale or []}
        return self.call("POST", "/api/v1/pools", json=body, idempotent=True)

    def pools(self) -> list[dict[str, Any]]:
        return self.call_list("GET", "/api/v1/pools")

    def pool(self, pool: str) -> dict[str, Any]:
        return self.call("GET", f"/api/v1/pools/{pool}")

    def add_price(self, pool: str, sku: str, unit_price: str, *, effective: datetime | None = None) -> dict[str, Any]:
        """A new price version (CNY per priced unit, as a string) from ``effective`` (default now) on."""
        body = {"sku": sku, "unit_price": unit_price, "effective": effective.isoformat() if effective else None}
        return self.call("POST", f"/api/v1/pools/{pool}/prices", json=body, idempotent=True)

    def prices(self, pool: str) -> list[dict[str, Any]]:
        return self.call_list("GET", f"/api/v1/pools/{pool}/prices")

    def upload_policy(self, text: str, *, note: str = "") -> dict[str, Any]:
        return self.call("POST", "/api/v1/policy/versions", json={"text": text, "note": note}, idempotent=True)

    def policy_versions(self) -> list[dict[str, Any]]:
        return self.call_list("GET", "/api/v1/policy/versions")

    def policy_version(self, version: int) -> dict[str, Any]:
        return self.call("GET", f"/api/v1/policy/versions/{version}")

    def record_usage(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        """Record usage records (see ``UsageIn``); each key counts once however often it is sent."""
        return self.call("POST", "/api/v1/usage", json={"records": records}, idempotent=True)

    def set_residency(self, tenant: str, jurisdiction: str) -> dict[str, Any]:
        return self.call("PUT", f"/api/v1/tenants/{tenant}/residency", json={"jurisdiction": jurisdiction})

    def usage(self, tenant: str, month: str) -> dict[str, Any]:
        return self.call("GET", f"/api/v1/tenants/{tenant}/usage/{month}")

    def invoice(self, tenant: str, month: str) -> dict[str, Any]:
        return self.call("GET", f"/api/v1/tenants/{tenant}/invoices/{month}")

    def set_budget(self, tenant: str, month: str, limit: str, *, hard_stop: bool = False, running: str = "leave",
                   webhook_url: str | None = None) -> dict[str, Any]:
        body = {"limit": limit, "hard_stop": hard_stop, "running": running, "webhook_url": webhook_url}
        return self.call("PUT", f"/api/v1/tenants/{tenant}/budgets/{month}", json=body)

    def budget(self, tenant: str, month: str) -> dict[str, Any]:
        return self.call("GET", f"/api/v1/tenants/{tenant}/budgets/{month}")

    def budget_alerts(self, tenant: str, *, month: str | None = None) -> list[dict[str, Any]]:
        params = {"month": month} if month else {}
        return list(self.paginate(f"/api/v1/tenants/{tenant}/budget-alerts", params=params))

    def quote(self, tenant: str, spec: dict[str, Any]) -> dict[str, Any]:
        """Every permitted offer for a job or deployment spec, and why each other pool is excluded."""
        return self.call("POST", f"/api/v1/tenants/{tenant}/quotes", json=spec)

    def placement_decisions(self, tenant: str, *, limit: int = 50) -> list[dict[str, Any]]:
        return list(self.paginate(f"/api/v1/tenants/{tenant}/placement-decisions", limit=limit))
