"""``suanli dataset`` as a user runs it: JSON documents, and an upload killed midway that resumes."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select
from tests.datasets.conftest import World, big_docs, docs, write_jsonl

from suanli.state.data import UploadPart, UploadSession


def suanli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "suanli.cli", "dataset", *args], env=env, capture_output=True,
                          text=True, timeout=120)


def cli_env(world: World, role: str = "member", **extra: str) -> dict[str, str]:
    actor = world.alpha[role]
    return {**os.environ, "SUANLI_URL": world.url, "SUANLI_TOKEN": actor.token, "COLUMNS": "200", **extra}


def test_cli_commands_print_json(world: World, tmp_path: Path) -> None:
    env = cli_env(world)
    created = json.loads(suanli("create", "news", "--description", "zh", "--json", env=env).stdout)
    assert created["name"] == "news" and created["latest_version"] is None
    again = suanli("create", "news", "--exist-ok", "--json", env=env)
    assert again.returncode == 0 and json.loads(again.stdout)["id"] == created["id"]
    dup = suanli("create", "news", env=env)
    assert dup.returncode == 1 and "already exists" in dup.stderr
    a = write_jsonl(tmp_path / "a.jsonl.gz", docs(12))
    chunk = str(world.chunk)
    v = json.loads(suanli("upload", "news", str(a), "--chunk-size", chunk, "--recipe", "raw", "--json", env=env).stdout)
    assert (v["number"], v["total_documents"], v["recipe"]) == (1, 12, "raw")
    assert [d["name"] for d in json.loads(suanli("list", "--json", env=env).stdout)] == ["news"]
    m = json.loads(suanli("show", "news", "--json", env=env).stdout)
    assert m["shards"][0]["sha256"] == hashlib.sha256(a.read_bytes()).hexdigest()
    assert [x["number"] for x in json.loads(suanli("versions", "news", "--json", env=env).stdout)] == [1]
    out = tmp_path / "out"
    d = suanli("download", "news", "-o", str(out), "--export", str(tmp_path / "all.jsonl"), "--json", env=env)
    assert d.returncode == 0, d.stderr
    assert (out / "a.jsonl.gz").read_bytes() == a.read_bytes()
    assert [json.loads(x) for x in (tmp_path / "all.jsonl").read_text().splitlines()] == docs(12)
    table = suanli("show", "news", env=env)
    assert "a.jsonl.gz" in table.stdout and "documents" in table.stdout
    viewer = suanli("upload", "news", str(a), env=cli_env(world, "viewer"))
    assert viewer.returncode == 1 and "forbidden" in viewer.stderr
    gone = suanli("delete", "news", "--yes", "--json", env=env)
    assert gone.returncode == 0 and json.loads(gone.stdout)["name"] == "news"
    assert json.loads(suanli("list", "--json", env=env).stdout) == []


def test_killed_upload_resumes_and_verifies(world: World, tmp_path: Path) -> None:
    env = cli_env(world)
    assert suanli("create", "big", env=env).returncode == 0
    f = write_jsonl(tmp_path / "big.jsonl", big_docs(world.chunk) * 2)  # about 5 chunks
    chunk = str(world.chunk)
    killed = suanli("upload", "big", str(f), "--chunk-size", chunk, "--json",
                    env={**env, "SUANLI_FAULT_UPLOAD_KILL_AFTER": "2"})
    assert killed.returncode == -signal.SIGKILL
    db = world.platform.db  # type: ignore[attr-defined]
    with db.session() as s:
        (session_id,) = s.scalars(select(UploadSession.id)).all()
        assert s.scalar(select(func.count()).select_from(UploadPart)) == 2
    # Killed midway: no version is visible.
    assert json.loads(suanli("versions", "big", "--json", env=env).stdout) == []
    resumed = suanli("upload", "big", str(f), "--chunk-size", chunk, "--json", env=env)
    assert resumed.returncode == 0, resumed.stderr
    v = json.loads(resumed.stdout)
    assert v["number"] == 1 and v["total_bytes"] == f.stat().st_size
    with db.session() as s:  # the same upload session was resumed, not a second one begun
        assert s.scalars(select(UploadSession.id)).all() == [session_id]
        assert s.get(UploadSession, session_id).status == "committed"  # type: ignore[union-attr]
    out = tmp_path / "out"
    assert suanli("download", "big", "-o", str(out), env=env).returncode == 0
    assert (out / "big.jsonl").read_bytes() == f.read_bytes()
