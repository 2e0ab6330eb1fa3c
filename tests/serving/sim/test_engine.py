from __future__ import annotations

import pytest

from suanli.serving.autoscaling import Autoscaler, Bounds, Kpa, KpaConfig, LlmPolicy, LlmPolicyConfig, StaticPeak
from suanli.serving.routing import AffinityConfig, Router
from suanli.serving.sim import ReplicaModel, SimConfig, TraceRequest, simulate

MODEL = ReplicaModel(cold_start_s=30.0, prefill_tokens_per_s=1000.0, decode_tokens_per_s=10.0, max_seqs=2)


def uniform(n: int, gap: float, tokens: tuple[int, int] = (100, 20)) -> list[TraceRequest]:
    return [TraceRequest(i * gap, *tokens) for i in range(n)]


def test_one_request_has_the_model_latency() -> None:
    r = simulate([TraceRequest(0.0, 500, 20)], Autoscaler(StaticPeak(1)), Router(),
                 SimConfig(model=MODEL, initial_replicas=1))
    assert r.requests == 1 and r.slo_attainment == 1.0
    assert r.p50_ttft_s == pytest.approx(0.5)  # 500 tokens at 1000 tokens/s
    assert r.cold_starts == 0 and r.peak_replicas == 1
    assert r.replica_hours == pytest.approx(2.5 / 3600)  # prefill 0.5 s + decode 2 s


def test_overload_queues_and_misses_the_slo() -> None:
    # 1 replica x 2 slots, each request holds a slot 2.1 s, one arrives every 0.5 s: the queue grows.
    reqs = uniform(40, 0.5)
    r = simulate(reqs, Autoscaler(StaticPeak(1)), Router(),
                 SimConfig(model=MODEL, initial_replicas=1, warmup_s=1e9))
    assert r.slo_attainment < 0.5
    enough = simulate(reqs, Autoscaler(StaticPeak(2)), Router(), SimConfig(model=MODEL, initial_replicas=2))
    assert enough.slo_attainment == 1.0


def test_scale_from_zero_waits_one_cold_start() -> None:
    reqs = [TraceRequest(100.0, 100, 10)]
    policy = LlmPolicy(LlmPolicyConfig(slots_per_replica=2, cold_start_s=30.0))
    r = simulate(reqs, Autoscaler(policy), Router(), SimConfig(model=MODEL, initial_replicas=0))
    assert r.cold_starts >= 1 and r.failed == 0
    # Arrives at 100, next tick at 102 orders a replica, ready at 132, prefill 0.1 s.
    assert r.p50_ttft_s == pytest.approx(32.1)
    assert r.slo_attainment == 0.0


def test_wait_queue_timeout_fails_requests() -> None:
    reqs = [TraceRequest(100.0, 100, 10)]
    r = simulate(reqs, Autoscaler(StaticPeak(0)), Router(),
                 SimConfig(model=MODEL, initial_replicas=0, queue_timeout_s=20.0))
    assert r.failed == 1 and r.slo_attainment == 0.0


def test_quota_caps_the_replicas() -> None:
    reqs = uniform(2000, 0.05)
    policy = Kpa(KpaConfig(target=1.4))
    r = simulate(reqs, Autoscaler(policy), Router(),
                 SimConfig(model=MODEL, initial_replicas=1, bounds=Bounds(0, 100, quota_replicas=3)))
    assert r.peak_replicas == 3


def test_autoscaling_follows_a_step_and_releases_capacity() -> None:
    busy = uniform(3000, 0.1)  # 300 s at 10 req/s: about 21 busy slots
    quiet = [TraceRequest(300.0 + 2.0 * i, 100, 20) for i in range(600)]
    policy = LlmPolicy(LlmPolicyConfig(slots_per_replica=2, cold_start_s=30.0))
    r = simulate(busy + quiet, Autoscaler(policy), Router(), SimConfig(model=MODEL))
    static = simulate(busy + quiet, Autoscaler(StaticPeak(r.peak_replicas)), Router(),
                      SimConfig(model=MODEL, initial_replicas=r.peak_replicas))
    assert r.replica_hours < 0.7 * static.replica_hours
    assert r.slo_attainment > 0.95


def test_affinity_warms_shared_prefixes() -> None:
    model = ReplicaModel(prefill_tokens_per_s=4000.0, decode_tokens_per_s=50.0, max_seqs=4, block_tokens=512)
    # 8 conversations, each re-sending its growing history: prefix blocks (c, 0), (c, 1), ...
    reqs = []
    for turn in range(10):
        for c in range(8):
            blocks = tuple(c * 1000 + b for b in range(turn + 1))
            reqs.append(TraceRequest(turn * 10.0 + c * 0.5, 512 * (turn + 1), 20, blocks))
    cfg = SimConfig(model=model, initial_replicas=8)
    plain = simulate(reqs, Autoscaler(StaticPeak(8)), Router(), cfg)
    sticky = simulate(reqs, Autoscaler(StaticPeak(8)), Router(affinity=AffinityConfig(1)), cfg)
    assert plain.warm_block_share is not None and sticky.warm_block_share is not None
    assert sticky.warm_block_share > 0.8
    assert sticky.warm_block_share > plain.warm_block_share + 0.2


def test_same_seed_same_result() -> None:
    reqs = uniform(500, 0.2)
    policy = LlmPolicy(LlmPolicyConfig(slots_per_replica=2))
    a = simulate(reqs, Autoscaler(policy), Router(), SimConfig(model=MODEL, seed=5))
    b = simulate(reqs, Autoscaler(policy), Router(), SimConfig(model=MODEL, seed=5))
    assert a == b
