"""Fixtures of the inference plane's tests: a tiny tinygpt model, trained once per session."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.polling import until

THREADS = {"OMP_NUM_THREADS": "1"}


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tinygpt model folder: 1 layer, width 32, three steps (it babbles, quickly)."""
    base = tmp_path_factory.mktemp("tinygpt")
    data, out = base / "demo.jsonl", base / "model"
    env = {**os.environ, **THREADS}
    subprocess.run(
        [sys.executable, "-m", "suanli.training.tinygpt.demo_data", str(data)], check=True, env=env, capture_output=True
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "suanli.training.tinygpt",
            "--data",
            str(data),
            "--out",
            str(out),
            "--layers",
            "1",
            "--width",
            "32",
            "--heads",
            "2",
            "--steps",
            "3",
            "--context",
            "64",
            "--batch-size",
            "4",
            "--dataset-version",
            "demo@v1",
        ],
        check=True,
        env=env,
        capture_output=True,
    )
    return out


def wait_until(
    predicate: Callable[[], bool],
    timeout_s: float = 60.0,
    every_s: float = 0.1,
    step: Callable[[], object] | None = None,
) -> None:
    """Poll ``predicate`` (running ``step`` before each try) until it holds, or fail the test."""
    until(predicate, timeout_s, every_s, step)


@pytest.fixture(scope="module")
def worker(tiny_model: Path) -> Iterator[str]:
    """A worker process serving the tiny model as ``tiny``; yields its base URL."""
    from suanli.serving.deployments.processes import free_port

    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "suanli.serving.worker",
            "--model",
            str(tiny_model),
            "--port",
            str(port),
            "--served-name",
            "tiny",
        ],
        env={**os.environ, **THREADS},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else "worker died"
        try:
            return httpx.get(f"{url}/health", timeout=0.5).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(up, timeout_s=90)
    yield url
    process.terminate()
    process.wait(10)


@pytest.fixture
def platform(platform: Any) -> Iterator[Any]:
    """The shared ``platform``, plus stopping what serving started: the gateway's thread, replica processes."""
    yield platform
    platform.app.state.gateway.close()
    for controller in platform.runner.controllers:
        processes = getattr(controller, "processes", None)
        if processes is not None:
            processes.stop_all()
