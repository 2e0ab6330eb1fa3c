"""``suanli quote``: every permitted offer for a job or deployment, and why each other pool is out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from suanli.cli.connect import client
from suanli.cli.output import console, print_json, print_table
from suanli.cli.platform import JsonOpt


def quote(
    tenant: Annotated[str, typer.Option("--tenant", "-t", help="Tenant name")],
    spec: Annotated[Path | None, typer.Option(
        help="YAML or JSON spec: name, kind, classification, accelerators {kinds, count}, cpu_cores, "
             "storage_gb, model, tokens_in_per_hour, tokens_out_per_hour")] = None,
    name: Annotated[str | None, typer.Option(help="Name of the job or deployment")] = None,
    kind: Annotated[str | None, typer.Option(help="training, inference, batch or storage")] = None,
    classification: Annotated[str | None, typer.Option(help="public, internal, important or core")] = None,
    accelerators: Annotated[str | None, typer.Option(help="Kinds it can run on, e.g. nvidia-h100,ascend-910b")] = None,
    count: Annotated[int | None, typer.Option(help="Accelerators it needs")] = None,
    at: Annotated[str | None, typer.Option(help="Quote under the rules and prices in force then (ISO 8601)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Quote a job or deployment: offers best first with resale layers; excluded pools with rule and version."""
    body: dict[str, Any] = _load(spec) if spec else {}
    for field, value in (("name", name), ("kind", kind), ("classification", classification), ("at", at)):
        if value is not None:
            body[field] = value
    if accelerators is not None or count is not None:
        demand = dict(body.get("accelerators") or {})
        if accelerators is not None:
            demand["kinds"] = [k.strip() for k in accelerators.split(",") if k.strip()]
        if count is not None:
            demand["count"] = count
        body["accelerators"] = demand
    with client() as c:
        doc = c.quote(tenant, body)
    if as_json:
        print_json(doc)
        return
    print_table(
        (
            {"rank": i + 1, "pool": o["pool"], "accelerators": f"{o['accelerator_count']} x {o['accelerator_kind']}",
             "¥/hour": o["price_per_hour_yuan"],
             "resale layers": "; ".join(f"{x['reseller']} +{x['markup']} (+¥{x['added_yuan']}/h)"
                                        for x in o["resale_layers"]) or "direct",
             "score": o["score"][:10]}
            for i, o in enumerate(doc["offers"])
        ),
        ("rank", "pool", "accelerators", "¥/hour", "resale layers", "score"),
        title=f"offers for {doc['workload']} (policy version {doc.get('policy_version') or 'none'})",
    )
    for e in doc["excluded"]:
        console.print(e["explanation"])
    console.print(f"chosen: pool {doc['chosen']}" if doc["chosen"] else str(doc.get("pending_reason") or ""))


def _load(path: Path) -> dict[str, Any]:
    import yaml

    from suanli.core.errors import InvalidInput

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInput(f"cannot read spec file {str(path)!r}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{path}: not valid YAML or JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{path}: expected a mapping (name, kind, classification, accelerators...)")
    return data
