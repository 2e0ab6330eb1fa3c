"""Fractional device sharing (HAMi / GPU-sharing style): packing pods that ask for part of a GPU.

A pod asks for ``num_gpu`` devices; with one device it may ask for a fraction (``gpu_milli`` < 1000, as in
Alibaba's openb trace). Idle capacity that no pod can use is waste: half-used GPUs that nobody's fraction
fits, or GPUs on a node whose CPUs are gone. ``best-fit`` (what suanli does) puts a fraction on the
fullest GPU that can hold it and a whole-GPU pod on the node with the fewest whole GPUs that suffice, so
untouched GPUs and nodes stay whole for the pods that need them; ``first-fit`` is the baseline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from suanli.core.errors import InvalidInput

STRATEGIES = ("best-fit", "first-fit")
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

    def __init__(self, nodes: Sequence[SharedNode], typical_cpu_milli: int = 0) -> None:
        self.nodes = list(nodes)
        #: CPU a typical GPU pod needs: GPUs on a node with less CPU left than this are stranded.
        self.typical_cpu_milli = typical_cpu_milli
        self.cpu = [n.cpu_milli for n in self.nodes]
        self.gpu = [[WHOLE] * n.gpus for n in self.nodes]

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
