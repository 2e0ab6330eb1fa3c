"""The operator contract: documents in, documents out, and what each step did.

An operator is pure: it looks at one document (a JSON object) and answers a :class:`Result`. It never
reads files, the network or the clock, so the same operator runs in a unit test, in the local
multiprocessing runner and on a Ray cluster.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

Doc = dict[str, Any]
"""A document: a JSON object with a text field (``text`` by default); other fields pass through."""


@dataclass(frozen=True, slots=True)
class Result:
    """What an operator did to one document.

    ``doc`` is the (possibly new) document, or ``None`` when the operator removed it; ``reason`` then
    says why (a short stable code such as ``"lang:en"``). ``counters`` count what changed
    (``{"pinyin_removed": 3}``) and are summed per operator in the run report.
    """

    doc: Doc | None
    reason: str = ""
    counters: Mapping[str, int] = field(default_factory=dict)

    @property
    def removed(self) -> bool:
        """Whether the operator dropped the document."""
        return self.doc is None


def keep(doc: Doc, counters: Mapping[str, int] | None = None) -> Result:
    """The document survives (maybe changed); counters say what changed."""
    return Result(doc, "", counters or {})


def drop(reason: str) -> Result:
    """The document is removed for ``reason``."""
    return Result(None, reason)


@runtime_checkable
class Operator(Protocol):
    """A pure, per-document curation step."""

    name: str

    def __call__(self, doc: Doc) -> Result:
        """Process one document."""
        ...


class TextOperator:
    """Base for operators that rewrite the text field and keep every document.

    Subclasses implement :meth:`rewrite`; the base copies the document only when the text changed, so
    the ``id`` and every other field pass through untouched.
    """

    name = "text"

    def __init__(self, field: str = "text") -> None:
        self.field = field

    def rewrite(self, text: str) -> tuple[str, dict[str, int]]:
        """Return the new text and counters of what changed."""
        raise NotImplementedError

    def __call__(self, doc: Doc) -> Result:
        text = doc.get(self.field)
        if not isinstance(text, str):
            return drop(f"no_text_field:{self.field}")
        new, counters = self.rewrite(text)
        if new == text:
            return keep(doc, counters)
        out = dict(doc)
        out[self.field] = new
        return keep(out, counters)
