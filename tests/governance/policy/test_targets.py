"""Clusters and regions under policy: nothing forbidden is ever a target, nothing permitted is ever excluded."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from suanli.governance import DataClass, in_force, load_rules
from suanli.governance.targets import blocked_reason, forbidden_targets

from .. import oracles
from ..policy_strategies import build_pool, build_workload, instants, pools_facts, rule_dicts, rules_yaml, work_facts


def _covers(rule: dict[str, Any], work: dict[str, Any]) -> bool:
    when = rule.get("applies_to", {})
    order = [c.label for c in DataClass]
    return (("tenants" not in when or work["tenant"] in when["tenants"])
            and ("industries" not in when or work["industry"] in when["industries"])
            and ("kinds" not in when or work["kind"] in when["kinds"])
            and ("classification_at_least" not in when
                 or order.index(work["classification"]) >= order.index(when["classification_at_least"])))


@settings(max_examples=300, deadline=None)
@given(rule_dicts(), pools_facts, work_facts(), instants, st.integers(0, 2))
def test_forbidden_targets_agree_with_an_independent_oracle(rules, pools, work, now, undescribed):  # type: ignore[no-untyped-def]
    loaded = load_rules(rules_yaml(rules))
    targets: dict[str, Any] = {f"cluster-{i}": build_pool(p) for i, p in enumerate(pools)}
    targets.update({f"bare-{i}": None for i in range(undescribed)})
    out = forbidden_targets(loaded, build_workload(work), targets, now)
    speaking = {r.id for r in in_force(loaded, now) if any(
        raw["id"] == r.id and raw["version"] == r.version and _covers(raw, work) for raw in rules)}
    for i, facts in enumerate(pools):
        expected = oracles.forbidding_rules(rules, facts, work, now)
        assert (f"cluster-{i}" in out) == bool(expected)
        for rule in expected:
            assert f"rule {rule} version" in out[f"cluster-{i}"]
    for i in range(undescribed):  # a target no pool describes is out exactly when some rule speaks
        assert (f"bare-{i}" in out) == bool(speaking)


def test_no_rules_forbid_nothing_and_a_blocked_reason_names_every_target() -> None:
    from ..builders import at, workload

    work = workload(classification=DataClass.IMPORTANT)
    assert forbidden_targets((), work, {"c1": None}, at("2026-11-20 00:00")) == {}
    reason = blocked_reason(work, {"c1": "why one", "c2": "why two"}, {"c1": "alpha", "c2": "beta"})
    assert "alpha: why one | beta: why two" in reason and "(important data)" in reason
