"""The job controller: one scheduling pass per tick, carried out on the engines, engine status read back.

It reconciles the singleton :class:`~suanli.state.training.SchedulerLease` row through the claim protocol,
so on PostgreSQL exactly one server runs a pass at a time (the lease holder); a pass is one transaction.
A pass, in order:

1. inventory: the local box's nodes are refreshed and heartbeat; nodes silent past their cluster's grace
   are marked unhealthy and their jobs requeued; draining nodes have their jobs preempted;
2. observe: every started job's status is read from its engine (never from memory), so a restarted server
   adopts processes that outlived it and notices the ones that died; a job the engine still queues
   (``starting``) stays starting, with the engine's reason as its pending reason; stop requests are signalled
   (SIGTERM), escalated after their grace (SIGKILL), and finished jobs move on by their restart policy;
3. schedule: the core's :func:`~suanli.scheduling.schedule` over the snapshot; admissions are launched,
   preemptions signalled, pending reasons and estimated starts stored.

Before the pass's transaction, :meth:`JobController.prepare` reads the snapshot and runs step 3's
scheduling in a read-only session (on SQLite it takes no write lock, so API writes do not wait for it);
the pass applies those decisions when the policy, permits and quotas they assumed are unchanged, reading
every job and node they touch again (else it snapshots and schedules inside the transaction, as tests
that call ``reconcile`` directly always do).

Engine calls happen inside the pass's transaction; they are idempotent (a launch that was not committed
is adopted by the next launch of the same start), so a crash anywhere leaves state the next pass repairs.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import ClassVar

from sqlalchemy import ColumnElement, bindparam, func, literal, or_, select, update
from sqlalchemy.orm import Session

from suanli.engines import connect
from suanli.engines.base import Engine, LaunchSpec, RunStatus
from suanli.engines.local import LocalEngine
from suanli.governance.service import enforcement
from suanli.objects import store_from_env
from suanli.objects.store import ObjectStore
from suanli.scheduling import Decisions, Placement, TenantQuota, policy_named, schedule
from suanli.state.db import Database
from suanli.state.governance import PolicyDocument
from suanli.state.models import Claimable
from suanli.state.training import (
    ACTIVE_STATES,
    JOBS_TABLE,
    LOCAL_CLUSTER,
    WAITING_STATES,
    ComputeCluster,
    ComputeNode,
    SchedulerLease,
    TrainingJob,
    named_checkpoint_dir,
)
from suanli.training import clusters, mounts
from suanli.training.jobs import record
from suanli.training.outputs import output_dir
from suanli.training.snapshot import World, at, build, node_names, placement_json, quotas

log = logging.getLogger("suanli.training")

DRAIN_GRACE_S = 30.0
MOUNTS = "mounts"  # staged dataset versions, under the server's home
PRUNE_INTERVAL_S = 600.0  # how often staged versions of deleted dataset versions are removed
INVENTORY_INTERVAL_S = 5.0
"""How often a remote engine's machines are read and heartbeat (``SUANLI_INVENTORY_INTERVAL_S``)."""
MIN_INTERVAL_S = 0.5
DUTY_FACTOR = 5.0
"""Passes closer together than this are skipped (``SUANLI_SCHEDULER_MIN_INTERVAL_S``)."""
_EXPLAIN = (
    update(JOBS_TABLE)
    .where(JOBS_TABLE.c.id == bindparam("b_id"),  # a job cancelled since a prepared snapshot keeps no reason
           or_(*(JOBS_TABLE.c.state == literal(state) for state in sorted(WAITING_STATES))))
    .values(pending_reason=bindparam("reason"), estimated_start_at=bindparam("start"),
            queue_position=bindparam("position"))
)
NODE_LOST_EVENT = "node {node} stopped heartbeating"
PLAN_TTL = timedelta(seconds=5)
"""A prepared plan older than this when its pass runs is dropped (the pass schedules afresh)."""


@dataclass(frozen=True, slots=True)
class Plan:
    """A pass's decisions, computed from a read-only snapshot before the pass's transaction, and what they
    assumed (compared again inside it)."""

    world: World
    decisions: Decisions
    at: datetime
    assumed: tuple[object, ...]


