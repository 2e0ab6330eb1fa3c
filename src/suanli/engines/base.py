"""The engine protocol: what suanli asks of whatever runs the processes (local, Ray, Slurm, Kubernetes).

suanli decides admission, order, quota and placement; an engine starts the work where it was placed, says
how it is doing, stops it, shows its logs and reports the machines it has. Every call is idempotent with
respect to the job id: a controller that crashed half-way through a pass repeats calls on its next pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

RunState = Literal["starting", "running", "succeeded", "failed", "lost"]


@dataclass(frozen=True, slots=True)
class LaunchSpec:
    """One start of a job on the devices the scheduler chose.

    ``devices`` maps node name to device indices on that node (one process per node: its rank is the
    node's position). ``restart_count`` is how many times the job started before this one.
    """

    job_id: str
    tenant: str
    command: tuple[str, ...]
    kind: str
    devices: tuple[tuple[str, tuple[int, ...]], ...]
    env: Mapping[str, str] = field(default_factory=dict)
    checkpoint_dir: str | None = None
    restart_count: int = 0


@dataclass(frozen=True, slots=True)
class RunStatus:
    """What the engine knows about a started job.

    ``starting``: the engine holds the job but has not started its processes yet (it waits inside the
    engine: Slurm's or Ray's PENDING); ``message`` says why, in the engine's words, and the controller
    shows it as the job's pending reason. ``lost``: its processes vanished without an exit code.
    """

    state: RunState
    exit_code: int | None = None
    message: str = ""


@dataclass(frozen=True, slots=True)
class NodeReport:
    """One machine as the engine sees it; ``healthy`` False: the engine says it is down (its jobs are lost)."""

    name: str
    kind: str
    count: int
    memory_gb: int = 0
    interconnect_domain: str = ""
    rack: str = "rack-0"
    healthy: bool = True


class Engine(Protocol):
    """Runs jobs. ``handle`` is the engine's own JSON record of a start (PIDs, a Slurm job id, ...)."""

    name: str

    def submit(self, spec: LaunchSpec) -> dict[str, Any]:
        """Start the job; return the handle that finds it again, also after a restart of suanli."""
        ...

    def status(self, job_id: str, handle: Mapping[str, Any]) -> RunStatus:
        """The job's state now, read from the engine (never from memory alone)."""
        ...

    def cancel(self, job_id: str, handle: Mapping[str, Any], *, force: bool = False) -> None:
        """Ask the job to stop (SIGTERM: checkpoint and exit); ``force`` kills it outright."""
        ...

    def logs(self, job_id: str, offset: int = 0, limit: int = 1 << 20) -> bytes:
        """Up to ``limit`` bytes of the job's output from byte ``offset`` (empty when there is no more)."""
        ...

    def inventory(self) -> list[NodeReport]:
        """The machines this engine runs work on, with their accelerators."""
        ...
