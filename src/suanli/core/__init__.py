"""Shared vocabulary of every plane: ids, errors, accelerator kinds, money.

Everything here is pure: no database, no network, no clock.
"""

from suanli.core.accelerators import VENDORS, AcceleratorKind, Vendor, kind_of, vendor_of
from suanli.core.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    QuotaExceeded,
    SuanliError,
    Unauthenticated,
)
from suanli.core.ids import new_id
from suanli.core.money import FEN, yuan

__all__ = [
    "FEN",
    "VENDORS",
    "AcceleratorKind",
    "Conflict",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "PayloadTooLarge",
    "QuotaExceeded",
    "SuanliError",
    "Unauthenticated",
    "Vendor",
    "kind_of",
    "new_id",
    "vendor_of",
    "yuan",
]
