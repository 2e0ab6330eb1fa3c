"""The governance service on both databases, without HTTP: the functions other planes call."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from suanli.core import errors
from suanli.governance import Sku, UsageRecord
from suanli.governance.classification import DataClass
from suanli.governance.service import budgets, catalog, policies, quotes, record_usage
from suanli.governance.service.ledger import compute_invoice
from suanli.governance.workloads import WorkKind, Workload
from suanli.state.db import Database
from suanli.state.governance import MeteredUsage, PlacementDecision
from suanli.tenancy import tenants
from suanli.tenancy.principal import Principal
from suanli.tenancy.roles import Role

ADMIN = Principal(key_id="key_t", user_id="usr_t", user_name="ops", tenant_id="ten_admin", tenant_name="admin",
                  role=Role.PLATFORM_ADMIN)
T0 = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
RULES = """
rules:
  - id: finance-listed-providers
    version: 1
    author: compliance@bank.example
    effective: {effective}
    description: finance tenants only on listed providers
    applies_to: {{industries: [finance]}}
    forbid: {{providers_except: [telecom-cloud]}}
"""


def seed(db: Database, now: datetime = T0) -> str:
    """A finance tenant in CN-SH and two pools (one resold) priced from ``now``; returns the tenant id."""
    with db.session() as s:
        tenant = tenants.create(s, ADMIN, name="bank", industry="finance")
        catalog.create_provider(s, ADMIN, id="telecom-cloud", name="", ownership="state-owned")
        catalog.create_provider(s, ADMIN, id="river-gpu", name="", ownership="private")
        catalog.create_pool(s, ADMIN, id="sh-telecom", provider="telecom-cloud", region="cn-east",
                            jurisdiction="CN-SH", accelerators={"ascend-910b": 16})
        catalog.create_pool(s, ADMIN, id="sh-river", provider="river-gpu", region="cn-east", jurisdiction="CN-SH",
                            accelerators={"ascend-910b": 16}, resale=[("telecom-cloud", Decimal("0.05"))])
        for pool, price in (("sh-telecom", "16"), ("sh-river", "12")):
            catalog.add_price(s, ADMIN, pool, sku="accelerator-hour/ascend-910b", unit_price=Decimal(price),
                              effective=now, now=now)
        catalog.set_residency(s, ADMIN, "bank", "CN-SH")
        return tenant.id


def slice_(tenant_id: str, key: str, start: datetime, units: str = "8") -> UsageRecord:
    return UsageRecord(key, tenant_id, "alice", "job_a", "sh-telecom", Sku.parse("accelerator-hour/ascend-910b"),
                       Decimal(units), start, start + timedelta(hours=1))


def seed_usage(db: Database, webhook: str | None = None) -> tuple[str, str, datetime]:
    """A tenant with a ¥100 budget and ¥128 spent in 2026-11; returns (tenant id, month, a time after it)."""
    tenant_id = seed(db)
    with db.session() as s:
        budgets.set_budget(s, ADMIN, "bank", "2026-11", limit=Decimal("100"), hard_stop=True, webhook_url=webhook)
        record_usage(s, [slice_(tenant_id, "k", T0)])
    return tenant_id, "2026-11", T0 + timedelta(hours=2)


def test_record_usage_is_idempotent_and_refuses_reused_keys(db: Database) -> None:
    tenant_id = seed(db)
    records = [slice_(tenant_id, f"job_a/r0/{i}", T0 + timedelta(hours=i)) for i in range(5)]
    with db.session() as s:
        assert record_usage(s, records).recorded == 5
    with db.session() as s:
        assert record_usage(s, records[2:] + records).duplicates == 5
    with pytest.raises(errors.Conflict), db.session() as s:
        record_usage(s, [slice_(tenant_id, "new", T0), slice_(tenant_id, "job_a/r0/1", T0, units="7")])
    with pytest.raises(errors.InvalidInput, match="tenant must be given by id"), db.session() as s:
        record_usage(s, [slice_("bank", "by-name", T0)])
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(MeteredUsage)) == 5
        assert compute_invoice(s, tenant_id, "2026-11").total == Decimal("640.00")


def test_policy_uploads_never_change_the_past(db: Database) -> None:
    seed(db)
    with db.session() as s:
        first = policies.upload(s, ADMIN, RULES.format(effective=T0.isoformat()), now=T0)
        assert (first.version, first.rule_count, first.author) == (1, 1, "ops")
    later = T0 + timedelta(days=1)
    changed = RULES.format(effective=T0.isoformat()).replace("[telecom-cloud]", "[telecom-cloud, river-gpu]")
    with pytest.raises(errors.InvalidInput, match="changes rule finance-listed-providers version 1"), \
            db.session() as s:
        policies.upload(s, ADMIN, changed, now=later)
    with pytest.raises(errors.InvalidInput, match="in the past"), db.session() as s:
        policies.upload(s, ADMIN, RULES.format(effective=T0.isoformat()) + changed.split("rules:")[1].replace(
            "version: 1", "version: 2").replace(T0.isoformat(), (T0 + timedelta(hours=1)).isoformat()), now=later)
    with pytest.raises(errors.InvalidInput, match=r"policy v2 line \d+"), db.session() as s:
        policies.upload(s, ADMIN, "rules:\n  - {id: r, version: 1}\n", now=later)
    v2 = RULES.format(effective=T0.isoformat()) + changed.split("rules:")[1].replace(
        "version: 1", "version: 2").replace(T0.isoformat(), (later + timedelta(hours=1)).isoformat())
    with db.session() as s:
        assert policies.upload(s, ADMIN, v2, now=later).version == 2
        rules, version = policies.current_rules(s)
        assert version == 2 and [(r.id, r.version) for r in rules] == [("finance-listed-providers", 1),
                                                                         ("finance-listed-providers", 2)]


def test_placement_is_recorded_with_its_explanation(db: Database) -> None:
    tenant_id = seed(db)
    with db.session() as s:
        policies.upload(s, ADMIN, RULES.format(effective=T0.isoformat()), now=T0)
    work = Workload(name="job_sft", tenant="bank", industry="finance", jurisdiction="CN-SH",
                    classification=DataClass.IMPORTANT, kind=WorkKind.TRAINING, accelerator_kinds=("ascend-910b",),
                    accelerator_count=8)
    with db.session() as s:
        placement = quotes.place_workload(s, tenant_id, work, T0 + timedelta(hours=1))
    assert placement.offer is not None and placement.offer.pool == "sh-telecom"
    with db.session() as s:
        (row,) = s.scalars(select(PlacementDecision)).all()
        assert (row.purpose, row.chosen_pool, row.policy_version) == ("placement", "sh-telecom", 1)
        assert "excluded by rule finance-listed-providers version 1" in row.document["excluded"][0]["explanation"]
        assert row.document["excluded"][0]["pool"] == "sh-river"


def test_months_out_of_the_calendar_are_refused() -> None:
    from suanli.governance.periods import month_bounds

    for month in ("0000-01", "9999-12", "2026-00", "2026-13", "26-11"):
        with pytest.raises(errors.InvalidInput, match="month must look like 2026-11"):
            month_bounds(month)
    assert month_bounds("9998-12")[1].year == 9999
