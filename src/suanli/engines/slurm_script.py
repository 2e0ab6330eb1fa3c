"""The ``sbatch`` call for one start of a job (pure: a launch spec in, arguments and a batch script out).

One Slurm job per start, named ``suanli-<job id>-<start>`` so that a repeated submit finds it again. It
asks for exactly the nodes suanli chose (``--nodelist``), one task per node, and on each node as many
devices of the chosen GRES as suanli placed there (``--gres=gpu:a100:2``). Slurm itself picks *which*
devices: ``sbatch`` has no way to ask for device indices, so the job's visible-devices variable is the one
Slurm set for its allocation (``CUDA_VISIBLE_DEVICES`` for a ``gpu`` GRES). suanli's own choice is exported
as ``SUANLI_DEVICES``, and is the fallback where Slurm sets nothing (GRES that are not ``gpu``).

The batch script exports the job's environment, then ``srun`` runs one copy of the command per node;
``--no-requeue`` leaves requeueing to suanli, which places the next start itself.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass

from suanli.core.errors import InvalidInput
from suanli.engines.base import LaunchSpec

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# Runs on every node as srun's task: find this node's devices in SUANLI_PLACEMENT, name the rank, run.
_TASK = """devs=""
for p in $SUANLI_PLACEMENT; do case "$p" in "$SLURMD_NODENAME="*) devs="${p#*=}";; esac; done
export SUANLI_DEVICES="$devs" SUANLI_NODE="$SLURMD_NODENAME" SUANLI_NODE_RANK="${SLURM_NODEID:-0}"
export VAR="${VAR-${CUDA_VISIBLE_DEVICES-$devs}}"
exec "$@"
"""


def job_name(job_id: str, start: int) -> str:
    """The Slurm job name of one start of a suanli job."""
    return f"suanli-{job_id}-{start}"


@dataclass(frozen=True, slots=True)
class Batch:
    """``sbatch`` arguments (without the program) and the script it reads from stdin."""

    args: tuple[str, ...]
    script: str


def render(spec: LaunchSpec, *, gres: Mapping[str, tuple[str, str]], visible_devices_env: str, output: str,
           workdir: str, checkpoint_dir: str, partition: str | None = None, account: str | None = None) -> Batch:
    """The batch for ``spec``; ``gres`` maps each placed node to its Slurm node name and GRES request prefix.

    ``gres[node] = ("sim1", "gpu:a100")``: the job asks ``--gres=gpu:a100:<devices on that node>``.
    """
    if not spec.devices:
        raise InvalidInput("a Slurm job needs at least one node")
    counts = {len(d) for _, d in spec.devices}
    if len(counts) != 1:
        raise InvalidInput("Slurm gives every node of a job the same number of devices; this placement differs")
    missing = [n for n, _ in spec.devices if n not in gres]
    if missing:
        raise InvalidInput(f"node {missing[0]} is not a node of this Slurm cluster")
    slurm_nodes = [gres[n][0] for n, _ in spec.devices]
    if len(set(slurm_nodes)) != len(slurm_nodes):
        raise InvalidInput("a Slurm job takes one kind of device per node; this placement uses a node twice")
    requests = {gres[n][1] for n, _ in spec.devices}
    if len(requests) != 1:
        raise InvalidInput("the nodes of this placement have different GRES names for the same kind")
    count = counts.pop()
    args = [
        "--parsable", f"--job-name={job_name(spec.job_id, spec.restart_count)}", f"--nodes={len(slurm_nodes)}",
        "--ntasks-per-node=1", f"--nodelist={','.join(slurm_nodes)}", f"--output={output}", "--open-mode=append",
        "--no-requeue", f"--chdir={workdir}",
    ]
    if count:
        args.append(f"--gres={requests.pop()}:{count}")
    if partition:
        args.append(f"--partition={partition}")
    if account:
        args.append(f"--account={account}")
    env: dict[str, str] = {k: v for k, v in spec.env.items() if k != visible_devices_env}
    for key in env:
        if not _ENV_NAME.match(key):
            raise InvalidInput(f"invalid environment variable name {key!r}")
    env.update({
        "SUANLI_JOB_ID": spec.job_id, "SUANLI_TENANT": spec.tenant, "SUANLI_CHECKPOINT_DIR": checkpoint_dir,
        "SUANLI_RESTART_COUNT": str(spec.restart_count), "SUANLI_NUM_NODES": str(len(slurm_nodes)),
        "SUANLI_ACCELERATOR_KIND": spec.kind,
        "SUANLI_PLACEMENT": " ".join(f"{gres[n][0]}={','.join(str(i) for i in d)}" for n, d in spec.devices),
    })
    task = _TASK.replace("VAR", visible_devices_env)
    lines = ["#!/bin/sh", *(f"export {k}={shlex.quote(v)}" for k, v in env.items()),
             f'echo "--- suanli: start {spec.restart_count} of {spec.job_id} (Slurm job $SLURM_JOB_ID) ---"',
             "exec srun --kill-on-bad-exit=1 --ntasks-per-node=1 /bin/sh -c " + shlex.quote(task) + " suanli "
             + " ".join(shlex.quote(c) for c in spec.command)]
    return Batch(tuple(args), "\n".join(lines) + "\n")
