"""Reading what Slurm's commands print (pure: text in, records out).

``scontrol --oneliner show nodes|job`` prints one record per line as ``Key=value`` pairs whose values may
hold spaces (``OS=Linux 6.1 #1 SMP``, ``Reason=down [root@...]``); ``jobcomp/filetxt`` writes the same
shape for every finished job. Nodes become :class:`SlurmNode` records with their GRES mapped to suanli
accelerator kinds; jobs become :class:`~suanli.engines.base.RunStatus`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from suanli.core.accelerators import AcceleratorTable, default_table
from suanli.engines.base import RunStatus

_KEY = re.compile(r"(?:^|\s)([A-Za-z][A-Za-z0-9_:/]*)=")
_PARENS = re.compile(r"\([^)]*\)")

# Slurm holds the job but its processes have not started: suanli shows it starting, with Slurm's reason.
STARTING_STATES = frozenset({"PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD"})
RUNNING_STATES = frozenset({
    "RUNNING", "COMPLETING", "SUSPENDED", "RESIZING", "SIGNALING", "STAGE_OUT", "SPECIAL_EXIT", "STOPPED",
})
LOST_STATES = frozenset({"NODE_FAIL", "BOOT_FAIL", "PREEMPTED", "REVOKED"})
# Node states and flags under which suanli counts a node as lost. NOT_RESPONDING alone is not one of them:
# Slurm shows it for a moment after every resume and marks the node DOWN itself after SlurmdTimeout.
UNHEALTHY_NODE_STATES = frozenset({
    "DOWN", "DRAIN", "DRAINED", "DRAINING", "FAIL", "FAILING", "INVAL", "FUTURE", "POWERED_DOWN", "POWER_DOWN",
    "POWERING_DOWN", "REBOOT_ISSUED", "REBOOT_REQUESTED",
})


def records(text: str) -> list[dict[str, str]]:
    """Each non-empty line of ``Key=value`` pairs as a dict (a value runs up to the next `` Key=``)."""
    out = []
    for line in text.splitlines():
        keys = list(_KEY.finditer(line))
        if not keys:
            continue
        record = {}
        for i, m in enumerate(keys):
            end = keys[i + 1].start() if i + 1 < len(keys) else len(line)
            record[m.group(1)] = line[m.end():end].strip()
        out.append(record)
    return out


@dataclass(frozen=True, slots=True)
class Gres:
    """One generic resource of a node: ``gpu:a100:8`` is name ``gpu``, type ``a100``, count 8."""

    name: str
    type: str
    count: int

    @property
    def request(self) -> str:
        """What ``--gres`` names before the count: ``gpu:a100`` (or ``gpu`` when the GRES has no type)."""
        return f"{self.name}:{self.type}" if self.type else self.name


def parse_gres(text: str) -> list[Gres]:
    """``gpu:a100:8(S:0-1),gpu:h100:2,mps:100`` as records; ``(null)`` and malformed items are skipped."""
    out = []
    for item in _PARENS.sub("", text).split(","):
        parts = item.strip().split(":")
        if len(parts) < 2 or not parts[0]:
            continue
        count = parts[-1]
        if not count.isdigit():
            continue
        out.append(Gres(parts[0], ":".join(parts[1:-1]), int(count)))
    return out


def kind_for(gres: Gres, overrides: Mapping[str, str], table: AcceleratorTable | None = None) -> str | None:
    """The suanli accelerator kind of a GRES, or None when it is not an accelerator suanli knows.

    ``overrides`` maps ``name:type``, ``type`` or a bare ``name`` to a kind; otherwise a type that is a kind's
    name (``nvidia-h100``) or the model part of exactly one kind (``a100`` -> ``nvidia-a100``, ``910b`` ->
    ``ascend-910b``) is that kind.
    """
    for key in (f"{gres.name}:{gres.type}", gres.type, gres.name if not gres.type else ""):
        if key and key in overrides:
            return overrides[key]
    if not gres.type:
        return None
    kinds = (table or default_table()).kinds
    wanted = gres.type.lower()
    if wanted in kinds:
        return wanted
    matches = [k for k in kinds if k.split("-", 1)[-1] == wanted]
    return matches[0] if len(matches) == 1 else None


@dataclass(frozen=True, slots=True)
class SlurmNode:
    """A Slurm node as suanli needs it: its accelerator GRES, partitions and whether it is usable."""

    name: str
    gres: tuple[Gres, ...]
    partitions: tuple[str, ...]
    state: str
    healthy: bool
    reason: str = ""


def nodes(text: str) -> list[SlurmNode]:
    """The nodes in ``scontrol --oneliner show nodes`` output."""
    out = []
    for r in records(text):
        name = r.get("NodeName", "")
        if not name:
            continue
        state = r.get("State", "UNKNOWN")
        flags = {f.rstrip("*~#!%$@^-") for f in state.split("+")}
        partitions = tuple(p for p in r.get("Partitions", "").split(",") if p)
        out.append(SlurmNode(name=name, gres=tuple(parse_gres(r.get("Gres", ""))), partitions=partitions,
                             state=state, healthy=not flags & UNHEALTHY_NODE_STATES, reason=r.get("Reason", "")))
    return out


def exit_code(text: str) -> int | None:
    """``ExitCode=rc:signal`` as one number: the return code, else 128 + the signal (a shell's convention)."""
    rc, _, sig = text.partition(":")
    if not rc.isdigit():
        return None
    if int(rc) == 0 and sig.isdigit() and int(sig) > 0:
        return 128 + int(sig)
    return int(rc)


def job_status(record: Mapping[str, str]) -> RunStatus:
    """A job's record (``scontrol show job`` or a ``jobcomp`` line) as suanli's run state."""
    state = record.get("JobState", "")
    code = exit_code(record.get("ExitCode", ""))
    reason = record.get("Reason", "")
    slurm_id = record.get("JobId", "?")
    if state in STARTING_STATES:
        why = f": {reason}" if reason and reason != "None" else ""  # None: Slurm has not looked at it yet
        return RunStatus("starting", message=f"waiting in Slurm{why} (Slurm job {slurm_id} {state.lower()})")
    if state in RUNNING_STATES:
        detail = f" ({reason})" if reason and reason != "None" else ""
        return RunStatus("running", message=f"Slurm job {slurm_id} {state.lower()}{detail}")
    if state == "COMPLETED" and code in (0, None):
        return RunStatus("succeeded", 0)
    if state in LOST_STATES:
        return RunStatus("lost", None, f"Slurm job {slurm_id} ended with {state} (its node failed or it was taken)")
    if state == "CANCELLED":
        return RunStatus("failed", code, f"Slurm job {slurm_id} was cancelled")
    if state == "TIMEOUT":
        return RunStatus("failed", code, f"Slurm job {slurm_id} reached its Slurm time limit")
    if state == "OUT_OF_MEMORY":
        return RunStatus("failed", code, f"Slurm job {slurm_id} ran out of memory")
    return RunStatus("failed", code if code else 1, f"exited with code {code}" if code else
                     f"Slurm job {slurm_id} ended with {state or 'an unknown state'}")


def config_value(text: str, key: str) -> str | None:
    """One value from ``scontrol show config`` (``Key = value`` lines); None when absent or ``(null)``."""
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip() == key:
            found = value.strip()
            return None if found in ("", "(null)", "none") else found
    return None
