"""Monthly budgets: alerts at 50, 80 and 100% that fire once each, and the hard-stop decision.

The state is a value: the services layer stores the fired thresholds and passes them back, so an
alert fires once per month even across restarts. Spending that falls (a credit note) never re-arms
an alert that already fired.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from suanli.core.errors import InvalidInput
from suanli.core.money import yuan

DEFAULT_THRESHOLDS = (50, 80, 100)


class RunningWork(StrEnum):
    """What a hard stop does to work that is already running."""

    LEAVE = "leave"
    DRAIN = "drain"


@dataclass(frozen=True, slots=True)
class Budget:
    """A tenant's limit for one month in CNY, optionally enforced."""

    tenant: str
    month: str
    limit: Decimal
    hard_stop: bool = False
    running: RunningWork = RunningWork.LEAVE
    thresholds: tuple[int, ...] = DEFAULT_THRESHOLDS

    def __post_init__(self) -> None:
        if not isinstance(self.limit, Decimal) or not self.limit.is_finite() or self.limit <= 0:
            raise InvalidInput(
                f"budget of {self.tenant!r}: limit must be a positive Decimal, got {self.limit!r}"
            )
        if any(t <= 0 for t in self.thresholds) or list(self.thresholds) != sorted(set(self.thresholds)):
            raise InvalidInput(f"budget of {self.tenant!r}: thresholds must be increasing positive percents")


@dataclass(frozen=True, slots=True)
class BudgetState:
    """What has been spent so far this month and which thresholds have already alerted."""

    budget: Budget
    spent: Decimal = Decimal(0)
    fired: frozenset[int] = frozenset()

    @property
    def percent(self) -> Decimal:
        """Spent as a percentage of the limit, to one decimal place (for display)."""
        with decimal.localcontext(prec=40):
            return (self.spent * 100 / self.budget.limit).quantize(Decimal("0.1"))


@dataclass(frozen=True, slots=True)
class BudgetAlert:
    """A threshold crossed: the event the console shows and the webhook posts."""

    tenant: str
    month: str
    threshold: int
    spent: Decimal
    limit: Decimal

    @property
    def message(self) -> str:
        """One sentence for people."""
        return (
            f"tenant {self.tenant} has spent ¥{yuan(self.spent)} of its ¥{yuan(self.limit)} budget for "
            f"{self.month} ({self.threshold}% threshold reached)"
        )


def observe(state: BudgetState, spent: Decimal) -> tuple[BudgetState, tuple[BudgetAlert, ...]]:
    """The new state after spending reached ``spent``, and the alerts that fire now (each once).

    When spending jumps past several thresholds at once, each of them fires, lowest first.
    """
    b = state.budget
    due = [
        t for t in b.thresholds if t not in state.fired and spent * 100 >= b.limit * t
    ]
    alerts = tuple(BudgetAlert(b.tenant, b.month, t, spent, b.limit) for t in due)
    return replace(state, spent=spent, fired=state.fired | frozenset(due)), alerts


@dataclass(frozen=True, slots=True)
class StopDecision:
    """Whether new jobs and deployments are refused, why, and what happens to running work."""

    refuse_new: bool
    reason: str
    running: RunningWork


def hard_stop(state: BudgetState, estimate: Decimal = Decimal(0)) -> StopDecision:
    """Decide on new work: refused only when the budget enforces a hard stop and is (or would be) spent.

    ``estimate`` is the expected cost of the new work; pass 0 to refuse only once the limit is reached.
    """
    b = state.budget
    if not b.hard_stop:
        advisory = f"budget of {b.tenant} for {b.month} is advisory (no hard stop)"
        return StopDecision(False, advisory, b.running)
    if state.spent >= b.limit:
        return StopDecision(
            True,
            f"tenant {b.tenant} has spent ¥{yuan(state.spent)} of its ¥{yuan(b.limit)} budget "
            f"for {b.month}; "
            f"new jobs and deployments are refused until the budget is raised or the month ends "
            f"(running work: {b.running.value})",
            b.running,
        )
    if state.spent + estimate > b.limit:
        return StopDecision(
            True,
            f"this work is estimated at ¥{yuan(estimate)}, but tenant {b.tenant} has only "
            f"¥{yuan(b.limit - state.spent)} left of its ¥{yuan(b.limit)} budget for {b.month}",
            b.running,
        )
    return StopDecision(
        False, f"¥{yuan(b.limit - state.spent)} left of the ¥{yuan(b.limit)} budget for {b.month}", b.running
    )
