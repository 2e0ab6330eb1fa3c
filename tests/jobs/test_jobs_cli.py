"""``suanli job``, ``suanli queue`` and ``suanli cluster`` against a live server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from tests.cli.test_cli import suanli

PRINT = "import os; print(os.environ['GREETING'], os.environ['CUDA_VISIBLE_DEVICES'])"


@pytest.fixture
def env(platform) -> dict[str, str]:  # type: ignore[no-untyped-def]
    platform.runner.run_pass()
    return {**os.environ, "SUANLI_URL": platform.url, "SUANLI_TOKEN": platform.admin_token, "COLUMNS": "200"}


def test_submit_follow_show_queue_cancel(platform, env: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    submitted = suanli("job", "submit", "-g", "2", "--kind", "nvidia-h100", "--name", "hello", "-e", "GREETING=ni hao",
                       "--max-runtime", "10m", "--restart", "on-failure(2)", "--json", "--",
                       sys.executable, "-c", PRINT,
                       env=env)
    assert submitted.returncode == 0, submitted.stderr
    job = json.loads(submitted.stdout)
    assert job["max_runtime_s"] == 600 and job["restart_policy"] == "on-failure(2)"
    follow = subprocess.Popen([sys.executable, "-m", "suanli.cli", "job", "logs", job["id"], "--follow"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while follow.poll() is None and time.monotonic() < deadline:
        platform.runner.run_pass()
        time.sleep(0.1)
    out, err = follow.communicate(timeout=10)
    assert follow.returncode == 0 and "ni hao 0,1" in out, err
    shown = json.loads(suanli("job", "show", job["id"], "--json", env=env).stdout)
    assert shown["state"] == "succeeded" and shown["events"][-1]["state"] == "succeeded"
    assert "hello" in suanli("job", "list", env=env).stdout

    big = json.loads(suanli("job", "submit", "-g", "16", "--kind", "nvidia-h100", "--json", "--", "true",
                            env=env).stdout)
    platform.runner.run_pass()
    queue = json.loads(suanli("queue", "--json", env=env).stdout)
    assert [j["id"] for j in queue] == [big["id"]] and "nvidia-h100" in queue[0]["pending_reason"]
    assert "cancelled" in suanli("job", "cancel", big["id"], env=env).stdout
    assert json.loads(suanli("queue", "--json", env=env).stdout) == []


def test_cluster_commands(env: dict[str, str]) -> None:
    local = json.loads(suanli("cluster", "show", "--json", env=env).stdout)
    assert local["engine"] == "local" and local["nodes"]
    node = local["nodes"][0]["name"]
    assert json.loads(suanli("cluster", "cordon", "local", node, "--json", env=env).stdout)["schedulable"] == "cordoned"
    assert json.loads(suanli("cluster", "drain", "local", node, "--json", env=env).stdout)["schedulable"] == "draining"
    assert json.loads(suanli("cluster", "uncordon", "local", node, "--json", env=env).stdout)["schedulable"] == "ready"
    assert suanli("cluster", "create", "gpu-east", "--engine", "local", "--region", "cn-east", env=env).returncode == 0
    added = suanli("cluster", "add-node", "gpu-east", "n1", "--kind", "ascend-910b", "--count", "8", "--json", env=env)
    assert json.loads(added.stdout)["accelerator_count"] == 8
    listed = suanli("cluster", "list", env=env).stdout
    assert "gpu-east" in listed and "local" in listed
    bad = suanli("cluster", "create", "x", "--engine", "mainframe", env=env)
    assert bad.returncode == 1 and "unknown engine" in bad.stderr and "Traceback" not in bad.stderr
    bad = suanli("cluster", "create", "x", "--engine", "slurm", "--config", "{nope", env=env)
    assert bad.returncode == 2 and "not JSON" in bad.stderr
    bad = suanli("cluster", "create", "x", "--engine", "slurm", "--config", '{"slurm_conf": "/nowhere/slurm.conf"}',
                 env=env)
    assert bad.returncode == 1 and "is not a file" in bad.stderr
    bad = suanli("job", "submit", "--max-runtime", "soon", "--", "true", env=env)
    assert bad.returncode == 1 and "invalid duration" in bad.stderr
