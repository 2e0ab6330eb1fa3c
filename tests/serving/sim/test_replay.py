from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from suanli.cli.main import app
from suanli.serving.sim import ReplaySpec, ReplicaModel, TraceRequest, replay, run_static, smallest_static

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MODEL = ReplicaModel(prefill_tokens_per_s=1000.0, decode_tokens_per_s=10.0, max_seqs=2)


def test_smallest_static_is_the_least_count_that_meets_the_target() -> None:
    reqs = [TraceRequest(i * 0.25, 100, 20) for i in range(400)]
    spec = ReplaySpec(policy="static-peak", model=MODEL)
    n = smallest_static(reqs, spec)
    assert run_static(reqs, spec, n).slo_attainment >= 0.99
    assert run_static(reqs, spec, n - 1).slo_attainment < 0.99
    assert replay(reqs, spec).static_replicas == n


def test_cli_json_has_the_promised_fields() -> None:
    result = CliRunner().invoke(
        app, ["serve-sim", "--trace", str(FIXTURES / "mooncake_head.jsonl"), "--policy", "kpa", "--json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    for key in ("requests", "slo_attainment", "p50_ttft_s", "p99_ttft_s", "replica_hours", "peak_replicas",
                "cold_starts"):
        assert key in doc
    assert doc["requests"] == 20 and doc["warm_block_share"] is not None


def test_cli_table_and_static_peak_search() -> None:
    result = CliRunner().invoke(
        app, ["serve-sim", "--trace", str(FIXTURES / "azure_conv_head.csv"), "--policy", "static-peak"]
    )
    assert result.exit_code == 0, result.output
    assert "slo_attainment" in result.output and "peak_replicas" in result.output


def test_cli_unknown_policy_is_a_clean_error() -> None:
    result = CliRunner().invoke(
        app, ["serve-sim", "--trace", str(FIXTURES / "azure_conv_head.csv"), "--policy", "magic"]
    )
    assert result.exit_code != 0
    assert "Traceback" not in result.output
