"""The CLI against a live server: friendly errors, ``--json`` documents, the single-box defaults."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def suanli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "suanli.cli", *args], env=env, capture_output=True, text=True,
                          timeout=60)


@pytest.fixture
def env(platform) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {**os.environ, "SUANLI_URL": platform.url, "SUANLI_TOKEN": platform.admin_token, "COLUMNS": "200"}


def test_json_documents(env: dict[str, str]) -> None:
    created = json.loads(suanli("tenant", "create", "acme", "--industry", "finance", "--json", env=env).stdout)
    assert created["name"] == "acme" and created["industry"] == "finance"
    assert suanli("user", "create", "alice", "-t", "acme", "--role", "tenant-admin", env=env).returncode == 0
    key = json.loads(suanli("key", "create", "-t", "acme", "--user", "alice", "--expires-in-days", "7", "--json",
                            env=env).stdout)
    assert key["token"].startswith("sl-") and key["expires_at"]
    quota = json.loads(suanli("quota", "set", "-t", "acme", "--kind", "ascend-910b", "--nominal", "64",
                              "--borrowing-limit", "16", "--json", env=env).stdout)
    assert quota["nominal"] == 64
    shown = json.loads(suanli("quota", "show", "-t", "acme", "--json", env=env).stdout)
    assert shown["accelerators"][0]["accelerator_kind"] == "ascend-910b"
    tenants = json.loads(suanli("tenant", "list", "--json", env=env).stdout)
    assert {t["name"] for t in tenants} == {"admin", "acme"}
    users = json.loads(suanli("user", "list", "-t", "acme", "--json", env=env).stdout)
    assert [u["name"] for u in users] == ["alice"]
    keys = json.loads(suanli("key", "list", "-t", "acme", "--json", env=env).stdout)
    revoked = json.loads(suanli("key", "revoke", keys[0]["id"], "-t", "acme", "--json", env=env).stdout)
    assert revoked["revoked_at"]
    events = json.loads(suanli("audit", "--tenant", "acme", "--json", env=env).stdout)
    assert "keys.revoke" in [e["action"] for e in events]
    status = json.loads(suanli("status", "--json", env=env).stdout)
    assert status["database"] is True and status["role"] == "platform-admin"


def test_tables_for_people(env: dict[str, str]) -> None:
    suanli("tenant", "create", "acme", env=env)
    out = suanli("tenant", "list", env=env).stdout
    assert "acme" in out and "industry" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("tenant", "create", "Not Valid"), "invalid tenant name"),
        (("quota", "set", "-t", "admin", "--kind", "tpu", "--nominal", "1"), "unknown accelerator kind"),
        (("tenant", "show", "ghost"), "no tenant 'ghost'"),
    ],
)
def test_user_mistakes_are_one_line_not_a_traceback(env: dict[str, str], args: tuple[str, ...], message: str) -> None:
    result = suanli(*args, env=env)
    assert result.returncode == 1
    assert message in result.stderr and "Traceback" not in result.stderr


def test_bad_key_and_no_server(env: dict[str, str]) -> None:
    result = suanli("status", env={**env, "SUANLI_TOKEN": "sl-key_x.y"})
    assert result.returncode == 1 and "invalid API key" in result.stderr
    result = suanli("status", env={**env, "SUANLI_URL": "http://127.0.0.1:9"})
    assert result.returncode == 1 and "suanli up" in result.stderr and "Traceback" not in result.stderr


def test_single_box_default_uses_the_local_home(platform, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "home"
    home.mkdir()
    (home / "admin.key").write_text(platform.admin_token + "\n")
    (home / "server.json").write_text(json.dumps({"url": platform.url}))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUANLI_")}
    result = suanli("status", "--json", env={**env, "SUANLI_HOME": str(home)})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["user"] == "admin"
