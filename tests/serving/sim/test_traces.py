from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from suanli.core.errors import InvalidInput
from suanli.serving.sim import RateWindow, SynthesisConfig, load_trace, parse_azure, parse_mooncake, synthesize

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_azure_fixture() -> None:
    reqs = load_trace(FIXTURES / "azure_conv_head.csv")
    assert len(reqs) == 30
    assert reqs[0].arrival_s == 0.0 and (reqs[0].input_tokens, reqs[0].output_tokens) == (374, 44)
    assert reqs[1].arrival_s == pytest.approx(4.314579, abs=1e-5)  # 7-digit fractions are parsed
    assert all(a.arrival_s <= b.arrival_s for a, b in itertools.pairwise(reqs))


def test_mooncake_fixture_keeps_block_hashes() -> None:
    reqs = load_trace(FIXTURES / "mooncake_head.jsonl")
    assert len(reqs) == 20
    assert reqs[0].blocks[:3] == (0, 1, 2)
    assert all(len(r.blocks) == -(-r.input_tokens // 512) for r in reqs)


def test_servegen_fixture_synthesizes_near_the_rate() -> None:
    cfg = SynthesisConfig(mean_rps=None, hours=None, seed=1)
    reqs = load_trace(FIXTURES / "servegen_head.csv", synthesis=cfg)
    expected = sum(r * 600 for r in (14.8633, 18.4033, 20.0533, 20.645, 20.5567, 21.33))
    assert abs(len(reqs) - expected) < 4 * expected**0.5
    assert reqs == load_trace(FIXTURES / "servegen_head.csv", synthesis=cfg)  # seeded


def test_synthesis_rescales_and_follows_the_curve() -> None:
    windows = [RateWindow(0.0, 10.0), RateWindow(600.0, 30.0)]
    reqs = synthesize(windows, SynthesisConfig(mean_rps=2.0, hours=None, seed=3))
    first = sum(1 for r in reqs if r.arrival_s < 600)
    second = len(reqs) - first
    assert abs(len(reqs) - 2400) < 200
    assert second > 2 * first


def test_bad_inputs_are_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput):
        parse_azure(["TIMESTAMP,ContextTokens,GeneratedTokens", "yesterday,1,2"])
    with pytest.raises(InvalidInput):
        parse_mooncake(['{"timestamp": 1}'])
    odd = tmp_path / "odd.txt"
    odd.write_text("hello\n")
    with pytest.raises(InvalidInput):
        load_trace(odd)
    with pytest.raises(InvalidInput):
        load_trace(tmp_path / "missing.csv")
