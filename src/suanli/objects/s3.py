"""S3 through boto3 (path-style addressing): AWS, MinIO, SeaweedFS, Ceph RGW, Alibaba OSS, Huawei OBS.

boto3 is imported lazily (extra ``suanli[s3]``). The sha256 of an object travels as user metadata
(``x-amz-meta-sha256``): computed on ``put``, declared at ``begin_upload`` for multipart uploads
(the caller verifies the assembled object, see :mod:`suanli.data.datasets.uploads`).
"""

from __future__ import annotations

import builtins
import hashlib
import tempfile
from collections.abc import Iterator
from typing import Any

from suanli.core.errors import Unavailable
from suanli.objects.store import (
    READ_CHUNK,
    ChecksumMismatch,
    Data,
    ObjectInfo,
    ObjectNotFound,
    Part,
    PendingUpload,
    check_key,
    chunks_of,
)

MIN_PART_SIZE = 5 * 1024 * 1024
_SPOOL = 8 * 1024 * 1024


def make_client(endpoint: str, access_key: str, secret_key: str, region: str = "us-east-1") -> Any:
    """A boto3 S3 client for ``endpoint`` with path-style addressing (what S3-compatible servers expect)."""
    import boto3  # type: ignore[import-untyped]
    from botocore.config import Config  # type: ignore[import-untyped]

    return boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id=access_key, aws_secret_access_key=secret_key,
        region_name=region,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3, "mode": "standard"},
                      signature_version="s3v4"),
    )


