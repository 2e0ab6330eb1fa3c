"""``suanli policy check``: try placement rules against a catalog of pools, offline."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="Placement policy: a negative list of rules (see docs/governance.md).", no_args_is_help=True
)


def _read(path: Path, what: str) -> str:
    from suanli.core.errors import InvalidInput

    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot read {what} file {str(path)!r}: {exc.strerror}") from None


@app.command("check")
def check(
    rules: Annotated[Path, typer.Option("--rules", help="Rules YAML (a list of rule versions)")],
    pools: Annotated[Path, typer.Option("--pools", help="Catalog YAML: providers, pools, prices")],
    workload: Annotated[Path, typer.Option("--workload", help="Workload YAML: tenant, data class, demand")],
    at: Annotated[str | None, typer.Option("--at", help="Evaluate at this time (ISO 8601); default now")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document")] = False,
) -> None:
    """Which pools may run WORKLOAD under RULES, why the others may not, and what each offer costs."""
    from decimal import Decimal

    from suanli.cli.output import console, print_json, print_table
    from suanli.core.errors import InvalidInput
    from suanli.core.money import yuan
    from suanli.governance.catalog import load_catalog, load_workload
    from suanli.governance.documents import decision_document, quote_document
    from suanli.governance.periods import CHINA_TZ
    from suanli.governance.policy import evaluate, in_force, load_rules
    from suanli.governance.quote import quote

    rule_set = load_rules(_read(rules, "rules"), source=str(rules))
    catalog, performance = load_catalog(_read(pools, "pools"), source=str(pools))
    work = load_workload(_read(workload, "workload"), source=str(workload))
    if at is None:
        now = datetime.now(CHINA_TZ)
    else:
        try:
            now = datetime.fromisoformat(at)
        except ValueError:
            raise InvalidInput(
                f"--at must be an ISO 8601 time such as 2026-11-20T12:00:00+08:00, got {at!r}"
            ) from None
        if now.tzinfo is None:
            now = now.replace(tzinfo=CHINA_TZ)
    decisions = evaluate(rule_set, work, catalog, now)
    q = quote(work, catalog, rule_set, now, performance)
    active = in_force(rule_set, now)
    if as_json:
        print_json(
            {
                "at": now.isoformat(),
                "rules_in_force": [{"id": r.id, "version": r.version, "author": r.author} for r in active],
                "decisions": [decision_document(d) for d in decisions],
                "quote": quote_document(q),
            }
        )
        return
    print_table(
        ({"pool": d.pool, "verdict": "permitted" if d.permitted else "excluded", "why": d.explain()}
         for d in decisions),
        ("pool", "verdict", "why"),
        title=f"policy for {work.name} at {now.isoformat()} ({len(active)} rules in force)",
    )
    print_table(
        (
            {
                "rank": i + 1,
                "pool": o.pool,
                "accelerators": f"{o.accelerator_count} x {o.accelerator_kind}" if o.accelerator_kind else "-",
                "¥/hour": yuan(o.hourly),
                "resale layers": "; ".join(
                    f"{c.reseller} +{c.markup * 100:f}% (+¥{yuan(c.added)}/h)" for c in o.layers
                ) or "direct",
                "¥/M tokens": ", ".join(
                    f"{t.sku.meter.value.rsplit('-', 1)[-1]} ¥{yuan(t.price)}" for t in o.token_prices
                ),
                "score": o.score.quantize(Decimal("0.0001")),
            }
            for i, o in enumerate(q.offers)
        ),
        ("rank", "pool", "accelerators", "¥/hour", "resale layers", "¥/M tokens", "score"),
        title="offers (lowest score first: ¥ per performance-hour)",
    )
    if q.chosen:
        console.print(f"chosen: pool {q.chosen.pool} ({q.chosen.explanation})")
    else:
        console.print(q.pending_reason)


@app.command("upload")
def upload(
    rules: Annotated[Path, typer.Argument(help="Rules YAML: the whole rule set, every version")],
    note: Annotated[str, typer.Option(help="Why this version (shown in the list)")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document")] = False,
) -> None:
    """Upload a new version of the platform's rule set (platform admins); the past is never changed."""
    from suanli.cli.connect import client
    from suanli.cli.output import console, print_json

    with client() as c:
        doc = c.upload_policy(_read(rules, "rules"), note=note)
    if as_json:
        print_json(doc)
    else:
        console.print(f"policy version {doc['version']}: {doc['rule_count']} rule versions, by {doc['author']}")


@app.command("list")
def list_(as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document")] = False) -> None:
    """List the uploaded versions of the rule set, newest first (platform admins)."""
    from suanli.cli.connect import client
    from suanli.cli.output import show

    with client() as c:
        rows = c.policy_versions()
    show(rows, as_json=as_json, rows=rows, columns=("version", "rule_count", "author", "note", "uploaded_at"),
         title="policy versions")


@app.command("show")
def show_(
    version: Annotated[int, typer.Argument(help="Version number")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document")] = False,
) -> None:
    """Print one uploaded version of the rule set."""
    from suanli.cli.connect import client
    from suanli.cli.output import console, print_json

    with client() as c:
        doc = c.policy_version(version)
    if as_json:
        print_json(doc)
    else:
        console.print(doc["text"], markup=False, highlight=False)