class JobController:
    """Schedules and runs training jobs.

    ``engines`` maps an engine name to an engine this server drives for every cluster of that name (the
    ``local`` box, or an engine given by a test); other clusters are reached through their config
    (:mod:`suanli.engines.connect`), one engine per cluster, rebuilt when the config changes.
    """

    name: ClassVar[str] = "jobs"
    model: ClassVar[type[Claimable]] = SchedulerLease

    def __init__(self, home: Path, engines: dict[str, Engine] | None = None, policy: str | None = None,
                 min_interval_s: float | None = None) -> None:
        self.home = home
        if min_interval_s is None:
            min_interval_s = float(os.environ.get("SUANLI_SCHEDULER_MIN_INTERVAL_S") or MIN_INTERVAL_S)
        self.min_interval_s = min_interval_s
        self._last_duration_s = 0.0
        self.inventory_interval_s = float(os.environ.get("SUANLI_INVENTORY_INTERVAL_S") or INVENTORY_INTERVAL_S)
        self.local = LocalEngine(home, accelerators=os.environ.get("SUANLI_LOCAL_ACCELERATORS") or None)
        self.engines: dict[str, Engine] = engines if engines is not None else {"local": self.local}
        self.policy = policy_named(policy or os.environ.get("SUANLI_SCHEDULING_POLICY") or "suanli")
        self._store: ObjectStore | None = None
        self._pruned_at = float("-inf")
        self._remote: dict[str, tuple[str, Engine]] = {}  # cluster id -> (its config, its engine)
        self._inventory_at: dict[str, float] = {}  # cluster id -> monotonic time of the last inventory
        self._driven: frozenset[str] | None = None  # engines and local nodes of the last pass (for prepare)
        self._own_local: tuple[str, ...] = ()
        self._plan: Plan | None = None

    @property
    def store(self) -> ObjectStore:
        """Where mounted dataset versions are read from (made on first use: most jobs mount none)."""
        if self._store is None:
            self._store = store_from_env(self.home)
        return self._store

    def needs_work(self) -> ColumnElement[bool]:
        return SchedulerLease.id == "scheduler"  # a pass on every tick

    def _due(self, row: SchedulerLease, now: datetime) -> bool:
        # A pass holds SQLite's write lock: keep passes at most a fifth of the time (Slurm's sched_min_interval).
        gap = max(self.min_interval_s, DUTY_FACTOR * self._last_duration_s) if self.min_interval_s > 0 else 0.0
        return row.last_pass_at is None or (now - row.last_pass_at).total_seconds() >= gap

    def prepare(self, db: Database, now: datetime) -> None:
        """Before the pass's transaction: snapshot the queue and schedule it in a read-only session.

        Reading thousands of waiting jobs and scheduling them is most of a pass; done here, on SQLite it no
        longer holds the one write lock that every API request waits for. The pass then applies these
        decisions when what they assumed still holds (see :meth:`_planned`), else it schedules again.
        """
        self._plan = None
        if self._driven is None:  # the first pass learns which engines and local nodes this server drives
            return
        with db.read_session() as s:
            lease = s.get(SchedulerLease, "scheduler")
            if lease is None or not self._due(lease, now):
                return
            world = build(s, self._driven, now, self._own_local)
            decisions = schedule(world.snapshot, self.policy, now.timestamp())
            self._plan = Plan(world, decisions, now, _assumed(s, world.permits, world.snapshot.quotas))

    def reconcile(self, session: Session, row: SchedulerLease, now: datetime, worker: str) -> None:
        if not self._due(row, now):
            return
        started = time.monotonic()
        row.last_pass_at = now
        try:
            self._pass(session, now)
        finally:
            self._last_duration_s = time.monotonic() - started

    def _pass(self, session: Session, now: datetime) -> None:
        own_local: list[str] = []
        if "local" in self.engines:
            reports = self.engines["local"].inventory()
            clusters.sync_engine_nodes(session, LOCAL_CLUSTER, "local", reports, now, host=self.local.node_name)
            own_local = [r.name for r in reports]
        driven = set(self.engines) | self._sync_remote(session, now)
        if time.monotonic() - self._pruned_at > PRUNE_INTERVAL_S:
            self._pruned_at = time.monotonic()
            mounts.prune(session, self.home / MOUNTS)
        self.check_nodes(session, now)
        self.observe(session, now)
        session.flush()
        self._driven, self._own_local = frozenset(driven), tuple(own_local)
        planned = self._planned(session, now)
        if planned is None:
            world = build(session, driven, now, own_local)
            planned = world, schedule(world.snapshot, self.policy, now.timestamp())
        self.apply(session, *planned, now)

    def _planned(self, session: Session, now: datetime) -> tuple[World, Decisions] | None:
        """The prepared decisions, if still fresh and what they assumed still holds; None: schedule again."""
        plan, self._plan = self._plan, None
        if plan is None or not timedelta(0) <= now - plan.at <= PLAN_TTL:
            return None
        clusters = {c.id: c.name for c in plan.world.clusters.values()}
        if _assumed(session, enforcement.job_permits(session, clusters, now), quotas(session)) != plan.assumed:
            return None
        return plan.world, plan.decisions

    def _sync_remote(self, session: Session, now: datetime) -> set[str]:
        """Read the machines of remote clusters (every few seconds); the engine names this server drives."""
        driven: set[str] = set()
        for cluster in session.scalars(select(ComputeCluster).where(ComputeCluster.engine.not_in(self.engines))):
            engine = self._cluster_engine(cluster)
            if engine is None:
                continue
            driven.add(cluster.engine)
            if time.monotonic() - self._inventory_at.get(cluster.id, float("-inf")) < self.inventory_interval_s:
                continue
            try:
                reports = engine.inventory()
            except Exception as exc:  # an unreachable engine stops heartbeating its nodes: check_nodes acts
                log.warning("cannot read the machines of cluster %s: %s", cluster.name, exc)
                continue
            self._inventory_at[cluster.id] = time.monotonic()
            clusters.sync_engine_nodes(session, cluster.name, cluster.engine, reports, now)
        return driven

    # 1. nodes --------------------------------------------------------------------------------------

    def check_nodes(self, session: Session, now: datetime) -> None:
        grace = {c.id: c.heartbeat_grace_s for c in session.scalars(select(ComputeCluster))}
        lost: dict[str, ComputeNode] = {}
        draining: set[str] = set()
        for n in session.scalars(select(ComputeNode)):
            silent = n.last_heartbeat_at is None or now - n.last_heartbeat_at > timedelta(seconds=grace[n.cluster_id])
            if n.healthy and silent:
                n.healthy = False
                log.warning("node %s stopped heartbeating; requeueing its jobs", n.name)
            if not n.healthy:
                lost[n.id] = n
            elif n.schedulable == "draining":
                draining.add(n.id)
        if not lost and not draining:
            return
        for job in session.scalars(select(TrainingJob).where(TrainingJob.state.in_(ACTIVE_STATES))):
            on = [node_id for node_id, _ in (job.placement or {}).get("devices", [])]
            gone = [lost[i] for i in on if i in lost]
            if gone:
                self._signal(session, job, force=True)  # if its processes still exist, they must not run twice
                self._requeue(session, job, now, "preempted", NODE_LOST_EVENT.format(node=gone[0].name), preempted=True)
            elif any(i in draining for i in on) and job.stop_reason is None:
                self._stop(session, job, now, "preempt", DRAIN_GRACE_S, "node is draining: checkpoint and requeue")

    # 2. engine status ------------------------------------------------------------------------------

    def observe(self, session: Session, now: datetime) -> None:
        for job in session.scalars(select(TrainingJob).where(TrainingJob.state.in_(ACTIVE_STATES))):
            engine = self._engine(session, job)
            if engine is None or job.engine_handle is None:
                continue
            status = engine.status(job.id, job.engine_handle)
            if status.state in ("starting", "running"):
                self._while_running(session, job, engine, status, now)
            else:
                self._finished(session, job, status, now)

    def _while_running(self, session: Session, job: TrainingJob, engine: Engine, status: RunStatus,
                       now: datetime) -> None:
        if status.state == "starting":
            # Queued inside the engine (Slurm's or Ray's PENDING): the job stays starting, and its pending
            # reason is the engine's, written (with an event) only when it changes.
            reason = status.message or f"waiting in the {engine.name} engine"
            if job.state != "starting" or job.pending_reason != reason:
                job.pending_reason = reason
                record(session, job, "starting", reason, now)
        elif job.state != "running":
            if job.pending_reason is not None:  # it waited inside the engine: its run (and max runtime) starts now
                job.started_at, job.pending_reason = now, None
            record(session, job, "running", "the engine reports the job running", now)
        started = job.started_at or now
        limit = job.max_runtime_s
        if (job.stop_reason is None and limit is not None and status.state == "running"
                and (now - started).total_seconds() > limit):
            self._stop(session, job, now, "timeout", job.stop_grace_s, f"max runtime {job.max_runtime_s:g}s exceeded")
            return
        if job.stop_reason is not None and job.stop_requested_at is None:
            assert job.engine_handle is not None
            engine.cancel(job.id, job.engine_handle)
            job.stop_requested_at = now
        elif job.stop_requested_at is not None and now - job.stop_requested_at > timedelta(seconds=job.stop_grace_s):
            assert job.engine_handle is not None
            engine.cancel(job.id, job.engine_handle, force=True)

    def _finished(self, session: Session, job: TrainingJob, status: RunStatus, now: datetime) -> None:
        if job.started_at is not None and job.placement is not None:
            devices = sum(len(d) for _, d in job.placement["devices"])
            job.attained_service += max(0.0, (now - job.started_at).total_seconds()) * devices
        job.exit_code = status.exit_code
        reason = job.stop_reason
        if reason == "cancel":
            self._end(session, job, now, "cancelled", "stopped on request")
        elif reason == "budget":
            self._end(session, job, now, "cancelled", "stopped by the budget's hard stop (drain)")
        elif reason == "preempt":
            self._requeue(session, job, now, "preempted", "preempted: stopped after checkpointing", preempted=True)
        elif reason == "timeout":
            self._end(session, job, now, "failed", f"max runtime {job.max_runtime_s:g}s exceeded")
        elif status.state == "succeeded":
            self._end(session, job, now, "succeeded", "exited with code 0")
        elif job.restart_count < job.max_restarts:
            job.restart_count += 1
            self._requeue(session, job, now, "pending",
                          f"{status.message}; restarting ({job.restart_count}/{job.max_restarts})", preempted=False)
        else:
            self._end(session, job, now, "failed", status.message or "failed")

    # 3. decisions ----------------------------------------------------------------------------------

    def apply(self, session: Session, world: World, decisions: Decisions, now: datetime) -> None:
        """Carry out a pass's decisions. The world may be a snapshot taken before this transaction (a
        prepared plan), so each row is read again here and a decision whose job was cancelled, whose victim
        already stopped or whose nodes were cordoned, lost or shrunk since is skipped (the next pass decides
        again)."""
        for a in decisions.admitted:
            job = session.get(TrainingJob, a.job_id)
            if job is None or job.state not in WAITING_STATES or not self._still_usable(session, a.placement):
                continue
            job.cluster_id = world.nodes[a.placement.node_names[0]].cluster_id  # a gang stays in one (site)
            job.placement = placement_json(a.placement)
            job.admitted_at, job.pending_reason, job.estimated_start_at, job.queue_position = now, None, None, None
            names = node_names(a.placement, world.nodes)
            record(session, job, "admitted", f"admitted on {', '.join(n for n, _ in names)}"
                   + (" (borrowed quota)" if a.borrowed else ""), now)
            cluster = session.get(ComputeCluster, job.cluster_id)
            assert cluster is not None
            self._launch(session, job, cluster, names, now)
        for p in decisions.preempted:
            victim = session.get(TrainingJob, p.job_id)
            if victim is not None and victim.state in ACTIVE_STATES and victim.stop_reason is None:
                self._stop(session, victim, now, "preempt", p.grace_s, p.reason)
        for job_id, reason in world.permits.blocked.items():
            if reason != world.waiting[job_id].reason:
                enforcement.record_blocked(session, job_id, world.tenants[job_id], reason, now)
        changed = []
        kinds = {j.id: j.demand.kind for j in world.snapshot.pending} if world.held_back else {}
        for position, w in enumerate(decisions.pending):  # in the policy's order
            stored = world.waiting[w.job_id]
            start = at(w.estimated_start)
            reason = _with_held_back(w.reason, kinds.get(w.job_id), world.held_back) if kinds else w.reason
            if (stored.reason, stored.estimated_start, stored.position) != (reason, start, position):
                changed.append({"b_id": w.job_id, "reason": reason, "start": start, "position": position})
        if changed:  # one executemany, only for what changed: a pass over a long queue writes little
            session.execute(_EXPLAIN, changed)

    @staticmethod
    def _still_usable(session: Session, placement: Placement) -> bool:
        for node_id, devices in placement.devices:
            node = session.get(ComputeNode, node_id)
            if (node is None or not node.healthy or node.schedulable != "ready"
                    or max(devices, default=-1) >= node.accelerator_count):
                return False
        return True

    def _launch(self, session: Session, job: TrainingJob, cluster: ComputeCluster,
                devices: tuple[tuple[str, tuple[int, ...]], ...], now: datetime) -> None:
        engine = self._cluster_engine(cluster)
        assert job.placement is not None and engine is not None  # only driven clusters are in the snapshot
        env = {str(k): str(v) for k, v in job.env.items()}
        try:
            env |= mounts.stage(session, self.store, self.home / MOUNTS, job.datasets or [])
            if job.output_model:
                env["SUANLI_OUTPUT_DIR"] = str(output_dir(self.home, job.tenant_id, job.id))
            spec = LaunchSpec(
                job_id=job.id, tenant=job.tenant_id, command=tuple(job.command), kind=job.placement["kind"],
                devices=devices, env=env, checkpoint_dir=self._checkpoint_dir(job),
                restart_count=job.restart_count + job.preemptions,
            )
            job.engine_handle = engine.submit(spec)
        except Exception as exc:  # a launch that cannot happen is the job's failure, not the controller's
            log.exception("could not start job %s", job.id)
            self._end(session, job, now, "failed", f"could not start: {exc}")
            return
        job.started_at = now
        record(session, job, "starting", f"started by the {engine.name} engine", now)

    def _checkpoint_dir(self, job: TrainingJob) -> str | None:
        if job.checkpoint_dir is None:
            return None
        return str(self.home / named_checkpoint_dir(job.tenant_id, job.checkpoint_dir))

    # helpers ---------------------------------------------------------------------------------------

    def logs(self, session: Session, job: TrainingJob, offset: int, limit: int) -> bytes:
        """The job's output, read by the engine of the cluster it runs on (this box's when it has none)."""
        engine = self._engine(session, job) or self.local
        return engine.logs(job.id, offset, limit)

    def _engine(self, session: Session, job: TrainingJob) -> Engine | None:
        cluster = session.get(ComputeCluster, job.cluster_id) if job.cluster_id else None
        return self._cluster_engine(cluster) if cluster else None

    def _cluster_engine(self, cluster: ComputeCluster) -> Engine | None:
        if cluster.engine in self.engines:
            return self.engines[cluster.engine]
        config = json.dumps(cluster.config or {}, sort_keys=True)
        known = self._remote.get(cluster.id)
        if known is not None and known[0] == config:
            return known[1]
        try:
            engine = connect.connect(cluster.engine, cluster.config or {}, self.home)
        except Exception as exc:  # a misconfigured or unreachable engine must not stop the other clusters
            log.warning("cannot reach the %s engine of cluster %s: %s", cluster.engine, cluster.name, exc)
            return None
        if engine is not None:
            self._remote[cluster.id] = (config, engine)
        return engine

    def _signal(self, session: Session, job: TrainingJob, *, force: bool) -> None:
        engine = self._engine(session, job)
        if engine is not None and job.engine_handle is not None:
            engine.cancel(job.id, job.engine_handle, force=force)

    def _stop(self, session: Session, job: TrainingJob, now: datetime, reason: str, grace_s: float, why: str) -> None:
        job.stop_reason, job.stop_grace_s, job.stop_requested_at = reason, grace_s, now
        self._signal(session, job, force=False)
        record(session, job, job.state, f"stopping ({reason}, grace {grace_s:g}s): {why}", now)

    def _clear(self, job: TrainingJob) -> None:
        job.placement = job.engine_handle = job.cluster_id = None
        job.stop_reason = job.stop_requested_at = job.queue_position = None

    def _requeue(self, session: Session, job: TrainingJob, now: datetime, state: str, why: str, *,
                 preempted: bool) -> None:
        self._clear(job)
        if preempted:
            job.preemptions += 1
        job.queued_at = now
        job.pending_reason = "waiting for the next scheduling pass"
        record(session, job, state, why, now)

    def _end(self, session: Session, job: TrainingJob, now: datetime, state: str, why: str) -> None:
        # The placement and the engine's handle stay on a finished job: where it ran is part of its history.
        job.stop_reason = job.stop_requested_at = job.queue_position = job.pending_reason = None
        job.finished_at = now
        job.message = why
        record(session, job, state, why, now)


def _assumed(session: Session, permits: enforcement.JobPermits,
             tenant_quotas: Mapping[str, TenantQuota]) -> tuple[object, ...]:
    """What a plan's decisions rest on beyond the rows :meth:`JobController.apply` checks one by one: the
    policy version in force, each waiting job's permitted clusters and the quotas."""
    return session.scalar(select(func.max(PolicyDocument.version))), permits, dict(tenant_quotas)


def _with_held_back(reason: str, kind: str | None, held_back: dict[str, int]) -> str:
    """Say so when nodes of the kind the job wants exist but are cordoned, draining or unhealthy."""
    kinds = [kind] if kind else sorted(held_back)
    out = [f"{held_back[k]} {k} node(s) cordoned, draining or unhealthy" for k in kinds if k in held_back]
    return f"{reason} ({'; '.join(out)})" if out else reason
