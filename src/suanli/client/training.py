"""The SDK's calls for the training plane: clusters, nodes, jobs and the queue."""

from __future__ import annotations

from typing import Any

from suanli.client.transport import Transport


class TrainingCalls(Transport):
    """Clusters and the jobs that run on them."""

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

    def delete_job_checkpoints(self, tenant: str, job: str) -> dict[str, Any]:
        """Delete a finished job's checkpoints; answers ``{"job_id", "files", "bytes"}`` freed."""
        result: dict[str, Any] = self.request("DELETE", f"/api/v1/tenants/{tenant}/jobs/{job}/checkpoints")
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
