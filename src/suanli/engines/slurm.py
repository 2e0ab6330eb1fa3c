"""The ``slurm`` engine: suanli's jobs as Slurm batch jobs, through Slurm's own commands.

suanli decides admission, order, quota and placement; Slurm starts the processes on the nodes suanli chose
(``sbatch --nodelist ... --gres ...``, see :mod:`suanli.engines.slurm_script`). Every command runs with
``SLURM_CONF`` set to the cluster's ``slurm.conf``, so one server can drive several Slurm clusters.

- ``submit`` is idempotent: each start has a deterministic job name, and a job of that name that Slurm
  still knows (``squeue --states=all``) is adopted, never submitted twice.
- ``status`` reads all of Slurm's jobs in one ``scontrol --oneliner show job`` (kept for a second, so a pass
  over many jobs costs one command), and a job Slurm has forgotten from the ``jobcomp/filetxt`` record.
- ``cancel`` sends SIGTERM to a running job's processes (``scancel --signal=TERM``: the job may checkpoint
  and exit); ``force`` is a plain ``scancel``.
- ``logs`` reads the job's output file, which Slurm appends to on the first node: ``output_dir`` must be on
  a file system that this server and the nodes share (on a single box, any folder).
- ``inventory`` maps ``scontrol show nodes`` to suanli's nodes, one per node and accelerator kind; a DOWN,
  DRAIN or FAIL node is reported unhealthy, so suanli requeues its jobs elsewhere.

The commands go through ``run`` (argv, stdin) -> (exit status, stdout, stderr): the seam unit tests use.
"""

from __future__ import annotations

import logging
import os
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from suanli.core.accelerators import default_table, kind_of, vendor_of
from suanli.core.errors import InvalidInput, Unavailable
from suanli.engines import slurm_text
from suanli.engines.base import LaunchSpec, NodeReport, RunStatus
from suanli.engines.slurm_config import SlurmConfig, check, parse
from suanli.engines.slurm_script import job_name, render

log = logging.getLogger("suanli.engines")

Run = Callable[[Sequence[str], "str | None"], tuple[int, str, str]]
JOBS_TTL_S = 1.0
COMMAND_TIMEOUT_S = 30.0


