"""The YAML examples in docs/governance.md load and behave as the page says."""

import re
from pathlib import Path

import yaml

from suanli.governance import evaluate, load_rules, quote
from suanli.governance.catalog import load_catalog, load_workload

from .builders import at

DOC = Path(__file__).resolve().parents[2] / "docs" / "governance.md"


def blocks() -> dict[str, str]:
    found = re.findall(r"```yaml\n# (\S+)\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    return dict(found)


def test_the_documented_example_places_as_described():
    docs = blocks()
    assert set(docs) == {"rules.yaml", "pools.yaml", "workload.yaml"}
    rules = load_rules(docs["rules.yaml"])
    pools, performance = load_catalog(docs["pools.yaml"])
    work = load_workload(docs["workload.yaml"])
    now = at("2026-11-20 12:00")
    decisions = {d.pool: {e.rule for e in d.exclusions} for d in evaluate(rules, work, pools, now)}
    assert decisions == {
        "sh-telecom": set(),
        "sh-river-resold": {"finance-listed-providers"},
        "bj-hiking": {"important-data-stays-home", "bank-domestic-accelerators"},
    }
    q = quote(work, pools, rules, now, performance)
    assert q.chosen is not None and q.chosen.pool == "sh-telecom"


def test_without_the_unlisted_reseller_the_cheaper_resold_pool_wins():
    docs = blocks()
    catalog = yaml.safe_load(docs["pools.yaml"])
    resold = next(p for p in catalog["pools"] if p["id"] == "sh-river-resold")
    resold["resale"] = [layer for layer in resold["resale"] if layer["reseller"] != "province-agent"]
    pools, performance = load_catalog(yaml.safe_dump(catalog))
    q = quote(load_workload(docs["workload.yaml"]), pools, load_rules(docs["rules.yaml"]), at("2026-11-20 12:00"),
              performance)
    assert q.chosen is not None and q.chosen.pool == "sh-river-resold"
    assert [(c.reseller, str(c.markup)) for c in q.chosen.layers] == [("telecom-cloud", "0.05")]
    assert [o.pool for o in q.offers] == ["sh-river-resold", "sh-telecom"]


def test_the_withdrawal_lifts_the_domestic_rule_next_year():
    docs = blocks()
    rules = load_rules(docs["rules.yaml"])
    pools, _ = load_catalog(docs["pools.yaml"])
    work = load_workload(docs["workload.yaml"])
    [bj] = [d for d in evaluate(rules, work, pools, at("2027-01-02 00:00")) if d.pool == "bj-hiking"]
    assert {e.rule for e in bj.exclusions} == {"important-data-stays-home"}
