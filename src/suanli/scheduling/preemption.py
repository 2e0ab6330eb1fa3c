"""Choosing victims: the fewest devices to displace so that one gang fits.

The caller decides *who may be* a victim (the policy's rank, quota reclaim, minimum run time); this module
only decides *which* of them to stop. Candidates come ordered by preference (least valuable first), and a
node is chosen so that the fewest devices are freed beyond what is idle already.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from suanli.scheduling.inventory import FreeDevices
from suanli.scheduling.model import Demand, RunningJob
from suanli.scheduling.placement import gang_shape


def choose_victims(free: FreeDevices, kind: str, demand: Demand, candidates: Sequence[RunningJob],
                   exclude: Collection[int] = ()) -> list[RunningJob] | None:
    """Victims among ``candidates`` whose devices, with the idle ones, fit ``demand``; None if impossible."""
    nodes, per = gang_shape(demand, free.node_size.get(kind, 0))
    if nodes == 0:
        return None
    on_node: dict[int, list[RunningJob]] = {}
    held: dict[int, int] = {}
    for c in candidates:
        if c.placement.kind != kind:
            continue
        for name, devs in c.placement.devices:
            i = free.index[name]
            on_node.setdefault(i, []).append(c)
            held[i] = held.get(i, 0) + len(devs)
    # Only nodes that some candidate frees matter: a node already idle enough would have been placed on.
    need: list[tuple[int, int]] = []
    for i, h in held.items():
        if i in exclude:
            continue
        f = len(free.free[i])
        if f + h >= per:
            need.append((max(0, per - f), i))
    if nodes == 1:
        if not need:
            return None
        need.sort()
        _, i = need[0]
        return _free_on(free, i, per, on_node[i], set())
    idle_whole = [i for i in free.whole[kind] if i not in exclude and free.nodes[i].devices >= per]
    pool = sorted(need + [(0, i) for i in idle_whole if i not in held])
    if len(pool) < nodes:
        return None
    chosen: list[RunningJob] = []
    taken: set[str] = set()
    for _, i in pool[:nodes]:
        more = _free_on(free, i, per, on_node.get(i, []), taken)
        if more is None:
            return None
        chosen.extend(more)
    return chosen


def _free_on(free: FreeDevices, i: int, per: int, cands: list[RunningJob],
             taken: set[str]) -> list[RunningJob] | None:
    name = free.nodes[i].name
    have = len(free.free[i])
    for c in cands:
        if c.job.id in taken:
            have += sum(len(d) for n, d in c.placement.devices if n == name)
    out: list[RunningJob] = []
    for c in cands:
        if have >= per:
            break
        if c.job.id in taken:
            continue
        taken.add(c.job.id)
        out.append(c)
        have += sum(len(d) for n, d in c.placement.devices if n == name)
    return out if have >= per else None
