"""The catalog, rules and quotes through the API: who may edit, and what a quote shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from tests.billing.helpers import tenant_world, usage

from suanli.core import errors

RULES = """
rules:
  - id: finance-listed-providers
    version: 1
    author: compliance@bank.example
    effective: {effective}
    description: finance tenants only on providers of the qualified-supplier list
    applies_to: {{industries: [finance]}}
    forbid: {{providers_except: [telecom-cloud, river-gpu]}}
"""


def test_only_platform_admins_edit_the_catalog(platform) -> None:  # type: ignore[no-untyped-def]
    admin, actors, _ = tenant_world(platform.url, platform.admin_token)
    owner = actors["tenant-admin"].client(platform.url)
    edits = [
        lambda: owner.create_provider("x", ownership="private"),
        lambda: owner.create_pool("x", provider="river-gpu", region="r", jurisdiction="CN"),
        lambda: owner.add_price("sh-telecom", "cpu-core-hour", "0.01"),
        lambda: owner.upload_policy("rules: []"),
        lambda: owner.policy_versions(),
        lambda: owner.record_usage([usage("k", "bank", datetime.now(UTC) + timedelta(hours=3))]),
        lambda: owner.set_residency("bank", "HK"),
    ]
    for edit in edits:
        with pytest.raises(errors.Forbidden):
            edit()
    assert [p["id"] for p in owner.pools()] == ["sh-river", "sh-telecom"]  # reading the catalog is open
    assert owner.pool("sh-river")["resale"] == [{"reseller": "province-agent", "markup": "0.1"},
                                                {"reseller": "telecom-cloud", "markup": "0.05"}]
    assert len(owner.prices("sh-river")) == 4
    with pytest.raises(errors.Conflict):
        admin.create_pool("sh-river", provider="river-gpu", region="r", jurisdiction="CN")
    with pytest.raises(errors.InvalidInput, match="no provider 'nobody'"):
        admin.create_pool("p2", provider="nobody", region="r", jurisdiction="CN")
    with pytest.raises(errors.InvalidInput, match="unknown accelerator kind"):
        admin.add_price("sh-river", "accelerator-hour/nvidia-h1000", "1")


def test_quote_lists_offers_layers_and_exclusions(platform) -> None:  # type: ignore[no-untyped-def]
    admin, actors, _ = tenant_world(platform.url, platform.admin_token)
    viewer = actors["viewer"].client(platform.url)
    spec = {"name": "job_sft", "classification": "important",
            "accelerators": {"kinds": ["nvidia-h100", "ascend-910b"], "count": 8}}
    at = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    q = viewer.quote("bank", {**spec, "at": at})  # no rules yet: every fit pool offers
    assert [(o["pool"], o["accelerator_kind"]) for o in q["offers"]] == [
        ("sh-river", "ascend-910b"), ("sh-telecom", "ascend-910b"), ("sh-river", "nvidia-h100")]
    river = q["offers"][0]
    assert Decimal(river["price_per_hour"]) == Decimal("110.88")  # 8 x 12.00 x 1.10 x 1.05
    assert [(x["reseller"], x["added_yuan"]) for x in river["resale_layers"]] == [
        ("province-agent", "9.60"), ("telecom-cloud", "5.28")]
    assert q["excluded"] == [] and q["offers"][2]["price_per_hour"].startswith("197.458")  # 8 x 21.37 x 1.155

    admin.upload_policy(RULES.format(effective=at), note="supplier list 2026")
    assert [v["version"] for v in admin.policy_versions()] == [1]
    q = viewer.quote("bank", {**spec, "at": at})
    assert q["chosen"] == "sh-telecom" and q["policy_version"] == 1
    (excluded,) = [e for e in q["excluded"] if e["pool"] == "sh-river"]
    assert excluded["by_policy"][0].startswith("pool sh-river excluded by rule finance-listed-providers version 1")
    assert "province-agent" in excluded["explanation"]
    decisions = viewer.placement_decisions("bank")
    assert [d["chosen_pool"] for d in decisions] == ["sh-telecom", "sh-river"]
    assert decisions[0]["policy_version"] == 1 and decisions[0]["id"] == q["decision_id"]
    # Times at the calendar's edges are refused, including one that moving to UTC would push off it.
    for edge in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-05:00", "1999-12-31T23:00:00+00:00"):
        with pytest.raises(errors.InvalidInput, match="between the years 2000 and 2200"):
            viewer.quote("bank", {**spec, "at": edge})
    with pytest.raises(errors.InvalidInput, match="no data jurisdiction"):
        admin.create_tenant("other")
        admin.quote("other", spec)
