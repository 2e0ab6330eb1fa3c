"""What tests/api/test_isolation.py needs to know about the governance routes."""

from __future__ import annotations

# A valid body per mutating governance route.
GOVERNANCE_BODIES: dict[str, dict[str, object] | None] = {
    "providers.create": {"id": "p1", "ownership": "private"},
    "pools.create": {"id": "pl1", "provider": "p1", "region": "cn-east", "jurisdiction": "CN-SH"},
    "prices.create": {"sku": "cpu-core-hour", "unit_price": "0.35"},
    "policy.upload": {"text": "rules: []"},
    "usage.record": {"records": [{"key": "k1", "tenant": "alpha", "user": "u", "subject": "job_x", "pool": "pl1",
                                  "sku": "cpu-core-hour", "units": "1", "start": "2030-01-01T00:00:00+08:00",
                                  "end": "2030-01-01T01:00:00+08:00"}]},
    "residency.set": {"jurisdiction": "CN-SH"},
    "budgets.set": {"limit": "100.00"},
    "quotes.create": {"name": "job"},
}
# Governance routes without a tenant in their path, and how each keeps tenants apart.
_ADMIN_ONLY = "platform admins only (tests/billing/test_catalog_api.py::test_only_platform_admins_edit_the_catalog)"
_CATALOG = "the public catalog of pools and prices, no tenant's data"
GOVERNANCE_GLOBAL = {
    "providers.create": _ADMIN_ONLY,
    "pools.create": _ADMIN_ONLY,
    "prices.create": _ADMIN_ONLY,
    "policy.upload": _ADMIN_ONLY,
    "policy.list": _ADMIN_ONLY,
    "policy.show": _ADMIN_ONLY,
    "usage.record": _ADMIN_ONLY,
    "providers.list": _CATALOG,
    "pools.list": _CATALOG,
    "pools.show": _CATALOG,
    "prices.list": _CATALOG,
}
