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
        return self.call("POST", "/api/v1/clusters", json=body, idempotent=True)

    def clusters(self) -> list[dict[str, Any]]:
        return self.call_list("GET", "/api/v1/clusters")

    def cluster(self, cluster: str) -> dict[str, Any]:
        """A cluster with its nodes and the devices allocated on each."""
        return self.call("GET", f"/api/v1/clusters/{cluster}")

    def add_node(self, cluster: str, name: str, *, kind: str, count: int, memory_gb: int | None = None,
                 interconnect_domain: str = "", rack: str = "rack-0") -> dict[str, Any]:
        body = {"name": name, "kind": kind, "count": count, "memory_gb": memory_gb,
                "interconnect_domain": interconnect_domain, "rack": rack}
        return self.call("POST", f"/api/v1/clusters/{cluster}/nodes", json=body, idempotent=True)

    def node_action(self, cluster: str, node: str, action: str) -> dict[str, Any]:
        """``cordon``, ``drain``, ``uncordon`` or ``heartbeat`` a node."""
        return self.call("POST", f"/api/v1/clusters/{cluster}/nodes/{node}/{action}")

    def submit_job(self, tenant: str, *, command: list[str] | None = None, script: str | None = None,
                   **options: Any) -> dict[str, Any]:
        """Submit a job; ``options`` are the fields of ``JobSubmit`` (accelerators, kind, nodes, env, ...)."""
        body = {"command": command, "script": script, **options}
        return self.call("POST", f"/api/v1/tenants/{tenant}/jobs", json=body, idempotent=True)

    def submit_jobs(self, tenant: str, jobs: list[dict[str, Any]]) -> list[str]:
        """Submit up to 1000 jobs in one request, all or none; answers their ids in order."""
        result = self.call("POST", f"/api/v1/tenants/{tenant}/job-batches", json={"jobs": jobs}, idempotent=True)
        return [str(i) for i in result["ids"]]

    def jobs(self, tenant: str, *, state: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        params = {"state": state} if state else {}
        return list(self.paginate(f"/api/v1/tenants/{tenant}/jobs", params=params, limit=limit))

    def job(self, tenant: str, job: str) -> dict[str, Any]:
        return self.call("GET", f"/api/v1/tenants/{tenant}/jobs/{job}")

    def job_events(self, tenant: str, job: str) -> list[dict[str, Any]]:
        return self.call_list("GET", f"/api/v1/tenants/{tenant}/jobs/{job}/events")

    def job_logs(self, tenant: str, job: str, *, offset: int = 0) -> dict[str, Any]:
        """One chunk of output: ``{"data", "offset", "next_offset"}``; ask again from ``next_offset``."""
        return self.call("GET", f"/api/v1/tenants/{tenant}/jobs/{job}/logs", params={"offset": offset})

    def delete_job_checkpoints(self, tenant: str, job: str) -> dict[str, Any]:
        """Delete a finished job's checkpoints; answers ``{"job_id", "files", "bytes"}`` freed."""
        return self.call("DELETE", f"/api/v1/tenants/{tenant}/jobs/{job}/checkpoints")

    def cancel_job(self, tenant: str, job: str) -> dict[str, Any]:
        return self.call("POST", f"/api/v1/tenants/{tenant}/jobs/{job}/cancel")

    def queue(self, *, tenant: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Waiting jobs in scheduling order (the caller's tenant; all tenants for platform admins)."""
        params: dict[str, Any] = {"limit": limit}
        if tenant:
            params["tenant"] = tenant
        return self.call_list("GET", "/api/v1/queue", params=params)
