"""Reading Slurm's output, rendering sbatch and checking a Slurm cluster's config (pure, no Slurm needed).

The sample lines were printed by Slurm 22.05.8 (``scontrol --oneliner``, ``jobcomp/filetxt``) on this box.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from suanli.core.errors import InvalidInput
from suanli.engines import slurm_config, slurm_text
from suanli.engines.base import LaunchSpec
from suanli.engines.slurm_script import render

NODE = (
    "NodeName=sim1 Arch=x86_64 CoresPerSocket=1  CPUAlloc=0 CPUEfctv=8 CPUTot=8 AvailableFeatures=(null) "
    "Gres=gpu:a100:8(S:0-1),gpu:910b:4,mps:100 NodeAddr=127.0.0.1 NodeHostName=vm Port=41247 Version=22.05.8 "
    "OS=Linux 6.18.44-fc-v657 #1 SMP PREEMPT_DYNAMIC @0  RealMemory=4000 State={state} Partitions=gpu,debug "
    "Reason={reason}"
)
JOB = (
    "JobId=1 JobName=suanli-x-0 UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=4294901759 Nice=0 "
    "JobState={state} Reason={reason} Dependency=(null) Requeue=0 Restarts=0 BatchFlag=1 ExitCode={code} "
    "AllocNode:Sid=localhost:32291 ReqNodeList=sim[2-3] NtasksPerN:B:S:C=1:0:*:* TresPerNode=gres:gpu:a100:2"
)
JOBCOMP = (
    "JobId=3 UserId=root(0) GroupId=root(0) Name=t3 JobState=NODE_FAIL Partition=gpu TimeLimit=UNLIMITED "
    "StartTime=2026-11-25T21:38:52 NodeList=sim1 WorkDir=/tmp/a b ReservationName= DerivedExitCode=0:0 ExitCode=0:0"
)


def test_records_keep_values_with_spaces() -> None:
    [r] = slurm_text.records(NODE.format(state="IDLE", reason="broken fan [root@2026-11-25T21:39:10]"))
    assert r["OS"] == "Linux 6.18.44-fc-v657 #1 SMP PREEMPT_DYNAMIC @0"
    assert r["Reason"] == "broken fan [root@2026-11-25T21:39:10]"
    [j] = slurm_text.records(JOB.format(state="RUNNING", reason="None", code="0:0"))
    assert j["AllocNode:Sid"] == "localhost:32291" and j["NtasksPerN:B:S:C"] == "1:0:*:*"
    [c] = slurm_text.records(JOBCOMP)
    assert c["WorkDir"] == "/tmp/a b" and c["ReservationName"] == ""


def test_gres_and_kinds() -> None:
    gres = slurm_text.parse_gres("gpu:a100:8(S:0,1),gpu:910b:4,gpu:2,mps:100,(null)")
    assert [(g.name, g.type, g.count) for g in gres] == [
        ("gpu", "a100", 8), ("gpu", "910b", 4), ("gpu", "", 2), ("mps", "", 100)]
    assert [g.request for g in gres[:3]] == ["gpu:a100", "gpu:910b", "gpu"]
    kinds = [slurm_text.kind_for(g, {}) for g in gres]
    assert kinds == ["nvidia-a100", "ascend-910b", None, None]
    overrides = {"gpu": "nvidia-h100", "gpu:a100": "nvidia-a100-40g"}
    assert [slurm_text.kind_for(g, overrides) for g in gres[:3]] == ["nvidia-a100-40g", "ascend-910b", "nvidia-h100"]
    assert slurm_text.kind_for(slurm_text.Gres("gpu", "nvidia-h20", 1), {}) == "nvidia-h20"
    assert slurm_text.kind_for(slurm_text.Gres("gpu", "tesla", 1), {}) is None


@pytest.mark.parametrize(("state", "healthy"), [
    ("IDLE", True), ("MIXED", True), ("ALLOCATED", True), ("IDLE+NOT_RESPONDING", True), ("IDLE*", True),
    ("DOWN", False), ("DOWN*", False), ("IDLE+DRAIN", False), ("MIXED+DRAIN", False), ("DOWN+NOT_RESPONDING", False),
    ("FAIL", False), ("IDLE+POWERED_DOWN", False),
])
def test_node_health(state: str, healthy: bool) -> None:
    [node] = slurm_text.nodes(NODE.format(state=state, reason="x"))
    assert node.healthy is healthy and node.name == "sim1" and node.partitions == ("gpu", "debug")
    assert len(node.gres) == 3


@pytest.mark.parametrize(("state", "code", "expected", "exit_code"), [
    ("PENDING", "0:0", "starting", None), ("CONFIGURING", "0:0", "starting", None),
    ("REQUEUE_HOLD", "0:0", "starting", None), ("RUNNING", "0:0", "running", None),
    ("COMPLETING", "0:0", "running", None), ("SUSPENDED", "0:0", "running", None),
    ("COMPLETED", "0:0", "succeeded", 0), ("FAILED", "3:0", "failed", 3), ("FAILED", "0:9", "failed", 137),
    ("CANCELLED", "0:15", "failed", 143), ("TIMEOUT", "0:0", "failed", 0), ("NODE_FAIL", "0:0", "lost", None),
    ("PREEMPTED", "0:0", "lost", None), ("OUT_OF_MEMORY", "0:125", "failed", 253),
])
def test_job_states(state: str, code: str, expected: str, exit_code: int | None) -> None:
    [r] = slurm_text.records(JOB.format(state=state, reason="Priority", code=code))
    status = slurm_text.job_status(r)
    assert (status.state, status.exit_code) == (expected, exit_code)
    if expected == "starting":  # the user is told why Slurm has not started it
        assert status.message.startswith("waiting in Slurm: Priority") and state.lower() in status.message
        [fresh] = slurm_text.records(JOB.format(state=state, reason="None", code=code))
        assert slurm_text.job_status(fresh).message.startswith("waiting in Slurm (Slurm job")


def test_jobcomp_line_is_a_job_record() -> None:
    [r] = slurm_text.records(JOBCOMP)
    assert slurm_text.job_status(r).state == "lost"


def test_config_value() -> None:
    text = "JobCompHost             = localhost\nJobCompLoc              = /tmp/x/jobcomp.txt\nJobCompPass = (null)\n"
    assert slurm_text.config_value(text, "JobCompLoc") == "/tmp/x/jobcomp.txt"
    assert slurm_text.config_value(text, "JobCompPass") is None
    assert slurm_text.config_value(text, "Nope") is None


def _spec(**kw: object) -> LaunchSpec:
    base: dict[str, object] = dict(job_id="job_ab1", tenant="acme", command=("python3", "-c", "print('it''s')"),
                                   kind="nvidia-a100", devices=(("sim2", (0, 1)), ("sim3", (4, 5))),
                                   env={"LR": "3e-4 x", "CUDA_VISIBLE_DEVICES": "7"}, restart_count=2)
    base.update(kw)
    return LaunchSpec(**base)  # type: ignore[arg-type]


GRES = {"sim2": ("sim2", "gpu:a100"), "sim3": ("sim3", "gpu:a100"), "sim1-ascend-910b": ("sim1", "gpu:910b")}


def test_render_asks_for_the_placed_nodes_and_devices() -> None:
    batch = render(_spec(), gres=GRES, visible_devices_env="CUDA_VISIBLE_DEVICES", output="/o/out.log",
                   workdir="/o/work", checkpoint_dir="/c", partition="gpu")
    args = dict(a.split("=", 1) for a in batch.args if "=" in a)
    assert args["--job-name"] == "suanli-job_ab1-2" and args["--nodelist"] == "sim2,sim3"
    assert args["--nodes"] == "2" and args["--gres"] == "gpu:a100:2" and args["--partition"] == "gpu"
    assert "--no-requeue" in batch.args and "--parsable" in batch.args
    lines = batch.script.splitlines()
    assert "export LR='3e-4 x'" in lines and "export SUANLI_PLACEMENT='sim2=0,1 sim3=4,5'" in lines
    assert "export CUDA_VISIBLE_DEVICES='7'" not in lines  # Slurm sets it (the user's value is dropped)
    srun = shlex.split(batch.script.split("exec srun", 1)[1])
    assert srun[-4:] == ["suanli", "python3", "-c", "print('it''s')"]


def test_render_refuses_what_slurm_cannot_express() -> None:
    kw = dict(gres=GRES, visible_devices_env="CUDA_VISIBLE_DEVICES", output="/o", workdir="/w", checkpoint_dir="/c")
    with pytest.raises(InvalidInput, match="same number of devices"):
        render(_spec(devices=(("sim2", (0,)), ("sim3", (1, 2)))), **kw)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="not a node of this Slurm cluster"):
        render(_spec(devices=(("sim9", (0,)),)), **kw)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="at least one node"):
        render(_spec(devices=()), **kw)  # type: ignore[arg-type]


def test_config_check(tmp_path: Path) -> None:
    conf = tmp_path / "slurm.conf"
    conf.write_text("ClusterName=x\n")
    assert slurm_config.check({"slurm_conf": str(conf), "partition": "gpu"}) == {
        "slurm_conf": str(conf), "partition": "gpu"}
    bad: list[tuple[dict[str, object], str]] = [
        ({}, "needs slurm_conf"),
        ({"slurm_conf": "slurm.conf"}, "absolute path"),
        ({"slurm_conf": str(tmp_path / "nope.conf")}, "not a file"),
        ({"slurm_conf": str(conf), "partition": "a b"}, "Slurm name"),
        ({"slurm_conf": str(conf), "gres_kinds": {"gpu:a100": "nvidia-z9"}}, "unknown accelerator kind"),
        ({"slurm_conf": str(conf), "gres_kinds": ["a100"]}, "gres_kinds maps"),
        ({"slurm_conf": str(conf), "password": "x"}, "unknown Slurm config key"),
        ({"slurm_conf": str(conf), "output_dir": "/a/../etc"}, "without '..'"),
        ({"slurm_conf": str(conf), "bin_dir": str(tmp_path)}, "has no sbatch"),
    ]
    for config, message in bad:
        with pytest.raises(InvalidInput, match=message):
            slurm_config.check(config)
