"""Fractional device sharing (HAMi / GPU-sharing style): packing pods that ask for part of a GPU.

A pod asks for ``num_gpu`` devices; with one device it may ask for a fraction (``gpu_milli`` < 1000, as in
Alibaba's openb trace). Idle capacity that no pod can use is waste: half-used GPUs that nobody's fraction
fits, or GPUs on a node whose CPUs are gone. ``fgd`` (what suanli does when it knows the workload mix)
puts each pod where the expected fragmentation for that mix grows least (``suanli.scheduling.fgd``);
``best-fit`` puts a fraction on the fullest GPU that can hold it and a whole-GPU pod on the node with the
fewest whole GPUs that suffice, so untouched GPUs and nodes stay whole; ``first-fit`` is the baseline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from suanli.core.errors import InvalidInput
from suanli.scheduling.fgd import Fragmentation, NodeState, PodClass

STRATEGIES = ("fgd", "best-fit", "first-fit")
WHOLE = 1000


@dataclass(frozen=True, slots=True)
class SharedNode:
    """A node: ``gpus`` devices of ``model`` and ``cpu_milli`` of CPU."""

    name: str
    gpus: int
    cpu_milli: int
    model: str = ""


@dataclass(frozen=True, slots=True)
class SharePod:
    """A pod: CPU, and ``num_gpu`` devices of ``gpu_milli`` thousandths each (fractions need one device)."""

    name: str
    cpu_milli: int
    num_gpu: int
    gpu_milli: int
    models: tuple[str, ...] = ()


class SharedCluster:
    """Free CPU and free thousandths of every GPU; mutated as pods are packed."""

    def __init__(self, nodes: Sequence[SharedNode], typical_cpu_milli: int = 0,
                 mix: Sequence[PodClass] = ()) -> None:
        self.nodes = list(nodes)
        #: CPU a typical GPU pod needs: GPUs on a node with less CPU left than this are stranded.
        self.typical_cpu_milli = typical_cpu_milli
        self.cpu = [n.cpu_milli for n in self.nodes]
        self.gpu = [[WHOLE] * n.gpus for n in self.nodes]
        #: The workload mix ``fgd`` packs for (without one, ``fgd`` falls back to best fit).
        self.frag = Fragmentation(mix) if mix else None

    def capacity_milli(self) -> int:
        """GPU thousandths in the cluster."""
        return sum(n.gpus for n in self.nodes) * WHOLE

    def free_milli(self) -> int:
        """GPU thousandths not allocated."""
        return sum(sum(g) for g in self.gpu)

    def place(self, pod: SharePod, strategy: str = "best-fit") -> tuple[int, tuple[int, ...]] | None:
        """Pack ``pod`` and return (node index, GPU indices); None when it fits nowhere."""
        if strategy not in STRATEGIES:
            raise InvalidInput(f"unknown packing strategy {strategy!r}", details={"known": list(STRATEGIES)})
        if pod.num_gpu > 1 and pod.gpu_milli < WHOLE:
            raise InvalidInput(f"pod {pod.name!r}: a fraction of a GPU must be on one GPU")
        if strategy == "fgd" and self.frag is not None:
            return self._place_fgd(pod, self.frag)
        if strategy == "fgd":
            strategy = "best-fit"
        best: tuple[tuple[int, ...], int, tuple[int, ...]] | None = None
        for i, n in enumerate(self.nodes):
            if self.cpu[i] < pod.cpu_milli or (pod.models and pod.num_gpu and n.model not in pod.models):
                continue
            got = self._fit(i, pod)
            if got is None:
                continue
            score, devs = got
            if strategy == "best-fit" and self.typical_cpu_milli:
                # Do not strand GPUs: a placement that leaves idle GPU capacity behind too little CPU
                # for the next pod loses to one that does not.
                left_cpu = self.cpu[i] - pod.cpu_milli
                left_gpu = sum(self.gpu[i]) - pod.num_gpu * pod.gpu_milli
                stranded = left_gpu if left_cpu < self.typical_cpu_milli else 0
                score = (stranded, *score)
            if strategy == "first-fit":
                best = (score, i, devs)
                break
            if best is None or score < best[0]:
                best = (score, i, devs)
        if best is None:
            return None
        _, i, devs = best
        self.cpu[i] -= pod.cpu_milli
        for d in devs:
            self.gpu[i][d] -= pod.gpu_milli
        return i, devs

    def _place_fgd(self, pod: SharePod, frag: Fragmentation) -> tuple[int, tuple[int, ...]] | None:
        best: tuple[float, int, tuple[int, ...]] | None = None
        for i, n in enumerate(self.nodes):
            if self.cpu[i] < pod.cpu_milli or (pod.models and pod.num_gpu and n.model not in pod.models):
                continue
            state: NodeState = (n.model, self.cpu[i], tuple(sorted(self.gpu[i])))
            gpus = state[2]
            for take in _choices(gpus, pod):
                g = frag.growth(state, pod.cpu_milli, pod.gpu_milli, take)
                if best is None or g < best[0]:
                    best = (g, i, take)
        if best is None:
            return None
        _, i, take = best
        # ``take`` are positions in the sorted free list: map them to this node's GPU indices.
        order = sorted(range(len(self.gpu[i])), key=lambda d: (self.gpu[i][d], d))
        devs = tuple(sorted(order[k] for k in take))
        self.cpu[i] -= pod.cpu_milli
        for d in devs:
            self.gpu[i][d] -= pod.gpu_milli
        return i, devs

    def _fit(self, i: int, pod: SharePod) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
        gpus = self.gpu[i]
        whole = [d for d, f in enumerate(gpus) if f == WHOLE]
        if pod.num_gpu == 0:
            # CPU-only pods go where they strand the fewest GPUs: nodes with no idle GPU first.
            return (len(whole), -self.cpu[i]), ()
        if pod.gpu_milli >= WHOLE:
            if len(whole) < pod.num_gpu:
                return None
            # Fewest whole GPUs left over, then the least CPU left over: keep big holes for big pods.
            return (len(whole) - pod.num_gpu, self.cpu[i] - pod.cpu_milli), tuple(whole[: pod.num_gpu])
        fits = [(f, d) for d, f in enumerate(gpus) if f >= pod.gpu_milli]
        if not fits:
            return None
        f, d = min(fits)
        # The tightest GPU anywhere (a used GPU before an untouched one), then the node with fewest whole.
        return (f - pod.gpu_milli, len(whole)), (d,)


def _choices(gpus: tuple[int, ...], pod: SharePod) -> list[tuple[int, ...]]:
    """Distinct ways to put ``pod`` on a node whose sorted free thousandths per GPU are ``gpus``."""
    if pod.num_gpu == 0:
        return [()]
    if pod.gpu_milli >= WHOLE:
        whole = [k for k, f in enumerate(gpus) if f == WHOLE]
        return [tuple(whole[: pod.num_gpu])] if len(whole) >= pod.num_gpu else []
    out: list[tuple[int, ...]] = []
    seen: set[int] = set()
    for k, f in enumerate(gpus):
        if f >= pod.gpu_milli and f not in seen:
            seen.add(f)
            out.append((k,))
    return out
