"""The virtual-clock replay: trace requests through the real ``Router`` and ``Autoscaler``.

One event loop, no threads, no wall clock. Arrivals come from the (sorted) trace; replica readiness,
request completion and autoscaler ticks come from a heap. The gateway behaviour modelled here is the
one the real gateway implements: route to a replica with a free sequence slot, else hold the request
in a bounded FIFO wait queue until a slot frees or a replica becomes ready, and fail it after
``queue_timeout_s``.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from suanli.serving.autoscaling import Autoscaler, Bounds, MetricsSample, PolicyMemory, ScalingState
from suanli.serving.autoscaling.llm import staffed_replicas
from suanli.serving.routing import Router, RouteRequest, WaitQueue
from suanli.serving.sim.model import ReplicaModel, SimReplica
from suanli.serving.sim.result import SimResult, summarize
from suanli.serving.sim.traces import TraceRequest

_FINISH, _READY, _TICK = 0, 1, 2  # at equal times, free slots before ticking


@dataclass(frozen=True)
class SimConfig:
    """Replay settings. ``initial_replicas`` None: the deployment is already warm with enough
    replicas for the first minute's offered load (every policy starts from the same count).

    The replay starts with an empty system, so the first seconds of metrics show a ramp from zero
    that never happened; the autoscaler is consulted only after ``warmup_s`` (one stable window), as
    a freshly started controller that waits for a full window of metrics would.
    """

    model: ReplicaModel = field(default_factory=ReplicaModel)
    slo_ttft_s: float = 2.0
    tick_s: float = 2.0
    bounds: Bounds = field(default_factory=Bounds)
    initial_replicas: int | None = None
    queue_capacity: int = 100_000
    queue_timeout_s: float = 600.0
    metrics_window_s: float = 600.0
    warmup_s: float = 60.0
    seed: int = 0


def offered_load(
    requests: Sequence[TraceRequest], model: ReplicaModel, start: float, seconds: float
) -> float:
    """Mean concurrent sequences the requests arriving in ``[start, start+seconds)`` ask for."""
    end = start + seconds
    busy = sum(
        model.service_s(r.input_tokens, r.output_tokens) for r in requests if start <= r.arrival_s < end
    )
    return busy / seconds


def warm_start_replicas(requests: Sequence[TraceRequest], model: ReplicaModel) -> int:
    """Replicas already running when the replay starts: the busiest of the first five minutes'
    offered load, square-root staffed. Traces often start mid-ramp (or with a partial first minute),
    and a start that is short of capacity would charge every policy for the trace's cut, not its own."""
    load = max(offered_load(requests, model, 60.0 * m, 60.0) for m in range(5))
    return max(1, staffed_replicas(load, model.max_seqs, 1.5))


