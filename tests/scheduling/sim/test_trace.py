from __future__ import annotations

import io
from pathlib import Path

import pytest

from suanli.core.errors import InvalidInput
from suanli.scheduling.sim import parse_trace, read_trace

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "scheduling" / "philly_head.csv"


def test_plain_csv_with_malformed_rows_reported_by_line() -> None:
    text = ("submit_time,duration,num_gpus,tenant,priority\n"
            "0,100,1,a,0\n"
            "5,abc,1,a,0\n"
            "3,50,2,b,1\n"
            "7,10,0,b,0\n")
    t = parse_trace(io.StringIO(text))
    assert [(j.submit_time, j.duration, j.num_gpus, j.tenant, j.priority) for j in t.jobs] == [
        (0.0, 100.0, 1, "a", 0), (3.0, 50.0, 2, "b", 1)]
    assert [line for line, _ in t.malformed] == [3, 5]


def test_missing_columns_are_an_error() -> None:
    with pytest.raises(InvalidInput, match="lacks columns"):
        parse_trace(io.StringIO("a,b\n1,2\n"))


def test_philly_format_uses_wall_clock_and_cluster_as_tenant() -> None:
    t = read_trace(FIXTURE, "philly")
    assert len(t.jobs) == 5 and not t.malformed
    assert t.jobs[0].submit_time == 0.0
    assert {j.tenant for j in t.jobs} >= {"11cb48", "6214e9"}
    # 2017-09-29 07:58:32 is the earliest submission; 2017-10-09 07:01:55 is 10 days less 3,397 s later.
    first = next(j for j in t.jobs if j.duration == 66.0)
    assert first.submit_time == 10 * 86_400 - 3_397
    assert next(j for j in t.jobs if j.duration == 860662.0).submit_time == 0.0


def test_unreadable_file_is_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot read trace"):
        read_trace(tmp_path / "missing.csv")
