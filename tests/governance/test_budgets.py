from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from suanli.core.errors import InvalidInput
from suanli.governance import Budget, BudgetState, RunningWork, hard_stop, observe


def budget(**kw: object) -> Budget:
    return Budget(**{"tenant": "bank", "month": "2026-11", "limit": Decimal("1000"), **kw})  # type: ignore[arg-type]


def test_alerts_fire_at_50_80_100_percent_once_each():
    state = BudgetState(budget())
    fired = []
    for spent in ["100", "499.99", "500", "650", "800", "800.01", "999", "1000", "1500", "2000"]:
        state, alerts = observe(state, Decimal(spent))
        fired += [(spent, a.threshold) for a in alerts]
    assert fired == [("500", 50), ("800", 80), ("1000", 100)]
    assert state.percent == Decimal("200.0")


def test_a_jump_fires_every_threshold_passed_lowest_first():
    _, alerts = observe(BudgetState(budget()), Decimal("950"))
    assert [a.threshold for a in alerts] == [50, 80]
    assert alerts[1].message == (
        "tenant bank has spent ¥950.00 of its ¥1000.00 budget for 2026-11 (80% threshold reached)"
    )


def test_a_credit_does_not_rearm_an_alert():
    state, _ = observe(BudgetState(budget()), Decimal("600"))
    state, alerts = observe(state, Decimal("100"))
    assert alerts == ()
    _, alerts = observe(state, Decimal("600"))
    assert alerts == ()


@given(st.lists(st.decimals(Decimal("0"), Decimal("3000"), places=2), max_size=30))
def test_each_threshold_fires_at_most_once_and_only_once_reached(spends):
    state = BudgetState(budget())
    seen: list[int] = []
    for spent in spends:
        state, alerts = observe(state, spent)
        for alert in alerts:
            assert spent * 100 >= Decimal("1000") * alert.threshold
        seen += [a.threshold for a in alerts]
    assert len(seen) == len(set(seen))
    peak = max(spends, default=Decimal(0))
    assert set(seen) == {t for t in (50, 80, 100) if peak * 100 >= 1000 * t}


def test_hard_stop_refuses_new_work_with_a_reason_once_spent():
    state = BudgetState(budget(hard_stop=True, running=RunningWork.DRAIN), spent=Decimal("1000"))
    decision = hard_stop(state)
    assert decision.refuse_new and decision.running is RunningWork.DRAIN
    assert "spent ¥1000.00 of its ¥1000.00 budget for 2026-11" in decision.reason
    assert "refused" in decision.reason


def test_hard_stop_refuses_work_whose_estimate_does_not_fit():
    state = BudgetState(budget(hard_stop=True), spent=Decimal("900"))
    assert not hard_stop(state).refuse_new
    assert not hard_stop(state, estimate=Decimal("100")).refuse_new
    decision = hard_stop(state, estimate=Decimal("100.01"))
    assert decision.refuse_new and "only ¥100.00 left" in decision.reason


def test_an_advisory_budget_never_refuses():
    decision = hard_stop(BudgetState(budget(), spent=Decimal("5000")))
    assert not decision.refuse_new and "advisory" in decision.reason


def test_budgets_are_validated():
    with pytest.raises(InvalidInput):
        budget(limit=Decimal("0"))
    with pytest.raises(InvalidInput):
        budget(thresholds=(80, 50))
