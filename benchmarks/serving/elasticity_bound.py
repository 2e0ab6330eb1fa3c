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
"""

from __future__ import annotations

import argparse
import math
import platform
import re

from elasticity import CASES, RESULTS, requests_for

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


def static_hours() -> dict[str, float]:
    """static-peak replica-hours per trace, from the committed replay table."""
    out: dict[str, float] = {}
    table = (RESULTS / "elasticity.md").read_text(encoding="utf-8")
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) > 6 and cells[2] == "static-peak" and re.match(r"^[\d.]+$", cells[6]):
            out[cells[0]] = float(cells[6])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--window-s", type=float, default=60.0)
    parser.add_argument("--mean-rps", type=float, default=4.0)
    args = parser.parse_args()
    model = ReplicaModel()
    static = static_hours()
    lines = [
        "# Elasticity: the clairvoyant lower bound on replica-hours",
        "",
        f"Machine: {platform.node() or 'vm'}, {platform.machine()}, 2 shared cores (the computation is exact; "
        "timing plays no part). Replica model: the benchmark's default "
        f"(max_seqs {model.max_seqs}, prefill {model.prefill_tokens_per_s:g} tok/s, decode "
        f"{model.decode_tokens_per_s:g} tok/s); windows of {args.window_s:g} s; ServeGen rescaled to "
        f"{args.mean_rps:g} req/s, seed 0. static-peak and suanli hours: `results/elasticity.md`.",
        "",
        "| trace | requests | mean busy slots | bound peak replicas | bound replica_hours | static-peak hours | "
        "bound / static | suanli / static (replay) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    suanli = _suanli_ratios()
    for case in CASES:
        reqs = requests_for(case, 0, args.mean_rps)
        hours, peak, slots = bound(reqs, model, args.window_s)
        s = static.get(case.name)
        ratio = f"{hours / s:.3f}" if s else "n/a"
        lines.append(
            f"| {case.name} | {len(reqs)} | {slots:.1f} | {peak} | {hours:.1f} | {s if s else 'n/a'} | {ratio} | "
            f"{suanli.get(case.name, 'n/a')} |"
        )
        print(lines[-1], flush=True)
    lines += [
        "",
        "A bound above 0.6 means no autoscaler can meet the 0.6x target on that trace with this replica model:",
        "the load is too flat (its peak is under about 1.7x its mean), so replicas that serve the mean already",
        "cost more than 0.6x of the peak's.",
    ]
    (RESULTS / "elasticity_bound.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _suanli_ratios() -> dict[str, str]:
    out: dict[str, str] = {}
    for line in (RESULTS / "elasticity.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) > 7 and cells[2] == "suanli":
            out[cells[0]] = cells[7]
    return out


if __name__ == "__main__":
    main()
