"""The Python SDK: ``suanli.Client(url, token)`` over httpx. The CLI talks to servers only through it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx

from suanli.core import errors

_BY_STATUS: dict[int, type[errors.SuanliError]] = {
    400: errors.InvalidInput, 401: errors.Unauthenticated, 403: errors.Forbidden, 404: errors.NotFound,
    409: errors.Conflict, 413: errors.PayloadTooLarge, 422: errors.InvalidInput, 429: errors.QuotaExceeded,
    503: errors.Unavailable,
}


class Client:
    """A suanli server, seen through its REST API.

    ``transport`` is the test seam (``httpx.MockTransport`` or an ASGI transport); creates send an
    ``Idempotency-Key`` so that the built-in retry never creates twice.
    """

    def __init__(
        self, url: str, token: str | None = None, *, timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None, retries: int = 2,
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.url = url.rstrip("/")
        self.retries = retries
        self._http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout, transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # transport ---------------------------------------------------------------------------------

    def request(self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None,
                idempotent: bool = False) -> Any:
        """Send one request; answer the decoded JSON body, or raise the matching :class:`SuanliError`."""
        headers = {"Idempotency-Key": uuid.uuid4().hex} if idempotent else {}
        safe = method in ("GET", "PUT", "DELETE") or idempotent
        attempt = 0
        while True:
            try:
                response = self._http.request(method, path, json=json, params=params, headers=headers)
                break
            except httpx.TransportError as exc:
                if safe and attempt < self.retries:
                    attempt += 1
                    continue
                raise errors.Unavailable(
                    f"cannot reach suanli at {self.url} ({exc.__class__.__name__}); "
                    "start it with `suanli up` or set SUANLI_URL"
                ) from None
        if response.status_code >= 400:
            raise _error(response)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def paginate(self, path: str, params: dict[str, Any] | None = None, limit: int | None = None) -> Iterator[Any]:
        """Every item of a paginated list, following ``next_cursor``, up to ``limit`` items."""
        params = dict(params or {})
        seen = 0
        while True:
            page = self.request("GET", path, params=params)
            for item in page["items"]:
                if limit is not None and seen >= limit:
                    return
                seen += 1
                yield item
            if not page.get("next_cursor"):
                return
            params["cursor"] = page["next_cursor"]

    # platform ----------------------------------------------------------------------------------

    def ready(self) -> dict[str, Any]:
        """The server's readiness report (``/readyz``), whether it is ready or not."""
        try:
            result: dict[str, Any] = self._http.get("/readyz").json()
        except httpx.TransportError:
            raise errors.Unavailable(
                f"cannot reach suanli at {self.url}; start it with `suanli up` or set SUANLI_URL"
            ) from None
        return result

    def me(self) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", "/api/v1/me")
        return result

    def accelerator_kinds(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.request("GET", "/api/v1/accelerator-kinds")
        return result

    # tenants, users, keys, quotas, audit -------------------------------------------------------

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

    # training: clusters, nodes, jobs, queue ----------------------------------------------------

    def create_cluster(self, name: str, *, engine: str, provider: str = "self", region: str = "local",
                       heartbeat_grace_s: float = 60.0, config: dict[str, Any] | None = None) -> dict[str, Any]:
        body = {"name": name, "engine": engine, "provider": provider, "region": region,
                "heartbeat_grace_s": heartbeat_grace_s, "config": config or {}}
        result: dict[str, Any] = self.request("POST", "/api/v1/clusters", json=body, idempotent=True)
        return result

    def clusters(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.request("GET", "/api/v1/clusters")
        return result

    def cluster(self, cluster: str) -> dict[str, Any]:
        """A cluster with its nodes and the devices allocated on each."""
        result: dict[str, Any] = self.request("GET", f"/api/v1/clusters/{cluster}")
        return result

    def add_node(self, cluster: str, name: str, *, kind: str, count: int, memory_gb: int | None = None,
                 interconnect_domain: str = "", rack: str = "rack-0") -> dict[str, Any]:
        body = {"name": name, "kind": kind, "count": count, "memory_gb": memory_gb,
                "interconnect_domain": interconnect_domain, "rack": rack}
        result: dict[str, Any] = self.request("POST", f"/api/v1/clusters/{cluster}/nodes", json=body,
                                              idempotent=True)
        return result

    def node_action(self, cluster: str, node: str, action: str) -> dict[str, Any]:
        """``cordon``, ``drain``, ``uncordon`` or ``heartbeat`` a node."""
        result: dict[str, Any] = self.request("POST", f"/api/v1/clusters/{cluster}/nodes/{node}/{action}")
        return result

    def submit_job(self, tenant: str, *, command: list[str] | None = None, script: str | None = None,
                   **options: Any) -> dict[str, Any]:
        """Submit a job; ``options`` are the fields of ``JobSubmit`` (accelerators, kind, nodes, env, ...)."""
        body = {"command": command, "script": script, **options}
        result: dict[str, Any] = self.request("POST", f"/api/v1/tenants/{tenant}/jobs", json=body, idempotent=True)
        return result

    def submit_jobs(self, tenant: str, jobs: list[dict[str, Any]]) -> list[str]:
        """Submit up to 1000 jobs in one request, all or none; answers their ids in order."""
        result: dict[str, Any] = self.request("POST", f"/api/v1/tenants/{tenant}/job-batches",
                                              json={"jobs": jobs}, idempotent=True)
        ids: list[str] = result["ids"]
        return ids

    def jobs(self, tenant: str, *, state: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        params = {"state": state} if state else {}
        return list(self.paginate(f"/api/v1/tenants/{tenant}/jobs", params=params, limit=limit))

    def job(self, tenant: str, job: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", f"/api/v1/tenants/{tenant}/jobs/{job}")
        return result

    def job_events(self, tenant: str, job: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.request("GET", f"/api/v1/tenants/{tenant}/jobs/{job}/events")
        return result

    def job_logs(self, tenant: str, job: str, *, offset: int = 0) -> dict[str, Any]:
        """One chunk of output: ``{"data", "offset", "next_offset"}``; ask again from ``next_offset``."""
        result: dict[str, Any] = self.request("GET", f"/api/v1/tenants/{tenant}/jobs/{job}/logs",
                                              params={"offset": offset})
        return result

    def cancel_job(self, tenant: str, job: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("POST", f"/api/v1/tenants/{tenant}/jobs/{job}/cancel")
        return result

    def queue(self, *, tenant: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Waiting jobs in scheduling order (the caller's tenant; all tenants for platform admins)."""
        params: dict[str, Any] = {"limit": limit}
        if tenant:
            params["tenant"] = tenant
        result: list[dict[str, Any]] = self.request("GET", "/api/v1/queue", params=params)
        return result

    # governance: providers, pools, prices, policy, usage, invoices, budgets, quotes ------------

    def create_provider(self, id: str, *, ownership: str, name: str = "") -> dict[str, Any]:
        body = {"id": id, "name": name, "ownership": ownership}
        result: dict[str, Any] = self.request("POST", "/api/v1/providers", json=body, idempotent=True)
        return result

    def providers(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.request("GET", "/api/v1/providers")
        return result

    def create_pool(self, id: str, *, provider: str, region: str, jurisdiction: str, cluster_id: str | None = None,
                    certifications: list[str] | None = None, accelerators: dict[str, int] | None = None,
                    resale: list[dict[str, str]] | None = None) -> dict[str, Any]:
        """Add a pool; ``resale`` is the chain operator side first: ``[{"reseller": id, "markup": "0.05"}]``."""
        body = {"id": id, "provider": provider, "region": region, "jurisdiction": jurisdiction,
                "cluster_id": cluster_id, "certifications": certifications or [],
                "accelerators": accelerators or {}, "resale": resale or []}
        result: dict[str, Any] = self.request("POST", "/api/v1/pools", json=body, idempotent=True)
        return result

    def pools(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.request("GET", "/api/v1/pools")
        return result

    def pool(self, pool: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", f"/api/v1/pools/{pool}")
        return result

    def add_price(self, pool: str, sku: str, unit_price: str, *, effective: datetime | None = None) -> dict[str, Any]:
        """A new price version (CNY per priced unit, as a string) from ``effective`` (default now) on."""
        body = {"sku": sku, "unit_price": unit_price, "effective": effective.isoformat() if effective else None}
        result: dict[str, Any] = self.request("POST", f"/api/v1/pools/{pool}/prices", json=body, idempotent=True)
        return result

    def prices(self, pool: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.request("GET", f"/api/v1/pools/{pool}/prices")
        return result

    def upload_policy(self, text: str, *, note: str = "") -> dict[str, Any]:
        result: dict[str, Any] = self.request("POST", "/api/v1/policy/versions", json={"text": text, "note": note},
                                              idempotent=True)
        return result

    def policy_versions(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.request("GET", "/api/v1/policy/versions")
        return result

    def policy_version(self, version: int) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", f"/api/v1/policy/versions/{version}")
        return result

    def record_usage(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        """Record usage records (see ``UsageIn``); each key counts once however often it is sent."""
        result: dict[str, Any] = self.request("POST", "/api/v1/usage", json={"records": records}, idempotent=True)
        return result

    def set_residency(self, tenant: str, jurisdiction: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("PUT", f"/api/v1/tenants/{tenant}/residency",
                                              json={"jurisdiction": jurisdiction})
        return result

    def usage(self, tenant: str, month: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", f"/api/v1/tenants/{tenant}/usage/{month}")
        return result

    def invoice(self, tenant: str, month: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", f"/api/v1/tenants/{tenant}/invoices/{month}")
        return result

    def set_budget(self, tenant: str, month: str, limit: str, *, hard_stop: bool = False, running: str = "leave",
                   webhook_url: str | None = None) -> dict[str, Any]:
        body = {"limit": limit, "hard_stop": hard_stop, "running": running, "webhook_url": webhook_url}
        result: dict[str, Any] = self.request("PUT", f"/api/v1/tenants/{tenant}/budgets/{month}", json=body)
        return result

    def budget(self, tenant: str, month: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", f"/api/v1/tenants/{tenant}/budgets/{month}")
        return result

    def budget_alerts(self, tenant: str, *, month: str | None = None) -> list[dict[str, Any]]:
        params = {"month": month} if month else {}
        return list(self.paginate(f"/api/v1/tenants/{tenant}/budget-alerts", params=params))

    def quote(self, tenant: str, spec: dict[str, Any]) -> dict[str, Any]:
        """Every permitted offer for a job or deployment spec, and why each other pool is excluded."""
        result: dict[str, Any] = self.request("POST", f"/api/v1/tenants/{tenant}/quotes", json=spec)
        return result

    def placement_decisions(self, tenant: str, *, limit: int = 50) -> list[dict[str, Any]]:
        return list(self.paginate(f"/api/v1/tenants/{tenant}/placement-decisions", limit=limit))

    # data: datasets, versions, uploads, downloads ----------------------------------------------

    def create_dataset(self, tenant: str, name: str, *, description: str = "") -> dict[str, Any]:
        body = {"name": name, "description": description}
        result: dict[str, Any] = self.request("POST", f"/api/v1/tenants/{tenant}/datasets", json=body,
                                              idempotent=True)
        return result

    def datasets(self, tenant: str) -> list[dict[str, Any]]:
        return list(self.paginate(f"/api/v1/tenants/{tenant}/datasets"))

    def classify_dataset(self, tenant: str, name: str, classification: str) -> dict[str, Any]:
        """Label a dataset (public, internal, important, core); what derives from it is raised with it."""
        result: dict[str, Any] = self.request("PUT", f"/api/v1/tenants/{tenant}/datasets/{name}/classification",
                                              json={"classification": classification})
        return result

    def dataset(self, tenant: str, name: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", f"/api/v1/tenants/{tenant}/datasets/{name}")
        return result

    def delete_dataset(self, tenant: str, name: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("DELETE", f"/api/v1/tenants/{tenant}/datasets/{name}")
        return result

    def dataset_versions(self, tenant: str, name: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.request(
            "GET", f"/api/v1/tenants/{tenant}/datasets/{name}/versions")["items"]
        return result

    def dataset_version(self, tenant: str, name: str, version: int | str = "latest") -> dict[str, Any]:
        """A version's manifest (shards, sizes, sha256, document counts, lineage)."""
        result: dict[str, Any] = self.request("GET", f"/api/v1/tenants/{tenant}/datasets/{name}/versions/{version}")
        return result

    def delete_dataset_version(self, tenant: str, name: str, version: int) -> dict[str, Any]:
        result: dict[str, Any] = self.request(
            "DELETE", f"/api/v1/tenants/{tenant}/datasets/{name}/versions/{version}")
        return result

    def storage(self, tenant: str) -> dict[str, Any]:
        """Stored and reserved bytes against the tenant's storage quota (0: no limit)."""
        result: dict[str, Any] = self.request("GET", f"/api/v1/tenants/{tenant}/storage")
        return result

    def begin_dataset_upload(self, tenant: str, name: str, files: list[dict[str, Any]], *,
                             chunk_size: int, **lineage: Any) -> dict[str, Any]:
        """Declare a version's files; the same declaration again resumes the open upload."""
        body = {"files": files, "chunk_size": chunk_size, **{k: v for k, v in lineage.items() if v is not None}}
        result: dict[str, Any] = self.request("POST", f"/api/v1/tenants/{tenant}/datasets/{name}/uploads",
                                              json=body, idempotent=True)
        return result

    def dataset_upload(self, tenant: str, name: str, upload_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", f"/api/v1/tenants/{tenant}/datasets/{name}/uploads/{upload_id}")
        return result

    def put_dataset_chunk(self, tenant: str, name: str, upload_id: str, index: int, number: int,
                          data: bytes) -> dict[str, Any]:
        """Send one chunk with its sha256 (PUT: retried on connection errors)."""
        import hashlib

        path = f"/api/v1/tenants/{tenant}/datasets/{name}/uploads/{upload_id}/files/{index}/chunks/{number}"
        headers = {"X-Content-SHA256": hashlib.sha256(data).hexdigest(),
                   "Content-Type": "application/octet-stream"}
        attempt = 0
        while True:
            try:
                response = self._http.put(path, content=data, headers=headers)
                break
            except httpx.TransportError:
                if attempt >= self.retries:
                    raise errors.Unavailable(f"cannot reach suanli at {self.url} while uploading") from None
                attempt += 1
        if response.status_code >= 400:
            raise _error(response)
        result: dict[str, Any] = response.json()
        return result

    def commit_dataset_upload(self, tenant: str, name: str, upload_id: str) -> dict[str, Any]:
        """Verify the uploaded files and create the version (committing twice answers the same version).

        The server reads every file back before answering, so this call waits without a read timeout.
        """
        path = f"/api/v1/tenants/{tenant}/datasets/{name}/uploads/{upload_id}/commit"
        try:
            response = self._http.post(path, timeout=httpx.Timeout(30.0, read=None))
        except httpx.TransportError as exc:
            raise errors.Unavailable(
                f"lost the connection to {self.url} while committing ({exc.__class__.__name__}): "
                "commit again, it answers the same version once it is written"
            ) from None
        if response.status_code >= 400:
            raise _error(response)
        result: dict[str, Any] = response.json()
        return result

    def abort_dataset_upload(self, tenant: str, name: str, upload_id: str) -> None:
        self.request("DELETE", f"/api/v1/tenants/{tenant}/datasets/{name}/uploads/{upload_id}")

    def stream_dataset_shard(self, tenant: str, name: str, version: int | str, position: int, *,
                             start: int = 0) -> Iterator[bytes]:
        """The bytes of one shard from offset ``start``, streamed."""
        path = f"/api/v1/tenants/{tenant}/datasets/{name}/versions/{version}/shards/{position}"
        headers = {"Range": f"bytes={start}-"} if start else {}
        with self._http.stream("GET", path, headers=headers) as response:
            if response.status_code >= 400:
                response.read()
                raise _error(response)
            yield from response.iter_bytes(1024 * 1024)

    def create_dataset_report(self, tenant: str, name: str, report: dict[str, Any]) -> str:
        """Store a curation report for a version about to be uploaded; answers its reference."""
        result: dict[str, Any] = self.request("POST", f"/api/v1/tenants/{tenant}/datasets/{name}/reports",
                                              json=report, idempotent=True)
        return str(result["ref"])

    def dataset_report(self, tenant: str, name: str, version: int | str = "latest") -> dict[str, Any]:
        """The curation report of a version (404 when the version has none)."""
        ref = self.dataset_version(tenant, name, version).get("report") or ""
        if not ref.startswith("reports/"):
            raise errors.NotFound(f"version {version} of {name!r} has no stored curation report")
        result: dict[str, Any] = self.request(
            "GET", f"/api/v1/tenants/{tenant}/datasets/{name}/reports/{ref.split('/', 1)[1]}")
        return result

    def curate_dataset(self, tenant: str, name: str, recipe: str, *, version: int | None = None,
                       workers: int = 1) -> dict[str, Any]:
        """Queue a server-side curation of ``version`` (default the latest) into a new version."""
        body: dict[str, Any] = {"recipe": recipe, "workers": workers}
        if version is not None:
            body["version"] = version
        result: dict[str, Any] = self.request("POST", f"/api/v1/tenants/{tenant}/datasets/{name}/curations",
                                              json=body, idempotent=True)
        return result

    def curation(self, tenant: str, name: str, job: str) -> dict[str, Any]:
        """A curation job: status, stage, progress, report reference, result version."""
        result: dict[str, Any] = self.request("GET", f"/api/v1/tenants/{tenant}/datasets/{name}/curations/{job}")
        return result

    def curations(self, tenant: str, name: str) -> list[dict[str, Any]]:
        """The dataset's curation jobs, newest first."""
        result: dict[str, Any] = self.request("GET", f"/api/v1/tenants/{tenant}/datasets/{name}/curations")
        return list(result["items"])

    def curation_report(self, tenant: str, name: str, job: str) -> dict[str, Any]:
        """The stored report of a succeeded curation (409 before it succeeds)."""
        result: dict[str, Any] = self.request(
            "GET", f"/api/v1/tenants/{tenant}/datasets/{name}/curations/{job}/report")
        return result

    def cancel_curation(self, tenant: str, name: str, job: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request(
            "POST", f"/api/v1/tenants/{tenant}/datasets/{name}/curations/{job}/cancel")
        return result

    def upload_dataset(self, tenant: str, name: str, paths: list[Any], **options: Any) -> dict[str, Any]:
        """Upload local JSONL files as a new version, in checksummed chunks, resuming an interrupted upload.

        Options: ``chunk_size``, ``parent_version``, ``recipe``, ``report``, ``message``, ``progress``
        (a callable receiving byte counts). Answers the committed version.
        """
        from suanli.data.datasets.transfer import upload

        return upload(self, tenant, name, paths, **options)

    def download_dataset(self, tenant: str, name: str, dest: Any, *, version: int | str = "latest",
                         progress: Any = None) -> dict[str, Any]:
        """Download a version's shards into folder ``dest`` (resuming partial files), verified by sha256."""
        from suanli.data.datasets.transfer import download

        return download(self, tenant, name, dest, version=version, progress=progress)

    # serving: models, versions, uploads, deployments -------------------------------------------

    def create_model(self, tenant: str, name: str, *, description: str = "") -> dict[str, Any]:
        body = {"name": name, "description": description}
        result: dict[str, Any] = self.request("POST", f"/api/v1/tenants/{tenant}/models", json=body, idempotent=True)
        return result

    def models(self, tenant: str) -> list[dict[str, Any]]:
        return list(self.paginate(f"/api/v1/tenants/{tenant}/models"))

    def model(self, tenant: str, model: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", f"/api/v1/tenants/{tenant}/models/{model}")
        return result

    def model_versions(self, tenant: str, model: str) -> list[dict[str, Any]]:
        return list(self.paginate(f"/api/v1/tenants/{tenant}/models/{model}/versions"))

    def model_version(self, tenant: str, model: str, version: int | str = "latest") -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", f"/api/v1/tenants/{tenant}/models/{model}/versions/{version}")
        return result

    def create_model_version(self, tenant: str, model: str, *, training_job_id: str | None = None,
                             dataset_version: str | None = None) -> dict[str, Any]:
        body = {"training_job_id": training_job_id, "dataset_version": dataset_version}
        result: dict[str, Any] = self.request(
            "POST", f"/api/v1/tenants/{tenant}/models/{model}/versions", json=body, idempotent=True)
        return result

    def put_model_chunk(self, tenant: str, model: str, version: int | str, path: str, offset: int,
                        data: bytes) -> dict[str, Any]:
        """Append ``data`` at ``offset`` to one file of an uploading version (at most ~1 MiB a call).

        A retry after a lost answer is safe: the 409 it may get carries the size to resume from.
        """
        url = f"/api/v1/tenants/{tenant}/models/{model}/versions/{version}/files/{path}"
        attempt = 0
        while True:
            try:
                response = self._http.put(url, content=data, params={"offset": offset},
                                          headers={"content-type": "application/octet-stream"})
                break
            except httpx.TransportError:
                if attempt >= self.retries:
                    raise errors.Unavailable(f"cannot reach suanli at {self.url}") from None
                attempt += 1
        if response.status_code == 409 and attempt:
            details = response.json().get("error", {}).get("details") or {}
            if details.get("offset") == offset + len(data):  # our earlier attempt landed
                return {"path": path, "size": offset + len(data)}
        if response.status_code >= 400:
            raise _error(response)
        result: dict[str, Any] = response.json()
        return result

    def finalize_model_version(self, tenant: str, model: str, version: int | str,
                               files: dict[str, int] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = self.request(
            "POST", f"/api/v1/tenants/{tenant}/models/{model}/versions/{version}/finalize", json={"files": files})
        return result

    def upload_model(self, tenant: str, model: str, folder: Any, *, training_job_id: str | None = None,
                     dataset_version: str | None = None, chunk_bytes: int = 1024 * 1024 - 1024,
                     progress: Any = None) -> dict[str, Any]:
        """Upload a local Hugging Face model folder as a new version; ``progress(bytes)`` after each chunk."""
        from pathlib import Path

        root = Path(folder)
        files = {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*"))
                 if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)}
        if "config.json" not in files:
            raise errors.InvalidInput(f"{root} is not a Hugging Face model folder (no config.json)")
        version = self.create_model_version(tenant, model, training_job_id=training_job_id,
                                            dataset_version=dataset_version)
        number = version["number"]
        for rel, path in files.items():
            offset = 0
            with path.open("rb") as f:
                while True:
                    data = f.read(chunk_bytes)
                    if not data and offset:
                        break
                    self.put_model_chunk(tenant, model, number, rel, offset, data)
                    offset += len(data)
                    if progress is not None:
                        progress(len(data))
                    if not data:
                        break
        return self.finalize_model_version(tenant, model, number, {rel: p.stat().st_size for rel, p in files.items()})

    def deploy(self, tenant: str, name: str, *, model: str | None = None, version: int | str = "latest",
               engine: str = "transformers", engine_options: dict[str, Any] | None = None,
               regions: dict[str, dict[str, int]] | None = None, policy: str = "suanli", slots_per_replica: int = 4,
               accelerator_kind: str | None = None, accelerators_per_replica: int = 0,
               scale_to_zero_after_s: int = 300, classification: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": name, "model": model, "version": str(version), "engine": engine,
            "engine_options": engine_options or {}, "policy": policy, "slots_per_replica": slots_per_replica,
            "accelerator_kind": accelerator_kind, "accelerators_per_replica": accelerators_per_replica,
            "scale_to_zero_after_s": scale_to_zero_after_s,
        }
        if classification is not None:
            body["classification"] = classification
        if regions is not None:
            body["regions"] = regions
        result: dict[str, Any] = self.request(
            "POST", f"/api/v1/tenants/{tenant}/deployments", json=body, idempotent=True)
        return result

    def deployments(self, tenant: str) -> list[dict[str, Any]]:
        return list(self.paginate(f"/api/v1/tenants/{tenant}/deployments"))

    def deployment(self, tenant: str, name: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", f"/api/v1/tenants/{tenant}/deployments/{name}")
        return result

    def update_deployment(self, tenant: str, name: str, **changes: Any) -> dict[str, Any]:
        """Scale (``regions={...}``), roll out (``version=...``), or change ``policy``."""
        result: dict[str, Any] = self.request("PATCH", f"/api/v1/tenants/{tenant}/deployments/{name}", json=changes)
        return result

    def delete_deployment(self, tenant: str, name: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("DELETE", f"/api/v1/tenants/{tenant}/deployments/{name}")
        return result


def _error(response: httpx.Response) -> errors.SuanliError:
    try:
        body = response.json()["error"]
        message, details = str(body["message"]), body.get("details")
    except (ValueError, KeyError, TypeError):
        message, details = f"HTTP {response.status_code}: {response.text[:200]}", None
    cls = _BY_STATUS.get(response.status_code, errors.SuanliError)
    return cls(message, details)
