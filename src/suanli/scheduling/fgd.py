"""Fragmentation-gradient placement of GPU-sharing pods (FGD, Weng et al., USENIX ATC'23).

A node's idle GPU capacity is *fragmented* for a kind of pod when that pod could not use it: the whole
idle capacity when the pod does not fit on the node at all (CPU, GPU model, too few GPUs), otherwise the
idle thousandths on GPUs too full for the pod's share. The node's expected fragmentation weighs this over
the workload's mix of pods (their popularity, read from the pods themselves). FGD puts each pod where it
makes the expected fragmentation grow least, so capacity stays usable by the pods that will come.

Pure functions over a node's state; memoised per state, since most nodes of a real cluster look alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

WHOLE = 1000

#: A node's state: its GPU model, free CPU thousandths and free thousandths of each GPU, sorted.
NodeState = tuple[str, int, tuple[int, ...]]


@dataclass(frozen=True, slots=True)
class PodClass:
    """One kind of pod in the workload mix and its share of the GPU pods (``weight``, summing to 1)."""

    cpu_milli: int
    num_gpu: int
    gpu_milli: int
    models: tuple[str, ...]
    weight: float


def workload(pods: Iterable[tuple[int, int, int, tuple[str, ...]]]) -> tuple[PodClass, ...]:
    """The mix of GPU pods ``(cpu_milli, num_gpu, gpu_milli, models)``: each kind with its popularity."""
    counts = Counter(p for p in pods if p[1] > 0)
    total = sum(counts.values())
    return tuple(PodClass(c, n, g, m, k / total) for (c, n, g, m), k in sorted(counts.items()))


def fragmentation(state: NodeState, mix: Sequence[PodClass]) -> float:
    """Expected idle GPU thousandths on a node in ``state`` that a pod drawn from ``mix`` could not use."""
    model, cpu, gpus = state
    idle = sum(gpus)
    if idle == 0:
        return 0.0
    whole = sum(1 for f in gpus if f == WHOLE)
    most = gpus[-1] if gpus else 0
    out = 0.0
    for m in mix:
        if cpu < m.cpu_milli or (m.models and model not in m.models):
            out += m.weight * idle
        elif m.gpu_milli < WHOLE:
            out += m.weight * (idle if most < m.gpu_milli else sum(f for f in gpus if f < m.gpu_milli))
        elif whole < m.num_gpu:
            out += m.weight * idle
        else:
            out += m.weight * (idle - whole * WHOLE)
    return out


class Fragmentation:
    """Expected fragmentation per node state for one workload mix, computed once per distinct state."""

    def __init__(self, mix: Sequence[PodClass]) -> None:
        self.mix = mix
        self._memo: dict[NodeState, float] = {}

    def of(self, state: NodeState) -> float:
        """The expected fragmentation of a node in ``state``."""
        f = self._memo.get(state)
        if f is None:
            f = fragmentation(state, self.mix)
            self._memo[state] = f
        return f

    def growth(self, state: NodeState, cpu_milli: int, gpu_milli: int, take: Sequence[int]) -> float:
        """How much placing a pod (``cpu_milli``; ``gpu_milli`` on each GPU at positions ``take`` of the
        sorted free list) makes the node's expected fragmentation grow."""
        model, cpu, gpus = state
        after = list(gpus)
        for i in take:
            after[i] -= gpu_milli
        return self.of((model, cpu - cpu_milli, tuple(sorted(after)))) - self.of(state)
