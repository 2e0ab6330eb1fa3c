"""A Ray Data curation run submitted as a Ray job through a cluster's Jobs API (its dashboard address).

The job's driver is :func:`suanli.data.runners.ray_data.main` on the cluster's head node, so the
machine that submits needs no Ray at all, only HTTP to the dashboard. The paths travel as they are:
the input, the output and the work directory must be visible to the cluster's nodes under the same
names (one machine, or a shared filesystem). The driver writes the run report beside the output; the
caller reads it back when the job has succeeded.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shlex
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from suanli.core.errors import Conflict, SuanliError, Unavailable
from suanli.data.recipe import Recipe

TERMINAL = ("SUCCEEDED", "FAILED", "STOPPED")


class CurationFailed(SuanliError):
    """The Ray job that ran the curation failed or was stopped."""

    code = "curation_failed"
    status = 500


def report_path(output: Path) -> Path:
    """Where the job's driver leaves the run report for the submitter."""
    return output.with_name(f".{output.name}.ray-report.json")


def job_prefix(output: Path) -> str:
    """The start of the submission id of every job that curates into ``output``."""
    return "curate-" + hashlib.sha256(str(output.resolve()).encode()).hexdigest()[:12]


def entrypoint(recipe: Recipe, source: Path, output: Path, *, python: str, workers: int | None,
               shard_docs: int, reference: list[Path], restart: bool) -> str:
    """The shell command of the job: the Ray Data driver with its arguments as one JSON word."""
    spec = {
        "recipe": recipe.to_dict(),
        "input": str(source.resolve()),
        "output": str(output.resolve()),
        "report": str(report_path(output.resolve())),
        "workers": workers,
        "shard_docs": shard_docs,
        "reference": [str(p.resolve()) for p in reference],
        "restart": restart,
    }
    return f"{shlex.quote(python)} -m suanli.data.runners.ray_data {shlex.quote(json.dumps(spec))}"


def run(address: str, recipe: Recipe, source: Path, output: Path, *, python: str, workers: int | None = None,
        shard_docs: int = 2000, reference: list[Path] | None = None, restart: bool = False,
        poll_s: float = 1.0, on_status: Callable[[str], None] | None = None,
        transport: httpx.BaseTransport | None = None) -> dict[str, Any]:
    """Run the curation as a Ray job on the cluster whose dashboard is ``address``; return the report.

    Interrupting the caller (Ctrl-C) stops the job; a later run with the same arguments resumes from
    the shards the job committed. If the caller died instead and its job still runs, the same
    command waits for that job rather than starting a second writer of the same output.
    """
    target = report_path(output.resolve())
    command = entrypoint(recipe, source, output, python=python, workers=workers, shard_docs=shard_docs,
                         reference=reference or [], restart=restart)
    prefix = job_prefix(output)
    with httpx.Client(base_url=address.rstrip("/"), timeout=30, transport=transport) as http:
        submission = _running(http, address, prefix, command)
        if submission is None:
            target.unlink(missing_ok=True)
            submission = f"{prefix}-{uuid.uuid4().hex[:8]}"
            body = {"entrypoint": command, "submission_id": submission,
                    "metadata": {"suanli": "curate", "recipe": recipe.name}}
            answer = _call(http, address, "POST", "/api/jobs/", body)
            if answer.status_code != 200:
                raise Unavailable(f"Ray refused the curation job ({answer.status_code}): {answer.text[-500:]}")
        try:
            status = _wait(http, submission, poll_s, on_status)
        except BaseException:
            with contextlib.suppress(httpx.HTTPError):  # Ctrl-C here stops the job too
                http.post(f"/api/jobs/{submission}/stop")
            raise
        if status["status"] != "SUCCEEDED":
            logs = _call(http, address, "GET", f"/api/jobs/{submission}/logs").json().get("logs", "")
            raise CurationFailed(f"Ray job {submission} {status['status'].lower()}: {status.get('message', '')}",
                                 {"logs": logs[-4000:]})
    report: dict[str, Any] = json.loads(target.read_text("utf-8"))
    target.unlink()
    report["ray_job"] = submission
    return report


def _call(http: httpx.Client, address: str, method: str, path: str, body: Any = None) -> httpx.Response:
    try:
        return http.request(method, path, json=body)
    except httpx.HTTPError as exc:
        raise Unavailable(f"Ray Jobs API at {address}: {exc}") from None


def _running(http: httpx.Client, address: str, prefix: str, command: str) -> str | None:
    """The unfinished job already curating into this output, if any (same command: adopt it)."""
    answer = _call(http, address, "GET", "/api/jobs/")
    if answer.status_code != 200:
        raise Unavailable(f"Ray Jobs API at {address} answered {answer.status_code}")
    for job in answer.json():
        sid = str(job.get("submission_id") or "")
        if sid.startswith(prefix) and job.get("status") not in TERMINAL:
            if job.get("entrypoint") != command:
                raise Conflict(f"Ray job {sid} is curating into the same output with other arguments; "
                               "stop it first", {"submission_id": sid})
            return sid
    return None


def _wait(http: httpx.Client, submission: str, poll_s: float,
          on_status: Callable[[str], None] | None) -> dict[str, Any]:
    seen = ""
    while True:
        answer = _call(http, "the Ray Jobs API", "GET", f"/api/jobs/{submission}")
        if answer.status_code != 200:
            raise Unavailable(f"Ray Jobs API: job {submission} answered {answer.status_code}: {answer.text[-300:]}")
        status: dict[str, Any] = answer.json()
        if status["status"] != seen:
            seen = status["status"]
            if on_status:
                on_status(seen)
        if seen in TERMINAL:
            return status
        time.sleep(poll_s)
