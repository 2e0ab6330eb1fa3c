"""An emulated Kubernetes API server for the kubernetes engine's tests (no kube-apiserver can run here).

It answers the few REST paths the engine's official client calls, over real HTTP, and checks every
created Job and Service against the client's own models (the round trip of
tests/engines/test_kubernetes_render.py), refusing an invalid one with 422 as the API server would.
The test plays the kubelet: it sets a Job's conditions, its pods and their logs.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from kubernetes import client  # type: ignore[import-untyped]
from tests.conftest import free_port

_MODELS = {"Job": "V1Job", "Service": "V1Service"}
_API = client.ApiClient()


def _status(code: int, reason: str, message: str) -> JSONResponse:
    return JSONResponse({"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": reason,
                         "message": message, "code": code}, status_code=code)


class KubeApiServer:
    """Objects by (kind, namespace, name); pods and logs as the test sets them."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.deleted: list[tuple[str, str, int | None]] = []  # kind, name, grace
        self.pods: dict[str, dict[str, Any]] = {}
        self.logs: dict[str, str] = {}
        self.nodes: list[dict[str, Any]] = []
        self.app = self._routes()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning"))
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def start(self) -> None:
        self._thread.start()
        while not self._server.started:
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)

    def kubeconfig(self, path: Path) -> Path:
        path.write_text(f"""apiVersion: v1
kind: Config
clusters: [{{name: east, cluster: {{server: "{self.url}"}}}}]
users: [{{name: suanli, user: {{token: not-a-secret}}}}]
contexts: [{{name: east, context: {{cluster: east, user: suanli}}}}]
current-context: east
""")
        return path

    # the kubelet's side -------------------------------------------------------------------------

    def add_node(self, name: str, kind: str, resource: str, count: int, *, ready: bool = True,
                 domain: str = "") -> None:
        labels = {"kubernetes.io/hostname": name, "suanli.io/accelerator-kind": kind}
        if domain:
            labels["suanli.io/interconnect-domain"] = domain
        self.nodes.append({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels},
                           "status": {"allocatable": {resource: str(count), "cpu": "64"},
                                      "conditions": [{"type": "Ready", "status": str(ready)}]}})

    def job(self, name: str, namespace: str = "suanli") -> dict[str, Any]:
        return self.objects[("Job", namespace, name)]

    def run_pods(self, name: str, output: str, namespace: str = "suanli") -> None:
        job = self.job(name, namespace)
        for index in range(job["spec"].get("completions", 1)):
            pod = self._pod(job, name, index, namespace, {"phase": "Running"})
            self.logs[pod] = output if index == 0 else ""
        job["status"] = {"active": len(self.pods)}

    def pend_pods(self, name: str, namespace: str = "suanli") -> None:
        """Rank 0's pod pulls its image; every other rank's pod finds no node (what a real cluster reports)."""
        job = self.job(name, namespace)
        for index in range(job["spec"].get("completions", 1)):
            if index == 0:
                status = {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "True"}],
                          "containerStatuses": [{"name": "main", "ready": False, "restartCount": 0, "image": "x",
                                                 "imageID": "", "state": {"waiting": {
                                                     "reason": "ContainerCreating", "message": ""}}}]}
            else:
                status = {"phase": "Pending", "conditions": [{
                    "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                    "message": "0/3 nodes are available: 1 Insufficient nvidia.com/gpu."}]}
            self._pod(job, name, index, namespace, status)
        job["status"] = {"active": len(self.pods)}

    def _pod(self, job: dict[str, Any], name: str, index: int, namespace: str, status: dict[str, Any]) -> str:
        pod = f"{name}-{index}-x{index}"
        labels = {**job["spec"]["template"]["metadata"]["labels"], "job-name": name}
        self.pods[pod] = {"apiVersion": "v1", "kind": "Pod", "metadata": {
            "name": pod, "namespace": namespace, "labels": labels,
            "annotations": {"batch.kubernetes.io/job-completion-index": str(index)}}, "status": status}
        return pod

    def finish(self, name: str, exit_code: int, namespace: str = "suanli") -> None:
        job = self.job(name, namespace)
        for pod in self.pods.values():
            if pod["metadata"]["labels"].get("job-name") == name:
                pod["status"] = {"phase": "Succeeded" if exit_code == 0 else "Failed", "containerStatuses": [{
                    "name": "main", "ready": False, "restartCount": 0, "image": "x", "imageID": "",
                    "state": {"terminated": {"exitCode": exit_code}}}]}
        condition = "Complete" if exit_code == 0 else "Failed"
        job["status"] = {"conditions": [{"type": condition, "status": "True",
                                         "reason": "" if exit_code == 0 else "BackoffLimitExceeded"}]}

    # the API ------------------------------------------------------------------------------------

    def _routes(self) -> FastAPI:
        app = FastAPI()

        async def create(kind: str, namespace: str, request: Request) -> Response:
            body = await request.json()
            if kind in _MODELS:
                try:
                    model = _API._ApiClient__deserialize(body, _MODELS[kind])
                except ValueError as exc:
                    return _status(422, "Invalid", str(exc))
                if _API.sanitize_for_serialization(model) != body:
                    return _status(422, "Invalid", f"{kind} has fields the API does not know")
            name = body["metadata"]["name"]
            if (kind, namespace, name) in self.objects:
                return _status(409, "AlreadyExists", f"{kind.lower()} {name!r} already exists")
            self.objects[(kind, namespace, name)] = body
            return JSONResponse(body, status_code=201)

        def delete(kind: str, namespace: str, name: str, grace: int | None) -> Response:
            if self.objects.pop((kind, namespace, name), None) is None:
                return _status(404, "NotFound", f"{kind.lower()} {name!r} not found")
            self.deleted.append((kind, name, grace))
            for pod in [p for p, v in self.pods.items() if v["metadata"]["labels"].get("job-name") == name]:
                del self.pods[pod]
            return JSONResponse({"kind": "Status", "apiVersion": "v1", "status": "Success"})

        @app.post("/apis/batch/v1/namespaces/{namespace}/jobs")
        async def create_job(namespace: str, request: Request) -> Response:
            return await create("Job", namespace, request)

        @app.post("/api/v1/namespaces/{namespace}/services")
        async def create_service(namespace: str, request: Request) -> Response:
            return await create("Service", namespace, request)

        @app.post("/apis/scheduling.volcano.sh/v1beta1/namespaces/{namespace}/podgroups")
        async def create_podgroup(namespace: str, request: Request) -> Response:
            return await create("PodGroup", namespace, request)

        @app.get("/apis/batch/v1/namespaces/{namespace}/jobs/{name}/status")
        def read_job(namespace: str, name: str) -> Response:
            job = self.objects.get(("Job", namespace, name))
            return JSONResponse(job) if job else _status(404, "NotFound", f"job {name!r} not found")

        @app.delete("/apis/batch/v1/namespaces/{namespace}/jobs/{name}")
        async def delete_job(namespace: str, name: str, request: Request) -> Response:
            body = await request.json() if await request.body() else {}
            return delete("Job", namespace, name, body.get("gracePeriodSeconds"))

        @app.delete("/api/v1/namespaces/{namespace}/services/{name}")
        def delete_service(namespace: str, name: str) -> Response:
            return delete("Service", namespace, name, None)

        @app.delete("/apis/scheduling.volcano.sh/v1beta1/namespaces/{namespace}/podgroups/{name}")
        def delete_podgroup(namespace: str, name: str) -> Response:
            return delete("PodGroup", namespace, name, None)

        @app.get("/api/v1/namespaces/{namespace}/pods")
        def list_pods(namespace: str, labelSelector: str = "") -> Response:
            key, _, value = labelSelector.partition("=")
            items = [p for p in self.pods.values() if p["metadata"]["namespace"] == namespace
                     and (not key or p["metadata"]["labels"].get(key) == value)]
            return JSONResponse({"apiVersion": "v1", "kind": "PodList", "metadata": {}, "items": items})

        @app.get("/api/v1/namespaces/{namespace}/pods/{name}/log")
        def pod_log(namespace: str, name: str) -> Response:
            if name not in self.logs:
                return _status(404, "NotFound", f"pod {name!r} not found")
            return PlainTextResponse(self.logs[name])

        @app.get("/api/v1/nodes")
        def list_nodes() -> Response:
            return JSONResponse({"apiVersion": "v1", "kind": "NodeList", "metadata": {}, "items": self.nodes})

        return app
