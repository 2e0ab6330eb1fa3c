"""YAML documents that remember where each value was written, so errors can name line and field.

Policy rules, pool catalogs and workload specs are written by people; a mistake must be answered
with ``rules.yaml line 12: rules[3].forbid.lacking_cert: unknown pool condition``, not a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import yaml

from suanli.core.errors import InvalidInput
from suanli.governance.classification import DataClass
from suanli.governance.periods import CHINA_TZ, within_years
from suanli.governance.workloads import WorkKind

T = TypeVar("T")
Path = tuple[str | int, ...]


class Document:
    """A parsed YAML document plus the line of every node, so errors can point at the text."""

    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self.lines: dict[Path, int] = {}
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

    def _index(self, node: yaml.Node, path: Path) -> None:
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                self._index(value, (*path, str(key.value)))
                self.lines[(*path, str(key.value))] = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self._index(item, (*path, i))

    def fail(self, path: Path, problem: str) -> InvalidInput:
        line = next((self.lines[path[:n]] for n in range(len(path), -1, -1) if path[:n] in self.lines), None)
        field = _dotted(path)
        return InvalidInput(
            f"{self.source} line {line}: {field}: {problem}", details={"line": line, "field": field}
        )


def get(doc: Document, path: Path, raw: Mapping[str, Any], name: str,
         convert: Callable[[Any], T], default: T) -> T:
    """``raw[name]`` converted, ``default`` when absent; a conversion error names line and field."""
    if name not in raw or raw[name] is None:
        return default
    try:
        return convert(raw[name])
    except (TypeError, ValueError, InvalidInput) as exc:
        message = exc.message if isinstance(exc, InvalidInput) else str(exc)
        raise doc.fail((*path, name), message) from None


def no_unknown(doc: Document, path: Path, raw: Mapping[str, Any], known: set[str], what: str) -> None:
    """Refuse keys outside ``known``: a misspelt condition must never be silently ignored."""
    for key in raw:
        if key not in known:
            raise doc.fail((*path, str(key)), f"unknown {what} {key!r} (known: {', '.join(sorted(known))})")


def string(value: Any) -> str:
    """A non-empty string, stripped."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected a non-empty string, got {value!r}")
    return value.strip()


def strings(value: Any) -> frozenset[str]:
    """A set of strings from a string or a non-empty list of strings."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise ValueError(f"expected a string or a non-empty list of strings, got {value!r}")
    return frozenset(string(v) for v in items)


def kinds(value: Any) -> frozenset[WorkKind]:
    """Kinds of work from a string or a list."""
    known = [k.value for k in WorkKind]
    out = set()
    for item in strings(value):
        if item not in known:
            raise ValueError(f"unknown kind of work {item!r} (known: {', '.join(known)})")
        out.add(WorkKind(item))
    return frozenset(out)


def data_class(value: Any) -> DataClass:
    """A data classification by name."""
    return DataClass.parse(string(value))


def boolean(value: Any) -> bool:
    """``true`` or ``false`` only (YAML's ``yes``/``no`` already arrive as booleans)."""
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def integer(value: Any) -> int:
    """A whole number, not a boolean."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected a whole number, got {value!r}")
    return value


def moment(value: Any) -> datetime:
    """A timezone-aware time; a bare date means midnight China Standard Time."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"expected a time such as 2026-11-01T00:00:00+08:00, got {value!r}") from None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"time {value.isoformat()} has no time zone; add one, e.g. +08:00")
        return within_years(value)
    if isinstance(value, date):
        return within_years(datetime.combine(value, time(0), tzinfo=CHINA_TZ))
    raise ValueError(f"expected a time such as 2026-11-01T00:00:00+08:00, got {value!r}")


def _dotted(path: Path) -> str:
    # A bare top-level list reads like the 'rules' list to authors, so name it the same way.
    out = "rules" if path and isinstance(path[0], int) else ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "(document)"


def decimal(value: Any) -> Decimal:
    """A Decimal from a YAML number or string; floats go through their text, never binary."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"expected a number such as \"12.50\", got {value!r}")
    try:
        out = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"expected a number such as \"12.50\", got {value!r}") from None
    if not out.is_finite():
        raise ValueError(f"expected a finite number, got {value!r}")
    return out
