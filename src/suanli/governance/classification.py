"""Data classification after the Data Security Law: public < internal < important < core.

The law speaks of general, important and core data; ``public`` and ``internal`` split "general" the
way most enterprises already label documents. A derived artefact (a model trained on a dataset, a
dataset curated from others) is at least as sensitive as its most sensitive input: protection must
never be lost by transforming data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import IntEnum

from suanli.core.errors import InvalidInput


class DataClass(IntEnum):
    """A data classification; the integer order is the sensitivity order."""

    PUBLIC = 0
    INTERNAL = 1
    IMPORTANT = 2
    CORE = 3

    @property
    def label(self) -> str:
        """The lower-case name used in YAML, JSON and the console (``important``)."""
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> DataClass:
        """The class called ``text`` (``public``, ``internal``, ``important`` or ``core``)."""
        try:
            return cls[text.strip().upper()]
        except (KeyError, AttributeError):
            raise InvalidInput(
                f"unknown data classification {text!r}", details={"known": [c.label for c in cls]}
            ) from None

    def __str__(self) -> str:
        return self.label


def inherit(inputs: Iterable[DataClass], declared: DataClass = DataClass.PUBLIC) -> DataClass:
    """The classification of something derived from ``inputs``: the maximum, never below ``declared``."""
    return max([declared, *inputs])


def classify_lineage(
    declared: Mapping[str, DataClass], inputs: Mapping[str, Sequence[str]]
) -> dict[str, DataClass]:
    """Effective classification of every artefact in a lineage graph.

    ``declared`` is what owners labelled each artefact; ``inputs`` maps an artefact to the artefacts it
    was derived from. An artefact's effective class is the maximum over itself and all its ancestors.
    Unknown inputs or cycles are refused, because a lineage we cannot walk is a lineage we cannot trust.
    """
    result: dict[str, DataClass] = {}
    visiting: set[str] = set()

    def visit(node: str, path: tuple[str, ...]) -> DataClass:
        if node in result:
            return result[node]
        if node not in declared:
            raise InvalidInput(f"lineage names unknown artefact {node!r}", details={"path": list(path)})
        if node in visiting:
            raise InvalidInput(f"lineage has a cycle through {node!r}", details={"path": [*path, node]})
        visiting.add(node)
        parents = [visit(p, (*path, node)) for p in inputs.get(node, ())]
        visiting.discard(node)
        result[node] = inherit(parents, declared[node])
        return result[node]

    for name in declared:
        visit(name, ())
    return result
