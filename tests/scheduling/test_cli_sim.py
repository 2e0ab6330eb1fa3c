from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from suanli.cli.main import app

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "scheduling" / "philly_head.csv"


def test_sim_prints_one_json_document_per_run(tmp_path: Path) -> None:
    trace = tmp_path / "t.csv"
    trace.write_text("submit_time,duration,num_gpus,tenant\n0,100,8,a\n10,50,8,b\nbad,1,1,a\n")
    result = CliRunner().invoke(app, ["sim", "--trace", str(trace), "--gpus", "8", "--policy", "fifo",
                                      "--policy", "suanli", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [r["policy"] for r in doc["results"]] == ["fifo", "suanli"]
    fifo = doc["results"][0]
    assert fifo["jobs"] == 2 and fifo["avg_jct_s"] == 120.0
    assert fifo["malformed_rows"] == [4]
    for key in ("p50_jct_s", "p99_jct_s", "avg_queue_s", "p99_queue_s", "makespan_s", "gpu_utilization",
                "preemptions", "tenant_slowdown_max_min"):
        assert key in fifo


def test_sim_reads_philly_and_prints_a_table() -> None:
    result = CliRunner().invoke(app, ["sim", "--trace", str(FIXTURE), "--format", "philly", "--gpus", "16"])
    assert result.exit_code == 0, result.output
    assert "philly_head.csv on 16 GPUs (8 per node)" in result.stdout


def test_unknown_policy_is_a_friendly_error(tmp_path: Path) -> None:
    trace = tmp_path / "t.csv"
    trace.write_text("submit_time,duration,num_gpus\n0,1,1\n")
    result = CliRunner().invoke(app, ["sim", "--trace", str(trace), "--gpus", "8", "--policy", "lottery"])
    assert result.exit_code != 0
