"""The object store under policy (what dataset uploads, curations and relabelling are checked against): refused
exactly when the oracle says a rule forbids its pool (or, undescribed, when a rule speaks about the data), and
never allowed at a stricter classification where it was refused at a laxer one, which is why raising a label is
the one relabelling that must be checked."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from suanli.governance import DataClass, in_force, load_rules
from suanli.governance.targets import forbidden_targets

from .. import oracles
from ..policy_strategies import build_pool, build_workload, instants, pools_facts, rule_dicts, rules_yaml, work_facts
from .test_targets import _covers

STORE = "the object store"


@settings(max_examples=300, deadline=None)
@given(rule_dicts(), pools_facts, work_facts(), instants, st.booleans())
def test_storing_data_is_refused_exactly_when_a_rule_forbids_it_and_more_so_when_stricter(  # type: ignore[no-untyped-def]
    rules, pools, work, now, described
):
    loaded = load_rules(rules_yaml(rules))
    facts = pools[0]
    pool = build_pool(facts) if described else None
    refused: list[bool] = []
    for cls in DataClass:
        stored: dict[str, Any] = {**work, "kind": "storage", "classification": cls.label}
        out = forbidden_targets(loaded, build_workload(stored), {STORE: pool}, now)
        if described:
            expected = oracles.forbidding_rules(rules, facts, stored, now)
            assert (STORE in out) == bool(expected)
            for rule in expected:
                assert f"rule {rule} version" in out[STORE]
        else:
            speaking = [r for r in in_force(loaded, now) if any(
                raw["id"] == r.id and raw["version"] == r.version and _covers(raw, stored) for raw in rules)]
            assert (STORE in out) == bool(speaking)
        refused.append(STORE in out)
        assert forbidden_targets((), build_workload(stored), {STORE: pool}, now) == {}  # no rules: always stored
    assert refused == sorted(refused)  # once refused at some level, refused at every stricter one
