"""``suanli cluster list|show|create|add-node|cordon|drain|uncordon``."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from suanli.cli.connect import client
from suanli.cli.output import print_json, print_table, show
from suanli.cli.platform import JsonOpt

app = typer.Typer(help="Clusters, nodes and accelerators (platform admins manage; everyone sees capacity).",
                  no_args_is_help=True)
COLUMNS = ("name", "engine", "provider", "region", "heartbeat_grace_s", "created_at")
NODE_COLUMNS = ("name", "accelerator_kind", "accelerator_count", "allocated", "memory_gb", "rack",
                "interconnect_domain", "schedulable", "healthy", "last_heartbeat_at")


@app.command("list")
def list_(as_json: JsonOpt = False) -> None:
    """List the clusters."""
    with client() as c:
        rows = c.clusters()
    show(rows, as_json=as_json, rows=rows, columns=COLUMNS, title="clusters")


@app.command("show")
def show_(cluster: Annotated[str, typer.Argument()] = "local", as_json: JsonOpt = False) -> None:
    """Show a cluster's nodes, their accelerators and how many are allocated."""
    with client() as c:
        found = c.cluster(cluster)
    if as_json:
        print_json(found)
        return
    print_table(found["nodes"], NODE_COLUMNS, title=f"cluster {found['name']} ({found['engine']}, "
                f"{found['provider']}, {found['region']})")


@app.command("create")
def create(
    name: str,
    engine: Annotated[str, typer.Option(help="local, ray, slurm or kubernetes")],
    provider: Annotated[str, typer.Option(help="Who provides the machines")] = "self",
    region: Annotated[str, typer.Option(help="Where they are")] = "local",
    heartbeat_grace: Annotated[float, typer.Option(help="Seconds of silence before a node is lost")] = 60.0,
    config: Annotated[str, typer.Option(help="Where the engine is reached, as JSON (see docs/jobs.md)")] = "{}",
    as_json: JsonOpt = False,
) -> None:
    """Create a cluster (platform admins)."""
    try:
        settings = json.loads(config)
    except ValueError as exc:
        raise typer.BadParameter(f"--config is not JSON: {exc}") from None
    if not isinstance(settings, dict):
        raise typer.BadParameter("--config is a JSON object, e.g. '{\"address\": \"http://10.0.0.5:8265\"}'")
    with client() as c:
        found = c.create_cluster(name, engine=engine, provider=provider, region=region,
                                 heartbeat_grace_s=heartbeat_grace, config=settings)
    show(found, as_json=as_json, title=f"cluster {name}")


@app.command("add-node")
def add_node(
    cluster: str, name: str,
    kind: Annotated[str, typer.Option(help="Accelerator kind")],
    count: Annotated[int, typer.Option(help="Accelerators on the node")],
    rack: Annotated[str, typer.Option()] = "rack-0",
    interconnect_domain: Annotated[str, typer.Option(help="NVLink/HCCS domain shared with other nodes")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Add a node to a cluster (platform admins)."""
    with client() as c:
        found = c.add_node(cluster, name, kind=kind, count=count, rack=rack, interconnect_domain=interconnect_domain)
    show(found, as_json=as_json, title=f"node {name}")


def _action(action: str, cluster: str, node: str, as_json: bool) -> None:
    with client() as c:
        found = c.node_action(cluster, node, action)
    show(found, as_json=as_json, title=f"node {node}: {found['schedulable']}")


@app.command("cordon")
def cordon(cluster: str, node: str, as_json: JsonOpt = False) -> None:
    """Keep new work off a node; running work stays."""
    _action("cordon", cluster, node, as_json)


@app.command("drain")
def drain(cluster: str, node: str, as_json: JsonOpt = False) -> None:
    """Keep new work off a node and requeue its running work (SIGTERM, grace to checkpoint)."""
    _action("drain", cluster, node, as_json)


@app.command("uncordon")
def uncordon(cluster: str, node: str, as_json: JsonOpt = False) -> None:
    """Put a node back in service."""
    _action("uncordon", cluster, node, as_json)
