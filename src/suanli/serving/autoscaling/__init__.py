"""Pure autoscaling cores: plain data in, a replica count out; ``now`` is always an argument.

``Autoscaler(policy).recommend(state, window, now) -> Recommendation`` is what the deployment
controller and ``suanli serve-sim`` call. Policies: ``static-peak``, ``kpa`` (Knative) and ``suanli``.
"""

from suanli.serving.autoscaling.kpa import Kpa, KpaConfig
from suanli.serving.autoscaling.llm import LlmPolicy, LlmPolicyConfig, staffed_replicas
from suanli.serving.autoscaling.policy import Autoscaler, AutoscalingPolicy
from suanli.serving.autoscaling.registry import POLICY_NAMES, policy_named
from suanli.serving.autoscaling.static import StaticPeak
from suanli.serving.autoscaling.types import (
    Bounds,
    MetricsSample,
    PolicyMemory,
    Recommendation,
    ScalingState,
)

__all__ = [
    "POLICY_NAMES",
    "Autoscaler",
    "AutoscalingPolicy",
    "Bounds",
    "Kpa",
    "KpaConfig",
    "LlmPolicy",
    "LlmPolicyConfig",
    "MetricsSample",
    "PolicyMemory",
    "Recommendation",
    "ScalingState",
    "StaticPeak",
    "policy_named",
    "staffed_replicas",
]
