"""Topology-aware placement of one gang on idle devices.

Rules, in order: a job that fits on one node runs on one node, on the node that it fills best (best fit
keeps whole nodes whole for the large jobs in the queue); a multi-node job takes whole nodes, from a single
NVLink domain when one has room, else from a single rack, else from the fewest racks; ties go to the
lowest node in topology order, which packs racks one after another instead of scattering work.

When nodes belong to several sites (clusters), a gang stays inside one site, and lower-tier sites come
first: a one-node job takes the lowest tier with room (best fit within it), a gang the lowest-tier site
that holds it. With one site (a simulation, a single cluster) the rules above are all there is.
"""

from __future__ import annotations

from collections.abc import Collection

from suanli.scheduling.inventory import FreeDevices
from suanli.scheduling.model import Demand, Placement

_NO_NODES: frozenset[int] = frozenset()


def gang_shape(demand: Demand, node_size: int) -> tuple[int, int]:
    """(nodes, devices per node) of a demand on nodes of ``node_size`` devices; (0, 0) if impossible."""
    if demand.nodes is not None:
        per = demand.count // demand.nodes
        return (demand.nodes, per) if per <= node_size else (0, 0)
    if demand.count <= node_size:
        return 1, demand.count
    if node_size == 0:
        return 0, 0
    return -(-demand.count // node_size), node_size


def place(free: FreeDevices, kind: str, demand: Demand,
          exclude: Collection[int] = _NO_NODES) -> Placement | None:
    """Devices for ``demand`` on idle nodes of ``kind`` avoiding nodes in ``exclude``, or None."""
    size = free.node_size.get(kind, 0)
    nodes, per = gang_shape(demand, size)
    if nodes == 0 or free.total[kind] < demand.count:
        return None
    if nodes == 1:
        return _one_node(free, kind, per, exclude)
    return _many_nodes(free, kind, demand, nodes, per, exclude)


def _one_node(free: FreeDevices, kind: str, count: int, exclude: Collection[int]) -> Placement | None:
    # Nodes are in tier order, so a bucket's lowest index is its lowest tier: the best fit of the lowest
    # tier wins, and a tier-0 candidate cannot be beaten (the only case with one site).
    buckets, nodes = free.buckets[kind], free.nodes
    best: int | None = None
    for c in range(count, len(buckets)):
        bucket = buckets[c]
        if not bucket:
            continue
        if exclude:
            cands = [i for i in bucket if i not in exclude]
            if not cands:
                continue
            i = min(cands)
        else:
            i = min(bucket)
        if best is None or nodes[i].tier < nodes[best].tier:
            best = i
            if nodes[i].tier == 0:
                break
    return None if best is None else Placement(kind, (free.pick(best, count),))


def _many_nodes(free: FreeDevices, kind: str, demand: Demand, nodes: int, per: int,
                exclude: Collection[int]) -> Placement | None:
    size = free.node_size[kind]
    if per == size:
        pool = free.whole[kind]
        if len(pool) < nodes:
            return None
        # Nodes of a kind may differ in size: a whole small node is not a whole node's worth.
        cands = sorted(i for i in pool if i not in exclude and free.nodes[i].devices >= per)
    else:
        cands = sorted(i for c in range(per, len(free.buckets[kind]))
                       for i in free.buckets[kind][c] if i not in exclude)
    if len(cands) < nodes:
        return None
    chosen = _fewest_domains(free, cands, nodes)
    if not chosen:
        return None  # no one site holds the gang
    out: list[tuple[str, tuple[int, ...]]] = []
    left = demand.count
    for i in chosen:
        take = min(per, left)
        out.append(free.pick(i, take))
        left -= take
    return Placement(kind, tuple(out))


def _fewest_domains(free: FreeDevices, cands: list[int], nodes: int) -> list[int]:
    by_site: dict[str, list[int]] = {}
    for i in cands:
        by_site.setdefault(free.nodes[i].site, []).append(i)
    if len(by_site) == 1:
        return _within_site(free, cands, nodes)
    # Candidates are in tier order, so each site's first is its tier: the lowest-tier site that holds it.
    for site in sorted(by_site.values(), key=lambda g: (free.nodes[g[0]].tier, g[0])):
        if len(site) >= nodes:
            return _within_site(free, site, nodes)
    return []


def _within_site(free: FreeDevices, cands: list[int], nodes: int) -> list[int]:
    by_domain: dict[str, list[int]] = {}
    by_rack: dict[str, list[int]] = {}
    for i in cands:
        n = free.nodes[i]
        by_domain.setdefault(n.domain, []).append(i)
        by_rack.setdefault(n.rack, []).append(i)
    # Best fit among single domains, then single racks: the smallest group that holds the whole gang
    # leaves the bigger groups intact for bigger gangs.
    for groups in (by_domain, by_rack):
        fitting = [g for g in groups.values() if len(g) >= nodes]
        if fitting:
            best = min(fitting, key=lambda g: (len(g), g[0]))
            return best[:nodes]
    chosen: list[int] = []
    for g in sorted(by_rack.values(), key=lambda g: (-len(g), g[0])):
        chosen.extend(g[: nodes - len(chosen)])
        if len(chosen) == nodes:
            break
    return chosen
