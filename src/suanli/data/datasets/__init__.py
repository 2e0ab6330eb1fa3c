"""Datasets with immutable versions on object storage: catalog, checksummed resumable uploads, expiry.

The store a server uses is :func:`suanli.objects.store_from_env` of its home; see
:mod:`suanli.data.datasets.uploads` for the upload protocol.
"""

from suanli.data.datasets.expiry import UploadExpiry
from suanli.data.datasets.manifest import DEFAULT_CHUNK_SIZE, DeclaredFile
from suanli.data.datasets.uploads import Lineage

__all__ = ["DEFAULT_CHUNK_SIZE", "DeclaredFile", "Lineage", "UploadExpiry"]
