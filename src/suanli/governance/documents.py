"""Plain JSON-ready documents of governance values, for the CLI, the REST API and the console.

Money stays exact: Decimals become strings (``"202.4000"``), never floats; ``*_yuan`` fields carry
the same amount rounded to the fen for display. Times are ISO 8601 with their offset.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from suanli.core.money import yuan
from suanli.governance.invoice import Invoice
from suanli.governance.placement import Offer
from suanli.governance.policy.evaluation import PoolDecision
from suanli.governance.quote import Quote
from suanli.governance.resale import LayerCharge


def _money(value: Decimal) -> str:
    # Fixed-point text, never exponent notation ("1E+2") and never a float.
    return format(value, "f")


def layers_document(layers: Iterable[LayerCharge]) -> list[dict[str, Any]]:
    """Each resale layer: who, markup, price in, what it adds, price out."""
    return [
        {
            "reseller": c.reseller,
            "markup": str(c.markup),
            "price_in": _money(c.price_in),
            "added": _money(c.added),
            "added_yuan": str(yuan(c.added)),
            "price_out": _money(c.price_out),
        }
        for c in layers
    ]


def offer_document(offer: Offer) -> dict[str, Any]:
    """One offer of a quote."""
    return {
        "pool": offer.pool,
        "accelerator_kind": offer.accelerator_kind,
        "accelerator_count": offer.accelerator_count,
        "price_per_hour": _money(offer.hourly),
        "price_per_hour_yuan": str(yuan(offer.hourly)),
        "base_price_per_hour": _money(offer.hourly_base),
        "resale_layers": layers_document(offer.layers),
        "price_per_million_tokens": [
            {"sku": str(t.sku), "price": _money(t.price), "base": _money(t.base),
             "resale_layers": layers_document(t.layers)}
            for t in offer.token_prices
        ],
        "performance": str(offer.performance),
        "score": _money(offer.score),
        "explanation": offer.explanation,
    }


def decision_document(decision: PoolDecision) -> dict[str, Any]:
    """One pool's policy decision with every exclusion."""
    return {
        "pool": decision.pool,
        "permitted": decision.permitted,
        "exclusions": [
            {"rule": e.rule, "version": e.version, "author": e.author, "reasons": list(e.reasons),
             "message": str(e)}
            for e in decision.exclusions
        ],
    }


def quote_document(quote: Quote) -> dict[str, Any]:
    """A whole quote: offers best first, the chosen pool, and every excluded pool with its reasons."""
    return {
        "workload": quote.workload,
        "at": quote.at.isoformat(),
        "chosen": quote.chosen.pool if quote.chosen else None,
        "offers": [offer_document(o) for o in quote.offers],
        "excluded": [
            {
                "pool": e.pool,
                "by_policy": [str(x) for x in e.by_policy],
                "unfit": list(e.unfit),
                "explanation": e.explain(),
            }
            for e in quote.excluded
        ],
        "pending_reason": quote.pending_reason or None,
    }


def invoice_document(invoice: Invoice) -> dict[str, Any]:
    """An invoice with its lines, total and showback by user and by job/deployment."""
    return {
        "tenant": invoice.tenant,
        "month": invoice.month,
        "currency": invoice.currency,
        "total": str(invoice.total),
        "lines": [
            {
                "subject": ln.subject,
                "user": ln.user,
                "pool": ln.pool,
                "sku": str(ln.sku),
                "price_effective": ln.price_effective.isoformat(),
                "usage": _money(ln.usage),
                "usage_unit": ln.usage_unit,
                "quantity": str(ln.quantity),
                "base_unit_price": _money(ln.base_unit_price),
                "unit_price": _money(ln.unit_price),
                "resale_layers": layers_document(ln.layers),
                "amount": str(ln.amount),
            }
            for ln in invoice.lines
        ],
        "by_user": {k: str(v) for k, v in sorted(invoice.by_user().items())},
        "by_subject": {k: str(v) for k, v in sorted(invoice.by_subject().items())},
    }
