"""Placement rules: a negative list. Each rule forbids some pools to some workloads; nothing else is.

A rule has two halves. ``applies_to`` says which workloads it speaks about (all given conditions must
hold; none given means every workload). ``forbid`` says which pools it forbids them (all given
conditions must hold, so one rule describes one kind of pool; write two rules for "A or B").

Conditions look at qualifications (jurisdiction, region, certification, domestic accelerators, the
listed parties, resale depth), never at ownership: the platform exists so that state-owned and
private providers compete on equal terms, so "state-owned only" is deliberately not expressible.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from suanli.governance.classification import DataClass
from suanli.governance.pools import Pool
from suanli.governance.workloads import WorkKind, Workload


@dataclass(frozen=True, slots=True)
class Applicability:
    """Which workloads a rule speaks about; ``None`` means "any"."""

    tenants: frozenset[str] | None = None
    industries: frozenset[str] | None = None
    kinds: frozenset[WorkKind] | None = None
    classification_at_least: DataClass | None = None

    def covers(self, workload: Workload) -> bool:
        """True when every given condition holds for ``workload``."""
        return (
            (self.tenants is None or workload.tenant in self.tenants)
            and (self.industries is None or workload.industry in self.industries)
            and (self.kinds is None or workload.kind in self.kinds)
            and (
                self.classification_at_least is None
                or workload.classification >= self.classification_at_least
            )
        )


@dataclass(frozen=True, slots=True)
class Prohibition:
    """Which pools a rule forbids; a pool is forbidden when every given condition holds."""

    outside_tenant_jurisdiction: bool = False
    jurisdictions: frozenset[str] | None = None
    jurisdictions_except: frozenset[str] | None = None
    regions: frozenset[str] | None = None
    regions_except: frozenset[str] | None = None
    lacking_certification: str | None = None
    providers: frozenset[str] | None = None
    providers_except: frozenset[str] | None = None
    domestic_accelerators: bool | None = None
    resale_layers_over: int | None = None

    def matches(self, pool: Pool, workload: Workload) -> tuple[str, ...] | None:
        """Why ``pool`` is forbidden to ``workload`` (one phrase per condition), or None if it is not.

        A prohibition without conditions forbids nothing: an accidental empty rule must not empty the
        market (the YAML loader refuses one anyway).
        """
        if self == _NOTHING:
            return None
        why: list[str] = []
        parties = [p.id for p in pool.parties]
        if self.outside_tenant_jurisdiction:
            if pool.jurisdiction == workload.jurisdiction:
                return None
            why.append(f"data would leave {workload.jurisdiction} for {pool.jurisdiction}")
        if self.jurisdictions is not None:
            if pool.jurisdiction not in self.jurisdictions:
                return None
            why.append(f"jurisdiction {pool.jurisdiction} is forbidden")
        if self.jurisdictions_except is not None:
            if pool.jurisdiction in self.jurisdictions_except:
                return None
            why.append(f"jurisdiction {pool.jurisdiction} is not one of {_list(self.jurisdictions_except)}")
        if self.regions is not None:
            if pool.region not in self.regions:
                return None
            why.append(f"region {pool.region} is forbidden")
        if self.regions_except is not None:
            if pool.region in self.regions_except:
                return None
            why.append(f"region {pool.region} is not one of {_list(self.regions_except)}")
        if self.lacking_certification is not None:
            if self.lacking_certification in pool.certifications:
                return None
            why.append(f"pool is not certified {self.lacking_certification}")
        if self.providers is not None:
            named = [p for p in parties if p in self.providers]
            if not named:
                return None
            why.append(f"{_list(named)} {'is' if len(named) == 1 else 'are'} on the forbidden list")
        if self.providers_except is not None:
            unlisted = [p for p in parties if p not in self.providers_except]
            if not unlisted:
                return None
            why.append(f"{_list(unlisted)} {'is' if len(unlisted) == 1 else 'are'} not listed")
        if self.domestic_accelerators is not None:
            if pool.domestic_accelerators != self.domestic_accelerators:
                return None
            why.append("accelerators are " + ("domestic" if pool.domestic_accelerators else "not domestic"))
        if self.resale_layers_over is not None:
            if len(pool.resale) <= self.resale_layers_over:
                return None
            why.append(f"sold through {len(pool.resale)} resale layers (at most {self.resale_layers_over})")
        return tuple(why)


_NOTHING = Prohibition()


@dataclass(frozen=True, slots=True)
class Rule:
    """One version of a rule. Versions of the same ``id`` take over from each other in time."""

    id: str
    version: int
    author: str
    effective: datetime
    description: str
    applies_to: Applicability
    forbid: Prohibition
    withdrawn: bool = False
    line: int | None = None


def _list(values: Iterable[str]) -> str:
    return ", ".join(sorted(values))
