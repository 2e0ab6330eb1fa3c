"""Hypothesis strategies for random rules (as raw dicts), pools (as raw facts) and workloads."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import yaml
from hypothesis import strategies as st

from suanli.core.accelerators import vendor_of
from suanli.governance import DataClass, Ownership, Pool, Provider, WorkKind, Workload

from .builders import at, pool

PROVIDERS = ["telecom-cloud", "mobile-cloud", "hiking-ai", "river-gpu", "own-dc"]
JURISDICTIONS = ["CN", "CN-SH", "CN-BJ", "HK"]
REGIONS = ["east", "north", "west"]
CERTS = ["mlps-3", "mlps-2", "iso27001"]
KINDS = ["nvidia-h100", "ascend-910b", "hygon-k100"]
TENANTS = ["bank", "ministry", "startup"]
INDUSTRIES = ["finance", "government", "internet"]
CLASSES = [c.label for c in DataClass]
WORK = [k.value for k in WorkKind]
T0 = at("2026-11-01 00:00")
instants = st.integers(0, 60 * 24 * 60).map(lambda m: T0 + timedelta(minutes=m))
early_instants = st.integers(0, 30 * 24 * 60).map(lambda m: T0 + timedelta(minutes=m))


def subset(values: list[str], min_size: int = 1) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(values), min_size=min_size, max_size=len(values), unique=True)


APPLIES = {
    "tenants": subset(TENANTS),
    "industries": subset(INDUSTRIES),
    "kinds": subset(WORK),
    "classification_at_least": st.sampled_from(CLASSES),
}
FORBIDS = {
    "outside_tenant_jurisdiction": st.just(True),
    "jurisdictions": subset(JURISDICTIONS),
    "jurisdictions_except": subset(JURISDICTIONS),
    "regions": subset(REGIONS),
    "regions_except": subset(REGIONS),
    "lacking_certification": st.sampled_from(CERTS),
    "providers": subset(PROVIDERS),
    "providers_except": subset(PROVIDERS),
    "domestic_accelerators": st.booleans(),
    "resale_layers_over": st.integers(0, 2),
}


@st.composite
def conditions(draw: st.DrawFn, table: dict[str, st.SearchStrategy[Any]], min_size: int) -> dict[str, Any]:
    # At most two conditions: longer conjunctions almost never match, and would test little.
    names = draw(st.lists(st.sampled_from(sorted(table)), min_size=min_size, max_size=2, unique=True))
    return {name: draw(table[name]) for name in names}


@st.composite
def rule_dicts(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Up to four rules, each with up to three versions taking effect in order."""
    out = []
    for rid in draw(st.lists(st.sampled_from(["r1", "r2", "r3", "r4"]), max_size=4, unique=True)):
        # Rules take effect in the first half of the window, so most are in force at a random ``now``.
        times = sorted(draw(st.lists(early_instants, min_size=1, max_size=3, unique=True)))
        for version, effective in enumerate(times, start=1):
            rule: dict[str, Any] = {
                "id": rid,
                "version": version,
                "author": f"author-{version}",
                "effective": effective,
                "forbid": draw(conditions(FORBIDS, 1)),
            }
            applies = draw(conditions(APPLIES, 0))
            if applies:
                rule["applies_to"] = applies
            if version > 1 and draw(st.integers(0, 4)) == 0:
                rule["withdrawn"] = True
            out.append(rule)
    return out


def rules_yaml(rules: list[dict[str, Any]]) -> str:
    return yaml.safe_dump({"rules": rules}, allow_unicode=True, sort_keys=False)


@st.composite
def pool_facts(draw: st.DrawFn, pid: str) -> dict[str, Any]:
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=3, unique=True))
    return {
        "id": pid,
        "provider": draw(st.sampled_from(PROVIDERS)),
        "ownership": draw(st.sampled_from(list(Ownership))),
        "resellers": draw(st.lists(st.sampled_from(PROVIDERS), min_size=draw(st.sampled_from([0, 1])), max_size=2)),
        "markups": draw(st.lists(st.decimals(Decimal(0), Decimal("0.3"), places=2), min_size=2, max_size=2)),
        "jurisdiction": draw(st.sampled_from(JURISDICTIONS)),
        "region": draw(st.sampled_from(REGIONS)),
        "certifications": draw(subset(CERTS, 0)),
        "accelerators": {k: draw(st.integers(0, 16)) for k in kinds},
        "domestic": all(vendor_of(k).domestic for k in kinds),
        "prices": {k: str(draw(st.decimals(Decimal("1"), Decimal("40"), places=2))) for k in kinds},
    }


pools_facts = st.integers(1, 6).flatmap(
    lambda n: st.tuples(*(pool_facts(f"pool-{i}") for i in range(n)))
)


def build_pool(facts: dict[str, Any]) -> Pool:
    """A Pool from raw facts; resellers' ownership is irrelevant to every rule, so all private."""
    return pool(
        facts["id"],
        operator=Provider(facts["provider"], facts["provider"], facts["ownership"]),
        region=facts["region"],
        jurisdiction=facts["jurisdiction"],
        certifications=facts["certifications"],
        accelerators=facts["accelerators"],
        price_table={f"accelerator-hour/{k}": v for k, v in facts["prices"].items()},
        resale=[
            (Provider(r, r, Ownership.PRIVATE), m)
            for r, m in zip(facts["resellers"], facts["markups"], strict=False)
        ],
    )


@st.composite
def work_facts(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "tenant": draw(st.sampled_from(TENANTS)),
        "industry": draw(st.sampled_from(INDUSTRIES)),
        "jurisdiction": draw(st.sampled_from(JURISDICTIONS)),
        "classification": draw(st.sampled_from(CLASSES)),
        "kind": draw(st.sampled_from(WORK)),
        "accelerator_kinds": draw(subset(KINDS)),
        "accelerator_count": draw(st.integers(1, 8)),
    }


def build_workload(facts: dict[str, Any]) -> Workload:
    return Workload(
        name="job_x",
        tenant=facts["tenant"],
        industry=facts["industry"],
        jurisdiction=facts["jurisdiction"],
        classification=DataClass.parse(facts["classification"]),
        kind=WorkKind(facts["kind"]),
        accelerator_kinds=tuple(facts["accelerator_kinds"]),
        accelerator_count=facts["accelerator_count"],
    )
