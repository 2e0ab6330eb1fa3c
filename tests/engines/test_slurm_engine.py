"""The Slurm engine's decisions at its command seam: adoption by name, forgotten jobs, unreachable Slurm."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from suanli.core.errors import Unavailable
from suanli.engines.base import LaunchSpec
from suanli.engines.slurm import SlurmEngine
from suanli.engines.slurm_config import SlurmConfig

NODES = ("NodeName=sim1 Gres=gpu:a100:8 State=IDLE Partitions=gpu\n"
         "NodeName=sim2 Gres=gpu:a100:8 State=DOWN* Partitions=gpu\n")


class FakeSlurm:
    """Answers Slurm's commands from canned text and records them."""

    def __init__(self, jobcomp: Path | None = None) -> None:
        self.calls: list[list[str]] = []
        self.queue: dict[str, str] = {}  # job name -> Slurm id
        self.jobcomp = jobcomp
        self.down = False

    def __call__(self, argv: Sequence[str], stdin: str | None) -> tuple[int, str, str]:
        self.calls.append(list(argv))
        if self.down:
            raise Unavailable("cannot run scontrol: connection refused")
        if argv[:2] == ["scontrol", "--oneliner"] and argv[2:] == ["show", "nodes"]:
            return 0, NODES, ""
        if argv[0] == "squeue":
            name = next(a.split("=", 1)[1] for a in argv if a.startswith("--name="))
            return 0, self.queue.get(name, ""), ""
        if argv[0] == "sbatch":
            name = next(a.split("=", 1)[1] for a in argv if a.startswith("--job-name="))
            self.queue[name] = str(100 + len(self.queue))
            return 0, self.queue[name] + "\n", ""
        if argv[:2] == ["scontrol", "--oneliner"]:
            return 1, "", "No jobs in the system\n"
        if argv[:3] == ["scontrol", "show", "config"]:
            return 0, f"JobCompLoc              = {self.jobcomp}\nJobCompType             = jobcomp/filetxt\n", ""
        return 0, "", ""


def _spec(start: int = 0) -> LaunchSpec:
    return LaunchSpec(job_id="job_1", tenant="acme", command=("true",), kind="nvidia-a100",
                      devices=(("sim1", (0, 1)),), restart_count=start)


def test_a_repeated_submit_adopts_the_job_slurm_has(tmp_path: Path) -> None:
    fake = FakeSlurm()
    engine = SlurmEngine(SlurmConfig(slurm_conf="/x/slurm.conf"), tmp_path, run=fake)
    reports = engine.inventory()
    assert [(r.name, r.kind, r.count, r.healthy) for r in reports] == [
        ("sim1", "nvidia-a100", 8, True), ("sim2", "nvidia-a100", 8, False)]
    first = engine.submit(_spec())
    again = SlurmEngine(SlurmConfig(slurm_conf="/x/slurm.conf"), tmp_path, run=fake).submit(_spec())
    assert first == again and first["slurm_job_id"] == "100"
    assert [c[0] for c in fake.calls].count("sbatch") == 1
    assert engine.submit(_spec(start=1))["slurm_job_id"] == "101"  # the next start is a new Slurm job


def test_a_job_slurm_forgot_is_read_from_the_jobcomp_file(tmp_path: Path) -> None:
    jobcomp = tmp_path / "jobcomp.txt"
    jobcomp.write_text("JobId=7 Name=suanli-job_1-0 JobState=FAILED NodeList=sim1 ExitCode=3:0\n"
                       "JobId=8 Name=suanli-job_2-0 JobState=COMPLETED NodeList=sim1 ExitCode=0:0\n"
                       "JobId=9 Name=suanli-job_3-0 JobState=COMPL")  # a line still being written
    fake = FakeSlurm(jobcomp)
    engine = SlurmEngine(SlurmConfig(slurm_conf="/x/slurm.conf"), tmp_path, run=fake)
    failed = engine.status("job_1", {"slurm_job_id": "7"})
    assert (failed.state, failed.exit_code) == ("failed", 3)
    assert engine.status("job_2", {"slurm_job_id": "8"}).state == "succeeded"
    assert engine.status("job_3", {"slurm_job_id": "9"}).state == "lost"  # not (yet) recorded
    with open(jobcomp, "a") as f:
        f.write("ETED NodeList=sim1 ExitCode=0:0\n")
    engine._jobs_at = float("-inf")
    assert engine.status("job_3", {"slurm_job_id": "9"}).state == "succeeded"


def test_an_unreachable_slurm_is_not_a_lost_job(tmp_path: Path) -> None:
    fake = FakeSlurm()
    fake.down = True
    engine = SlurmEngine(SlurmConfig(slurm_conf="/x/slurm.conf"), tmp_path, run=fake)
    status = engine.status("job_1", {"slurm_job_id": "7"})
    assert status.state == "running" and "cannot reach Slurm" in status.message
    engine.cancel("job_1", {"slurm_job_id": "7"})  # logged, retried by the next pass; never raises
