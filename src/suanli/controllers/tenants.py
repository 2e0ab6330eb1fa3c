"""Tenant controller: provisions a new tenant's storage area, then marks it active."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import ClassVar

from sqlalchemy import ColumnElement, or_
from sqlalchemy.orm import Session

from suanli.core.ids import new_id
from suanli.state.models import AuditEvent, Claimable, Tenant


class TenantController:
    """Desired: every tenant has its object-store prefix; ``provisioning`` tenants become ``active``."""

    name: ClassVar[str] = "tenants"
    model: ClassVar[type[Claimable]] = Tenant

    def __init__(self, objects_dir: Path) -> None:
        self.objects_dir = objects_dir

    def needs_work(self) -> ColumnElement[bool]:
        return or_(Tenant.status == "provisioning", Tenant.observed_generation < Tenant.generation)

    def reconcile(self, session: Session, row: Tenant, now: datetime, worker: str) -> None:
        (self.objects_dir / "tenants" / row.id).mkdir(parents=True, exist_ok=True)  # idempotent
        if row.status == "provisioning":
            row.status = "active"
            session.add(
                AuditEvent(
                    id=new_id("aud"), at=now, tenant_id=row.id, action="tenant.provisioned",
                    target=f"tenants/{row.name}", outcome="success", status_code=200,
                    request_id=f"controller:{worker}", details={"worker": worker},
                )
            )
