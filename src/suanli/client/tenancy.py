"""The SDK's calls for the platform and tenancy: who am I, tenants, users, keys, quotas, rate limits, audit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from suanli.client.transport import Transport


class TenancyCalls(Transport):
    """Tenants and who may do what in them."""

    def me(self) -> dict[str, Any]:
        return self.call("GET", "/api/v1/me")

    def accelerator_kinds(self) -> list[dict[str, Any]]:
        return self.call_list("GET", "/api/v1/accelerator-kinds")

    def create_tenant(self, name: str, *, display_name: str = "", industry: str = "other",
                      storage_quota_bytes: int = 0) -> dict[str, Any]:
        body = {"name": name, "display_name": display_name, "industry": industry,
                "storage_quota_bytes": storage_quota_bytes}
        return self.call("POST", "/api/v1/tenants", json=body, idempotent=True)

    def tenants(self) -> list[dict[str, Any]]:
        return list(self.paginate("/api/v1/tenants"))

    def tenant(self, tenant: str) -> dict[str, Any]:
        return self.call("GET", f"/api/v1/tenants/{tenant}")

    def update_tenant(self, tenant: str, **changes: Any) -> dict[str, Any]:
        return self.call("PATCH", f"/api/v1/tenants/{tenant}", json=changes)

    def create_user(self, tenant: str, name: str, *, role: str = "member", email: str | None = None) -> dict[str, Any]:
        body = {"name": name, "role": role, "email": email}
        return self.call("POST", f"/api/v1/tenants/{tenant}/users", json=body, idempotent=True)

    def users(self, tenant: str) -> list[dict[str, Any]]:
        return list(self.paginate(f"/api/v1/tenants/{tenant}/users"))

    def update_user(self, tenant: str, user: str, **changes: Any) -> dict[str, Any]:
        return self.call("PATCH", f"/api/v1/tenants/{tenant}/users/{user}", json=changes)

    def create_key(self, tenant: str, *, user: str | None = None, name: str = "",
                   expires_at: datetime | None = None) -> dict[str, Any]:
        body = {"user": user, "name": name, "expires_at": expires_at.isoformat() if expires_at else None}
        return self.call("POST", f"/api/v1/tenants/{tenant}/keys", json=body, idempotent=True)

    def keys(self, tenant: str) -> list[dict[str, Any]]:
        return list(self.paginate(f"/api/v1/tenants/{tenant}/keys"))

    def revoke_key(self, tenant: str, key_id: str) -> dict[str, Any]:
        return self.call("DELETE", f"/api/v1/tenants/{tenant}/keys/{key_id}")

    def quotas(self, tenant: str) -> dict[str, Any]:
        return self.call("GET", f"/api/v1/tenants/{tenant}/quotas")

    def set_quota(self, tenant: str, kind: str, *, nominal: int, borrowing_limit: int = 0) -> dict[str, Any]:
        body = {"nominal": nominal, "borrowing_limit": borrowing_limit}
        return self.call("PUT", f"/api/v1/tenants/{tenant}/quotas/{kind}", json=body)

    def rate_limits(self, tenant: str) -> dict[str, Any]:
        """The tenant's gateway limits: its own (null = default) and the effective ones."""
        return self.call("GET", f"/api/v1/tenants/{tenant}/rate-limits")

    def set_rate_limits(self, tenant: str, **limits: int | None) -> dict[str, Any]:
        """Replace the tenant's gateway limits (``key_rpm``, ``key_tpm``, ``tenant_rpm``, ``tenant_tpm``)."""
        return self.call("PUT", f"/api/v1/tenants/{tenant}/rate-limits", json=limits)

    def clear_rate_limits(self, tenant: str) -> dict[str, Any]:
        return self.call("DELETE", f"/api/v1/tenants/{tenant}/rate-limits")

    def audit(self, *, tenant: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        params = {"tenant": tenant} if tenant else {}
        return list(self.paginate("/api/v1/audit", params=params, limit=limit))
