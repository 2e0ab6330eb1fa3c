"""Reading job traces for the simulator: the plain CSV format and the Philly file.

This is the simulator's only I/O and lives apart from the core on purpose. Malformed rows are not fatal:
they are skipped and reported with their line number, so one bad line does not hide a 100,000-row trace.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from suanli.core.errors import InvalidInput

FORMATS = ("csv", "philly")


@dataclass(frozen=True, slots=True)
class TraceJob:
    """One job of a trace: submission (seconds from the trace start), true duration, devices, owner."""

    id: str
    submit_time: float
    duration: float
    num_gpus: int
    tenant: str = "default"
    priority: int = 0


@dataclass(slots=True)
class Trace:
    """The jobs of a trace in submission order, and the rows that could not be read (line, why)."""

    jobs: list[TraceJob] = field(default_factory=list)
    malformed: list[tuple[int, str]] = field(default_factory=list)


def read_trace(path: Path, fmt: str = "csv") -> Trace:
    """Read a trace file in format ``csv`` or ``philly``."""
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown trace format {fmt!r}", details={"known": list(FORMATS)})
    try:
        with path.open(newline="", encoding="utf-8") as f:
            return parse_trace(f, fmt)
    except OSError as e:
        raise InvalidInput(f"cannot read trace {path}: {e.strerror}") from None


def parse_trace(lines: Iterable[str], fmt: str = "csv") -> Trace:
    """Parse trace rows (header first) in format ``csv`` or ``philly``."""
    reader = csv.DictReader(lines)
    fields = set(reader.fieldnames or ())
    need = {"timestamp", "duration", "num_gpus"} if fmt == "philly" else {"submit_time", "duration", "num_gpus"}
    if not need <= fields:
        raise InvalidInput(f"trace lacks columns {sorted(need - fields)} for format {fmt!r}")
    trace = Trace()
    rows = _philly(reader, trace) if fmt == "philly" else _plain(reader, trace)
    trace.jobs = sorted(rows, key=lambda j: (j.submit_time, int(j.id)))
    return trace


def _common(row: dict[str, str], line: int, submit: float) -> TraceJob:
    duration = float(row["duration"])
    gpus = int(float(row["num_gpus"]))
    if duration < 0 or submit < 0 or gpus < 1 or duration != duration:
        raise ValueError("negative time or fewer than one GPU")
    return TraceJob(str(line), submit, duration, gpus, (row.get("tenant") or "default").strip(),
                    int(row.get("priority") or 0))


def _plain(reader: csv.DictReader[str], trace: Trace) -> Iterator[TraceJob]:
    for row in reader:
        line = reader.line_num
        try:
            yield _common(row, line, float(row["submit_time"]))
        except (ValueError, TypeError, KeyError) as e:
            trace.malformed.append((line, str(e) or type(e).__name__))


def _philly(reader: csv.DictReader[str], trace: Trace) -> Iterator[TraceJob]:
    parsed: list[tuple[datetime, dict[str, str], int]] = []
    for row in reader:
        try:
            parsed.append((datetime.strptime(row["timestamp"], "%Y-%m-%d %H:%M:%S"), row, reader.line_num))
        except (ValueError, TypeError, KeyError) as e:
            trace.malformed.append((reader.line_num, str(e) or type(e).__name__))
    if not parsed:
        return
    start = min(t for t, _, _ in parsed)
    for t, row, line in parsed:
        try:
            job = _common(row, line, (t - start).total_seconds())
        except (ValueError, TypeError, KeyError) as e:
            trace.malformed.append((line, str(e) or type(e).__name__))
            continue
        # The virtual cluster a job ran in is its tenant: Philly's teams each had one.
        yield TraceJob(job.id, job.submit_time, job.duration, job.num_gpus,
                       (row.get("cluster") or "default").strip(), 0)
