"""Durable state: SQLAlchemy models, engines and sessions, Alembic migrations."""

from suanli.state import data as _data  # noqa: F401  (registers the data plane's tables)
from suanli.state import governance as _governance  # noqa: F401  (registers the governance plane's tables)
from suanli.state import serving as _serving  # noqa: F401  (registers the inference plane's tables)
from suanli.state import training as _training  # noqa: F401  (registers the training plane's tables)
from suanli.state.db import Database
from suanli.state.models import AcceleratorQuota, ApiKey, AuditEvent, Base, IdempotencyRecord, Tenant, User

__all__ = ["AcceleratorQuota", "ApiKey", "AuditEvent", "Base", "Database", "IdempotencyRecord", "Tenant", "User"]
