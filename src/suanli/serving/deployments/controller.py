"""The deployment controller: replicas started, health-checked, restarted, scaled, drained, rolled out.

Each pass over an active deployment:

1. observes its live replicas (process alive? ``/health`` answers?): a starting replica that answers
   becomes ready; a crashed or repeatedly unhealthy one is restarted in place (``restarts`` + 1);
2. asks the autoscaling core for the desired count of each region (from the gateway's load samples);
3. rolls out: replicas of an older model version are kept only while too few of the new version are
   ready, so capacity never drops during a rollout (surge first, then drain);
4. scales out by starting replicas and scales in by draining: a draining replica gets no new requests
   (the gateway skips it) and is stopped once it reports no request in flight.

Processes started by a pass whose transaction then failed are found by tag and stopped next pass.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from suanli.core.ids import new_id
from suanli.governance.service import enforcement
from suanli.serving.deployments import scaling
from suanli.serving.deployments.probes import Health, probe_all
from suanli.serving.deployments.processes import LocalProcesses, free_port
from suanli.serving.engines import launch_for
from suanli.state.models import Claimable
from suanli.state.serving import Deployment, ModelVersion, Replica

log = logging.getLogger("suanli.serving")

STARTUP_TIMEOUT = timedelta(seconds=180)
UNHEALTHY_AFTER = 3
"""Consecutive failed probes before a ready replica is restarted."""
DRAIN_SETTLE = timedelta(seconds=2)
"""A draining replica is stopped no sooner: every gateway has reloaded its table and stopped sending."""
DRAIN_TIMEOUT = timedelta(seconds=120)

Prober = Callable[[Sequence[str]], list[Health]]


class DeploymentController:
    """Converges every deployment that is not deleted (it has work on every pass: health and load)."""

    name: ClassVar[str] = "deployments"
    model: ClassVar[type[Claimable]] = Deployment

    def __init__(self, home: Path, processes: LocalProcesses | None = None, prober: Prober = probe_all) -> None:
        self.objects_dir = home / "objects"
        self.processes = processes or LocalProcesses(home / "logs" / "replicas")
        self.prober = prober

    def needs_work(self) -> ColumnElement[bool]:
        return Deployment.status != "deleted"

    def reconcile(self, session: Session, row: Deployment, now: datetime, worker: str) -> None:
        live = list(
            session.scalars(
                select(Replica).where(
                    Replica.deployment_id == row.id, Replica.state.in_(("starting", "ready", "draining"))
                )
            ).all()
        )
        self._stop_orphans(row, live)
        self._observe(session, row, live, now)
        live = [r for r in live if r.state in ("starting", "ready", "draining")]
        if row.status in ("deleting", "suspended"):  # suspended: scaled to zero by the budget (drain)
            for r in live:
                self._drain(r, now)
            if not live and row.status == "deleting":
                row.status = "deleted"
                row.name = row.id  # the name is free for a new deployment
            return
        self._scale(session, row, live, now)
        scaling.prune(session, row, now)

    # observe -----------------------------------------------------------------------------------

    def _stop_orphans(self, row: Deployment, live: Sequence[Replica]) -> None:
        known = {r.id: r.pid for r in live}
        for replica_id, pid in self.processes.children_of(row.id).items():
            if known.get(replica_id) != pid:
                log.warning("stopping orphan replica process %s (%s) of %s", pid, replica_id, row.id)
                self.processes.stop(pid, grace_s=2.0)

    def _observe(self, session: Session, row: Deployment, live: list[Replica], now: datetime) -> None:
        probed = [r for r in live if r.pid is not None]
        health = dict(zip([r.id for r in probed], self.prober([r.url for r in probed]), strict=True))
        for r in live:
            if r.pid is None:  # an external endpoint: the gateway's retries cover its failures
                if r.state == "starting":
                    r.state, r.ready_at = "ready", now
                elif r.state == "draining" and r.drain_since is not None and now - r.drain_since >= DRAIN_SETTLE:
                    self._stop(r, now, "drained")  # no process: done once every gateway stopped sending
                continue
            code = self.processes.exit_code(r.pid)
            h = health[r.id]
            if r.state == "draining":
                settled = r.drain_since is not None and now - r.drain_since >= DRAIN_SETTLE
                idle = code is not None or (h.ok and h.in_flight == 0) or not h.ok
                overdue = r.drain_since is not None and now - r.drain_since >= DRAIN_TIMEOUT
                if (settled and idle) or overdue:
                    self._stop(r, now, "drained")
                continue
            if code is not None:
                self._restart(session, row, r, now, f"process exited with status {code}")
            elif h.ok:
                r.failures = 0
                if r.state == "starting":
                    r.state, r.ready_at, r.message = "ready", now, ""
            elif r.state == "starting":
                if now - r.started_at > STARTUP_TIMEOUT:
                    self._restart(session, row, r, now, f"not healthy {STARTUP_TIMEOUT.seconds}s after start")
            else:
                r.failures += 1
                if r.failures >= UNHEALTHY_AFTER:
                    self._restart(session, row, r, now, f"{r.failures} failed health checks")

    # act ---------------------------------------------------------------------------------------

    def _launch(self, session: Session, row: Deployment, r: Replica) -> None:
        model_dir = None
        if r.model_version_id is not None:
            version = session.get(ModelVersion, r.model_version_id)
            model_dir = self.objects_dir / version.object_prefix if version is not None else None
        launch = launch_for(row.engine, row.engine_options, model_dir=model_dir, port=free_port(), served_name=row.name)
        r.url = launch.url
        r.pid = self.processes.start(row.id, r.id, launch.argv, launch.env) if launch.argv else None
        if r.pid is None:  # an endpoint that is already running: nothing to wait for
            r.state, r.ready_at = "ready", r.started_at

    def _start(self, session: Session, row: Deployment, region: str, now: datetime) -> Replica:
        r = Replica(
            id=new_id("rep"),
            deployment_id=row.id,
            tenant_id=row.tenant_id,
            region=region,
            model_version_id=row.model_version_id,
            state="starting",
            started_at=now,
            restarts=0,
            failures=0,
        )
        self._launch(session, row, r)
        session.add(r)
        return r

    def _restart(self, session: Session, row: Deployment, r: Replica, now: datetime, why: str) -> None:
        log.warning("restarting replica %s of %s: %s", r.id, row.name, why)
        if r.pid is not None:
            self.processes.stop(r.pid, grace_s=2.0)
        r.restarts += 1
        r.failures = 0
        r.message = why[:500]
        r.state, r.started_at, r.ready_at = "starting", now, None
        self._launch(session, row, r)

    def _drain(self, r: Replica, now: datetime) -> None:
        if r.state == "starting":
            self._stop(r, now, "not needed")
        elif r.state == "ready":
            r.state, r.drain_since = "draining", now

    def _stop(self, r: Replica, now: datetime, why: str) -> None:
        if r.pid is not None:
            self.processes.stop(r.pid)
        r.state, r.stopped_at, r.message = "stopped", now, why

    def _scale(self, session: Session, row: Deployment, live: list[Replica], now: datetime) -> None:
        scaler = scaling.autoscaler_for(row)
        quota = scaling.quota_replicas(session, row)
        records: dict[str, Any] = {}
        # A rule that took effect after the deployment was created: no new replica where it now forbids.
        forbidden = enforcement.forbidden_regions(session, row.tenant_id, row.name,
                                                  enforcement.classification_of(session, row.id), row.regions, now)
        for region in row.regions:
            here = [r for r in live if r.region == region and r.state != "draining"]
            current = [r for r in here if r.model_version_id == row.model_version_id]
            old = [r for r in here if r.model_version_id != row.model_version_id]
            ready_current = sum(r.state == "ready" for r in current)
            rec, records[region] = scaling.recommend(
                session, row, region, len(current), ready_current, quota, now, scaler
            )
            desired = rec.replicas
            if region in forbidden:
                desired = min(desired, len(current))
                records[region] = {**records[region], "desired": desired,
                                   "reason": f"no new replicas: placement policy forbids it: {forbidden[region]}"}
            for _ in range(desired - len(current)):
                self._start(session, row, region, now)
            # Newest first out: the oldest replicas have the warmest caches. Starting ones go before ready ones.
            surplus = sorted(current, key=lambda r: (r.state == "ready", -r.started_at.timestamp()))
            for r in surplus[: max(0, len(current) - desired)]:
                self._drain(r, now)
            # Rollout: keep old replicas only to cover what the new version cannot serve yet.
            keep_old = max(0, min(len(old), desired) - ready_current)
            for r in sorted(old, key=lambda r: r.state == "ready")[: len(old) - keep_old]:
                self._drain(r, now)
        for region in set(row.regions) ^ {r.region for r in live}:
            for r in live:
                if r.region == region and region not in row.regions:
                    self._drain(r, now)
        row.autoscaling = records
