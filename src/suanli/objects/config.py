"""Which object store a server uses: the local file store by default, S3 when ``SUANLI_S3_*`` say so.

``SUANLI_S3_ENDPOINT``, ``SUANLI_S3_BUCKET``, ``SUANLI_S3_ACCESS_KEY`` and ``SUANLI_S3_SECRET_KEY``
select S3 (all four are needed; ``SUANLI_S3_REGION`` defaults to ``us-east-1``, ``SUANLI_S3_PREFIX``
puts every key under a prefix so that several platforms can share a bucket).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from suanli.core.errors import InvalidInput
from suanli.objects.local import LocalObjectStore
from suanli.objects.store import ObjectStore

S3_VARIABLES = ("SUANLI_S3_ENDPOINT", "SUANLI_S3_BUCKET", "SUANLI_S3_ACCESS_KEY", "SUANLI_S3_SECRET_KEY")


def store_from_env(home: Path, environ: Mapping[str, str] | None = None) -> ObjectStore:
    """The object store for a server whose state folder is ``home``."""
    env = os.environ if environ is None else environ
    given = [v for v in S3_VARIABLES if env.get(v)]
    if not given:
        return LocalObjectStore(home / "objects")
    if len(given) != len(S3_VARIABLES):
        missing = sorted(set(S3_VARIABLES) - set(given))
        raise InvalidInput(f"S3 is half configured: set {', '.join(missing)} too (or none of them)")
    from suanli.objects.s3 import S3ObjectStore, make_client

    client = make_client(env["SUANLI_S3_ENDPOINT"], env["SUANLI_S3_ACCESS_KEY"], env["SUANLI_S3_SECRET_KEY"],
                         env.get("SUANLI_S3_REGION", "us-east-1"))
    store = S3ObjectStore(client, env["SUANLI_S3_BUCKET"], prefix=env.get("SUANLI_S3_PREFIX", ""))
    store.ensure_bucket()
    return store
