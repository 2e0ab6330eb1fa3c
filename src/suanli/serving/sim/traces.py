"""Trace readers: Azure LLM CSV, Mooncake JSONL and ServeGen 10-minute rate CSV, to one request list.

Parsing is pure (lines in, requests out); ``load_trace`` is the one function that opens a file, for
the CLI. Arrival times are seconds from the first request.
"""

from __future__ import annotations

import csv
import json
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from suanli.core.errors import InvalidInput

MOONCAKE_BLOCK_TOKENS = 512


@dataclass(frozen=True, slots=True)
class TraceRequest:
    """One request of a trace: arrival (s), prompt and output tokens, prompt block hashes."""

    arrival_s: float
    input_tokens: int
    output_tokens: int
    blocks: tuple[int, ...] = ()


def _azure_time(text: str) -> float:
    # Azure writes 7 fractional digits ("...46.6805900"); Python parses at most 6.
    head, _, frac = text.strip().partition(".")
    return datetime.fromisoformat(f"{head}.{(frac + '000000')[:6]}" if frac else head).timestamp()


def parse_azure(lines: Iterable[str]) -> list[TraceRequest]:
    """Azure LLM inference trace: ``TIMESTAMP, ContextTokens, GeneratedTokens``."""
    rows = csv.DictReader(lines)
    out: list[TraceRequest] = []
    try:
        for row in rows:
            out.append(
                TraceRequest(
                    _azure_time(row["TIMESTAMP"]), int(row["ContextTokens"]), int(row["GeneratedTokens"])
                )
            )
    except (KeyError, ValueError, TypeError) as exc:
        raise InvalidInput(f"not an Azure LLM trace row: {exc}") from exc
    return _rebase(out)


def parse_mooncake(lines: Iterable[str]) -> list[TraceRequest]:
    """Mooncake trace: JSON lines of ``timestamp`` (ms), ``input_length``, ``output_length``, ``hash_ids``."""
    out: list[TraceRequest] = []
    try:
        for line in lines:
            if not line.strip():
                continue
            row = json.loads(line)
            out.append(
                TraceRequest(
                    float(row["timestamp"]) / 1000.0,
                    int(row["input_length"]),
                    int(row["output_length"]),
                    tuple(int(h) for h in row.get("hash_ids", ())),
                )
            )
    except (KeyError, ValueError, TypeError) as exc:
        raise InvalidInput(f"not a Mooncake trace line: {exc}") from exc
    return _rebase(out)


@dataclass(frozen=True, slots=True)
class RateWindow:
    """A ServeGen row: ``rate_rps`` requests per second from ``start_s`` for ``length_s``."""

    start_s: float
    rate_rps: float
    length_s: float = 600.0


def parse_servegen(lines: Iterable[str], model: str | None = None) -> list[RateWindow]:
    """ServeGen aggregate rates (``model, window_start_s, total_rate_rps, n_clients``) of one model
    (the first in the file when ``model`` is None)."""
    windows: list[RateWindow] = []
    chosen = model
    try:
        for row in csv.DictReader(lines):
            if chosen is None:
                chosen = row["model"]
            if row["model"] == chosen:
                windows.append(RateWindow(float(row["window_start_s"]), float(row["total_rate_rps"])))
    except (KeyError, ValueError, TypeError) as exc:
        raise InvalidInput(f"not a ServeGen rate row: {exc}") from exc
    if not windows:
        raise InvalidInput(f"no ServeGen rows for model {model!r}")
    return sorted(windows, key=lambda w: w.start_s)


