"""Rendering for CLI commands: one JSON document with ``--json``, a rich table otherwise."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table

console = Console()
err_console = Console(stderr=True)


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    raise TypeError(f"cannot render {type(value).__name__} as JSON")


def print_json(document: Any) -> None:
    """Print one JSON document to stdout (the ``--json`` contract)."""
    sys.stdout.write(json.dumps(document, default=_default, ensure_ascii=False, indent=2) + "\n")


def print_table(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], title: str | None = None) -> None:
    """Print rows as a table with the given columns, in that order."""
    table = Table(title=title, header_style="bold")
    for col in columns:
        table.add_column(col)
    for row in rows:
        table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in columns))
    console.print(table)


def show(document: Any, *, as_json: bool, rows: Iterable[Mapping[str, Any]] | None = None,
         columns: Sequence[str] = (), title: str | None = None) -> None:
    """Show data: JSON when asked, else a table of ``rows`` (or the document as key/value pairs)."""
    if as_json:
        print_json(document)
    elif rows is not None:
        print_table(rows, columns, title)
    else:
        print_table(({"field": k, "value": v} for k, v in dict(document).items()), ("field", "value"), title)
