"""Providers of compute: who operates a pool, and who resells it.

Ownership is recorded so that it can be reported (who won how much work), never so that it can be
scored: placement must treat a state-owned, a private and a self-hosted provider alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from suanli.core.errors import InvalidInput


class Ownership(StrEnum):
    """Who owns a provider."""

    STATE_OWNED = "state-owned"
    PRIVATE = "private"
    SELF_HOSTED = "self-hosted"


@dataclass(frozen=True, slots=True)
class Provider:
    """A company (or the tenant itself, ``self-hosted``) that operates or resells compute."""

    id: str
    name: str
    ownership: Ownership

    def __post_init__(self) -> None:
        if not self.id:
            raise InvalidInput("a provider needs an id")
        if not isinstance(self.ownership, Ownership):
            raise InvalidInput(
                f"provider {self.id!r}: unknown ownership {self.ownership!r}",
                details={"known": [o.value for o in Ownership]},
            )
