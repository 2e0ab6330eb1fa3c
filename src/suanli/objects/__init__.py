"""Object storage: one :class:`ObjectStore` protocol; the local file store (embedded default) and S3."""

from suanli.objects.config import S3_VARIABLES, store_from_env
from suanli.objects.local import LocalObjectStore
from suanli.objects.memory import MemoryObjectStore
from suanli.objects.store import (
    ChecksumMismatch,
    Data,
    ObjectInfo,
    ObjectNotFound,
    ObjectStore,
    Part,
    PendingUpload,
    check_key,
)

__all__ = [
    "S3_VARIABLES", "ChecksumMismatch", "Data", "LocalObjectStore", "MemoryObjectStore", "ObjectInfo",
    "ObjectNotFound", "ObjectStore", "Part", "PendingUpload", "check_key", "store_from_env",
]
