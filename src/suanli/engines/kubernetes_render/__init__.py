"""Kubernetes rendering (pure): a suanli job to the Job, Service and PodGroup objects that run it.

The kubernetes engine applies what :func:`render_job` returns; this package imports no kubernetes
client and touches no cluster, so it is tested on the rendered objects alone.
"""

from __future__ import annotations

from suanli.engines.kubernetes_render.job import (
    KUEUE_PRIORITY_LABEL,
    KUEUE_QUEUE_LABEL,
    VOLCANO_GROUP_ANNOTATION,
    Manifest,
    RenderedJob,
    render_job,
)
from suanli.engines.kubernetes_render.resources import resource_name_for
from suanli.engines.kubernetes_render.spec import GangScheduler, KubernetesJobSpec, RenderOptions

__all__ = [
    "KUEUE_PRIORITY_LABEL",
    "KUEUE_QUEUE_LABEL",
    "VOLCANO_GROUP_ANNOTATION",
    "GangScheduler",
    "KubernetesJobSpec",
    "Manifest",
    "RenderOptions",
    "RenderedJob",
    "render_job",
    "resource_name_for",
]
