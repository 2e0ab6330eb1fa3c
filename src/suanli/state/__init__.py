"""Durable state: SQLAlchemy models, engines and sessions, Alembic migrations."""

from suanli.state.db import Database
from suanli.state.models import AcceleratorQuota, ApiKey, AuditEvent, Base, IdempotencyRecord, Tenant, User

__all__ = ["AcceleratorQuota", "ApiKey", "AuditEvent", "Base", "Database", "IdempotencyRecord", "Tenant", "User"]
