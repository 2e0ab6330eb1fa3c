"""Jobs run on 8 fake H100s and 4 fake Ascend 910Bs declared for the local box."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from tests.polling import until

from suanli.client import Client

FAKE = "nvidia-h100:8,ascend-910b:4"


@pytest.fixture(autouse=True)
def fake_accelerators(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SUANLI_LOCAL_ACCELERATORS", FAKE)
    monkeypatch.setenv("SUANLI_SCHEDULER_MIN_INTERVAL_S", "0")  # every run_pass schedules
    yield


def wait_for(platform: Any, check: Callable[[], Any], timeout: float = 30.0) -> Any:
    """Drive the controller pass after pass until ``check`` answers something truthy."""
    return until(check, timeout, every=0.05, step=platform.runner.run_pass)


def job_state(client: Client, tenant: str, job_id: str, *states: str) -> Callable[[], dict[str, Any] | None]:
    def check() -> dict[str, Any] | None:
        j = client.job(tenant, job_id)
        return j if j["state"] in states else None
    return check
