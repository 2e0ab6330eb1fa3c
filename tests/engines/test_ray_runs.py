"""A start of a job as one Ray job around a placement group, and Ray's states read back (pure functions)."""

from __future__ import annotations

import json
import shlex

from suanli.engines.base import LaunchSpec, RunStatus
from suanli.engines.ray_config import Target
from suanli.engines.ray_runs import (
    GANG_ENV,
    Gang,
    combined,
    gang_status,
    parse_submission,
    rank_status,
    request,
    submission_id,
)
from suanli.engines.ray_runs import gang as gang_of


def test_a_start_is_one_ray_job_whose_gang_pins_each_rank_to_its_node_and_devices() -> None:
    spec = LaunchSpec(job_id="job_1", tenant="ten_a", command=("python", "-c", "print('hi there')"),
                      kind="ascend-910b", devices=(("n1", (2, 3)), ("n2", (0, 1))), env={"LR": "0.1"},
                      checkpoint_dir="/shared/ck", restart_count=3)
    body = request(spec, {"n1": Target("10.0.0.1", "NPU"), "n2": Target("10.0.0.2", "NPU")}, "/opt/py/bin/python")
    assert body["submission_id"] == "suanli-job_1-3-0"
    assert shlex.split(body["entrypoint"]) == ["/opt/py/bin/python", "-m", "suanli.engines.ray_gang"]
    assert body["entrypoint_num_cpus"] == 0 and "entrypoint_resources" not in body  # the group holds the devices
    gang = Gang.from_json(body["runtime_env"]["env_vars"][GANG_ENV])
    assert gang.name == body["submission_id"] and gang.strategy == "STRICT_SPREAD"
    assert gang.command == ("python", "-c", "print('hi there')")
    assert [r.bundle() for r in gang.ranks] == [{"node:10.0.0.1": 0.001, "NPU": 2.0},
                                                {"node:10.0.0.2": 0.001, "NPU": 2.0}]
    first, second = (r.env for r in gang.ranks)
    assert first["ASCEND_RT_VISIBLE_DEVICES"] == "2,3" and second["ASCEND_RT_VISIBLE_DEVICES"] == "0,1"
    assert second["LR"] == "0.1" and second["SUANLI_NODE_RANK"] == "1" and second["SUANLI_NUM_NODES"] == "2"
    assert second["SUANLI_RESTART_COUNT"] == "3" and second["SUANLI_CHECKPOINT_DIR"] == "/shared/ck"
    assert second["SUANLI_NODE"] == "n2" and body["metadata"]["suanli_nodes"] == "n1,n2"
    assert Gang.from_json(gang.to_json()) == gang


def test_one_node_packs_and_gpus_are_counted_by_ray_s_gpu_resource() -> None:
    spec = LaunchSpec(job_id="job_2", tenant="t", command=("true",), kind="nvidia-h100", devices=(("n", (5,)),))
    body = request(spec, {"n": Target("10.0.0.9", "GPU")}, "python3")
    (rank,) = (gang := Gang.from_json(body["runtime_env"]["env_vars"][GANG_ENV])).ranks
    assert gang.strategy == "STRICT_PACK" and rank.bundle() == {"node:10.0.0.9": 0.001, "GPU": 1.0}
    assert rank.env["CUDA_VISIBLE_DEVICES"] == "5" and "SUANLI_CHECKPOINT_DIR" not in rank.env
    assert json.loads(body["runtime_env"]["env_vars"][GANG_ENV])["ranks"][0]["devices"] == [5]
    two_on_one = LaunchSpec(job_id="job_3", tenant="t", command=("true",), kind="nvidia-h100",
                            devices=(("a", (0,)), ("b", (0,)), ("c", (1,))))
    targets = {"a": Target("10.0.0.1", "GPU"), "b": Target("10.0.0.2", "GPU"), "c": Target("10.0.0.2", "MLU")}
    assert gang_of(two_on_one, targets).strategy == "PACK"  # never STRICT_SPREAD over fewer nodes than bundles


def test_submission_ids_read_back() -> None:
    assert parse_submission("job_1", submission_id("job_1", 12)) == (12, 0)
    assert parse_submission("job_1", submission_id("job_1", 12, 3)) == (12, 3)  # one Ray job per rank, before
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


def test_a_running_driver_is_starting_until_its_placement_group_is_placed() -> None:
    running = RunStatus("running")
    assert gang_status(running, None) == RunStatus("starting", message="waiting in Ray: the gang's driver is starting")
    pending = {"state": "PENDING", "bundles": [{}, {}], "stats": {"scheduling_state": "NO_RESOURCES"}}
    waits = gang_status(running, pending)
    assert waits.state == "starting" and "placement group (2 bundles)" in waits.message
    assert "lack the free resources" in waits.message
    assert gang_status(running, {"state": "CREATED"}) == running
    assert gang_status(running, {"state": "REMOVED"}) == running  # the driver is on its way out
    done = RunStatus("failed", 3, "exited with code 3")
    assert gang_status(done, pending) == done


def test_the_ray_jobs_of_an_older_handle_combine() -> None:
    ok, run, bad, gone = RunStatus("succeeded", 0), RunStatus("running"), RunStatus("failed", 2), RunStatus("lost")
    assert combined([ok, ok]) == ok
    assert combined([ok, run]).state == "running"
    waiting = RunStatus("starting", message="waiting in Ray: for its resources")
    assert combined([run, waiting]) == waiting
    assert combined([waiting, bad]) == bad
    assert combined([run, gone, bad]) == bad
    assert combined([run, gone]) == gone
