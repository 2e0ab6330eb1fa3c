"""One start of a job as Ray jobs, and Ray's job states read as suanli's (pure: no I/O).

A start becomes one Ray job per placed node (its rank), each with a deterministic submission id
``suanli-<job id>-<start>-<rank>``: a launch repeated by a controller that crashed before it committed
meets "already exists" and adopts the Ray job instead of starting a second one. Each rank's driver is
pinned to its node by Ray's own ``node:<ip>`` resource and reserves its devices (``entrypoint_num_gpus``
or ``entrypoint_resources``), so Ray's accounting agrees with suanli's; the indices that suanli chose are
given through the vendor's visible-devices variable, set on the command line itself so that it overrides
the indices Ray picked for its reservation.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from suanli.core.accelerators import vendor_of
from suanli.engines.base import LaunchSpec, RunStatus
from suanli.engines.ray_config import Target

PREFIX = "suanli-"
NODE_PIN = 0.001  # a sliver of the node's own resource: any amount of it pins the driver to that node
TERMINAL = ("SUCCEEDED", "FAILED", "STOPPED")


def job_prefix(job_id: str) -> str:
    return f"{PREFIX}{job_id}-"


def submission_id(job_id: str, start: int, rank: int) -> str:
    return f"{job_prefix(job_id)}{start}-{rank}"


def parse_submission(job_id: str, submission: str) -> tuple[int, int] | None:
    """(start, rank) of one of this job's submission ids, else None."""
    rest = submission.removeprefix(job_prefix(job_id))
    if rest == submission:
        return None
    start, _, rank = rest.partition("-")
    return (int(start), int(rank)) if start.isdigit() and rank.isdigit() else None


@dataclass(frozen=True, slots=True)
class RankRequest:
    """The body of one ``POST /api/jobs/``."""

    submission_id: str
    node: str
    ip: str
    body: dict[str, Any]


def requests(spec: LaunchSpec, targets: Mapping[str, Target]) -> list[RankRequest]:
    """One Ray job per placed node; ``targets`` says where each suanli node is (its IP and resource)."""
    start = spec.restart_count
    variable = vendor_of(spec.kind).visible_devices_env
    out = []
    for rank, (node, indices) in enumerate(spec.devices):
        target = targets[node]
        env = {
            **{str(k): str(v) for k, v in spec.env.items()},
            "SUANLI_JOB_ID": spec.job_id, "SUANLI_TENANT": spec.tenant, "SUANLI_RESTART_COUNT": str(start),
            "SUANLI_NODE_RANK": str(rank), "SUANLI_NUM_NODES": str(len(spec.devices)), "SUANLI_NODE": node,
            "SUANLI_ACCELERATOR_KIND": spec.kind,
        }
        if spec.checkpoint_dir:
            env["SUANLI_CHECKPOINT_DIR"] = spec.checkpoint_dir
        visible = ",".join(str(d) for d in indices)
        resources: dict[str, float] = {f"node:{target.ip}": NODE_PIN}
        body: dict[str, Any] = {
            "entrypoint": f"{variable}={shlex.quote(visible)} exec {shlex.join(spec.command)}",
            "submission_id": submission_id(spec.job_id, start, rank),
            "runtime_env": {"env_vars": env},
            "metadata": {"suanli_job": spec.job_id, "suanli_tenant": spec.tenant, "suanli_start": str(start),
                         "suanli_rank": str(rank), "suanli_node": node},
            "entrypoint_num_cpus": 0,
        }
        if indices and target.resource == "GPU":
            body["entrypoint_num_gpus"] = len(indices)
        elif indices:
            resources[target.resource] = float(len(indices))
        body["entrypoint_resources"] = resources
        out.append(RankRequest(body["submission_id"], node, target.ip, body))
    return out


def rank_status(details: Mapping[str, Any] | None) -> RunStatus:
    """One Ray job's details (None: Ray does not know it) as a suanli run state."""
    if details is None:
        return RunStatus("lost", None, "Ray no longer knows the job (its head restarted without its state?)")
    state = str(details.get("status", ""))
    message = str(details.get("message") or "")
    code = details.get("driver_exit_code")
    if state == "PENDING":  # Ray has the job but not its resources (or is still setting up its runtime env)
        return RunStatus("starting", message=f"waiting in Ray: {message or 'for its resources'}"[:500])
    if state == "RUNNING":
        return RunStatus("running")
    if state == "SUCCEEDED":
        return RunStatus("succeeded", 0)
    if state == "FAILED" and isinstance(code, int) and code != 0:
        return RunStatus("failed", code, f"exited with code {code}")
    if state == "STOPPED":
        return RunStatus("lost", None, "stopped in Ray")
    return RunStatus("lost", None, f"Ray reports the job {state.lower() or 'unknown'}: {message}"[:500])


def combined(states: Sequence[RunStatus]) -> RunStatus:
    """A gang's state from its ranks': a failed or lost rank fails the whole start; starting while any rank
    waits in Ray (the gang is not whole yet); running while any runs."""
    for wanted in ("failed", "lost", "starting"):
        for s in states:
            if s.state == wanted:
                return s
    running = [s for s in states if s.state == "running"]
    if running:
        return next((s for s in running if s.message), running[0])
    return RunStatus("succeeded", 0)


def is_terminal(details: Mapping[str, Any]) -> bool:
    return str(details.get("status", "")) in TERMINAL
