"""The verified-key cache: time-to-live, key expiry, and the credentials epoch (clocks passed in)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from suanli.core.errors import InvalidInput
from suanli.settings import Settings
from suanli.state.db import Database
from suanli.state.models import ApiKey, utcnow
from suanli.tenancy import api_keys, key_cache
from suanli.tenancy.bootstrap import ensure_admin
from suanli.tenancy.key_cache import VerifiedKeys, credentials_changed, digest
from suanli.tenancy.principal import Principal, authenticate
from suanli.tenancy.roles import Role

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def principal(expires: datetime | None = None) -> Principal:
    return Principal("key_1", "usr_1", "alice", "ten_1", "acme", Role.MEMBER, key_expires_at=expires)


def test_a_hit_lives_ttl_seconds_and_never_past_the_keys_expiry() -> None:
    keys = VerifiedKeys(ttl_s=2.0)
    k = digest("sl-key_1.secret")
    assert keys.get(k, 100.0, NOW) is None
    keys.put(key_cache.epoch(), k, principal(), 100.0)
    assert keys.get(k, 101.9, NOW) == principal()
    assert keys.get(digest("sl-key_1.other"), 101.0, NOW) is None  # another secret is another entry
    assert keys.get(k, 102.0, NOW) is None  # the time-to-live is over: ask the database again
    assert len(keys) == 0

    expiring = principal(NOW + timedelta(seconds=1))
    keys.put(key_cache.epoch(), k, expiring, 200.0)
    assert keys.get(k, 200.5, NOW) == expiring
    assert keys.get(k, 200.5, NOW + timedelta(seconds=1)) is None  # expired inside the time-to-live


def test_a_withdrawn_credential_empties_every_cache_at_once() -> None:
    a, b = VerifiedKeys(), VerifiedKeys()
    k = digest("sl-key_1.secret")
    for cache in (a, b):
        cache.put(key_cache.epoch(), k, principal(), 0.0)
        assert cache.get(k, 0.1, NOW) is not None
    key_cache._bump()
    assert a.get(k, 0.1, NOW) is None and b.get(k, 0.1, NOW) is None


def test_a_lookup_that_raced_a_withdrawal_is_not_remembered() -> None:
    keys = VerifiedKeys()
    k = digest("sl-key_1.secret")
    seen = key_cache.epoch()  # a lookup starts, reads the key as valid...
    key_cache._bump()  # ...while another request revokes it and commits
    keys.put(seen, k, principal(), 0.0)
    assert keys.get(k, 0.1, NOW) is None
    keys.put(key_cache.epoch(), k, principal(), 0.0)  # a lookup that started after the change is kept
    assert keys.get(k, 0.1, NOW) is not None


def test_ttl_zero_caches_nothing() -> None:
    keys = VerifiedKeys(ttl_s=0)
    keys.put(key_cache.epoch(), b"k", principal(), 0.0)
    assert keys.get(b"k", 0.0, NOW) is None


def test_the_epoch_moves_when_the_change_commits_and_not_when_it_rolls_back(db: Database, tmp_path: Path) -> None:
    token = ensure_admin(db, tmp_path / "admin.key")
    with db.session() as s:
        admin = authenticate(s, token, utcnow())
    keys = VerifiedKeys()
    k = digest(token or "")
    with db.session() as s:
        key_id = s.scalars(select(ApiKey.id)).one()
        keys.put(key_cache.epoch(), k, admin, 0.0)
        api_keys.revoke(s, admin, "admin", key_id, utcnow())
        assert keys.get(k, 0.1, NOW) is None  # forgotten before the commit...
        keys.put(key_cache.epoch(), k, admin, 0.0)  # ...and a lookup that read the old row meanwhile
    assert keys.get(k, 0.1, NOW) is None  # is forgotten again once the revocation commits
    before = key_cache.epoch()
    with db.sessions() as s:
        s.execute(select(ApiKey.id))
        credentials_changed(s)
        s.rollback()  # the change did not happen...
        s.execute(select(ApiKey.id))
        s.commit()  # ...so a later commit of the same session is no withdrawal
    assert key_cache.epoch() == before + 1  # once at the call; nothing after the rollback


def test_the_ttl_comes_from_the_environment_and_a_bad_one_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    assert Settings.from_env(tmp_path).key_cache_ttl_s == 2.0
    monkeypatch.setenv("SUANLI_KEY_CACHE_TTL_S", "0")
    assert Settings.from_env(tmp_path).key_cache_ttl_s == 0.0
    for bad in ("soon", "-1", "nan", "1e9"):
        monkeypatch.setenv("SUANLI_KEY_CACHE_TTL_S", bad)
        with pytest.raises(InvalidInput, match="SUANLI_KEY_CACHE_TTL_S must be a number of seconds"):
            Settings.from_env(tmp_path)
