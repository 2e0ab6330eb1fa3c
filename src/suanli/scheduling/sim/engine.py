"""Trace replay with a virtual clock, through the very ``schedule`` function the controller calls.

Machine model (the one published GPU-cluster simulators use, so numbers compare): nodes of
``gpus_per_node`` identical GPUs, racks of ``nodes_per_rack`` nodes; a job of up to one node's GPUs runs on
one node, a larger one on whole nodes. A preempted job stops at once and loses ``preempt_cost_s`` of work
on resume (its checkpoint is that old). Only the oracle policy sees durations; ``fifo`` sees time limits
equal to the true durations (the best case for EASY backfill); ``tiresias`` and ``suanli`` see neither.
"""

from __future__ import annotations

import dataclasses
import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from suanli.core.errors import InvalidInput
from suanli.scheduling.model import Cluster, Demand, Job, Node, RunningJob, Snapshot
from suanli.scheduling.policies import Fifo, Policy, SjfOracle
from suanli.scheduling.schedule import schedule
from suanli.scheduling.sim.trace import TraceJob

KIND = "gpu"


@dataclass(slots=True)
class JobRecord:
    """What happened to one job in the simulation."""

    trace: TraceJob
    first_start: float | None = None
    finish: float | None = None
    preemptions: int = 0


@dataclass(slots=True)
class SimRun:
    """The outcome of one replay: one record per job, and the number of scheduling passes."""

    records: list[JobRecord]
    gpus: int
    passes: int = 0
    unschedulable: list[str] = field(default_factory=list)


def machine(gpus: int, gpus_per_node: int = 8, nodes_per_rack: int = 8) -> Cluster:
    """The simulated cluster: ``gpus / gpus_per_node`` nodes of one GPU kind."""
    if gpus < 1 or gpus_per_node < 1 or gpus % gpus_per_node:
        raise InvalidInput(f"--gpus ({gpus}) must be a positive multiple of --gpus-per-node ({gpus_per_node})")
    nodes = tuple(Node(f"n{i:05d}", KIND, gpus_per_node, rack=f"r{i // nodes_per_rack:04d}")
                  for i in range(gpus // gpus_per_node))
    return Cluster(nodes, kind_memory_gb={KIND: 0})


def simulate(jobs: Sequence[TraceJob], cluster: Cluster, policy: Policy, preempt_cost_s: float = 60.0) -> SimRun:
    """Replay ``jobs`` (in submission order) on ``cluster`` under ``policy``."""
    gpus = sum(n.devices for n in cluster.nodes)
    records = {j.id: JobRecord(j) for j in jobs}
    run = SimRun(list(records.values()), gpus)
    arrivals = [j for j in jobs if j.num_gpus <= gpus]
    run.unschedulable = [j.id for j in jobs if j.num_gpus > gpus]
    limits = isinstance(policy, Fifo)
    oracle = isinstance(policy, SjfOracle)
    pending: dict[str, Job] = {}
    remaining: dict[str, float] = {}
    running: dict[str, RunningJob] = {}
    ends: list[tuple[float, str, float]] = []  # (end, job id, start) with lazy deletion
    tick = policy.requeue_interval_s
    now = arrivals[0].submit_time if arrivals else 0.0
    k = 0
    while k < len(arrivals) or pending or running:
        while k < len(arrivals) and arrivals[k].submit_time <= now:
            t = arrivals[k]
            pending[t.id] = Job(t.id, t.tenant, Demand(t.num_gpus), t.priority, t.submit_time,
                                time_limit_s=t.duration if limits else None,
                                duration_hint_s=t.duration if oracle else None)
            remaining[t.id] = t.duration
            k += 1
        while ends and ends[0][0] <= now:
            _, jid, start = heapq.heappop(ends)
            r = running.get(jid)
            if r is not None and r.started_at == start:
                del running[jid]
                records[jid].finish = now
        for _ in range(8):  # a pass that preempts frees room for the next pass at the same instant
            if not pending:
                break
            run.passes += 1
            d = schedule(Snapshot(cluster, tuple(running.values()), tuple(pending.values())), policy, now,
                         explain=False)
            for p in d.preempted:
                r = running.pop(p.job_id)
                ran = now - r.started_at
                remaining[p.job_id] = remaining[p.job_id] - ran + preempt_cost_s
                records[p.job_id].preemptions += 1
                pending[p.job_id] = dataclasses.replace(
                    r.job, attained_service=r.attained(now), preemptions=r.job.preemptions + 1, queued_at=now)
            for a in d.admitted:
                job = pending.pop(a.job_id)
                running[a.job_id] = RunningJob(job, a.placement, now)
                rec = records[a.job_id]
                if rec.first_start is None:
                    rec.first_start = now
                heapq.heappush(ends, (now + remaining[a.job_id], a.job_id, now))
            if not d.preempted:
                break
        nxt = math.inf
        if k < len(arrivals):
            nxt = arrivals[k].submit_time
        if ends:
            nxt = min(nxt, ends[0][0])
        if tick is not None and pending and running:
            nxt = min(nxt, now + tick)
        if math.isinf(nxt):
            if pending:
                raise InvalidInput(f"{len(pending)} job(s) can never be placed on this cluster")
            break
        now = nxt
    return run
