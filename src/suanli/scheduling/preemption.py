"""Choosing victims: which running jobs to stop so that one gang fits.

The caller decides *who may be* a victim (the policy's rank, quota reclaim, minimum run time) and hands the
candidates over least valuable first; this module takes them in that order and stops as soon as enough
nodes have room, so a one-device job costs one victim and a pass over 10,000 waiting jobs stays fast.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from operator import itemgetter

from suanli.scheduling.inventory import FreeDevices
from suanli.scheduling.model import Demand, RunningJob
from suanli.scheduling.placement import gang_shape


def choose_victims(free: FreeDevices, kind: str, demand: Demand, candidates: Iterable[RunningJob],
                   exclude: Collection[int] = ()) -> list[RunningJob] | None:
    """The shortest prefix-driven set of ``candidates`` that, with idle devices, fits ``demand``; or None."""
    nodes, per = gang_shape(demand, free.node_size.get(kind, 0))
    if nodes == 0:
        return None
    # Nodes that are already idle enough count towards a multi-node gang without any victim; a gang never
    # spans two sites, so the nodes are counted per site.
    ready: dict[str, set[int]] = {}
    if nodes > 1:
        for c in range(per, len(free.buckets[kind])):
            for i in free.buckets[kind][c]:
                if i not in exclude and free.nodes[i].devices >= per:
                    ready.setdefault(free.nodes[i].site, set()).add(i)
        if any(len(r) >= nodes for r in ready.values()):
            return None  # it fits without preempting anyone: the caller should have placed it
    have: dict[int, int] = {}
    on_node: dict[int, list[RunningJob]] = {}
    for cand in candidates:
        if cand.placement.kind != kind:
            continue
        for name, devs in cand.placement.devices:
            i = free.index[name]
            if i in exclude or free.nodes[i].devices < per:
                continue
            on_node.setdefault(i, []).append(cand)
            h = have.get(i)
            if h is None:
                h = len(free.free[i])
            have[i] = h + len(devs)
            site = ready.setdefault(free.nodes[i].site, set())
            if have[i] >= per and i not in site:
                site.add(i)
                if len(site) >= nodes:
                    return _victims_on(free, sorted(site), per, on_node)
    return None


def _victims_on(free: FreeDevices, chosen: list[int], per: int,
                on_node: dict[int, list[RunningJob]]) -> list[RunningJob]:
    """Victims on the chosen nodes, least valuable first, until each node has ``per`` idle devices."""
    out: list[RunningJob] = []
    taken: set[str] = set()
    for i in chosen:
        name = free.nodes[i].name
        have = len(free.free[i]) + sum(len(d) for c in on_node.get(i, []) if c.job.id in taken
                                       for n, d in c.placement.devices if n == name)
        for c in on_node.get(i, []):
            if have >= per:
                break
            if c.job.id in taken:
                continue
            taken.add(c.job.id)
            out.append(c)
            have += sum(len(d) for n, d in c.placement.devices if n == name)
    return out


def fewest_victims(free: FreeDevices, kind: str, demand: Demand, candidates: Iterable[RunningJob],
                   exclude: Collection[int] = ()) -> list[RunningJob] | None:
    """For a one-node gang: the victims that free the node it needs at the least cost in devices stopped.

    Stopping an 8-device job to start a 1-device one leaves seven devices idle and a large job waiting
    for a whole node again; the best fit among the allowed victims avoids that. Ties go to the victims
    the caller ranked least valuable (``candidates`` come least valuable first).
    """
    nodes, per = gang_shape(demand, free.node_size.get(kind, 0))
    if nodes != 1:
        return choose_victims(free, kind, demand, candidates, exclude)
    on_node: dict[int, list[tuple[int, int, RunningJob]]] = {}
    index, nodes_, idle = free.index, free.nodes, free.free
    for order, cand in enumerate(candidates):
        if cand.placement.kind != kind:
            continue
        for name, devs in cand.placement.devices:
            i = index[name]
            if i not in exclude and nodes_[i].devices >= per:
                on_node.setdefault(i, []).append((len(devs), order, cand))
    best: tuple[int, int, list[RunningJob]] | None = None
    for i, cands in on_node.items():
        need = per - len(idle[i])
        # One victim that frees enough here with the fewest devices, else the largest ones first.
        single = [(c.placement.count, order, c) for here, order, c in cands if here >= need]
        if single:
            cost, first, victim = min(single, key=_cost_then_order)
            chosen = [victim]
        else:
            chosen, got, cost, orders = [], 0, 0, []
            for here, order, c in sorted(cands, key=lambda e: (-e[0], e[1])):
                chosen.append(c)
                got += here
                cost += c.placement.count
                orders.append(order)
                if got >= need:
                    break
            if got < need:
                continue
            first = min(orders)
        if best is None or (cost, first) < best[:2]:
            best = (cost, first, chosen)
    return best[2] if best is not None else None


_cost_then_order = itemgetter(0, 1)
