"""The SDK's calls for the data plane: datasets, versions, chunked uploads, shards, curations."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import httpx

from suanli.client.transport import Transport, check
from suanli.core import errors


class DatasetCalls(Transport):
    """Datasets and their curation, one request at a time (whole-file transfers: :mod:`.transfer`)."""

    def create_dataset(self, tenant: str, name: str, *, description: str = "") -> dict[str, Any]:
        body = {"name": name, "description": description}
        return self.call("POST", f"/api/v1/tenants/{tenant}/datasets", json=body, idempotent=True)

    def datasets(self, tenant: str) -> list[dict[str, Any]]:
        return list(self.paginate(f"/api/v1/tenants/{tenant}/datasets"))

    def classify_dataset(self, tenant: str, name: str, classification: str) -> dict[str, Any]:
        """Label a dataset (public, internal, important, core); what derives from it is raised with it."""
        return self.call(
            "PUT", f"/api/v1/tenants/{tenant}/datasets/{name}/classification", json={"classification": classification})

    def dataset(self, tenant: str, name: str) -> dict[str, Any]:
        return self.call("GET", f"/api/v1/tenants/{tenant}/datasets/{name}")

    def delete_dataset(self, tenant: str, name: str) -> dict[str, Any]:
        return self.call("DELETE", f"/api/v1/tenants/{tenant}/datasets/{name}")

    def dataset_versions(self, tenant: str, name: str) -> list[dict[str, Any]]:
        return list(self.call("GET", f"/api/v1/tenants/{tenant}/datasets/{name}/versions")["items"])

    def dataset_version(self, tenant: str, name: str, version: int | str = "latest") -> dict[str, Any]:
        """A version's manifest (shards, sizes, sha256, document counts, lineage)."""
        return self.call("GET", f"/api/v1/tenants/{tenant}/datasets/{name}/versions/{version}")

    def delete_dataset_version(self, tenant: str, name: str, version: int) -> dict[str, Any]:
        return self.call("DELETE", f"/api/v1/tenants/{tenant}/datasets/{name}/versions/{version}")

    def storage(self, tenant: str) -> dict[str, Any]:
        """Stored and reserved bytes against the tenant's storage quota (0: no limit)."""
        return self.call("GET", f"/api/v1/tenants/{tenant}/storage")

    def begin_dataset_upload(self, tenant: str, name: str, files: list[dict[str, Any]], *,
                             chunk_size: int, **lineage: Any) -> dict[str, Any]:
        """Declare a version's files; the same declaration again resumes the open upload."""
        body = {"files": files, "chunk_size": chunk_size, **{k: v for k, v in lineage.items() if v is not None}}
        return self.call("POST", f"/api/v1/tenants/{tenant}/datasets/{name}/uploads", json=body, idempotent=True)

    def dataset_upload(self, tenant: str, name: str, upload_id: str) -> dict[str, Any]:
        return self.call("GET", f"/api/v1/tenants/{tenant}/datasets/{name}/uploads/{upload_id}")

    def put_dataset_chunk(self, tenant: str, name: str, upload_id: str, index: int, number: int,
                          data: bytes) -> dict[str, Any]:
        """Send one chunk with its sha256 (PUT: retried on connection errors)."""
        path = f"/api/v1/tenants/{tenant}/datasets/{name}/uploads/{upload_id}/files/{index}/chunks/{number}"
        headers = {"X-Content-SHA256": hashlib.sha256(data).hexdigest(),
                   "Content-Type": "application/octet-stream"}
        response = self.send("PUT", path, retry=True, unreachable=" while uploading", content=data, headers=headers)
        check(response)
        result: dict[str, Any] = response.json()
        return result

    def commit_dataset_upload(self, tenant: str, name: str, upload_id: str) -> dict[str, Any]:
        """Verify the uploaded files and create the version (committing twice answers the same version).

        The server reads every file back before answering, so this call waits without a read timeout.
        """
        path = f"/api/v1/tenants/{tenant}/datasets/{name}/uploads/{upload_id}/commit"
        response = self.send("POST", path, retry=False, timeout=httpx.Timeout(30.0, read=None),
                             unreachable=" while committing: commit again, it answers the same version once it "
                                         "is written")
        check(response)
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
                check(response)
            yield from response.iter_bytes(1024 * 1024)

    def create_dataset_report(self, tenant: str, name: str, report: dict[str, Any]) -> str:
        """Store a curation report for a version about to be uploaded; answers its reference."""
        result = self.call("POST", f"/api/v1/tenants/{tenant}/datasets/{name}/reports", json=report,
                           idempotent=True)
        return str(result["ref"])

    def dataset_report(self, tenant: str, name: str, version: int | str = "latest") -> dict[str, Any]:
        """The curation report of a version (404 when the version has none)."""
        ref = self.dataset_version(tenant, name, version).get("report") or ""
        if not ref.startswith("reports/"):
            raise errors.NotFound(f"version {version} of {name!r} has no stored curation report")
        return self.call("GET", f"/api/v1/tenants/{tenant}/datasets/{name}/reports/{ref.split('/', 1)[1]}")

    def curate_dataset(self, tenant: str, name: str, recipe: str, *, version: int | None = None,
                       workers: int = 1) -> dict[str, Any]:
        """Queue a server-side curation of ``version`` (default the latest) into a new version."""
        body: dict[str, Any] = {"recipe": recipe, "workers": workers}
        if version is not None:
            body["version"] = version
        return self.call("POST", f"/api/v1/tenants/{tenant}/datasets/{name}/curations", json=body, idempotent=True)

    def curation(self, tenant: str, name: str, job: str) -> dict[str, Any]:
        """A curation job: status, stage, progress, report reference, result version."""
        return self.call("GET", f"/api/v1/tenants/{tenant}/datasets/{name}/curations/{job}")

    def curations(self, tenant: str, name: str) -> list[dict[str, Any]]:
        """The dataset's curation jobs, newest first."""
        return list(self.call("GET", f"/api/v1/tenants/{tenant}/datasets/{name}/curations")["items"])

    def curation_report(self, tenant: str, name: str, job: str) -> dict[str, Any]:
        """The stored report of a succeeded curation (409 before it succeeds)."""
        return self.call("GET", f"/api/v1/tenants/{tenant}/datasets/{name}/curations/{job}/report")

    def cancel_curation(self, tenant: str, name: str, job: str) -> dict[str, Any]:
        return self.call("POST", f"/api/v1/tenants/{tenant}/datasets/{name}/curations/{job}/cancel")
