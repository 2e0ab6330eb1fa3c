"""Which store the environment selects."""

from __future__ import annotations

from pathlib import Path

import pytest

from suanli.core.errors import InvalidInput
from suanli.objects import LocalObjectStore, store_from_env
from suanli.objects.s3 import S3ObjectStore


def test_local_store_is_the_default(tmp_path: Path) -> None:
    store = store_from_env(tmp_path, {})
    assert isinstance(store, LocalObjectStore)
    assert store.root == tmp_path / "objects"


def test_half_configured_s3_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="SUANLI_S3_SECRET_KEY"):
        store_from_env(tmp_path, {"SUANLI_S3_ENDPOINT": "http://x", "SUANLI_S3_BUCKET": "b",
                                  "SUANLI_S3_ACCESS_KEY": "a"})


def test_s3_from_the_environment(tmp_path: Path, s3_server: dict[str, str]) -> None:
    env = {"SUANLI_S3_ENDPOINT": s3_server["endpoint"], "SUANLI_S3_BUCKET": "from-env",
           "SUANLI_S3_ACCESS_KEY": s3_server["access_key"], "SUANLI_S3_SECRET_KEY": s3_server["secret_key"]}
    store = store_from_env(tmp_path, env)
    assert isinstance(store, S3ObjectStore)
    store.put("x", b"1")
    assert store.head("x").size == 1


def test_wrong_s3_credentials_are_refused(s3_server: dict[str, str]) -> None:
    from suanli.core.errors import Unavailable
    from suanli.objects.s3 import make_client

    store = S3ObjectStore(make_client(s3_server["endpoint"], s3_server["access_key"], "wrong"), "suanli")
    with pytest.raises(Unavailable):
        store.head("x")
