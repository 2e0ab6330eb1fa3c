"""``suanli deploy NAME --model M``: serve a model version (or an external endpoint)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from suanli.cli.connect import client
from suanli.cli.output import show
from suanli.cli.platform import JsonOpt
from suanli.core.errors import InvalidInput

TenantOpt = Annotated[str, typer.Option("--tenant", "-t", help="Tenant name")]


def parse_regions(specs: list[str]) -> dict[str, dict[str, int]]:
    """``cn-bj=0:2`` (min 0, max 2) or ``cn-bj=1`` (min 1, max 1) per option."""
    out: dict[str, dict[str, int]] = {}
    for spec in specs:
        name, _, bounds = spec.partition("=")
        low, _, high = (bounds or "1").partition(":")
        try:
            out[name.strip()] = {"min_replicas": int(low), "max_replicas": int(high or low)}
        except ValueError:
            raise InvalidInput(f"bad --region {spec!r}: write REGION=MIN:MAX, e.g. cn-bj=0:2") from None
    return out


def deploy(
    tenant: TenantOpt,
    name: str,
    model: Annotated[str | None, typer.Option(help="Registry model (name or id)")] = None,
    version: Annotated[str, typer.Option(help="Version number, id or latest")] = "latest",
    engine: Annotated[str, typer.Option(help="transformers, vllm or external")] = "transformers",
    region: Annotated[list[str] | None, typer.Option(help="REGION=MIN:MAX replicas (repeatable)")] = None,
    url: Annotated[str | None, typer.Option(help="external: the OpenAI-compatible base URL")] = None,
    upstream_model: Annotated[str | None, typer.Option(help="external: the model name upstream")] = None,
    options: Annotated[str | None, typer.Option(help="Engine options as JSON")] = None,
    policy: Annotated[str, typer.Option(help="Autoscaling policy: suanli, kpa, static-peak")] = "suanli",
    slots: Annotated[int, typer.Option(help="Concurrent sequences per replica")] = 4,
    accelerator: Annotated[str | None, typer.Option(help="Accelerator kind per replica, e.g. nvidia-h100")] = None,
    accelerators: Annotated[int, typer.Option(help="Accelerators per replica")] = 0,
    scale_to_zero_after: Annotated[int, typer.Option(help="Idle seconds before the last replica goes")] = 300,
    classification: Annotated[str | None, typer.Option(
        help="Data classification: public, internal, important or core (at least the model's)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Deploy a model: replicas per region between min and max, scaled by load."""
    engine_options: dict[str, object] = json.loads(options) if options else {}
    if url:
        engine_options["url"] = url
    if upstream_model:
        engine_options["model"] = upstream_model
    with client() as c:
        d = c.deploy(
            tenant,
            name,
            model=model,
            version=version,
            engine=engine,
            engine_options=engine_options,
            regions=parse_regions(region) if region else None,
            policy=policy,
            slots_per_replica=slots,
            accelerator_kind=accelerator,
            accelerators_per_replica=accelerators,
            scale_to_zero_after_s=scale_to_zero_after,
            classification=classification,
        )
    show(d, as_json=as_json, title=f"deployment {name}")
