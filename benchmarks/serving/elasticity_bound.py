"""How low can replica-hours go? A clairvoyant lower bound for the elasticity benchmark's traces.

Run from the repository root (a few seconds a trace; no replay):

    .venv/bin/python benchmarks/serving/elasticity_bound.py     # writes results/elasticity_bound.md

For each window of ``--window-s`` seconds, the busy sequence slots are the service time of the
requests that arrive in it (the replica model's prefill + decode seconds, cold prefix cache) divided by
the window; a clairvoyant autoscaler with free, instant cold starts needs ``ceil(busy / max_seqs)``
replicas in that window and no more. Its replica-hours bound every real autoscaler from below (a real
one also pays cold starts, keeps headroom for the time-to-first-token SLO and cannot see the future).
The ratio ``bound / static-peak`` (static-peak as committed in ``results/elasticity.md``) says whether
the issue's 0.6x target is reachable at all on a trace: it is not when the load's peak is less than
about 1.7x its mean.

A second, tighter bound keeps the free, instant, clairvoyant scaling but adds the queueing headroom
that the SLO itself requires: each minute gets the fewest replicas whose pool keeps
P(wait > SLO - 2 x mean prefill) at or below the ``suanli`` policy's steady-state miss target (M/M/c,
``suanli.serving.autoscaling.queueing``, with the trace's mean service time). It is what a perfect
forecaster running suanli's own sizing rule would pay, so ``suanli / SLO bound`` measures how much the
forecasting, the cold starts and the scale-down hold cost.
"""

from __future__ import annotations

import argparse
import math
import platform
import re

from elasticity import CASES, RESULTS, requests_for

from suanli.serving.autoscaling import LlmPolicyConfig
from suanli.serving.autoscaling.queueing import replicas_for_wait
from suanli.serving.sim import ReplicaModel, TraceRequest


def bound(case_requests: list[TraceRequest], model: ReplicaModel, window_s: float) -> tuple[float, int, float]:
    """(replica-hours, peak replicas, mean busy slots) of the clairvoyant autoscaler."""
    busy: dict[int, float] = {}
    for r in case_requests:
        w = int(r.arrival_s // window_s)
        busy[w] = busy.get(w, 0.0) + model.service_s(r.input_tokens, r.output_tokens)
    if not busy:
        return 0.0, 0, 0.0
    needed = [math.ceil(b / window_s / model.max_seqs) for b in busy.values()]
    windows = max(busy) - min(busy) + 1
    return sum(needed) * window_s / 3600.0, max(needed), sum(busy.values()) / (windows * window_s)


def slo_bound(case_requests: list[TraceRequest], model: ReplicaModel, window_s: float) -> float:
    """Replica-hours of the clairvoyant autoscaler that keeps suanli's queueing headroom (see above)."""
    cfg = LlmPolicyConfig(slots_per_replica=model.max_seqs, prefill_tokens_per_s=model.prefill_tokens_per_s)
    busy: dict[int, float] = {}
    total_s = total_prefill_s = 0.0
    for r in case_requests:
        w = int(r.arrival_s // window_s)
        s = model.service_s(r.input_tokens, r.output_tokens)
        busy[w] = busy.get(w, 0.0) + s
        total_s += s
        total_prefill_s += r.input_tokens / model.prefill_tokens_per_s
    if not busy:
        return 0.0
    service_s = total_s / len(case_requests)
    budget = max(0.05 * cfg.slo_ttft_s, cfg.slo_ttft_s - 2.0 * total_prefill_s / len(case_requests))
    needed = [
        replicas_for_wait(b / window_s, service_s, model.max_seqs, budget, cfg.miss_target) for b in busy.values()
    ]
    return sum(needed) * window_s / 3600.0


def policy_hours(policy: str) -> dict[str, float]:
    """A policy's replica-hours per trace, from the committed replay table."""
    out: dict[str, float] = {}
    table = (RESULTS / "elasticity.md").read_text(encoding="utf-8")
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) > 6 and cells[2] == policy and re.match(r"^[\d.]+$", cells[6]):
            out[cells[0]] = float(cells[6])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--window-s", type=float, default=60.0)
    parser.add_argument("--mean-rps", type=float, default=4.0)
    args = parser.parse_args()
    model = ReplicaModel()
    static = policy_hours("static-peak")
    peak_minute = policy_hours("static-peak-minute")
    suanli = policy_hours("suanli")
    lines = [
        "# Elasticity: the clairvoyant lower bound on replica-hours",
        "",
        f"Machine: {platform.node() or 'vm'}, {platform.machine()}, 2 shared cores (the computation is exact; "
        "timing plays no part). Replica model: the benchmark's default "
        f"(max_seqs {model.max_seqs}, prefill {model.prefill_tokens_per_s:g} tok/s, decode "
        f"{model.decode_tokens_per_s:g} tok/s); windows of {args.window_s:g} s; ServeGen rescaled to "
        f"{args.mean_rps:g} req/s, seed 0. static-peak, static-peak-minute and suanli hours: "
        "`results/elasticity.md` (medians over its seeds; seed 0 is one of them).",
        "",
        "`bound`: free instant cold starts, exactly ceil(busy slots / 8) replicas each window, no headroom. "
        "`SLO bound`: the same clairvoyant scaling with the queueing headroom the TTFT SLO needs (suanli's own "
        "M/M/c rule at its steady-state miss target).",
        "",
        "| trace | requests | mean busy slots | bound peak replicas | bound hours | SLO bound hours | "
        "static-peak hours | bound / static | SLO bound / static | SLO bound / peak-minute | suanli / static | "
        "suanli / bound | suanli / SLO bound |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for case in CASES:
        reqs = requests_for(case, 0, args.mean_rps)
        hours, peak, slots = bound(reqs, model, args.window_s)
        tight = slo_bound(reqs, model, args.window_s)
        st, pm, su = static.get(case.name), peak_minute.get(case.name), suanli.get(case.name)

        def r(a: float | None, b: float | None) -> str:
            return f"{a / b:.3f}" if a and b else "n/a"

        lines.append(
            f"| {case.name} | {len(reqs)} | {slots:.1f} | {peak} | {hours:.1f} | {tight:.1f} | {st or 'n/a'} | "
            f"{r(hours, st)} | {r(tight, st)} | {r(tight, pm)} | {r(su, st)} | {r(su, hours)} | {r(su, tight)} |"
        )
        print(lines[-1], flush=True)
    lines += [
        "",
        "A bound above 0.6 means no autoscaler can meet the 0.6x target on that trace with this replica model:",
        "the load is too flat (its peak is under about 1.7x its mean), so replicas that serve the mean already",
        "cost more than 0.6x of the peak's. The SLO bound is the fairer yardstick for a policy that must keep",
        "the SLO: it is what suanli's sizing rule costs with a perfect forecast and free cold starts.",
    ]
    (RESULTS / "elasticity_bound.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
