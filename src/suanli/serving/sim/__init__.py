"""``suanli serve-sim``: replay LLM request traces through the real router and autoscaler on a
virtual clock, with the replica model documented in ``model.py``."""

from suanli.serving.sim.engine import SimConfig, offered_load, simulate, warm_start_replicas
from suanli.serving.sim.model import ReplicaModel, SimReplica
from suanli.serving.sim.replay import ReplayOutcome, ReplaySpec, replay, run_static, smallest_static
from suanli.serving.sim.result import SimResult, percentile
from suanli.serving.sim.traces import (
    RateWindow,
    SynthesisConfig,
    TraceRequest,
    load_trace,
    parse_azure,
    parse_mooncake,
    parse_servegen,
    synthesize,
)

__all__ = [
    "RateWindow",
    "ReplayOutcome",
    "ReplaySpec",
    "ReplicaModel",
    "SimConfig",
    "SimReplica",
    "SimResult",
    "SynthesisConfig",
    "TraceRequest",
    "load_trace",
    "offered_load",
    "parse_azure",
    "parse_mooncake",
    "parse_servegen",
    "percentile",
    "replay",
    "run_static",
    "simulate",
    "smallest_static",
    "synthesize",
    "warm_start_replicas",
]