def command_runner(config: SlurmConfig) -> Run:
    """Runs Slurm's commands for one cluster: its ``SLURM_CONF``, a plain environment, a time limit."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C", "SLURM_CONF": config.slurm_conf}
    if "HOME" in os.environ:
        env["HOME"] = os.environ["HOME"]

    def run(argv: Sequence[str], stdin: str | None) -> tuple[int, str, str]:
        program = str(Path(config.bin_dir, argv[0])) if config.bin_dir else argv[0]
        try:
            done = subprocess.run([program, *argv[1:]], input=stdin, capture_output=True, text=True, env=env,
                                  timeout=COMMAND_TIMEOUT_S, check=False)
        except (OSError, subprocess.SubprocessError) as exc:
            raise Unavailable(f"cannot run {argv[0]}: {exc}") from exc
        return done.returncode, done.stdout, done.stderr

    return run


class SlurmEngine:
    """Drives one Slurm cluster; ``home`` holds job output unless the config names a shared ``output_dir``."""

    name = "slurm"

    def __init__(self, config: SlurmConfig, home: Path, run: Run | None = None) -> None:
        self.config = config
        self.output_dir = Path(config.output_dir) if config.output_dir else home / "slurm-jobs"
        self.run = run or command_runner(config)
        self._gres: dict[str, tuple[str, str]] = {}  # reported node name -> (Slurm node, GRES request prefix)
        self._jobs: dict[str, dict[str, str]] = {}
        self._jobs_at = float("-inf")
        self._finished: dict[str, dict[str, str]] = {}  # from the jobcomp file
        self._jobcomp: tuple[str, int] | None = None  # (path, bytes read)

    # inventory ------------------------------------------------------------------------------------

    def inventory(self) -> list[NodeReport]:
        """Slurm's nodes (of the configured partition) with accelerator GRES suanli knows."""
        text = self._check("scontrol", "--oneliner", "show", "nodes")
        table = default_table()
        reports, gres = [], {}
        for node in slurm_text.nodes(text):
            if self.config.partition and self.config.partition not in node.partitions:
                continue
            seen: set[str] = set()
            for g in node.gres:
                kind = slurm_text.kind_for(g, self.config.gres_kinds, table)
                if kind is None or kind in seen or kind not in table.kinds:
                    continue
                name = node.name if not seen else f"{node.name}-{kind}"[:63]
                seen.add(kind)
                gres[name] = (node.name, g.request)
                reports.append(NodeReport(name=name, kind=kind, count=g.count, memory_gb=kind_of(kind).memory_gb,
                                          healthy=node.healthy))
        self._gres = gres
        return reports

    # jobs -----------------------------------------------------------------------------------------

    def job_dir(self, job_id: str) -> Path:
        if not job_id.replace("_", "").isalnum():
            raise InvalidInput(f"invalid job id {job_id!r}")
        return self.output_dir / job_id

    def submit(self, spec: LaunchSpec) -> dict[str, Any]:
        """Adopt this start's Slurm job if Slurm has it already, else ``sbatch`` it."""
        name = job_name(spec.job_id, spec.restart_count)
        jdir = self.job_dir(spec.job_id)
        output = jdir / "output.log"
        handle: dict[str, Any] = {"engine": self.name, "name": name, "start": spec.restart_count,
                                  "output": str(output)}
        found = self._check("squeue", "--noheader", "--states=all", f"--name={name}", "--format=%i").split()
        if found:
            return {**handle, "slurm_job_id": max(found, key=int)}  # a pass that crashed before it committed
        if any(n not in self._gres for n, _ in spec.devices):
            self.inventory()
        checkpoint = spec.checkpoint_dir or str(jdir / "checkpoints")
        work = jdir / "work"
        for folder in (work, Path(checkpoint)):
            folder.mkdir(parents=True, exist_ok=True)
        batch = render(spec, gres=self._gres, visible_devices_env=vendor_of(spec.kind).visible_devices_env,
                       output=str(output), workdir=str(work), checkpoint_dir=checkpoint,
                       partition=self.config.partition, account=self.config.account)
        out = self._check("sbatch", *batch.args, stdin=batch.script).strip()
        slurm_id = out.split(";")[0]
        if not slurm_id.isdigit():
            raise Unavailable(f"sbatch answered {out!r}, not a job id")
        self._jobs_at = float("-inf")
        return {**handle, "slurm_job_id": slurm_id}

    def status(self, job_id: str, handle: Mapping[str, Any]) -> RunStatus:
        """The job's state in Slurm; while Slurm cannot be reached the job is taken to be still running."""
        slurm_id = str(handle.get("slurm_job_id", ""))
        try:
            record = self._job(slurm_id)
        except Unavailable as exc:
            return RunStatus("running", message=f"cannot reach Slurm: {exc.message}")
        if record is None:
            return RunStatus("lost", None, f"Slurm has no record of job {slurm_id or '?'}")
        return slurm_text.job_status(record)

    def cancel(self, job_id: str, handle: Mapping[str, Any], *, force: bool = False) -> None:
        """SIGTERM to a running job's processes; a pending job, or ``force``, is cancelled outright."""
        slurm_id = str(handle.get("slurm_job_id", ""))
        if not slurm_id.isdigit():
            return
        self._jobs_at = float("-inf")  # a job read as pending a moment ago may run now: it must get SIGTERM
        try:
            record = None if force else self._job(slurm_id)
            graceful = record is not None and record.get("JobState") in ("RUNNING", "SUSPENDED", "COMPLETING")
            argv = ["scancel", "--signal=TERM", slurm_id] if graceful else ["scancel", slurm_id]
            code, _, err = self.run(argv, None)
        except Unavailable as exc:  # the next pass asks again (and escalates after the grace)
            log.warning("cannot cancel Slurm job %s: %s", slurm_id, exc.message)
            return
        if code != 0 and "already completed" not in err and "Invalid job id" not in err:
            log.warning("scancel %s: %s", slurm_id, err.strip())
        self._jobs_at = float("-inf")

    def logs(self, job_id: str, offset: int = 0, limit: int = 1 << 20) -> bytes:
        try:
            with open(self.job_dir(job_id) / "output.log", "rb") as f:
                f.seek(max(0, offset))
                return f.read(max(0, limit))
        except FileNotFoundError:
            return b""

    # Slurm's records ------------------------------------------------------------------------------

    def _job(self, slurm_id: str) -> dict[str, str] | None:
        if not slurm_id.isdigit():
            return None
        if time.monotonic() - self._jobs_at > JOBS_TTL_S:
            text = self._check("scontrol", "--oneliner", "show", "job", ok_errors=("No jobs in the system",))
            self._jobs = {r["JobId"]: r for r in slurm_text.records(text) if "JobId" in r}
            self._jobs_at = time.monotonic()
        found = self._jobs.get(slurm_id)
        if found is None:
            self._read_jobcomp()
            found = self._finished.get(slurm_id)
        return found

    def _read_jobcomp(self) -> None:
        """New lines of the ``jobcomp/filetxt`` file (the last line of a job id wins)."""
        if self._jobcomp is None:
            text = self._check("scontrol", "show", "config")
            kind = slurm_text.config_value(text, "JobCompType") or ""
            location = slurm_text.config_value(text, "JobCompLoc")
            self._jobcomp = (location if kind.endswith("filetxt") and location else "", 0)
        path, done = self._jobcomp
        if not path:
            return
        try:
            with open(path, "rb") as f:
                f.seek(done)
                chunk = f.read()
        except FileNotFoundError:
            return
        complete = chunk[: chunk.rfind(b"\n") + 1]
        for r in slurm_text.records(complete.decode("utf-8", "replace")):
            if "JobId" in r:
                self._finished[r["JobId"]] = r
        self._jobcomp = (path, done + len(complete))

    def _check(self, *argv: str, stdin: str | None = None, ok_errors: tuple[str, ...] = ()) -> str:
        code, out, err = self.run(list(argv), stdin)
        if code != 0:
            if any(e in err or e in out for e in ok_errors):
                return ""
            raise Unavailable(f"{argv[0]} failed: {(err or out).strip()[:500]}")
        return out


def connect(config: Mapping[str, Any], home: Path) -> SlurmEngine:
    """The engine of a Slurm cluster from its stored config."""
    return SlurmEngine(parse(config), home)


__all__ = ["SlurmEngine", "check", "command_runner", "connect"]
