"""The SDK's calls for the platform and tenancy: who am I, tenants, users, keys, quotas, rate limits, audit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from suanli.client.transport import Transport


class TenancyCalls(Transport):
    """Tenants and who may do what in them."""

    def me(self) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", "/api/v1/me")
        return result

    def accelerator_kinds(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.request("GET", "/api/v1/accelerator-kinds")
        return result

    def create_tenant(self, name: str, *, display_name: str = "", industry: str = "other",
                      storage_quota_bytes: int = 0) -> dict[str, Any]:
        body = {"name": name, "display_name": display_name, "industry": industry,
                "storage_quota_bytes": storage_quota_bytes}
        result: dict[str, Any] = self.request("POST", "/api/v1/tenants", json=body, idempotent=True)
        return result

    def tenants(self) -> list[dict[str, Any]]:
        return list(self.paginate("/api/v1/tenants"))

    def tenant(self, tenant: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", f"/api/v1/tenants/{tenant}")
        return result

    def update_tenant(self, tenant: str, **changes: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.request("PATCH", f"/api/v1/tenants/{tenant}", json=changes)
        return result

    def create_user(self, tenant: str, name: str, *, role: str = "member", email: str | None = None) -> dict[str, Any]:
        body = {"name": name, "role": role, "email": email}
        result: dict[str, Any] = self.request("POST", f"/api/v1/tenants/{tenant}/users", json=body, idempotent=True)
        return result

    def users(self, tenant: str) -> list[dict[str, Any]]:
        return list(self.paginate(f"/api/v1/tenants/{tenant}/users"))

    def update_user(self, tenant: str, user: str, **changes: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.request("PATCH", f"/api/v1/tenants/{tenant}/users/{user}", json=changes)
        return result

    def create_key(self, tenant: str, *, user: str | None = None, name: str = "",
                   expires_at: datetime | None = None) -> dict[str, Any]:
        body = {"user": user, "name": name, "expires_at": expires_at.isoformat() if expires_at else None}
        result: dict[str, Any] = self.request("POST", f"/api/v1/tenants/{tenant}/keys", json=body, idempotent=True)
        return result

    def keys(self, tenant: str) -> list[dict[str, Any]]:
        return list(self.paginate(f"/api/v1/tenants/{tenant}/keys"))

    def revoke_key(self, tenant: str, key_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("DELETE", f"/api/v1/tenants/{tenant}/keys/{key_id}")
        return result

    def quotas(self, tenant: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", f"/api/v1/tenants/{tenant}/quotas")
        return result

    def set_quota(self, tenant: str, kind: str, *, nominal: int, borrowing_limit: int = 0) -> dict[str, Any]:
        body = {"nominal": nominal, "borrowing_limit": borrowing_limit}
        result: dict[str, Any] = self.request("PUT", f"/api/v1/tenants/{tenant}/quotas/{kind}", json=body)
        return result

    def rate_limits(self, tenant: str) -> dict[str, Any]:
        """The tenant's gateway limits: its own (null = default) and the effective ones."""
        result: dict[str, Any] = self.request("GET", f"/api/v1/tenants/{tenant}/rate-limits")
        return result

    def set_rate_limits(self, tenant: str, **limits: int | None) -> dict[str, Any]:
        """Replace the tenant's gateway limits (``key_rpm``, ``key_tpm``, ``tenant_rpm``, ``tenant_tpm``)."""
        result: dict[str, Any] = self.request("PUT", f"/api/v1/tenants/{tenant}/rate-limits", json=limits)
        return result

    def clear_rate_limits(self, tenant: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("DELETE", f"/api/v1/tenants/{tenant}/rate-limits")
        return result

    def audit(self, *, tenant: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        params = {"tenant": tenant} if tenant else {}
        return list(self.paginate("/api/v1/audit", params=params, limit=limit))
