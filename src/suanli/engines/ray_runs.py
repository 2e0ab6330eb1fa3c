"""One start of a job as one Ray job around a placement group, and Ray's states read back (pure: no I/O).

A start becomes one Ray job whose driver is :mod:`suanli.engines.ray_gang`: it reserves every rank's node
and devices at once in a placement group (one bundle per placed node), then starts each rank in its
bundle. The submission id ``suanli-<job id>-<start>-0`` is deterministic: a launch repeated by a
controller that crashed before it committed meets "already exists" and adopts the Ray job instead of
starting a second one. (The last number was the rank when each rank was its own Ray job; it is now 0.)

Each bundle asks for the node's devices (``GPU``, ``NPU`` or the cluster's custom resource) and a sliver
of Ray's own ``node:<ip>`` resource, so Ray reserves exactly the nodes suanli chose and Ray's accounting
agrees with suanli's; the indices that suanli chose are given to the rank through the vendor's
visible-devices variable, overriding the indices Ray picked for its reservation.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from suanli.core.accelerators import vendor_of
from suanli.engines.base import LaunchSpec, RunStatus
from suanli.engines.ray_config import Target

PREFIX = "suanli-"
NODE_PIN = 0.001  # a sliver of the node's own resource: any amount of it pins a bundle to that node
TERMINAL = ("SUCCEEDED", "FAILED", "STOPPED")
GANG_ENV = "SUANLI_RAY_GANG"
"""The driver's environment variable that carries its :class:`Gang` as JSON."""
DRIVER_MODULE = "suanli.engines.ray_gang"


def job_prefix(job_id: str) -> str:
    return f"{PREFIX}{job_id}-"


def submission_id(job_id: str, start: int, rank: int = 0) -> str:
    return f"{job_prefix(job_id)}{start}-{rank}"


def parse_submission(job_id: str, submission: str) -> tuple[int, int] | None:
    """(start, rank) of one of this job's submission ids, else None."""
    rest = submission.removeprefix(job_prefix(job_id))
    if rest == submission:
        return None
    start, _, rank = rest.partition("-")
    return (int(start), int(rank)) if start.isdigit() and rank.isdigit() else None


@dataclass(frozen=True, slots=True)
class Rank:
    """One rank of a gang: the node it runs on, the devices it gets, and its own environment."""

    node: str
    ip: str
    resource: str
    devices: tuple[int, ...]
    env: dict[str, str]

    def bundle(self) -> dict[str, float]:
        """Its placement-group bundle: its devices, on its node."""
        return {f"node:{self.ip}": NODE_PIN, **({self.resource: float(len(self.devices))} if self.devices else {})}


@dataclass(frozen=True, slots=True)
class Gang:
    """What the driver needs: the placement group's name and strategy, the command and each rank."""

    name: str
    strategy: str
    command: tuple[str, ...]
    ranks: tuple[Rank, ...]

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Gang:
        raw = json.loads(text)
        ranks = tuple(Rank(str(r["node"]), str(r["ip"]), str(r["resource"]), tuple(int(d) for d in r["devices"]),
                           {str(k): str(v) for k, v in r["env"].items()}) for r in raw["ranks"])
        return cls(str(raw["name"]), str(raw["strategy"]), tuple(str(w) for w in raw["command"]), ranks)


def gang(spec: LaunchSpec, targets: Mapping[str, Target]) -> Gang:
    """The start's gang; ``targets`` says where each suanli node is (its IP and the resource of its devices)."""
    start = spec.restart_count
    variable = vendor_of(spec.kind).visible_devices_env
    ranks = []
    for rank, (node, indices) in enumerate(spec.devices):
        target = targets[node]
        env = {
            **{str(k): str(v) for k, v in spec.env.items()},
            "SUANLI_JOB_ID": spec.job_id, "SUANLI_TENANT": spec.tenant, "SUANLI_RESTART_COUNT": str(start),
            "SUANLI_NODE_RANK": str(rank), "SUANLI_NUM_NODES": str(len(spec.devices)), "SUANLI_NODE": node,
            "SUANLI_ACCELERATOR_KIND": spec.kind, variable: ",".join(str(d) for d in indices),
        }
        if spec.checkpoint_dir:
            env["SUANLI_CHECKPOINT_DIR"] = spec.checkpoint_dir
        ranks.append(Rank(node, target.ip, target.resource, tuple(indices), env))
    ips = len({r.ip for r in ranks})
    # The bundles' node:<ip> pins decide where each goes; the strategy only has to agree with them (two
    # ranks on one Ray node, which suanli never places today, would make STRICT_SPREAD infeasible).
    strategy = "STRICT_PACK" if ips == 1 else "STRICT_SPREAD" if ips == len(ranks) else "PACK"
    return Gang(submission_id(spec.job_id, start), strategy, tuple(spec.command), tuple(ranks))


def request(spec: LaunchSpec, targets: Mapping[str, Target], python: str) -> dict[str, Any]:
    """The body of the one ``POST /api/jobs/`` of a start: the gang's driver, run by ``python``.

    The driver itself holds nothing (no CPU, no devices): the placement group holds the ranks' resources.
    """
    found = gang(spec, targets)
    return {
        "entrypoint": f"{shlex.quote(python)} -m {DRIVER_MODULE}",
        "submission_id": found.name,
        "runtime_env": {"env_vars": {GANG_ENV: found.to_json()}},
        "metadata": {"suanli_job": spec.job_id, "suanli_tenant": spec.tenant, "suanli_start": str(spec.restart_count),
                     "suanli_nodes": ",".join(r.node for r in found.ranks)},
        "entrypoint_num_cpus": 0,
    }


def rank_status(details: Mapping[str, Any] | None) -> RunStatus:
    """One Ray job's details (None: Ray does not know it) as a suanli run state."""
    if details is None:
        return RunStatus("lost", None, "Ray no longer knows the job (its head restarted without its state?)")
    state = str(details.get("status", ""))
    message = str(details.get("message") or "")
    code = details.get("driver_exit_code")
    if state == "PENDING":  # Ray has the job but has not started its driver (e.g. setting up its runtime env)
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


def gang_status(job: RunStatus, group: Mapping[str, Any] | None) -> RunStatus:
    """A running driver's state from its placement group (a row of ``/api/v0/placement_groups``).

    The ranks start only once the whole group is placed: until then the start is ``starting``, with the
    reason. None: the driver has not made its group yet.
    """
    if job.state != "running":
        return job
    if group is None:
        return RunStatus("starting", message="waiting in Ray: the gang's driver is starting")
    state = str(group.get("state", ""))
    if state == "PENDING":
        stats = group.get("stats") or {}
        why = str(stats.get("scheduling_state") or "") if isinstance(stats, Mapping) else ""
        words = {"NO_RESOURCES": "its nodes lack the free resources", "INFEASIBLE": "no node can ever hold it"}
        bundles = len(group.get("bundles") or [])
        return RunStatus("starting", message=f"waiting in Ray for its placement group ({bundles} bundles): "
                                             f"{words.get(why, why.lower() or 'pending')}"[:500])
    return RunStatus("running")


def combined(states: Sequence[RunStatus]) -> RunStatus:
    """Several Ray jobs' states as one: a failed or lost one fails the whole start; starting while any
    waits in Ray; running while any runs. (Handles of suanli before placement groups, one Ray job per rank.)"""
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
