from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from suanli.core.errors import Conflict, InvalidInput
from suanli.governance import Sku, UsageRecord, deduplicate, meter_lifetime, rollup_hourly

from .builders import at
from .strategies import records

H100 = Sku.accelerator("nvidia-h100")


def gpu_record(key: str = "k1", start: str = "2026-11-03 10:30", end: str = "2026-11-03 12:15",
               units: str = "8") -> UsageRecord:
    return UsageRecord(key, "bank", "alice", "job_1", "pool-a", H100, Decimal(units), at(start), at(end))


def test_usage_is_units_times_seconds():
    assert gpu_record().usage() == Decimal(8 * 105 * 60)
    assert gpu_record().usage(at("2026-11-03 11:00"), at("2026-11-03 12:00")) == Decimal(8 * 3600)
    assert gpu_record().usage(at("2026-11-04 00:00"), at("2026-11-05 00:00")) == 0


def test_records_are_validated():
    with pytest.raises(InvalidInput, match="ends before it starts"):
        gpu_record(start="2026-11-03 12:00", end="2026-11-03 11:00")
    with pytest.raises(InvalidInput, match="timezone-aware"):
        UsageRecord("k", "t", "u", "s", "p", H100, Decimal(1), at("2026-11-03 10:00").replace(tzinfo=None),
                    at("2026-11-03 10:00"))
    with pytest.raises(InvalidInput, match="instant"):
        UsageRecord("k", "t", "u", "s", "p", Sku.parse("million-tokens-in/m"), Decimal(1),
                    at("2026-11-03 10:00"), at("2026-11-03 11:00"))


def test_a_replayed_record_counts_once_and_a_reused_key_is_refused():
    r = gpu_record()
    assert deduplicate([r, r, gpu_record()]) == (r,)
    with pytest.raises(Conflict, match="reused"):
        deduplicate([r, gpu_record(units="4")])


def test_rollup_splits_at_hour_boundaries():
    rows = rollup_hourly([gpu_record()])
    assert [(row.hour, row.usage) for row in rows] == [
        (at("2026-11-03 10:00"), Decimal(8 * 1800)),
        (at("2026-11-03 11:00"), Decimal(8 * 3600)),
        (at("2026-11-03 12:00"), Decimal(8 * 900)),
    ]


def test_rollup_sums_records_of_the_same_hour():
    a = gpu_record("a", "2026-11-03 10:00", "2026-11-03 10:30")
    b = gpu_record("b", "2026-11-03 10:30", "2026-11-03 10:45", units="2")
    [row] = rollup_hourly([a, b])
    assert row.usage == Decimal(8 * 1800 + 2 * 900)


@given(records(), st.data())
def test_replayed_usage_never_counts_twice_and_hours_sum_to_records(rs, data):
    replays = data.draw(st.lists(st.sampled_from(rs), max_size=10)) if rs else []
    shuffled = data.draw(st.permutations(rs + replays))
    rolled = rollup_hourly(shuffled)
    assert rolled == rollup_hourly(rs)
    assert sum(row.usage for row in rolled) == sum(r.usage() for r in rs)
    for row in rolled:
        assert row.hour.minute == row.hour.second == 0
        assert row.hour.utcoffset() == timedelta(0)


def test_a_running_holder_is_metered_in_closed_hours_only():
    kw = dict(tenant="bank", user="alice", subject="job_1", pool="pool-a", sku=H100, units=Decimal(8))
    running = meter_lifetime("job_1/r0", start=at("2026-11-03 09:40"), end=None, now=at("2026-11-03 11:59"), **kw)
    assert [(r.start, r.end) for r in running] == [
        (at("2026-11-03 09:40"), at("2026-11-03 10:00")),
        (at("2026-11-03 10:00"), at("2026-11-03 11:00")),
    ]
    assert running[0].key == "job_1/r0/accelerator-hour/nvidia-h100/2026-11-03T01:40:00+00:00"
    stopped = meter_lifetime("job_1/r0", start=at("2026-11-03 09:40"), end=at("2026-11-03 11:20"),
                             now=at("2026-11-03 11:59"), **kw)
    assert stopped[:2] == running and (stopped[2].start, stopped[2].end) == (at("2026-11-03 11:00"),
                                                                           at("2026-11-03 11:20"))
    with pytest.raises(InvalidInput, match="per event"):
        meter_lifetime("x", start=at("2026-11-03 09:40"), end=None, now=at("2026-11-03 11:59"),
                       **{**kw, "sku": Sku.parse("million-tokens-in/m")})


@given(
    start=st.integers(0, 10 * 3600),
    length=st.integers(0, 30 * 3600),
    polls=st.lists(st.integers(0, 50 * 3600), max_size=8),
)
def test_metering_again_after_a_crash_reproduces_the_same_records(start, length, polls):
    """Polling at any times, in any order, then once after the end: the union counts each second once."""
    kw = dict(tenant="bank", user="alice", subject="job_1", pool="pool-a", sku=H100, units=Decimal(4))
    t0 = at("2026-11-03 00:00")
    begin, finish = t0 + timedelta(seconds=start), t0 + timedelta(seconds=start + length)
    seen: list[UsageRecord] = []
    for poll in polls:
        now = t0 + timedelta(seconds=poll)
        if now < begin:
            continue
        seen += meter_lifetime("job_1/r0", start=begin, end=finish if finish <= now else None, now=now, **kw)
    final = meter_lifetime("job_1/r0", start=begin, end=finish, now=finish + timedelta(hours=2), **kw)
    union = deduplicate(seen + list(final))  # raises Conflict if a key ever carried two amounts
    assert set(union) == set(final)
    assert sum(r.usage() for r in union) == Decimal(4 * length)
