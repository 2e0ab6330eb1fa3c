"""Policies by name, so the CLI, the API and a deployment spec can say ``policy: kpa``."""

from __future__ import annotations

from suanli.core.errors import InvalidInput
from suanli.serving.autoscaling.kpa import Kpa, KpaConfig
from suanli.serving.autoscaling.llm import LlmPolicy, LlmPolicyConfig
from suanli.serving.autoscaling.policy import AutoscalingPolicy
from suanli.serving.autoscaling.static import StaticPeak

POLICY_NAMES = ("static-peak", "kpa", "suanli")


def policy_named(
    name: str,
    *,
    slots_per_replica: int,
    prefill_tokens_per_s: float = 0.0,
    cold_start_s: float = 30.0,
    slo_ttft_s: float = 2.0,
    static_replicas: int = 1,
    kpa_target_utilisation: float = 0.7,
) -> AutoscalingPolicy:
    """Build a policy from a name and the replica's capacity.

    KPA's target is Knative's default shape: the replica's concurrency limit times the 70% target
    utilisation.
    """
    if name == "static-peak":
        return StaticPeak(static_replicas)
    if name == "kpa":
        return Kpa(KpaConfig(target=slots_per_replica * kpa_target_utilisation))
    if name == "suanli":
        return LlmPolicy(
            LlmPolicyConfig(
                slots_per_replica=slots_per_replica,
                prefill_tokens_per_s=prefill_tokens_per_s,
                cold_start_s=cold_start_s,
                slo_ttft_s=slo_ttft_s,
            )
        )
    raise InvalidInput(f"unknown autoscaling policy {name!r}", {"known": list(POLICY_NAMES)})
