"""A start of a job as Ray jobs, and Ray's states read back (pure functions)."""

from __future__ import annotations

import shlex

from suanli.engines.base import LaunchSpec, RunStatus
from suanli.engines.ray_config import Target
from suanli.engines.ray_runs import combined, parse_submission, rank_status, requests, submission_id


def test_each_rank_is_pinned_to_its_node_with_the_devices_suanli_chose() -> None:
    spec = LaunchSpec(job_id="job_1", tenant="ten_a", command=("python", "-c", "print('hi there')"),
                      kind="ascend-910b", devices=(("n1", (2, 3)), ("n2", (0, 1))), env={"LR": "0.1"},
                      checkpoint_dir="/shared/ck", restart_count=3)
    targets = {"n1": Target("10.0.0.1", "NPU"), "n2": Target("10.0.0.2", "NPU")}
    first, second = requests(spec, targets)
    assert first.submission_id == "suanli-job_1-3-0" and second.submission_id == "suanli-job_1-3-1"
    assert first.body["entrypoint_resources"] == {"node:10.0.0.1": 0.001, "NPU": 2.0}
    assert "entrypoint_num_gpus" not in first.body
    words = shlex.split(first.body["entrypoint"])
    assert words == ["ASCEND_RT_VISIBLE_DEVICES=2,3", "exec", "python", "-c", "print('hi there')"]
    env = second.body["runtime_env"]["env_vars"]
    assert env["LR"] == "0.1" and env["SUANLI_NODE_RANK"] == "1" and env["SUANLI_NUM_NODES"] == "2"
    assert env["SUANLI_RESTART_COUNT"] == "3" and env["SUANLI_CHECKPOINT_DIR"] == "/shared/ck"


def test_gpus_are_reserved_through_ray_s_own_gpu_count() -> None:
    spec = LaunchSpec(job_id="job_2", tenant="t", command=("true",), kind="nvidia-h100", devices=(("n", (5,)),))
    (only,) = requests(spec, {"n": Target("10.0.0.9", "GPU")})
    assert only.body["entrypoint_num_gpus"] == 1
    assert only.body["entrypoint_resources"] == {"node:10.0.0.9": 0.001}
    assert only.body["entrypoint"].startswith("CUDA_VISIBLE_DEVICES=5 exec")
    assert "SUANLI_CHECKPOINT_DIR" not in only.body["runtime_env"]["env_vars"]


def test_submission_ids_read_back() -> None:
    assert parse_submission("job_1", submission_id("job_1", 12, 3)) == (12, 3)
    assert parse_submission("job_1", "suanli-job_12-0-0") is None
    assert parse_submission("job_1", "raysubmit_abc") is None


def test_ray_states_read_as_suanli_states() -> None:
    assert rank_status({"status": "PENDING"}) == RunStatus("starting", message="waiting in Ray: for its resources")
    waits = rank_status({"status": "PENDING", "message": "Job has not started yet. It may be waiting for resources"})
    assert waits.state == "starting" and "may be waiting for resources" in waits.message
    assert rank_status({"status": "RUNNING"}) == RunStatus("running")
    assert rank_status({"status": "SUCCEEDED", "driver_exit_code": 0}) == RunStatus("succeeded", 0)
    assert rank_status({"status": "FAILED", "driver_exit_code": 3}) == RunStatus("failed", 3, "exited with code 3")
    died = rank_status({"status": "FAILED", "driver_exit_code": None, "message": "node died"})
    assert died.state == "lost" and "node died" in died.message
    assert rank_status({"status": "STOPPED"}).state == "lost"
    assert rank_status(None).state == "lost"


def test_a_gang_fails_with_any_rank() -> None:
    ok, run, bad, gone = RunStatus("succeeded", 0), RunStatus("running"), RunStatus("failed", 2), RunStatus("lost")
    assert combined([ok, ok]) == ok
    assert combined([ok, run]).state == "running"
    waiting = RunStatus("starting", message="waiting in Ray: for its resources")
    assert combined([run, waiting]) == waiting  # a gang with a rank still waiting has not started
    assert combined([waiting, bad]) == bad
    assert combined([run, gone, bad]) == bad
    assert combined([run, gone]) == gone
