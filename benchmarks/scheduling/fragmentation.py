"""GPU fragmentation on Alibaba's openb trace: suanli's FGD packing and best fit against first fit.

Replays the pods of ``openb_pod_list_default.csv`` (cycling through the list, FGD's "inflation") onto
the 1,523 real nodes (GPU and CPU-only) of ``openb_node_list_all_node.csv`` until the GPU thousandths
that have arrived reach the cluster's capacity, and reports the share of GPU capacity left unallocated
at 80, 90, 95 and 100 % arrived (lower is better: the rest was refused although it was idle), plus the
number of refused pods.

    .venv/bin/python benchmarks/scheduling/fragmentation.py [--pods openb_pod_list_default.csv]
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path
from typing import Any

from suanli.scheduling.fgd import workload
from suanli.scheduling.sharing import STRATEGIES, SharedCluster, SharedNode, SharePod

DATA = Path(__file__).resolve().parents[3] / "shared/data/traces/gpu/alibaba_openb_2023"
MARKS = (0.8, 0.9, 0.95, 1.0)


def load(pods_file: Path) -> tuple[list[SharedNode], list[SharePod]]:
    with (DATA / "openb_node_list_all_node.csv").open(newline="") as f:
        nodes = [SharedNode(r["sn"], int(r["gpu"]), int(r["cpu_milli"]), r["model"]) for r in csv.DictReader(f)]
    with pods_file.open(newline="") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: int(r["creation_time"]))
    pods = [SharePod(r["name"], int(r["cpu_milli"]), int(r["num_gpu"]), int(r["gpu_milli"]),
                     tuple(m for m in r["gpu_spec"].split("|") if m)) for r in rows]
    return nodes, pods


def replay(nodes: list[SharedNode], pods: list[SharePod], strategy: str) -> dict[str, Any]:
    gpu_cpu = sorted(p.cpu_milli for p in pods if p.num_gpu)
    # The median CPU request of GPU pods, read from the workload itself (nothing tuned by hand).
    # FGD's workload mix: the popularity of each kind of GPU pod in the pod list (the pods themselves).
    mix = workload((p.cpu_milli, p.num_gpu, p.gpu_milli, p.models) for p in pods)
    cluster = SharedCluster(nodes, typical_cpu_milli=gpu_cpu[len(gpu_cpu) // 2] if gpu_cpu else 0, mix=mix)
    cap = cluster.capacity_milli()
    arrived = 0
    refused = 0
    out: dict[str, Any] = {"strategy": strategy}
    marks = list(MARKS)
    k = 0
    while marks:
        pod = pods[k % len(pods)]
        k += 1
        arrived += pod.num_gpu * pod.gpu_milli
        if cluster.place(pod, strategy) is None:
            refused += 1
        while marks and arrived >= marks[0] * cap:
            out[f"unallocated_at_{int(marks[0] * 100)}pct"] = round(cluster.free_milli() / cap, 4)
            marks.pop(0)
    out["pods_arrived"] = k
    out["pods_refused"] = refused
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pods", type=Path, default=DATA / "openb_pod_list_default.csv")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = ap.parse_args()
    nodes, pods = load(args.pods)
    rows = [replay(nodes, pods, s) for s in STRATEGIES]
    for r in rows:
        print(json.dumps(r))
    cols = ["strategy", *(f"unallocated_at_{int(m * 100)}pct" for m in MARKS), "pods_arrived", "pods_refused"]
    best, first = rows[0], rows[-1]
    lines = ["# GPU fragmentation on Alibaba openb (2023)", "",
             f"{len(nodes)} nodes, {sum(n.gpus for n in nodes)} GPUs; pods from `{args.pods.name}` in creation "
             "order, cycled until the arrived GPU request equals the capacity (FGD's inflation). Unallocated = "
             "idle share of GPU capacity at that point of arrival (lower is better).", "",
             "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r[c]) for c in cols) + " |" for r in rows]
    f100, b100 = first["unallocated_at_100pct"], best["unallocated_at_100pct"]
    change = (1 - b100 / f100) if f100 else 0.0
    lines += ["", f"At 100 % arrived, suanli's FGD packing leaves {b100:.1%} of GPU capacity unallocated against "
              f"first fit's {f100:.1%}: {abs(change):.0%} {'fewer' if change >= 0 else 'more'} unallocated GPUs; "
              f"it refused {best['pods_refused']} pods against {first['pods_refused']}."]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "fragmentation.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (args.out / "fragmentation.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
