"""Curation reports attached to versions: JSON documents stored content-addressed beside the shards.

A report is stored before the version that it describes is committed, and the version's ``report``
field names it (``reports/<sha256>``), so the lineage of a version says which recipe made it and
what every step of that recipe changed or removed.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from suanli.core.errors import InvalidInput, NotFound
from suanli.data.datasets import manifest
from suanli.objects import ObjectNotFound, ObjectStore
from suanli.state.data import Dataset

_REF_RE = re.compile(r"^reports/([0-9a-f]{64})$")


def key_of(dataset: Dataset, ref: str) -> str:
    m = _REF_RE.match(ref)
    if not m:
        raise InvalidInput(f"a report reference reads 'reports/<sha256>', not {ref!r}")
    return manifest.version_prefix(dataset.tenant_id, dataset.id) + f"reports/{m.group(1)}.json"


def store_report(store: ObjectStore, dataset: Dataset, report: dict[str, Any]) -> str:
    """Store ``report``; answers its reference (the same report twice is stored once)."""
    data = json.dumps(report, ensure_ascii=False, sort_keys=True).encode()
    ref = f"reports/{hashlib.sha256(data).hexdigest()}"
    store.put(key_of(dataset, ref), data)
    return ref


def load_report(store: ObjectStore, dataset: Dataset, ref: str) -> dict[str, Any]:
    try:
        doc: dict[str, Any] = json.loads(b"".join(store.get(key_of(dataset, ref))))
    except ObjectNotFound:
        raise NotFound(f"no report {ref!r} in dataset {dataset.name!r}") from None
    return doc
