"""``suanli model ...``, ``suanli deploy`` and ``suanli deployment ...`` against a live server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.inference.test_registry import hf_folder

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def suanli(*args: str, env: dict[str, str]) -> Any:
    done = subprocess.run([sys.executable, "-m", "suanli.cli", *args], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if "--json" in args else done.stdout


def test_registry_and_deployment_commands(platform: Any, tmp_path: Path) -> None:
    env = {**os.environ, "SUANLI_URL": platform.url, "SUANLI_TOKEN": platform.admin_token, "COLUMNS": "200"}
    suanli("tenant", "create", "acme", env=env)
    platform.runner.run_pass()
    folder = hf_folder(tmp_path / "m", weights=1024)
    version = suanli("model", "upload", "-t", "acme", "tiny", str(folder), "--create", "--training-job", "job_9",
                     "--dataset-version", "ds@v1", "--json", env=env)
    assert version["number"] == 1 and version["training_job_id"] == "job_9" and version["parameters"] == 256
    assert [m["name"] for m in suanli("model", "list", "-t", "acme", "--json", env=env)] == ["tiny"]
    assert suanli("model", "show", "-t", "acme", "tiny", "--json", env=env)["version"]["number"] == 1
    assert "GPT2LMHeadModel" in suanli("model", "versions", "-t", "acme", "tiny", env=env)
    made = suanli("deploy", "-t", "acme", "edge", "--engine", "external", "--url", "http://127.0.0.1:9/v1",
                  "--upstream-model", "up", "--region", "cn-bj=0:2", "--region", "cn-sh=1:1", "--json", env=env)
    assert made["regions"] == {"cn-bj": {"min_replicas": 0, "max_replicas": 2},
                               "cn-sh": {"min_replicas": 1, "max_replicas": 1}}
    platform.runner.run_pass()
    shown = suanli("deployment", "show", "-t", "acme", "edge", "--json", env=env)
    assert [(r["region"], r["state"]) for r in shown["replicas"]] == [("cn-sh", "ready")]
    assert "cn-sh" in suanli("deployment", "show", "-t", "acme", "edge", env=env)
    scaled = suanli("deployment", "scale", "-t", "acme", "edge", "--region", "cn-bj=1:2", "--json", env=env)
    assert scaled["regions"]["cn-bj"]["min_replicas"] == 1 and scaled["generation"] == 2
    listed = suanli("deployment", "list", "-t", "acme", "--json", env=env)
    assert [d["name"] for d in listed] == ["edge"]
    assert suanli("deployment", "delete", "-t", "acme", "edge", "--json", env=env)["status"] == "deleting"
    bad = subprocess.run([sys.executable, "-m", "suanli.cli", "deploy", "-t", "acme", "x", "--region", "a=b"],
                         env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "REGION=MIN:MAX" in bad.stderr + bad.stdout
