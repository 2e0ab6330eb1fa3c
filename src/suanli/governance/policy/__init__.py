"""Placement policy as a negative list: everything is allowed unless a rule forbids it."""

from suanli.governance.policy.evaluation import Exclusion, PoolDecision, evaluate, in_force, permitted
from suanli.governance.policy.loading import load_rules
from suanli.governance.policy.rules import Applicability, Prohibition, Rule

__all__ = [
    "Applicability",
    "Exclusion",
    "PoolDecision",
    "Prohibition",
    "Rule",
    "evaluate",
    "in_force",
    "load_rules",
    "permitted",
]