class _Replay:
    """The mutable state of one replay; ``simulate`` is its only user."""

    def __init__(self, requests: Sequence[TraceRequest], autoscaler: Autoscaler, router: Router,
                 cfg: SimConfig) -> None:
        self.requests = requests
        self.autoscaler = autoscaler
        self.router = router
        self.cfg = cfg
        self.model = cfg.model
        self.rng = random.Random(cfg.seed)
        self.heap: list[tuple[float, int, int, SimReplica | None]] = []
        self.seq = itertools.count()
        self.replicas: list[SimReplica] = []  # ordered and not stopped (starting, ready, draining)
        self.serving: list[SimReplica] = []  # ready and not draining: what the router sees
        self.stopped: list[SimReplica] = []
        self.queue: WaitQueue[int] = WaitQueue(cfg.queue_capacity, cfg.queue_timeout_s)
        self.window: deque[MetricsSample] = deque()
        self.memory = PolicyMemory()
        self.ttft: list[float] = [math.inf] * len(requests)
        self.names = itertools.count()
        self.cold_starts = 0
        self.peak = 0
        self.warm_blocks = 0
        self.total_blocks = 0
        # Time-weighted concurrency: area under (running + queued) since the last tick.
        self.running = 0
        self.area = 0.0
        self.last_t = 0.0
        self.tick_arrivals = 0
        self.tick_tokens = 0
        self.tick_prompt = 0
        self.tick_ttft: list[float] = []

    # --- bookkeeping -------------------------------------------------------------------------
    def _advance(self, t: float) -> None:
        self.area += (self.running + len(self.queue)) * (t - self.last_t)
        self.last_t = t

    def _push(self, t: float, kind: int, replica: SimReplica | None) -> None:
        heapq.heappush(self.heap, (t, next(self.seq), kind, replica))

    def _order(self, t: float, warm: bool) -> None:
        ready_at = t if warm else t + self.model.cold_start_s
        r = SimReplica(f"r{next(self.names)}", t, ready_at, self.model)
        self.replicas.append(r)
        if warm:
            r.ready = True
            self.serving.append(r)
        else:
            self.cold_starts += 1
            self._push(ready_at, _READY, r)
        self.peak = max(self.peak, len(self.replicas))

    def _stop(self, r: SimReplica, t: float) -> None:
        r.stopped_at = t
        self.replicas.remove(r)
        if r in self.serving:
            self.serving.remove(r)
        self.stopped.append(r)

    # --- requests ----------------------------------------------------------------------------
    def _start(self, index: int, r: SimReplica, t: float) -> None:
        req = self.requests[index]
        model = self.model
        cached_tokens = 0
        if req.blocks:
            hits = r.cached_prefix(req.blocks)
            self.warm_blocks += hits
            self.total_blocks += len(req.blocks)
            cached_tokens = min(req.input_tokens, hits * model.block_tokens)
            r.remember(req.blocks)
        prefill_s = (req.input_tokens - cached_tokens) / model.prefill_tokens_per_s
        first_token = max(t, r.prefill_free_at) + prefill_s
        r.prefill_free_at = first_token
        self.ttft[index] = first_token - req.arrival_s
        # Counted when scheduled rather than when the token appears: at most one prefill early.
        self.tick_ttft.append(first_token - req.arrival_s)
        r.outstanding += 1
        self.running += 1
        self._push(first_token + req.output_tokens / model.decode_tokens_per_s, _FINISH, r)

    def _dispatch(self, index: int, t: float) -> bool:
        req = self.requests[index]
        r = self.router.pick(RouteRequest(prefix_blocks=req.blocks), self.serving, self.rng)
        if r is None:
            return False
        self._start(index, r, t)
        return True

    def _drain_queue(self, t: float) -> None:
        while True:
            head = self.queue.peek()
            if head is None or not self._dispatch(head, t):
                return
            self.queue.pop()

    # --- autoscaling -------------------------------------------------------------------------
    def _tick(self, t: float) -> None:
        tick = self.cfg.tick_s
        if t < self.cfg.warmup_s:
            # The system is still filling from empty: such samples would show a steep ramp that never
            # happened and send the trend far up; start the window once the warm-up is over.
            self.area = 0.0
            self.tick_arrivals = self.tick_tokens = self.tick_prompt = 0
            self.tick_ttft = []
            return
        ttfts = sorted(self.tick_ttft)
        p90 = ttfts[min(len(ttfts) - 1, int(0.9 * len(ttfts)))] if ttfts else None
        self.window.append(
            MetricsSample(t, self.area / tick, len(self.queue), self.tick_arrivals / tick,
                          self.tick_tokens / tick, self.tick_prompt / tick, p90)
        )
        self.area = 0.0
        self.tick_arrivals = self.tick_tokens = self.tick_prompt = 0
        self.tick_ttft = []
        while self.window and self.window[0].at <= t - self.cfg.metrics_window_s:
            self.window.popleft()
        self.queue.expire(t)  # timed-out requests keep ttft = inf: failures

        active = [r for r in self.replicas if not r.draining]
        state = ScalingState(len(active), sum(1 for r in active if r.ready), self.cfg.bounds, self.memory)
        rec = self.autoscaler.recommend(state, self.window, t)
        self.memory = rec.memory
        self._scale(rec.replicas, active, t)

    def _scale(self, desired: int, active: list[SimReplica], t: float) -> None:
        if desired > len(active):
            need = desired - len(active)
            # A draining replica is warm: taking it back is free, a new one costs a cold start.
            for r in [r for r in self.replicas if r.draining][:need]:
                r.draining = False
                self.serving.append(r)
                need -= 1
            for _ in range(need):
                self._order(t, warm=False)
            self._drain_queue(t)
        elif desired < len(active):
            surplus = len(active) - desired
            # Cancel replicas still starting first (newest first), then drain the least busy.
            starting = sorted((r for r in active if not r.ready), key=lambda r: -r.ordered_at)
            for r in starting[:surplus]:
                self._stop(r, t)
                surplus -= 1
            for r in sorted((r for r in active if r.ready), key=lambda r: r.outstanding)[:surplus]:
                r.draining = True
                self.serving.remove(r)
                if r.outstanding == 0:
                    self._stop(r, t)

    # --- the loop ----------------------------------------------------------------------------
    def run(self) -> SimResult:
        requests = self.requests
        initial = self.cfg.initial_replicas
        if initial is None:
            initial = warm_start_replicas(requests, self.model)
        for _ in range(self.cfg.bounds.clamp(initial)):
            self._order(0.0, warm=True)
        self._push(self.cfg.tick_s, _TICK, None)
        i, n, end = 0, len(requests), 0.0
        while True:
            next_arrival = requests[i].arrival_s if i < n else math.inf
            if self.heap and self.heap[0][0] <= next_arrival:
                t, _, kind, r = heapq.heappop(self.heap)
                self._advance(t)
                if kind == _FINISH and r is not None:
                    r.outstanding -= 1
                    self.running -= 1
                    end = t
                    if r.draining and r.outstanding == 0:
                        self._stop(r, t)
                    else:
                        self._drain_queue(t)
                elif kind == _READY and r is not None:
                    if r.stopped_at is None:
                        r.ready = True
                        r.prefill_free_at = t
                        self.serving.append(r)
                        self._drain_queue(t)
                else:
                    self._tick(t)
                    if i < n or self.running or len(self.queue):
                        self._push(t + self.cfg.tick_s, _TICK, None)
            elif i < n:
                t = next_arrival
                self._advance(t)
                req = requests[i]
                self.tick_arrivals += 1
                self.tick_tokens += req.input_tokens + req.output_tokens
                self.tick_prompt += req.input_tokens
                if not self._dispatch(i, t) and not self.queue.offer(i, t):
                    pass  # rejected: a full wait queue answers 503, the request stays a failure
                i += 1
            else:
                break
        end = max(end, requests[-1].arrival_s if requests else 0.0)
        for r in list(self.replicas):
            self._stop(r, max(end, r.ordered_at))
        hours = sum((r.stopped_at or end) - r.ordered_at for r in self.stopped) / 3600.0
        share = self.warm_blocks / self.total_blocks if self.total_blocks else None
        return summarize(
            self.ttft, self.cfg.slo_ttft_s, hours, self.peak, self.cold_starts, share, end / 3600.0
        )


def simulate(
    requests: Sequence[TraceRequest], autoscaler: Autoscaler, router: Router, cfg: SimConfig
) -> SimResult:
    """Replay ``requests`` and summarise what users and the bill would have seen."""
    return _Replay(requests, autoscaler, router, cfg).run()
