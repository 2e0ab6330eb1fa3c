"""The SDK's calls for the inference plane: models, their versions and files, deployments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from suanli.client.transport import Transport, check
from suanli.core import errors


class ServingCalls(Transport):
    """Models and the deployments that serve them."""

    def create_model(self, tenant: str, name: str, *, description: str = "") -> dict[str, Any]:
        body = {"name": name, "description": description}
        return self.call("POST", f"/api/v1/tenants/{tenant}/models", json=body, idempotent=True)

    def models(self, tenant: str) -> list[dict[str, Any]]:
        return list(self.paginate(f"/api/v1/tenants/{tenant}/models"))

    def model(self, tenant: str, model: str) -> dict[str, Any]:
        return self.call("GET", f"/api/v1/tenants/{tenant}/models/{model}")

    def model_versions(self, tenant: str, model: str) -> list[dict[str, Any]]:
        return list(self.paginate(f"/api/v1/tenants/{tenant}/models/{model}/versions"))

    def model_version(self, tenant: str, model: str, version: int | str = "latest") -> dict[str, Any]:
        return self.call("GET", f"/api/v1/tenants/{tenant}/models/{model}/versions/{version}")

    def create_model_version(self, tenant: str, model: str, *, training_job_id: str | None = None,
                             dataset_version: str | None = None) -> dict[str, Any]:
        body = {"training_job_id": training_job_id, "dataset_version": dataset_version}
        return self.call("POST", f"/api/v1/tenants/{tenant}/models/{model}/versions", json=body, idempotent=True)

    def put_model_chunk(self, tenant: str, model: str, version: int | str, path: str, offset: int,
                        data: bytes) -> dict[str, Any]:
        """Append ``data`` at ``offset`` to one file of an uploading version (at most ~1 MiB a call).

        A retry after a lost answer is safe: the 409 it may get carries the size to resume from.
        """
        url = f"/api/v1/tenants/{tenant}/models/{model}/versions/{version}/files/{path}"
        response = self.send("PUT", url, retry=True, content=data, params={"offset": offset},
                             headers={"content-type": "application/octet-stream"})
        if response.status_code == 409:
            details = response.json().get("error", {}).get("details") or {}
            if details.get("offset") == offset + len(data):  # an earlier, retried attempt landed
                return {"path": path, "size": offset + len(data)}
        check(response)
        result: dict[str, Any] = response.json()
        return result

    def finalize_model_version(self, tenant: str, model: str, version: int | str,
                               files: dict[str, int] | None = None) -> dict[str, Any]:
        return self.call(
            "POST", f"/api/v1/tenants/{tenant}/models/{model}/versions/{version}/finalize", json={"files": files})

    def upload_model(self, tenant: str, model: str, folder: Any, *, training_job_id: str | None = None,
                     dataset_version: str | None = None, chunk_bytes: int = 1024 * 1024 - 1024,
                     progress: Any = None) -> dict[str, Any]:
        """Upload a local Hugging Face model folder as a new version; ``progress(bytes)`` after each chunk."""
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
        return self.call("POST", f"/api/v1/tenants/{tenant}/deployments", json=body, idempotent=True)

    def deployments(self, tenant: str) -> list[dict[str, Any]]:
        return list(self.paginate(f"/api/v1/tenants/{tenant}/deployments"))

    def deployment(self, tenant: str, name: str) -> dict[str, Any]:
        return self.call("GET", f"/api/v1/tenants/{tenant}/deployments/{name}")

    def update_deployment(self, tenant: str, name: str, **changes: Any) -> dict[str, Any]:
        """Scale (``regions={...}``), roll out (``version=...``), or change ``policy``."""
        return self.call("PATCH", f"/api/v1/tenants/{tenant}/deployments/{name}", json=changes)

    def delete_deployment(self, tenant: str, name: str) -> dict[str, Any]:
        return self.call("DELETE", f"/api/v1/tenants/{tenant}/deployments/{name}")
