"""The budget's ``drain`` setting: once a hard-stop budget is spent, the tenant's work is stopped.

The budget controller calls :func:`enforce` after each evaluation. With ``running: drain`` and the limit
reached:

- every running job is stopped gracefully: it gets SIGTERM and its checkpoint grace (``stop_grace_s``)
  before SIGKILL, and ends ``cancelled``; a waiting job is cancelled at once (it would start and spend);
- every active deployment is suspended: its replicas drain (no new request, the ones in flight finish) and
  none is started until the budget allows work again; scaling a suspended deployment is refused (409).

Each job and deployment gets the budget's reason (a job event, the deployment's ``autoscaling.suspended``)
and one audit event (``budget.drain``). When the budget allows new work again (the limit raised, a new
month), deployments the budget suspended are resumed; cancelled jobs stay cancelled.
Everything is idempotent: work already stopping for the budget is left as it is.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from suanli.governance.budgets import RunningWork, StopDecision
from suanli.state.serving import Deployment
from suanli.state.training import ACTIVE_STATES, WAITING_STATES, TrainingJob
from suanli.tenancy import audit
from suanli.training.jobs import record

BUDGET_STOP = "budget"
"""A job's ``stop_reason`` while the budget drains it."""
SUSPENDED = "suspended"


def enforce(session: Session, tenant_id: str, decision: StopDecision, now: datetime) -> list[str]:
    """Drain the tenant's work when ``decision`` refuses new work under ``drain``; resume it when it allows.

    Answers the ids of the jobs and deployments stopped (or resumed) by this call.
    """
    if decision.refuse_new and decision.running is RunningWork.DRAIN:
        return [*_stop_jobs(session, tenant_id, decision.reason, now),
                *_suspend_deployments(session, tenant_id, decision.reason, now)]
    if not decision.refuse_new:
        return _resume_deployments(session, tenant_id, now)
    return []


def _stop_jobs(session: Session, tenant_id: str, reason: str, now: datetime) -> list[str]:
    query = select(TrainingJob).where(TrainingJob.tenant_id == tenant_id,
                                      TrainingJob.state.in_((*ACTIVE_STATES, *WAITING_STATES)))
    stopped = []
    for job in session.scalars(query.order_by(TrainingJob.id)):
        if job.state in WAITING_STATES:
            job.finished_at, job.pending_reason = now, None
            job.estimated_start_at = job.queue_position = None
            record(session, job, "cancelled", f"cancelled by the budget (drain): {reason}", now)
        elif job.stop_reason is None:
            job.stop_reason, job.stop_requested_at = BUDGET_STOP, None  # the controller signals, then waits grace
            job.generation += 1
            record(session, job, job.state,
                   f"stopping (budget drain, grace {job.stop_grace_s:g}s to checkpoint): {reason}", now)
        else:
            continue  # already stopping (a cancel, a preemption, an earlier drain)
        _audit(session, tenant_id, f"jobs/{job.id}", reason)
        stopped.append(job.id)
    return stopped


def _suspend_deployments(session: Session, tenant_id: str, reason: str, now: datetime) -> list[str]:
    query = select(Deployment).where(Deployment.tenant_id == tenant_id, Deployment.status == "active")
    suspended = []
    for dep in session.scalars(query.order_by(Deployment.id)):
        dep.status, dep.autoscaling = SUSPENDED, {"suspended": f"scaled to zero by the budget (drain): {reason}"}
        dep.generation += 1
        dep.updated_at = now
        _audit(session, tenant_id, f"deployments/{dep.name}", reason)
        suspended.append(dep.id)
    return suspended


def _resume_deployments(session: Session, tenant_id: str, now: datetime) -> list[str]:
    query = select(Deployment).where(Deployment.tenant_id == tenant_id, Deployment.status == SUSPENDED)
    resumed = []
    for dep in session.scalars(query.order_by(Deployment.id)):
        dep.status, dep.autoscaling = "active", {}
        dep.generation += 1
        dep.updated_at = now
        audit.record(session, principal=None, action="budget.resume", target=f"deployments/{dep.name}",
                     status_code=200, request_id="", target_tenant=tenant_id,
                     details={"reason": "the budget allows new work again"})
        resumed.append(dep.id)
    return resumed


def _audit(session: Session, tenant_id: str, target: str, reason: str) -> None:
    audit.record(session, principal=None, action="budget.drain", target=target, status_code=200, request_id="",
                 target_tenant=tenant_id, details={"reason": reason})
