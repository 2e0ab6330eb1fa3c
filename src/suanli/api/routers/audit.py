"""``/api/v1/audit``: the audit log, newest first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from suanli.api import pagination
from suanli.api.context import CtxDep
from suanli.api.pagination import Cursor, Limit, Page
from suanli.api.schemas import AuditOut
from suanli.tenancy import audit

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get("", response_model=Page[AuditOut], name="audit.list")
def list_audit(
    ctx: CtxDep, tenant: Annotated[str | None, Query(max_length=63)] = None, limit: Limit = 50, cursor: Cursor = None
) -> Page[AuditOut]:
    with ctx.tx() as s:
        rows = audit.listing(s, ctx.principal, tenant, pagination.decode(cursor), limit + 1)
        return pagination.page(rows, limit, AuditOut.model_validate, lambda e: e.id)
