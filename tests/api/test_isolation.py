"""Every route that exists: no key answers 401, another tenant's objects answer 404.

The routes are read from the application itself, so a new route without an entry here fails the
test until someone decides how it must be isolated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
import pytest
from tests.api.helpers import make_tenant
from tests.billing.isolation import GOVERNANCE_BODIES, GOVERNANCE_GLOBAL

from suanli.client import Client

# A valid body per mutating route, so that the answer is decided by isolation, not by validation.
BODIES: dict[str, dict[str, object] | None] = {
    "tenants.create": {"name": "zzz"},
    "tenants.update": {"display_name": "x"},
    "users.create": {"name": "newuser"},
    "users.update": {"email": "x@example.com"},
    "keys.create": {},
    "keys.revoke": None,
    "quotas.set": {"nominal": 1},
    "quotas.delete": None,
    "datasets.create": {"name": "newds"},
    "datasets.delete": None,
    "datasets.versions.delete": None,
    "datasets.uploads.create": {"files": [{"name": "a.jsonl", "size": 1, "sha256": "0" * 64}]},
    "datasets.uploads.chunk": None,
    "datasets.uploads.commit": None,
    "datasets.uploads.abort": None,
    "datasets.reports.create": {"recipe": "zh-web"},
    "datasets.curations.create": {"recipe": "zh-web"},
    "datasets.curations.cancel": None,
    "datasets.classify": {"classification": "internal"},
    "rate_limits.set": {"key_rpm": 10},
    "rate_limits.clear": None,
    "jobs.submit": {"command": ["true"]},
    "jobs.submit_batch": {"jobs": [{"command": ["true"]}]},
    "jobs.cancel": None,
    "jobs.checkpoints.delete": None,
    "clusters.create": {"name": "c2", "engine": "local"},
    "nodes.create": {"name": "n1", "kind": "nvidia-h100", "count": 8},
    "nodes.heartbeat": None,
    "nodes.cordon": None,
    "nodes.drain": None,
    "nodes.uncordon": None,
    **GOVERNANCE_BODIES,
    "models.create": {"name": "m1"},
    "models.versions.create": {},
    "models.versions.upload": None,
    "models.versions.finalize": {},
    "deployments.create": {"name": "d1", "engine": "external", "engine_options": {"url": "http://127.0.0.1:9"}},
    "deployments.update": {"policy": "kpa"},
    "deployments.delete": None,
}
# Path parameters of the inference plane's routes (any value: another tenant's path answers 404 first).
SERVING_PARAMS = {"model": "m1", "version": "1", "path": "config.json", "deployment": "d1"}
# Path parameters of the governance routes (billing months, pools).
GOVERNANCE_PARAMS = {"month": "2026-11", "pool": "pl1", "version": "1"}
# Path parameters of the training plane's routes; the world fixture submits a real job of alpha's.
TRAINING_PARAMS = {"cluster": "local", "node": "n1", "job": "job_x"}
# Path parameters of the data plane's routes (any value: another tenant's path answers 404 first).
DATASET_PARAMS = {"dataset": "ds", "version": "1", "position": "0", "upload": "upl_x", "index": "0", "number": "1",
                  "report": "0" * 64}
# Routes without a tenant in their path, and how each keeps tenants apart.
GLOBAL = {
    "me": "answers only about the caller",
    "accelerator_kinds": "public reference data",
    "recipes": "public reference data (the built-in curation recipes)",
    "tenants.list": "filtered to the caller's tenant (test_listing_is_scoped)",
    "tenants.create": "platform admins only (test_roles)",
    "audit.list": "filtered to the caller's tenant (test_audit_records_every_mutating_call)",
    "clusters.list": "capacity only, no tenant's jobs (tests/jobs/test_jobs_isolation.py)",
    "clusters.show": "capacity only, no tenant's jobs (tests/jobs/test_jobs_isolation.py)",
    "clusters.create": "platform admins only (tests/jobs/test_jobs_isolation.py)",
    "nodes.create": "platform admins only (tests/jobs/test_jobs_isolation.py)",
    "nodes.heartbeat": "platform admins only (tests/jobs/test_jobs_isolation.py)",
    "nodes.cordon": "platform admins only (tests/jobs/test_jobs_isolation.py)",
    "nodes.drain": "platform admins only (tests/jobs/test_jobs_isolation.py)",
    "nodes.uncordon": "platform admins only (tests/jobs/test_jobs_isolation.py)",
    "queue.list": "filtered to the caller's tenant (tests/jobs/test_jobs_isolation.py)",
    **GOVERNANCE_GLOBAL,
}


@dataclass(frozen=True)
class Route:
    path: str
    methods: frozenset[str]
    name: str

    @property
    def params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)


def api_routes(app) -> list[Route]:  # type: ignore[no-untyped-def]
    """Every operation of the OpenAPI document (operationId is the route's name)."""
    routes = [
        Route(path, frozenset({method.upper()}), op["operationId"])
        for path, ops in app.openapi()["paths"].items() if path.startswith("/api/v1")
        for method, op in ops.items()
    ]
    assert len(routes) >= 14, "the API lost its routes"
    return routes


@pytest.fixture
def world(platform):  # type: ignore[no-untyped-def]
    admin = Client(platform.url, platform.admin_token, retries=0)
    a = make_tenant(admin, platform.url, "alpha")
    b = make_tenant(admin, platform.url, "beta")
    admin.set_quota("alpha", "nvidia-h100", nominal=8)
    key = admin.create_key("alpha", user=a["member"].user)
    job = a["member"].client(platform.url).submit_job("alpha", command=["true"])
    return {"alpha": a, "beta": b, "params": {
        "tenant": "alpha", "user": a["member"].user, "key_id": key["id"], "kind": "nvidia-h100", **DATASET_PARAMS,
        **GOVERNANCE_PARAMS, **TRAINING_PARAMS, **SERVING_PARAMS, "job": job["id"]}}


def _call(url: str, route: Route, method: str, params: dict[str, str], token: str | None) -> httpx.Response:
    path = route.path.format(**{k: params[k] for k in route.params})
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = BODIES.get(route.name) if method in ("POST", "PUT", "PATCH") else None
    return httpx.request(method, url + path, json=body, headers=headers)


def test_every_route_is_classified(platform) -> None:  # type: ignore[no-untyped-def]
    for route in api_routes(platform.app):
        if "{tenant}" not in route.path:
            assert route.name in GLOBAL, f"{route.path}: say how it keeps tenants apart"
        if route.methods & {"POST", "PUT", "PATCH", "DELETE"}:
            assert route.name in BODIES, f"{route.name}: add a valid body"


def test_every_route_needs_a_key(platform) -> None:  # type: ignore[no-untyped-def]
    params = {"tenant": "admin", "user": "admin", "key_id": "key_x", "kind": "nvidia-h100", **DATASET_PARAMS,
              **GOVERNANCE_PARAMS, **TRAINING_PARAMS, **SERVING_PARAMS}
    for route in api_routes(platform.app):
        for method in route.methods:
            r = _call(platform.url, route, method, params, None)
            assert r.status_code == 401, (method, route.path, r.status_code)
            assert r.json()["error"]["code"] == "unauthenticated"


def test_other_tenants_objects_do_not_exist(platform, world) -> None:  # type: ignore[no-untyped-def]
    checked = 0
    for route in api_routes(platform.app):
        if "{tenant}" not in route.path:
            continue
        for method in route.methods:
            for role in ("tenant-admin", "member", "viewer"):
                r = _call(platform.url, route, method, world["params"], world["beta"][role].token)
                assert r.status_code == 404, (role, method, route.path, r.status_code, r.text)
                checked += 1
    assert checked >= 30
    # And the objects are untouched: alpha still has its quota and users.
    admin = Client(platform.url, platform.admin_token)
    assert admin.quotas("alpha")["accelerators"][0]["nominal"] == 8
    assert len(admin.users("alpha")) == 3


def test_listing_is_scoped(platform, world) -> None:  # type: ignore[no-untyped-def]
    beta = world["beta"]["tenant-admin"].client(platform.url)
    assert [t["name"] for t in beta.tenants()] == ["beta"]
    assert beta.me()["tenant"] == "beta"
