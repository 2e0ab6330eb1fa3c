"""Loading rules from YAML text, with errors that name the line and the field.

Loading takes text, not a path (cores do no I/O). Every mistake an author can make (a typo in a
condition, a classification that does not exist, a naive time, two versions out of order) is
refused with the line, the field and what was expected, so a rule set is never half-understood.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from typing import Any, TypeVar

import yaml

from suanli.core.errors import InvalidInput
from suanli.governance.classification import DataClass
from suanli.governance.periods import CHINA_TZ
from suanli.governance.policy.rules import Applicability, Prohibition, Rule
from suanli.governance.workloads import WorkKind

T = TypeVar("T")
_Path = tuple[str | int, ...]

_RULE_FIELDS = {"id", "version", "author", "effective", "description", "applies_to", "forbid", "withdrawn"}
_APPLIES_FIELDS = {"tenants", "industries", "kinds", "classification_at_least"}
_FORBID_SETS = {"jurisdictions", "jurisdictions_except", "regions", "regions_except", "providers",
                "providers_except"}
_FORBID_FIELDS = _FORBID_SETS | {"outside_tenant_jurisdiction", "lacking_certification",
                                 "domestic_accelerators", "resale_layers_over"}


class _Doc:
    """The parsed document plus the line of every node, so errors can point at the text."""

    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self.lines: dict[_Path, int] = {}
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
            self.data: Any = yaml.safe_load(text)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else None
            raise InvalidInput(
                f"{source} line {line}: not valid YAML: {exc.problem or exc}",
                details={"line": line, "field": None},
            ) from None
        except yaml.YAMLError as exc:
            details = {"line": None, "field": None}
            raise InvalidInput(f"{source}: not valid YAML: {exc}", details=details) from None
        if node is not None:
            self._index(node, ())

    def _index(self, node: yaml.Node, path: _Path) -> None:
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                self._index(value, (*path, str(key.value)))
                self.lines[(*path, str(key.value))] = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self._index(item, (*path, i))

    def fail(self, path: _Path, problem: str) -> InvalidInput:
        line = next((self.lines[path[:n]] for n in range(len(path), -1, -1) if path[:n] in self.lines), None)
        field = _dotted(path)
        return InvalidInput(
            f"{self.source} line {line}: {field}: {problem}", details={"line": line, "field": field}
        )


def load_rules(text: str, source: str = "rules") -> tuple[Rule, ...]:
    """Every rule version in a YAML document: a list of rules, or a mapping with a ``rules`` list.

    ``source`` names the document in error messages (a file name, ``policy v12``...).
    """
    doc = _Doc(text, source)
    data = doc.data
    root: _Path = ()
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


def _rule(doc: _Doc, path: _Path, raw: Any) -> Rule:
    if not isinstance(raw, dict):
        raise doc.fail(path, "expected a rule (a mapping with id, version, author, effective, forbid)")
    _no_unknown(doc, path, raw, _RULE_FIELDS, "rule field")
    for required in ("id", "version", "author", "effective"):
        if required not in raw:
            raise doc.fail(path, f"missing required field {required!r}")
    withdrawn = _get(doc, path, raw, "withdrawn", _bool, False)
    if "forbid" not in raw and not withdrawn:
        raise doc.fail(path, "missing required field 'forbid' (only a withdrawn version may omit it)")
    version = _get(doc, path, raw, "version", _int, 0)
    if version < 1:
        raise doc.fail((*path, "version"), "version must be 1 or more")
    applies = raw.get("applies_to") or {}
    forbid = raw.get("forbid") or {}
    return Rule(
        id=_get(doc, path, raw, "id", _text, ""),
        version=version,
        author=_get(doc, path, raw, "author", _text, ""),
        effective=_get(doc, path, raw, "effective", _time, datetime.min),
        description=_get(doc, path, raw, "description", _text, ""),
        applies_to=_applicability(doc, (*path, "applies_to"), applies),
        forbid=_prohibition(doc, (*path, "forbid"), forbid, required=not withdrawn),
        withdrawn=withdrawn,
        line=doc.lines.get(path),
    )


def _applicability(doc: _Doc, path: _Path, raw: Any) -> Applicability:
    if not isinstance(raw, dict):
        raise doc.fail(path, "expected a mapping of workload conditions")
    _no_unknown(doc, path, raw, _APPLIES_FIELDS, "workload condition")
    return Applicability(
        tenants=_get(doc, path, raw, "tenants", _texts, None),
        industries=_get(doc, path, raw, "industries", _texts, None),
        kinds=_get(doc, path, raw, "kinds", _kinds, None),
        classification_at_least=_get(doc, path, raw, "classification_at_least", _data_class, None),
    )


def _prohibition(doc: _Doc, path: _Path, raw: Any, required: bool) -> Prohibition:
    if not isinstance(raw, dict):
        raise doc.fail(path, "expected a mapping of pool conditions")
    _no_unknown(doc, path, raw, _FORBID_FIELDS, "pool condition")
    if required and not raw:
        # An empty 'forbid' would match every pool: far more likely a mistake than an intent.
        raise doc.fail(path, "names no pool condition; a rule must say which pools it forbids")
    outside = _get(doc, path, raw, "outside_tenant_jurisdiction", _bool, False)
    if "outside_tenant_jurisdiction" in raw and not outside:
        raise doc.fail((*path, "outside_tenant_jurisdiction"), "may only be true (leave it out otherwise)")
    layers = _get(doc, path, raw, "resale_layers_over", _int, None)
    if layers is not None and layers < 0:
        raise doc.fail((*path, "resale_layers_over"), "must be 0 or more")
    sets = {name: _get(doc, path, raw, name, _texts, None) for name in _FORBID_SETS}
    return Prohibition(
        outside_tenant_jurisdiction=outside,
        lacking_certification=_get(doc, path, raw, "lacking_certification", _text, None),
        domestic_accelerators=_get(doc, path, raw, "domestic_accelerators", _bool, None),
        resale_layers_over=layers,
        **sets,
    )


def _check_versions(doc: _Doc, root: _Path, rules: tuple[Rule, ...]) -> None:
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


def _get(doc: _Doc, path: _Path, raw: Mapping[str, Any], name: str,
         convert: Callable[[Any], T], default: T) -> T:
    if name not in raw or raw[name] is None:
        return default
    try:
        return convert(raw[name])
    except (TypeError, ValueError, InvalidInput) as exc:
        message = exc.message if isinstance(exc, InvalidInput) else str(exc)
        raise doc.fail((*path, name), message) from None


def _no_unknown(doc: _Doc, path: _Path, raw: Mapping[str, Any], known: set[str], what: str) -> None:
    for key in raw:
        if key not in known:
            raise doc.fail((*path, str(key)), f"unknown {what} {key!r} (known: {', '.join(sorted(known))})")


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected a non-empty string, got {value!r}")
    return value.strip()


def _texts(value: Any) -> frozenset[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise ValueError(f"expected a string or a non-empty list of strings, got {value!r}")
    return frozenset(_text(v) for v in items)


def _kinds(value: Any) -> frozenset[WorkKind]:
    known = [k.value for k in WorkKind]
    out = set()
    for item in _texts(value):
        if item not in known:
            raise ValueError(f"unknown kind of work {item!r} (known: {', '.join(known)})")
        out.add(WorkKind(item))
    return frozenset(out)


def _data_class(value: Any) -> DataClass:
    return DataClass.parse(_text(value))


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected a whole number, got {value!r}")
    return value


def _time(value: Any) -> datetime:
    """A timezone-aware time; a bare date means midnight China Standard Time."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"expected a time such as 2026-11-01T00:00:00+08:00, got {value!r}") from None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"time {value.isoformat()} has no time zone; add one, e.g. +08:00")
        return value
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=CHINA_TZ)
    raise ValueError(f"expected a time such as 2026-11-01T00:00:00+08:00, got {value!r}")


def _dotted(path: _Path) -> str:
    # A bare top-level list reads like the 'rules' list to authors, so name it the same way.
    out = "rules" if path and isinstance(path[0], int) else ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "(document)"
