"""Loading rules from YAML text, with errors that name the line and the field.

Loading takes text, not a path (cores do no I/O). Every mistake an author can make (a typo in a
condition, a classification that does not exist, a naive time, two versions out of order) is
refused with the line, the field and what was expected, so a rule set is never half-understood.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from suanli.governance.policy.rules import Applicability, Prohibition, Rule
from suanli.governance.yamldoc import (
    Document,
    Path,
    boolean,
    data_class,
    get,
    integer,
    kinds,
    moment,
    no_unknown,
    string,
    strings,
)

_RULE_FIELDS = {"id", "version", "author", "effective", "description", "applies_to", "forbid", "withdrawn"}
_APPLIES_FIELDS = {"tenants", "industries", "kinds", "classification_at_least"}
_FORBID_SETS = {"jurisdictions", "jurisdictions_except", "regions", "regions_except", "providers",
                "providers_except"}
_FORBID_FIELDS = _FORBID_SETS | {"outside_tenant_jurisdiction", "lacking_certification",
                                 "domestic_accelerators", "resale_layers_over"}


def load_rules(text: str, source: str = "rules") -> tuple[Rule, ...]:
    """Every rule version in a YAML document: a list of rules, or a mapping with a ``rules`` list.

    ``source`` names the document in error messages (a file name, ``policy v12``...).
    """
    doc = Document(text, source)
    data = doc.data
    root: Path = ()
    if data is None:
        return ()
    if isinstance(data, dict):
        unknown = set(data) - {"rules"}
        if unknown:
            raise doc.fail((sorted(map(str, unknown))[0],), "unknown top-level key (expected 'rules')")
        data, root = data.get("rules") or [], ("rules",)
    if not isinstance(data, list):
        raise doc.fail(root, "expected a list of rules")
    rules = tuple(_rule(doc, (*root, i), raw) for i, raw in enumerate(data))
    _check_versions(doc, root, rules)
    return rules


def _rule(doc: Document, path: Path, raw: Any) -> Rule:
    if not isinstance(raw, dict):
        raise doc.fail(path, "expected a rule (a mapping with id, version, author, effective, forbid)")
    no_unknown(doc, path, raw, _RULE_FIELDS, "rule field")
    for required in ("id", "version", "author", "effective"):
        if required not in raw:
            raise doc.fail(path, f"missing required field {required!r}")
    withdrawn = get(doc, path, raw, "withdrawn", boolean, False)
    if "forbid" not in raw and not withdrawn:
        raise doc.fail(path, "missing required field 'forbid' (only a withdrawn version may omit it)")
    version = get(doc, path, raw, "version", integer, 0)
    if version < 1:
        raise doc.fail((*path, "version"), "version must be 1 or more")
    applies = raw.get("applies_to") or {}
    forbid = raw.get("forbid") or {}
    return Rule(
        id=get(doc, path, raw, "id", string, ""),
        version=version,
        author=get(doc, path, raw, "author", string, ""),
        effective=get(doc, path, raw, "effective", moment, datetime.min),
        description=get(doc, path, raw, "description", string, ""),
        applies_to=_applicability(doc, (*path, "applies_to"), applies),
        forbid=_prohibition(doc, (*path, "forbid"), forbid, required=not withdrawn),
        withdrawn=withdrawn,
        line=doc.lines.get(path),
    )


def _applicability(doc: Document, path: Path, raw: Any) -> Applicability:
    if not isinstance(raw, dict):
        raise doc.fail(path, "expected a mapping of workload conditions")
    no_unknown(doc, path, raw, _APPLIES_FIELDS, "workload condition")
    return Applicability(
        tenants=get(doc, path, raw, "tenants", strings, None),
        industries=get(doc, path, raw, "industries", strings, None),
        kinds=get(doc, path, raw, "kinds", kinds, None),
        classification_at_least=get(doc, path, raw, "classification_at_least", data_class, None),
    )


def _prohibition(doc: Document, path: Path, raw: Any, required: bool) -> Prohibition:
    if not isinstance(raw, dict):
        raise doc.fail(path, "expected a mapping of pool conditions")
    no_unknown(doc, path, raw, _FORBID_FIELDS, "pool condition")
    if required and not raw:
        # An empty 'forbid' would match every pool: far more likely a mistake than an intent.
        raise doc.fail(path, "names no pool condition; a rule must say which pools it forbids")
    outside = get(doc, path, raw, "outside_tenant_jurisdiction", boolean, False)
    if "outside_tenant_jurisdiction" in raw and not outside:
        raise doc.fail((*path, "outside_tenant_jurisdiction"), "may only be true (leave it out otherwise)")
    layers = get(doc, path, raw, "resale_layers_over", integer, None)
    if layers is not None and layers < 0:
        raise doc.fail((*path, "resale_layers_over"), "must be 0 or more")
    sets = {name: get(doc, path, raw, name, strings, None) for name in _FORBID_SETS}
    return Prohibition(
        outside_tenant_jurisdiction=outside,
        lacking_certification=get(doc, path, raw, "lacking_certification", string, None),
        domestic_accelerators=get(doc, path, raw, "domestic_accelerators", boolean, None),
        resale_layers_over=layers,
        **sets,
    )


def _check_versions(doc: Document, root: Path, rules: tuple[Rule, ...]) -> None:
    seen: dict[tuple[str, int], int] = {}
    for i, rule in enumerate(rules):
        if (rule.id, rule.version) in seen:
            raise doc.fail((*root, i, "version"), f"rule {rule.id!r} version {rule.version} appears twice")
        seen[(rule.id, rule.version)] = i
    by_id: dict[str, list[tuple[Rule, int]]] = {}
    for i, rule in enumerate(rules):
        by_id.setdefault(rule.id, []).append((rule, i))
    for versions in by_id.values():
        versions.sort(key=lambda ri: ri[0].version)
        for (older, _), (newer, i) in itertools.pairwise(versions):
            if newer.effective <= older.effective:
                raise doc.fail(
                    (*root, i, "effective"),
                    f"rule {newer.id!r} version {newer.version} must take effect after version "
                    f"{older.version} ({older.effective.isoformat()})",
                )
