"""Governance cores: pricing, metering, invoices, budgets, classification, policy and neutral placement.

Everything here is pure (DESIGN.md, "pure cores"): plain values in, plain values out; no database,
no files, no clock. The governance service stores and loads; these modules decide and compute.
"""

from suanli.governance.budgets import (
    Budget,
    BudgetAlert,
    BudgetState,
    RunningWork,
    StopDecision,
    hard_stop,
    observe,
)
from suanli.governance.classification import DataClass, classify_lineage, inherit
from suanli.governance.invoice import Invoice, InvoiceLine, invoice
from suanli.governance.metering import HourlyUsage, UsageRecord, deduplicate, meter_lifetime, rollup_hourly
from suanli.governance.periods import CHINA_TZ, month_bounds
from suanli.governance.placement import Offer, Performance, TokenPrice, offers_in, rank
from suanli.governance.policy import (
    Applicability,
    Exclusion,
    PoolDecision,
    Prohibition,
    Rule,
    evaluate,
    in_force,
    load_rules,
    permitted,
)
from suanli.governance.pools import Pool
from suanli.governance.pricing import HOURS_PER_MONTH, Meter, Price, PriceBook, PriceSegment, Sku
from suanli.governance.providers import Ownership, Provider
from suanli.governance.quote import ExcludedPool, Placement, Quote, place, quote
from suanli.governance.resale import LayerCharge, ResaleLayer, resell
from suanli.governance.workloads import WorkKind, Workload

__all__ = [
    "CHINA_TZ",
    "HOURS_PER_MONTH",
    "Applicability",
    "Budget",
    "BudgetAlert",
    "BudgetState",
    "DataClass",
    "ExcludedPool",
    "Exclusion",
    "HourlyUsage",
    "Invoice",
    "InvoiceLine",
    "LayerCharge",
    "Meter",
    "Offer",
    "Ownership",
    "Performance",
    "Placement",
    "Pool",
    "PoolDecision",
    "Price",
    "PriceBook",
    "PriceSegment",
    "Prohibition",
    "Provider",
    "Quote",
    "ResaleLayer",
    "Rule",
    "RunningWork",
    "Sku",
    "StopDecision",
    "TokenPrice",
    "UsageRecord",
    "WorkKind",
    "Workload",
    "classify_lineage",
    "deduplicate",
    "evaluate",
    "hard_stop",
    "in_force",
    "inherit",
    "invoice",
    "load_rules",
    "meter_lifetime",
    "month_bounds",
    "observe",
    "offers_in",
    "permitted",
    "place",
    "quote",
    "rank",
    "resell",
    "rollup_hourly",
]
