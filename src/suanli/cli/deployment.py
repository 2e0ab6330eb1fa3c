"""``suanli deployment list|show|scale|rollout|delete``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from suanli.cli.connect import client
from suanli.cli.deploy import parse_regions
from suanli.cli.output import print_table, show
from suanli.cli.platform import JsonOpt

app = typer.Typer(help="Deployments: served models and their replicas.", no_args_is_help=True)
TenantOpt = Annotated[str, typer.Option("--tenant", "-t", help="Tenant name")]
COLUMNS = ("name", "engine", "status", "policy", "regions", "replicas", "updated_at")


def _summary(d: dict[str, Any]) -> dict[str, Any]:
    states: dict[str, int] = {}
    for r in d.get("replicas", []):
        states[r["state"]] = states.get(r["state"], 0) + 1
    regions = ", ".join(f"{k} {v['min_replicas']}-{v['max_replicas']}" for k, v in d["regions"].items())
    return {**d, "regions": regions, "replicas": " ".join(f"{n} {s}" for s, n in sorted(states.items())) or "none"}


@app.command("list")
def list_(tenant: TenantOpt, as_json: JsonOpt = False) -> None:
    """List the tenant's deployments."""
    with client() as c:
        rows = c.deployments(tenant)
    show(rows, as_json=as_json, rows=[_summary(d) for d in rows], columns=COLUMNS, title="deployments")


@app.command("show")
def show_(tenant: TenantOpt, name: str, as_json: JsonOpt = False) -> None:
    """Show a deployment, its autoscaler's last decision and its replicas."""
    with client() as c:
        d = c.deployment(tenant, name)
    if as_json:
        show(d, as_json=True)
        return
    show({k: v for k, v in _summary(d).items() if k not in ("autoscaling",)}, as_json=False, title=f"deployment {name}")
    decisions = [
        {"region": k, **{f: v.get(f) for f in ("desired", "reason", "at")}} for k, v in d["autoscaling"].items()
    ]
    if decisions:
        print_table(decisions, ("region", "desired", "reason", "at"), "autoscaler")
    print_table(d["replicas"], ("id", "region", "state", "url", "restarts", "message", "started_at"), "replicas")


@app.command("scale")
def scale(
    tenant: TenantOpt,
    name: str,
    region: Annotated[list[str], typer.Option(help="REGION=MIN:MAX replicas (repeatable)")],
    as_json: JsonOpt = False,
) -> None:
    """Change the replica bounds of regions (adds a region when new)."""
    with client() as c:
        d = c.update_deployment(tenant, name, regions=parse_regions(region))
    show(d if as_json else _summary(d), as_json=as_json, title=f"deployment {name}")


@app.command("rollout")
def rollout(
    tenant: TenantOpt,
    name: str,
    version: Annotated[str, typer.Option(help="Version to serve")],
    as_json: JsonOpt = False,
) -> None:
    """Roll out another version of the model: new replicas first, old ones drained when they are ready."""
    with client() as c:
        d = c.update_deployment(tenant, name, version=version)
    show(d if as_json else _summary(d), as_json=as_json, title=f"deployment {name}")


@app.command("delete")
def delete(tenant: TenantOpt, name: str, as_json: JsonOpt = False) -> None:
    """Delete a deployment: its replicas are drained, then stopped."""
    with client() as c:
        d = c.delete_deployment(tenant, name)
    show(d if as_json else _summary(d), as_json=as_json, title=f"deployment {name}")
