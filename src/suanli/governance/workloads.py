"""Workloads: what a tenant asks to place (a job, a deployment, a dataset's storage)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from suanli.core.accelerators import kind_of
from suanli.core.errors import InvalidInput
from suanli.governance.classification import DataClass


class WorkKind(StrEnum):
    """The kind of work, which rules may single out."""

    TRAINING = "training"
    INFERENCE = "inference"
    BATCH = "batch"
    STORAGE = "storage"


@dataclass(frozen=True, slots=True)
class Workload:
    """Something to place, with the facts about its tenant and data that rules look at.

    ``accelerator_kinds`` lists every kind the work can run on (any one of them): listing both an
    NVIDIA and a domestic kind lets both kinds of pool compete. Expected tokens per hour and stored
    GB let a quote and the placement score compare token-priced and storage offers.
    """

    name: str
    tenant: str
    industry: str
    jurisdiction: str
    classification: DataClass
    kind: WorkKind
    accelerator_kinds: tuple[str, ...] = ()
    accelerator_count: int = 0
    cpu_cores: int = 0
    storage_gb: Decimal = Decimal(0)
    model: str | None = None
    tokens_in_per_hour: Decimal = Decimal(0)
    tokens_out_per_hour: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        for kind in self.accelerator_kinds:
            kind_of(kind)
        if self.accelerator_count < 0 or self.cpu_cores < 0 or self.storage_gb < 0:
            raise InvalidInput(f"workload {self.name!r}: resource demands must not be negative")
        if self.accelerator_count and not self.accelerator_kinds:
            raise InvalidInput(f"workload {self.name!r}: asks for accelerators but names no kind")
        if self.tokens_in_per_hour < 0 or self.tokens_out_per_hour < 0:
            raise InvalidInput(f"workload {self.name!r}: expected tokens must not be negative")
