"""Trace replay through the scheduling core: ``read_trace``, ``machine``, ``simulate``, ``summarize``."""

from suanli.scheduling.sim.engine import JobRecord, SimRun, machine, simulate
from suanli.scheduling.sim.metrics import percentile, summarize
from suanli.scheduling.sim.trace import FORMATS, Trace, TraceJob, parse_trace, read_trace

__all__ = ["FORMATS", "JobRecord", "SimRun", "Trace", "TraceJob", "machine", "parse_trace", "percentile",
           "read_trace", "simulate", "summarize"]
