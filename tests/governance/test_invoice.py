from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from suanli.core.errors import InvalidInput
from suanli.governance import Invoice, PriceBook, ResaleLayer, Sku, UsageRecord, invoice

from . import oracles
from .builders import at, prices, provider
from .strategies import MONTH, books, records

H100 = Sku.accelerator("nvidia-h100")
TOKENS = Sku.parse("million-tokens-in/qwen2.5-72b")
CPU = Sku.parse("cpu-core-hour")


def book(resale: str | None = "0.10") -> PriceBook:
    table = {
        "accelerator-hour/nvidia-h100": [("2026-01-01 00:00", "20"), ("2026-11-15 00:00", "18.5")],
        "million-tokens-in/qwen2.5-72b": "4",
        "cpu-core-hour": [("2026-01-01 00:00", "0.125"), ("2026-11-20 00:00", "0.135")],
    }
    layers = (ResaleLayer(provider("prime"), Decimal(resale)),) if resale else ()
    return PriceBook("pool-a", "op", prices(table), layers)


def rec(key: str, sku: Sku, units: str, start: str, end: str | None = None, user: str = "alice",
        subject: str = "job_1", tenant: str = "bank") -> UsageRecord:
    return UsageRecord(key, tenant, user, subject, "pool-a", sku, Decimal(units), at(start), at(end or start))


def test_usage_spanning_a_price_change_becomes_two_lines_at_each_price():
    inv = invoice("bank", "2026-11", [rec("g", H100, "8", "2026-11-14 22:00", "2026-11-15 03:00")], [book()])
    assert [(ln.base_unit_price, ln.unit_price, ln.quantity, ln.amount) for ln in inv.lines] == [
        (Decimal("20"), Decimal("22.00"), Decimal("16"), Decimal("352.00")),
        (Decimal("18.5"), Decimal("20.350"), Decimal("24"), Decimal("488.40")),
    ]
    assert inv.total == Decimal("840.40")
    assert inv.lines[0].layers[0].reseller == "prime"


def test_each_line_is_rounded_once_half_to_even():
    records = [
        rec("c1", CPU, "1", "2026-11-03 10:00", "2026-11-03 11:00", subject="job_a"),  # 0.125 -> 0.12
        rec("c2", CPU, "1", "2026-11-21 10:00", "2026-11-21 11:00", subject="job_b"),  # 0.135 -> 0.14
        # Ten 0.0125 pieces of one line: summed exactly to 0.125 first, then rounded once to 0.12;
        # rounding each piece would have given 10 x 0.01 = 0.10.
        *(UsageRecord(f"s{i}", "bank", "alice", "job_c", "pool-a", CPU, Decimal(1), t, t + timedelta(minutes=6))
          for i, t in enumerate(at("2026-11-04 10:00") + timedelta(minutes=6 * n) for n in range(10))),
    ]
    inv = invoice("bank", "2026-11", records, [book(resale=None)])
    assert inv.by_subject() == {"job_a": Decimal("0.12"), "job_b": Decimal("0.14"), "job_c": Decimal("0.12")}


def test_usage_is_clipped_to_the_month_in_china_time():
    r = rec("g", H100, "1", "2026-10-31 23:00", "2026-11-01 01:00")
    assert invoice("bank", "2026-11", [r], [book(None)]).total == Decimal("20.00")
    assert invoice("bank", "2026-10", [r], [book(None)]).total == Decimal("20.00")
    assert invoice("bank", "2026-12", [r], [book(None)]).lines == ()


def test_tokens_are_billed_per_million_and_showback_adds_up():
    records = [
        rec("t1", TOKENS, "1234567", "2026-11-03 10:00", user="alice", subject="dep_1"),
        rec("t2", TOKENS, "500000", "2026-11-03 11:00", user="bob", subject="dep_1"),
        rec("g", H100, "2", "2026-11-05 00:00", "2026-11-05 01:30", user="bob", subject="job_9"),
        rec("x", H100, "8", "2026-11-05 00:00", "2026-11-06 00:00", tenant="someone-else"),
    ]
    inv = invoice("bank", "2026-11", records, [book(None)])
    assert inv.by_user() == {"alice": Decimal("4.94"), "bob": Decimal("62.00")}
    assert inv.total == Decimal("66.94") == sum(inv.by_user().values()) == sum(inv.by_subject().values())


def test_unpriced_usage_and_unknown_pools_are_refused():
    early = rec("e", H100, "1", "2025-12-31 23:00", "2026-01-01 01:00")
    with pytest.raises(InvalidInput, match="no price"):
        invoice("bank", "2025-12", [early], [book()])
    with pytest.raises(InvalidInput, match="no price book"):
        invoice("bank", "2026-11", [rec("g", H100, "1", "2026-11-03 10:00", "2026-11-03 11:00")], [])
    with pytest.raises(InvalidInput, match="month must look like"):
        invoice("bank", "2026-13", [], [])


def assert_matches_oracle(inv: Invoice, records, price_books) -> None:
    expected = oracles.invoice_lines("bank", MONTH, records, price_books)
    got = {(ln.subject, ln.user, ln.pool, str(ln.sku), ln.price_effective): ln.amount for ln in inv.lines}
    # The oracle keeps lines that have no usage in the month's pieces; both must agree on every amount.
    assert {k: v for k, v in got.items() if v} == {k: v for k, v in expected.items() if v}
    assert inv.total == sum(expected.values())


@settings(max_examples=150, deadline=None)
@given(books(), records())
def test_invoice_matches_an_independent_recomputation_to_the_fen(price_books, rs):
    inv = invoice("bank", MONTH, rs, price_books)
    assert_matches_oracle(inv, rs, price_books)
    assert inv.total == sum(inv.by_user().values())


@settings(max_examples=50, deadline=None)
@given(books(), records(), st.data())
def test_replayed_usage_never_changes_an_invoice(price_books, rs, data):
    replays = data.draw(st.lists(st.sampled_from(rs), max_size=10)) if rs else []
    assert invoice("bank", MONTH, data.draw(st.permutations(rs + replays)), price_books) == invoice(
        "bank", MONTH, rs, price_books
    )
