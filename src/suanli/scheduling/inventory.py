"""Free devices during one pass: which devices on which node are idle, indexed for fast best fit.

A pass asks "is there a node of kind K with at least c idle devices?" thousands of times, so nodes are kept
in buckets by their number of idle devices; with eight devices a node, a best-fit lookup visits at most
eight buckets instead of every node.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from suanli.core.errors import InvalidInput
from suanli.scheduling.model import Cluster, Node, Placement, RunningJob


class FreeDevices:
    """Idle device indices per node, bucketed by idle count per kind. Mutated as a pass admits jobs."""

    def __init__(self, cluster: Cluster, running: Sequence[RunningJob]) -> None:
        layout = _layout(cluster)
        self.nodes: list[Node] = layout.nodes
        self.index: dict[str, int] = layout.index
        self.node_size: dict[str, int] = layout.node_size
        held: dict[str, list[int]] = {}
        for r in running:
            for name, devs in r.placement.devices:
                h = held.get(name)
                if h is None:
                    held[name] = list(devs)
                else:
                    h.extend(devs)
        self.free: list[list[int]] = []
        self.buckets: dict[str, list[set[int]]] = {k: [set() for _ in range(s + 1)]
                                                    for k, s in self.node_size.items()}
        self.total: dict[str, int] = dict.fromkeys(self.node_size, 0)
        self.whole: dict[str, set[int]] = {k: set() for k in self.node_size}
        buckets, total, whole, free = self.buckets, self.total, self.whole, self.free
        for i, (n, devices) in enumerate(zip(self.nodes, layout.devices, strict=True)):
            h = held.pop(n.name, None)
            if h is None:
                row = list(layout.rows[i])
            else:
                hs = set(h)
                if len(hs) != len(h) or not hs <= devices:
                    raise InvalidInput(f"a device of node {n.name!r} is held twice or does not exist",
                                       details={"jobs": _holders(running, n.name)})
                row = sorted(devices - hs)
            free.append(row)
            c = len(row)
            buckets[n.kind][c].add(i)
            total[n.kind] += c
            if c == n.devices and c > 0:
                whole[n.kind].add(i)
        if held:
            name = min(held)
            raise InvalidInput(f"running job(s) {_holders(running, name)} hold devices on unknown node {name!r}")

    def kinds(self) -> list[str]:
        """The accelerator kinds present, in a stable order."""
        return sorted(self.node_size)

    def _move(self, i: int, before: int) -> None:
        n = self.nodes[i]
        after = len(self.free[i])
        b = self.buckets[n.kind]
        b[before].discard(i)
        b[after].add(i)
        self.total[n.kind] += after - before
        if after == n.devices and after > 0:
            self.whole[n.kind].add(i)
        else:
            self.whole[n.kind].discard(i)

    def take(self, placement: Placement) -> None:
        """Mark the devices of ``placement`` busy."""
        for name, devs in placement.devices:
            i = self.index[name]
            before = len(self.free[i])
            row = self.free[i]
            for d in devs:
                row.remove(d)
            self._move(i, before)

    def give_back(self, placement: Placement) -> None:
        """Mark the devices of ``placement`` idle again (a victim chosen within this pass)."""
        for name, devs in placement.devices:
            i = self.index[name]
            before = len(self.free[i])
            self.free[i].extend(devs)
            self.free[i].sort()
            self._move(i, before)

    def idle(self, placement: Placement) -> bool:
        """Whether every device of ``placement`` exists and is idle (so that ``take`` may mark it busy)."""
        for name, devs in placement.devices:
            i = self.index.get(name)
            if i is None:
                return False
            row = self.free[i]
            if len(set(devs)) != len(devs) or not all(d in row for d in devs):
                return False
        return True

    def copy(self) -> FreeDevices:
        """An independent copy (the cluster layout is shared: it never changes)."""
        out = object.__new__(FreeDevices)
        out.nodes, out.index, out.node_size = self.nodes, self.index, self.node_size
        out.free = [row[:] for row in self.free]
        out.buckets = {k: [set(b) for b in bs] for k, bs in self.buckets.items()}
        out.total = dict(self.total)
        out.whole = {k: set(w) for k, w in self.whole.items()}
        return out

    def pick(self, i: int, count: int) -> tuple[str, tuple[int, ...]]:
        """The lowest ``count`` idle devices of node ``i`` (not yet taken)."""
        return self.nodes[i].name, tuple(self.free[i][:count])


class _Layout:
    """What a pass needs of a cluster that does not change while the cluster does not."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.nodes = sorted(cluster.nodes, key=_tier)  # stable: topology order within a tier
        self.index = {n.name: i for i, n in enumerate(self.nodes)}
        self.rows = [tuple(range(n.devices)) for n in self.nodes]
        self.devices = [frozenset(r) for r in self.rows]
        self.node_size: dict[str, int] = {}
        for n in self.nodes:
            self.node_size[n.kind] = max(self.node_size.get(n.kind, 0), n.devices)


def _tier(node: Node) -> int:
    return node.tier


_last: list[_Layout] = []


def _layout(cluster: Cluster) -> _Layout:
    # A simulator or a controller passes the same (immutable) cluster pass after pass: derive once.
    if _last and _last[0].cluster is cluster:
        return _last[0]
    layout = _Layout(cluster)
    _last[:] = [layout]
    return layout


def _holders(running: Iterable[RunningJob], node: str) -> list[str]:
    return sorted(r.job.id for r in running if node in r.placement.node_names)
