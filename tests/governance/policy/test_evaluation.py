import textwrap

from hypothesis import given, settings

from suanli.governance import DataClass, Ownership, evaluate, in_force, load_rules, permitted

from .. import oracles
from ..builders import at, pool, provider, workload
from ..policy_strategies import build_pool, build_workload, instants, pools_facts, rule_dicts, rules_yaml, work_facts

RULES = load_rules(
    textwrap.dedent(
        """\
        rules:
          - id: important-data-stays-home
            version: 3
            author: compliance@bank.example
            effective: 2026-11-01T00:00:00+08:00
            description: important and core data stay in the tenant's jurisdiction
            applies_to: {classification_at_least: important}
            forbid: {outside_tenant_jurisdiction: true}
          - id: core-needs-mlps3
            version: 1
            author: compliance@bank.example
            effective: 2026-11-01
            applies_to: {classification_at_least: core}
            forbid: {lacking_certification: mlps-3}
          - id: finance-listed-providers
            version: 1
            author: regulator-liaison
            effective: 2026-11-01
            applies_to: {industries: [finance]}
            forbid: {providers_except: [telecom-cloud, hiking-ai]}
          - id: bank-domestic-accelerators
            version: 1
            author: bank-cto
            effective: 2026-12-01
            applies_to: {tenants: [bank]}
            forbid: {domestic_accelerators: false}
        """
    )
)

TELECOM = provider("telecom-cloud", Ownership.STATE_OWNED)
HIKING = provider("hiking-ai", Ownership.PRIVATE)
POOLS = [
    pool("sh-telecom", operator=TELECOM, jurisdiction="CN-SH", certifications=["mlps-3"]),
    pool("bj-hiking", operator=HIKING, jurisdiction="CN-BJ", accelerators={"ascend-910b": 16},
         price_table={"accelerator-hour/ascend-910b": "12"}),
    pool("sh-river", operator=provider("river-gpu"), jurisdiction="CN-SH", certifications=["mlps-3"]),
    pool("sh-resold", operator=provider("river-gpu"), jurisdiction="CN-SH",
         resale=[(TELECOM, "0.08")]),
]


def decide(**kw: object) -> dict[str, list[str]]:
    w = workload(jurisdiction="CN-SH", **kw)  # type: ignore[arg-type]
    return {d.pool: [str(e) for e in d.exclusions] for d in evaluate(RULES, w, POOLS, at("2026-11-20 12:00"))}


def test_important_data_may_not_leave_the_tenants_jurisdiction():
    got = decide(industry="internet", classification=DataClass.IMPORTANT)
    assert got["bj-hiking"] == [
        "pool bj-hiking excluded by rule important-data-stays-home version 3 (important and core data stay "
        "in the tenant's jurisdiction): data would leave CN-SH for CN-BJ"
    ]
    assert got["sh-telecom"] == got["sh-river"] == got["sh-resold"] == []


def test_core_data_only_on_mlps3_pools():
    got = decide(industry="internet", classification=DataClass.CORE)
    assert [p for p, ex in got.items() if not ex] == ["sh-telecom", "sh-river"]
    assert "pool is not certified mlps-3" in got["sh-resold"][0]


def test_finance_only_on_listed_providers_including_every_reseller():
    got = decide(industry="finance", classification=DataClass.INTERNAL)
    assert got["sh-telecom"] == got["bj-hiking"] == []
    assert got["sh-river"] == [
        "pool sh-river excluded by rule finance-listed-providers version 1: river-gpu is not listed"
    ]
    # Resold by a listed prime contractor, but operated by an unlisted provider: still excluded.
    assert "river-gpu is not listed" in got["sh-resold"][0]


def test_an_unlisted_reseller_excludes_a_pool_of_a_listed_operator():
    resold = pool("bj-resold", operator=HIKING, jurisdiction="CN-SH", resale=[(provider("province-agent"), "0.1")])
    w = workload(jurisdiction="CN-SH", industry="finance")
    [decision] = evaluate(RULES, w, [resold], at("2026-11-20 12:00"))
    assert [e.reasons for e in decision.exclusions] == [("province-agent is not listed",)]


def test_a_rule_never_applies_before_its_effective_time():
    w = workload(tenant="bank", industry="internet", classification=DataClass.PUBLIC)
    before = evaluate(RULES, w, POOLS, at("2026-11-30 23:59"))
    after = evaluate(RULES, w, POOLS, at("2026-12-01 00:00"))
    assert all(d.permitted for d in before)
    assert [d.pool for d in after if d.permitted] == ["bj-hiking"]
    assert after[0].explain().startswith("pool sh-telecom excluded by rule bank-domestic-accelerators version 1")


def test_whatever_no_rule_forbids_is_allowed():
    w = workload(industry="internet", classification=DataClass.PUBLIC)
    assert permitted(RULES, w, POOLS, at("2026-11-20 00:00")) == POOLS
    assert permitted([], w, POOLS, at("2026-11-20 00:00")) == POOLS
    assert evaluate(RULES, w, POOLS, at("2026-11-20 00:00"))[0].explain() == (
        "pool sh-telecom permitted: no rule in force forbids it"
    )


def test_the_latest_effective_version_is_in_force_and_withdrawal_lifts_a_rule():
    rules = load_rules(
        """
        - {id: r, version: 1, author: a, effective: 2026-11-01, forbid: {regions: [east]}}
        - {id: r, version: 2, author: b, effective: 2026-11-10, forbid: {regions: [west]}}
        - {id: r, version: 3, author: c, effective: 2026-11-20, withdrawn: true}
        """
    )
    assert in_force(rules, at("2026-10-31 00:00")) == ()
    assert in_force(rules, at("2026-11-05 00:00"))[0].version == 1
    assert in_force(rules, at("2026-11-15 00:00"))[0].version == 2
    assert in_force(rules, at("2026-11-25 00:00")) == ()


@settings(max_examples=300, deadline=None)
@given(rule_dicts(), pools_facts, work_facts(), instants)
def test_evaluation_agrees_with_an_independent_oracle(rules, pools, work, now):
    """Nothing is permitted that a rule forbids, and nothing is excluded that no rule forbids."""
    loaded = load_rules(rules_yaml(rules))
    decisions = evaluate(loaded, build_workload(work), [build_pool(p) for p in pools], now)
    assert [d.pool for d in decisions] == [p["id"] for p in pools]
    for facts, decision in zip(pools, decisions, strict=True):
        expected = oracles.forbidding_rules(rules, facts, work, now)
        assert {e.rule for e in decision.exclusions} == expected
        assert decision.permitted == (not expected)
        for e in decision.exclusions:
            assert str(e).startswith(f"pool {facts['id']} excluded by rule {e.rule} version {e.version}")


def test_a_rule_without_conditions_forbids_nothing():
    from suanli.governance import Applicability, Prohibition, Rule

    empty = Rule("r", 1, "a", at("2026-01-01 00:00"), "", Applicability(), Prohibition())
    assert all(d.permitted for d in evaluate([empty], workload(), POOLS, at("2026-11-20 00:00")))
