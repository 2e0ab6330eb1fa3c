from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from suanli.core.errors import InvalidInput
from suanli.governance import DataClass, Ownership, Provider, WorkKind, load_rules, place, quote

from . import oracles
from .builders import at, pool, provider, workload
from .policy_strategies import (
    PROVIDERS,
    build_pool,
    build_workload,
    instants,
    pools_facts,
    rule_dicts,
    rules_yaml,
    work_facts,
)

NOW = at("2026-11-20 12:00")
RULES = load_rules(
    """
    - id: core-needs-mlps3
      version: 2
      author: compliance
      effective: 2026-11-01
      applies_to: {classification_at_least: core}
      forbid: {lacking_certification: mlps-3}
    """
)
PRIME = provider("telecom-cloud", Ownership.STATE_OWNED)
AGENT = provider("province-integrator", Ownership.PRIVATE)
PERF = {"nvidia-h100": Decimal("1"), "ascend-910b": Decimal("0.8")}


def pools():
    return [
        pool("h100-direct", operator=provider("river-gpu"), certifications=["mlps-3"],
             price_table={"accelerator-hour/nvidia-h100": "24", "million-tokens-in/qwen2.5-72b": "2",
                          "million-tokens-out/qwen2.5-72b": "6"}),
        pool("h100-resold", operator=provider("river-gpu"), certifications=["mlps-3"],
             price_table={"accelerator-hour/nvidia-h100": "20"}, resale=[(AGENT, "0.10"), (PRIME, "0.15")]),
        pool("ascend", operator=provider("hiking-ai"), accelerators={"ascend-910b": 16},
             price_table={"accelerator-hour/ascend-910b": "15"}),
        pool("small", accelerators={"nvidia-h100": 2}),
        pool("unpriced", accelerators={"ascend-910b": 8}, price_table={"accelerator-hour/nvidia-h100": "1"}),
    ]


def test_a_quote_lists_every_offer_ranked_with_layers_and_every_exclusion_with_its_reason():
    w = workload(classification=DataClass.CORE, accelerator_kinds=("nvidia-h100", "ascend-910b"),
                 model="qwen2.5-72b")
    q = quote(w, pools(), RULES, NOW, PERF)
    assert [(o.pool, o.hourly, o.score) for o in q.offers] == [
        ("h100-direct", Decimal("192"), Decimal("24")),
        ("h100-resold", Decimal("202.4000"), Decimal("25.3")),
    ]
    resold = q.offers[1]
    assert resold.hourly_base == Decimal("160")
    assert [(c.reseller, c.added) for c in resold.layers] == [
        ("province-integrator", Decimal("16.00")), ("telecom-cloud", Decimal("26.4000"))
    ]
    direct = q.offers[0]
    assert [(str(t.sku), t.price) for t in direct.token_prices] == [
        ("million-tokens-in/qwen2.5-72b", Decimal("2")), ("million-tokens-out/qwen2.5-72b", Decimal("6"))
    ]
    assert direct.explanation == "¥192.0000/h for 8 x nvidia-h100 / performance 8 = ¥24.0000 per performance-hour"
    reasons = {e.pool: e.explain() for e in q.excluded}
    assert reasons["ascend"] == (
        "pool ascend excluded by rule core-needs-mlps3 version 2: pool is not certified mlps-3"
    )
    assert set(reasons) == {"ascend", "small", "unpriced"}


def test_unfit_pools_say_why():
    w = workload(accelerator_kinds=("nvidia-h100", "ascend-910b"))
    reasons = {e.pool: e.explain() for e in quote(w, pools(), [], NOW).excluded}
    assert reasons == {
        "small": "pool small cannot run it: only 2 nvidia-h100 free, 8 needed; offers no ascend-910b",
        "unpriced": "pool unpriced cannot run it: offers no nvidia-h100; no price for accelerator-hour/ascend-910b",
    }


def test_price_per_performance_decides_so_a_domestic_pool_can_win():
    w = workload(accelerator_kinds=("nvidia-h100", "ascend-910b"))
    placed = place(w, pools(), RULES, NOW, PERF)
    # 8 x 15 = 120/h for performance 6.4: 18.75 per performance-hour beats 24.
    assert placed.offer is not None and placed.offer.pool == "ascend"
    assert placed.reason.startswith("placed on pool ascend: ¥120.0000/h for 8 x ascend-910b")


