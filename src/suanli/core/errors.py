"""One exception hierarchy, mapped once to HTTP by the API edge.

Every error carries a stable machine-readable ``code``, a message that tells the user what to
do, and optional ``details``. Routers never build error bodies by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar


class SuanliError(Exception):
    """Base of every error that suanli reports to a user."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal"

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_body(self) -> dict[str, Any]:
        """The error body that the REST API answers: ``{"error": {code, message, details}}``."""
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class InvalidInput(SuanliError):
    status = 422
    code = "invalid_input"


@dataclass(frozen=True, slots=True)
class Refusal:
    """A placement that policy refused, as the tenant's placement decisions record it (no pool chosen)."""

    tenant_id: str
    workload: str
    explanation: str
    policy_version: int | None
    document: dict[str, Any]


class PlacementForbidden(InvalidInput):
    """Placement policy forbids putting something where it was asked to go; the message names the rule.

    ``refusal``, when given, is recorded among the tenant's placement decisions wherever the refusal ends
    a request or a controller's step (the refusing transaction rolls back; another one records it).
    """

    code = "placement_forbidden"

    def __init__(self, message: str, details: Any = None, refusal: Refusal | None = None) -> None:
        super().__init__(message, details)
        self.refusal = refusal


class Unauthenticated(SuanliError):
    status = 401
    code = "unauthenticated"


class Forbidden(SuanliError):
    status = 403
    code = "forbidden"


class NotFound(SuanliError):
    status = 404
    code = "not_found"


class Conflict(SuanliError):
    status = 409
    code = "conflict"


class PayloadTooLarge(SuanliError):
    status = 413
    code = "payload_too_large"


class QuotaExceeded(SuanliError):
    status = 429
    code = "quota_exceeded"


class Unavailable(SuanliError):
    status = 503
    code = "unavailable"
