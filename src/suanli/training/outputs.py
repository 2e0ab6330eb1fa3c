"""Where a job that declares an output model writes it (``$SUANLI_OUTPUT_DIR``), under the server's home.

Like checkpoints, the folder is on the server's home: a remote cluster (Slurm, Ray) needs that home on
shared storage for its jobs' outputs to be registered.
"""

from __future__ import annotations

from pathlib import Path

OUTPUTS = "outputs"


def output_dir(home: Path, tenant_id: str, job_id: str) -> Path:
    """The folder a job's output model is written to and registered from."""
    return home / OUTPUTS / tenant_id / job_id