def test_no_permitted_pool_gives_a_pending_reason_naming_the_rules():
    w = workload(classification=DataClass.CORE, accelerator_kinds=("ascend-910b",))
    placed = place(w, pools(), RULES, NOW, PERF)
    assert placed.offer is None
    assert placed.reason.startswith("no pool can take job_1: 3 excluded by policy, 2 unable to run it")
    assert "pool ascend excluded by rule core-needs-mlps3 version 2" in placed.reason


def test_storage_and_token_costs_enter_the_hourly_price():
    p = pool("store", accelerators={}, price_table={"storage-gb-month": "0.73", "cpu-core-hour": "0.5"})
    w = workload(kind=WorkKind.STORAGE, accelerator_kinds=(), accelerator_count=0,
                 storage_gb=Decimal("1000"), cpu_cores=2)
    [offer] = quote(w, [p], [], NOW).offers
    assert offer.hourly == Decimal("2.0")  # 1000 GB x 0.73 / 730 h + 2 cores x 0.5
    assert offer.accelerator_kind is None and offer.performance == 1


def test_performance_must_be_positive():
    with pytest.raises(InvalidInput, match="must be positive"):
        quote(workload(), pools(), [], NOW, {"nvidia-h100": Decimal(0)})


def relabel(facts: dict, names: dict[str, str], ownership: dict[str, Ownership]) -> dict:
    return {
        **facts,
        "provider": names[facts["provider"]],
        "ownership": ownership[facts["provider"]],
        "resellers": [names[r] for r in facts["resellers"]],
    }


def rename_rules(rules: list[dict], names: dict[str, str]) -> list[dict]:
    out = []
    for rule in rules:
        forbid = dict(rule["forbid"])
        for key in ("providers", "providers_except"):
            if key in forbid:
                forbid[key] = [names[p] for p in forbid[key]]
        out.append({**rule, "forbid": forbid})
    return out


@settings(max_examples=200, deadline=None)
@given(rule_dicts(), pools_facts, work_facts(), instants, st.permutations(PROVIDERS), st.data())
def test_placement_never_depends_on_who_owns_a_pool(rules, facts, work, now, shuffled, data):
    """Renaming providers and reassigning their ownership (rules renamed alike) never changes the choice."""
    names = {old: f"renamed-{new}" for old, new in zip(PROVIDERS, shuffled, strict=True)}
    ownership = {p: data.draw(st.sampled_from(list(Ownership))) for p in PROVIDERS}
    w = build_workload(work)
    before = quote(w, [build_pool(f) for f in facts], load_rules(rules_yaml(rules)), now)
    after = quote(
        w,
        [build_pool(relabel(f, names, ownership)) for f in facts],
        load_rules(rules_yaml(rename_rules(rules, names))),
        now,
    )
    key = [(o.pool, o.accelerator_kind, o.score) for o in before.offers]
    assert key == [(o.pool, o.accelerator_kind, o.score) for o in after.offers]
    assert [e.pool for e in before.excluded] == [e.pool for e in after.excluded]


@settings(max_examples=200, deadline=None)
@given(rule_dicts(), pools_facts, work_facts(), instants)
def test_nothing_is_placed_where_a_rule_forbids_and_every_fit_permitted_pool_is_offered(rules, facts, work, now):
    w = build_workload(work)
    q = quote(w, [build_pool(f) for f in facts], load_rules(rules_yaml(rules)), now)
    offered = {o.pool for o in q.offers}
    for f in facts:
        forbidden = oracles.forbidding_rules(rules, f, work, now)
        fits = any(f["accelerators"].get(k, 0) >= work["accelerator_count"] for k in work["accelerator_kinds"])
        assert (f["id"] in offered) == (not forbidden and fits)
    for o in q.offers:
        # Every layer is visible: what the tenant pays is the base plus what each layer added.
        assert o.hourly == o.hourly_base + sum(c.added for c in o.layers)
        assert abs(o.score * o.performance - o.hourly) < Decimal("1e-40")
    if q.chosen is not None:
        assert not oracles.forbidding_rules(rules, next(f for f in facts if f["id"] == q.chosen.pool), work, now)
        assert q.chosen.score == min(o.score for o in q.offers)


def test_ownership_is_not_part_of_the_score():
    # The same pool under a state-owned and a private operator makes the same offer.
    a = pool("x", operator=Provider("x-op", "X", Ownership.STATE_OWNED))
    b = replace(a, provider=Provider("x-op", "X", Ownership.PRIVATE))
    assert quote(workload(), [a], [], NOW).offers == quote(workload(), [b], [], NOW).offers