@dataclass(frozen=True, slots=True)
class SynthesisConfig:
    """How to turn rates into requests.

    ServeGen gives only rates, so prompt and output lengths are drawn from log-normal distributions
    whose medians and means match the Azure conversation trace (prompt median 1,020 and mean 1,155
    tokens: sigma 0.5; output median 129 and mean 211: sigma 1.0).
    ``mean_rps`` rescales the curve so that a 200 req/s production model replays on a laptop; its
    shape (diurnal peaks, idle windows) is what matters to an autoscaler. ``hours`` limits the replay.
    """

    mean_rps: float | None = 4.0
    hours: float | None = 24.0
    start_hour: float = 0.0
    seed: int = 0
    input_median: float = 1000.0
    input_sigma: float = 0.5
    output_median: float = 130.0
    output_sigma: float = 1.0


def synthesize(windows: Sequence[RateWindow], cfg: SynthesisConfig) -> list[TraceRequest]:
    """Poisson arrivals whose rate is linear between window midpoints (no cliff every 10 minutes).

    Thinning (Lewis and Shedler) against the window's peak rate keeps the process exact.
    """
    start = cfg.start_hour * 3600.0
    end = math.inf if cfg.hours is None else start + cfg.hours * 3600.0
    picked = [w for w in windows if start <= w.start_s < end]
    if not picked:
        raise InvalidInput("no rate windows in the requested time range")
    scale = 1.0
    if cfg.mean_rps is not None:
        mean = sum(w.rate_rps for w in picked) / len(picked)
        scale = cfg.mean_rps / mean if mean > 0 else 0.0
    mids = [w.start_s + w.length_s / 2 for w in picked]
    rates = [w.rate_rps * scale for w in picked]
    rng = random.Random(cfg.seed)
    out: list[TraceRequest] = []
    for i, w in enumerate(picked):
        lo, hi = w.start_s, w.start_s + w.length_s

        def rate_at(t: float, i: int = i) -> float:
            j = i if t >= mids[i] else i - 1
            if j < 0 or j + 1 >= len(mids):
                return rates[i]
            f = (t - mids[j]) / (mids[j + 1] - mids[j])
            return rates[j] + f * (rates[j + 1] - rates[j])

        peak = max(rates[max(0, i - 1) : i + 2])
        if peak <= 0:
            continue
        t = lo
        while True:
            t += rng.expovariate(peak)
            if t >= hi:
                break
            if rng.random() * peak <= rate_at(t):
                out.append(
                    TraceRequest(
                        t - start,
                        max(1, round(rng.lognormvariate(math.log(cfg.input_median), cfg.input_sigma))),
                        max(1, round(rng.lognormvariate(math.log(cfg.output_median), cfg.output_sigma))),
                    )
                )
    return out


def _rebase(requests: list[TraceRequest]) -> list[TraceRequest]:
    if not requests:
        raise InvalidInput("the trace holds no requests")
    requests.sort(key=lambda r: r.arrival_s)
    t0 = requests[0].arrival_s
    return [TraceRequest(r.arrival_s - t0, r.input_tokens, r.output_tokens, r.blocks) for r in requests]


def detect_format(path: Path, first_line: str) -> str:
    """``azure``, ``mooncake`` or ``servegen`` from the first line of the file."""
    head = first_line.strip()
    if head.startswith("{"):
        return "mooncake"
    if head.startswith("TIMESTAMP"):
        return "azure"
    if head.startswith("model,") and "rate" in head:
        return "servegen"
    raise InvalidInput(f"cannot tell the trace format of {path}", {"first_line": head[:80]})


def load_trace(
    path: Path, servegen_model: str | None = None, synthesis: SynthesisConfig | None = None
) -> list[TraceRequest]:
    """Read any of the three formats from ``path`` (the only I/O in this package)."""
    try:
        with path.open(encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except OSError as exc:
        raise InvalidInput(f"cannot read trace {path}: {exc.strerror}") from exc
    if not lines:
        raise InvalidInput(f"trace {path} is empty")
    kind = detect_format(path, lines[0])
    if kind == "azure":
        return parse_azure(lines)
    if kind == "mooncake":
        return parse_mooncake(lines)
    return synthesize(parse_servegen(lines, servegen_model), synthesis or SynthesisConfig())
