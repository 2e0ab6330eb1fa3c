"""The audit event of one API request, read from its ASGI scope.

Every mutating call under ``/api/`` leaves one event, durable before the answer leaves. A create
(:meth:`suanli.api.context.Ctx.create`) writes it in its own transaction, beside the object it creates,
and marks the request as audited; the middleware writes the event of every other call (and of a create
that failed) in a transaction of its own once the status is known. The event of a refused request
carries the error's code and message (a placement that policy forbids: the rule and its version), and
such a refusal is recorded among the tenant's placement decisions in the same transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.types import Scope

from suanli.core.errors import SuanliError
from suanli.governance.service.enforcement import record_refusal
from suanli.tenancy import audit
from suanli.tenancy.principal import Principal

MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_DONE = "audited"
_ERROR = "audit_error"
_FAILURE = "audit_failure"
MAX_ERROR_MESSAGE = 2000


def wanted(scope: Scope) -> bool:
    """Whether this request is one the audit log records (a write to the API)."""
    return scope["method"] in MUTATING and scope["path"].startswith("/api/")


def done(scope: Scope) -> bool:
    """Whether the request's event is already written (by the transaction that did the work)."""
    state: dict[str, Any] = scope.get("state", {})
    return bool(state.get(_DONE))


def mark_done(scope: Scope) -> None:
    """Say the event is committed: call only after the transaction that holds it committed."""
    scope.setdefault("state", {})[_DONE] = True


def note_error(scope: Scope, error: SuanliError) -> None:
    """Remember why the request failed, for its audit event (and a refused placement, for the record)."""
    state = scope.setdefault("state", {})
    state[_ERROR] = {"code": error.code, "message": error.message[:MAX_ERROR_MESSAGE]}
    state[_FAILURE] = error


def record(session: Session, scope: Scope, status: int, principal: Principal | None = None) -> None:
    """Append the request's event in ``session`` (the caller commits it)."""
    state: dict[str, Any] = scope.get("state", {})
    route = scope.get("route")
    details: dict[str, Any] = {"method": scope["method"]}
    if status >= 400 and state.get(_ERROR):
        details["error"] = state[_ERROR]
    if status >= 400 and _FAILURE in state:
        record_refusal(session, state[_FAILURE])
    audit.record(
        session, principal=principal or state.get("principal"),
        action=getattr(route, "name", None) or f"{scope['method']} {scope['path']}", target=scope["path"],
        status_code=status, request_id=state.get("request_id", ""), details=details,
        target_tenant=scope.get("path_params", {}).get("tenant"),
    )
