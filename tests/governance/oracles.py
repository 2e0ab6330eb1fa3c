"""Independent re-computations that the tests hold the governance cores to.

They are written differently on purpose: exact ``Fraction`` arithmetic instead of ``Decimal``, a
brute-force cut at every known instant instead of segment walking, raw dictionaries instead of the
rule classes. If both agree, a bug would have to be made twice in two different ways.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from suanli.governance import CHINA_TZ, PriceBook, UsageRecord

Line = tuple[str, str, str, str, datetime]


def round_half_even_to_fen(value: Fraction) -> Decimal:
    """Round an exact amount of yuan to whole fen, ties to even, without using Decimal's rounding."""
    fen = value * 100
    whole = fen.numerator // fen.denominator
    rest = fen - whole
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and whole % 2 == 1):
        whole += 1
    return Decimal(whole) / 100


def invoice_lines(tenant: str, month: str, records: Iterable[UsageRecord],
                  books: Iterable[PriceBook]) -> dict[Line, Decimal]:
    """Line amounts keyed by (subject, user, pool, sku, price effective), recomputed from scratch."""
    year, mon = (int(x) for x in month.split("-"))
    lo = datetime(year, mon, 1, tzinfo=CHINA_TZ)
    hi = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=CHINA_TZ)
    by_pool = {b.pool: b for b in books}
    unique: dict[str, UsageRecord] = {}
    for r in records:
        unique.setdefault(r.key, r)
    exact: dict[Line, Fraction] = {}
    for r in unique.values():
        if r.tenant != tenant:
            continue
        book = by_pool[r.pool]
        versions = [p for p in book.prices if p.sku == r.sku]
        multiplier = Fraction(1)
        for layer in book.resale:
            multiplier *= 1 + Fraction(layer.markup)
        divisor = r.sku.meter.native_per_priced
        if not r.sku.meter.timed:
            if lo <= r.start < hi:
                price = max((p for p in versions if p.effective <= r.start), key=lambda p: p.effective)
                key = (r.subject, r.user, r.pool, str(r.sku), price.effective)
                amount = Fraction(r.units) * Fraction(price.unit_price) * multiplier / divisor
                exact[key] = exact.get(key, Fraction(0)) + amount
            continue
        instants = sorted({r.start, r.end, lo, hi, *(p.effective for p in versions)})
        for a, b in itertools.pairwise(instants):
            if a < max(r.start, lo) or b > min(r.end, hi):
                continue
            price = max((p for p in versions if p.effective <= a), key=lambda p: p.effective)
            seconds = Fraction((b - a) // timedelta(microseconds=1), 1_000_000)
            key = (r.subject, r.user, r.pool, str(r.sku), price.effective)
            amount = Fraction(r.units) * seconds * Fraction(price.unit_price) * multiplier / divisor
            exact[key] = exact.get(key, Fraction(0)) + amount
    return {k: round_half_even_to_fen(v) for k, v in exact.items()}


def forbidding_rules(rules: list[dict[str, Any]], pool: Mapping[str, Any], work: Mapping[str, Any],
                     now: datetime) -> set[str]:
    """Ids of the rules (as raw dicts) that forbid ``pool`` (raw facts) to ``work`` (raw facts) at ``now``."""
    latest: dict[str, dict[str, Any]] = {}
    for rule in rules:
        if rule["effective"] > now:
            continue
        if rule["id"] not in latest or rule["version"] > latest[rule["id"]]["version"]:
            latest[rule["id"]] = rule
    order = ["public", "internal", "important", "core"]
    out = set()
    for rule in latest.values():
        if rule.get("withdrawn"):
            continue
        when = rule.get("applies_to", {})
        if "tenants" in when and work["tenant"] not in when["tenants"]:
            continue
        if "industries" in when and work["industry"] not in when["industries"]:
            continue
        if "kinds" in when and work["kind"] not in when["kinds"]:
            continue
        if "classification_at_least" in when and (
            order.index(work["classification"]) < order.index(when["classification_at_least"])
        ):
            continue
        parties = [pool["provider"], *pool["resellers"]]
        checks: dict[str, Any] = {
            "outside_tenant_jurisdiction": lambda v: pool["jurisdiction"] != work["jurisdiction"],
            "jurisdictions": lambda v: pool["jurisdiction"] in v,
            "jurisdictions_except": lambda v: pool["jurisdiction"] not in v,
            "regions": lambda v: pool["region"] in v,
            "regions_except": lambda v: pool["region"] not in v,
            "lacking_certification": lambda v: v not in pool["certifications"],
            "providers": lambda v, parties=parties: any(p in v for p in parties),
            "providers_except": lambda v, parties=parties: any(p not in v for p in parties),
            "domestic_accelerators": lambda v: pool["domestic"] == v,
            "resale_layers_over": lambda v: len(pool["resellers"]) > v,
        }
        if all(checks[name](value) for name, value in rule["forbid"].items()):
            out.add(rule["id"])
    return out