class S3ObjectStore:
    """Objects in one bucket, optionally under a key prefix.

    ``client`` is the seam: a boto3 client for a real server, or one wrapped by botocore's
    ``Stubber`` in unit tests.
    """

    def __init__(self, client: Any, bucket: str, *, prefix: str = "", min_part_size: int = MIN_PART_SIZE) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.min_part_size = min_part_size

    def ensure_bucket(self) -> None:
        """Create the bucket if it does not exist yet."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except self.client.exceptions.ClientError:
            try:
                self.client.create_bucket(Bucket=self.bucket)
            except self.client.exceptions.ClientError as exc:
                if _code(exc) not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise

    def _k(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _call(self, what: str, key: str, fn: Any, **kwargs: Any) -> Any:
        try:
            return fn(Bucket=self.bucket, **kwargs)
        except self.client.exceptions.ClientError as exc:
            if _code(exc) in ("NoSuchKey", "404", "NotFound", "NoSuchUpload"):
                raise ObjectNotFound(f"no {what} {key!r}") from None
            raise Unavailable(f"object store error on {key!r}: {_code(exc)}") from exc

    # objects -----------------------------------------------------------------------------------

    def put(self, key: str, data: Data, *, sha256: str | None = None) -> ObjectInfo:
        k = self._k(key)
        h = hashlib.sha256()
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL) as spool:
            size = 0
            for c in chunks_of(data):
                h.update(c)
                size += len(c)
                spool.write(c)
            digest = h.hexdigest()
            if sha256 is not None and sha256 != digest:
                raise ChecksumMismatch(
                    f"sha256 of {key!r} is {digest}, not the declared {sha256}",
                    details={"key": key, "declared": sha256, "actual": digest},
                )
            spool.seek(0)
            try:
                self.client.upload_fileobj(spool, self.bucket, k, ExtraArgs={"Metadata": {"sha256": digest}})
            except self.client.exceptions.ClientError as exc:
                raise Unavailable(f"object store error on {key!r}: {_code(exc)}") from exc
        return ObjectInfo(key, size, digest)

    def get(self, key: str, *, start: int = 0) -> Iterator[bytes]:
        kwargs: dict[str, Any] = {"Key": self._k(key)}
        if start:
            kwargs["Range"] = f"bytes={start}-"
        response = self._call("object", key, self.client.get_object, **kwargs)
        return _body(response["Body"])

    def head(self, key: str) -> ObjectInfo:
        r = self._call("object", key, self.client.head_object, Key=self._k(key))
        return ObjectInfo(key, int(r["ContentLength"]), r.get("Metadata", {}).get("sha256"), r.get("LastModified"))

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
            for obj in page.get("Contents", []):
                key = obj["Key"][len(self.prefix):]
                yield self.head(key) if obj.get("Size", 0) >= 0 else ObjectInfo(key, 0)

    def delete(self, key: str) -> None:
        self._call("object", key, self.client.delete_object, Key=self._k(key))

    def move(self, src: str, dst: str) -> ObjectInfo:
        info = self.head(src)
        try:
            # The managed copy switches to multipart copy above 5 GB, where CopyObject stops working.
            self.client.copy(
                {"Bucket": self.bucket, "Key": self._k(src)}, self.bucket, self._k(dst),
                ExtraArgs={"Metadata": {"sha256": info.sha256 or ""}, "MetadataDirective": "REPLACE"},
            )
        except self.client.exceptions.ClientError as exc:
            raise Unavailable(f"object store error copying {src!r}: {_code(exc)}") from exc
        self.delete(src)
        return ObjectInfo(dst, info.size, info.sha256)

    def presign(self, key: str, expires_s: int = 3600) -> str | None:
        url: str = self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": self._k(key)}, ExpiresIn=expires_s
        )
        return url

    # multipart ---------------------------------------------------------------------------------

    def begin_upload(self, key: str, *, sha256: str | None = None) -> str:
        meta = {"sha256": sha256} if sha256 else {}
        r = self._call("object", key, self.client.create_multipart_upload, Key=self._k(key), Metadata=meta)
        upload_id: str = r["UploadId"]
        return upload_id

    def upload_part(self, key: str, upload_id: str, number: int, data: bytes) -> Part:
        r = self._call("upload", key, self.client.upload_part, Key=self._k(key), UploadId=upload_id,
                       PartNumber=number, Body=data)
        return Part(number, len(data), str(r["ETag"]).strip('"'))

    def parts(self, key: str, upload_id: str) -> builtins.list[Part]:
        out: builtins.list[Part] = []
        paginator = self.client.get_paginator("list_parts")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Key=self._k(key), UploadId=upload_id):
                out.extend(Part(int(p["PartNumber"]), int(p["Size"]), str(p["ETag"]).strip('"'))
                           for p in page.get("Parts", []))
        except self.client.exceptions.ClientError as exc:
            if _code(exc) == "NoSuchUpload":
                raise ObjectNotFound(f"no upload {upload_id!r} for {key!r}") from None
            raise Unavailable(f"object store error on {key!r}: {_code(exc)}") from exc
        # SeaweedFS lists every upload of a part number that was sent twice: list each number once.
        latest = {p.number: p for p in out}
        return [latest[n] for n in sorted(latest)]

    def complete_upload(self, key: str, upload_id: str, parts: builtins.list[Part]) -> ObjectInfo:
        self._call("upload", key, self.client.complete_multipart_upload, Key=self._k(key), UploadId=upload_id,
                   MultipartUpload={"Parts": [{"PartNumber": p.number, "ETag": f'"{p.etag}"'} for p in parts]})
        return self.head(key)

    def abort_upload(self, key: str, upload_id: str) -> None:
        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=self._k(key), UploadId=upload_id)
        except self.client.exceptions.ClientError as exc:
            if _code(exc) not in ("NoSuchUpload", "404", "NotFound"):
                raise Unavailable(f"object store error on {key!r}: {_code(exc)}") from exc

    def pending_uploads(self, prefix: str = "") -> builtins.list[PendingUpload]:
        out: builtins.list[PendingUpload] = []
        paginator = self.client.get_paginator("list_multipart_uploads")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
            out.extend(PendingUpload(u["Key"][len(self.prefix):], u["UploadId"], u.get("Initiated"))
                       for u in page.get("Uploads", []))
        return out


def _code(exc: Any) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", "error"))


def _body(body: Any) -> Iterator[bytes]:
    try:
        yield from body.iter_chunks(READ_CHUNK)
    finally:
        body.close()
