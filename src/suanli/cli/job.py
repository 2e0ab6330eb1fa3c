"""``suanli job submit|list|show|logs|cancel``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from suanli.cli.connect import client
from suanli.cli.output import console, print_json, print_table, show
from suanli.cli.platform import JsonOpt
from suanli.core.errors import InvalidInput

app = typer.Typer(help="Training jobs: submit work, follow it, cancel it.", no_args_is_help=True)
TenantOpt = Annotated[str | None, typer.Option("--tenant", "-t", help="Tenant (default: your own)")]
COLUMNS = ("id", "name", "state", "accelerators", "accelerator_kind", "priority_class", "pending_reason", "created_at")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(text: str) -> float:
    """``90``, ``90s``, ``30m``, ``2h`` or ``1d`` as seconds."""
    unit = _UNITS.get(text[-1:].lower(), 0)
    try:
        return float(text[:-1]) * unit if unit else float(text)
    except ValueError:
        raise InvalidInput(f"invalid duration {text!r}: use seconds or 30m, 2h, 1d") from None


def _env(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise InvalidInput(f"invalid --env {pair!r}: use NAME=VALUE")
        out[key] = value
    return out


@app.command("submit", context_settings={"allow_interspersed_args": False})
def submit(
    command: Annotated[list[str] | None, typer.Argument(help="The command and its arguments (after --)")] = None,
    script: Annotated[Path | None, typer.Option(help="A shell script to run instead of a command")] = None,
    name: Annotated[str, typer.Option(help="A name for people")] = "",
    accelerators: Annotated[int, typer.Option("--accelerators", "-g", help="Devices in all")] = 1,
    kind: Annotated[str | None, typer.Option(help="Accelerator kind, e.g. nvidia-h100; none: any kind")] = None,
    min_memory_gb: Annotated[int | None, typer.Option(help="Without --kind: any kind with this much memory")] = None,
    nodes: Annotated[int | None, typer.Option(help="Spread over exactly this many nodes")] = None,
    priority: Annotated[str, typer.Option(help="Priority class: low, normal or high")] = "normal",
    max_runtime: Annotated[str | None, typer.Option(help="Wall-time limit: seconds, or 30m, 2h, 1d")] = None,
    env: Annotated[list[str] | None, typer.Option("--env", "-e", help="NAME=VALUE (repeatable)")] = None,
    checkpoint_dir: Annotated[str | None, typer.Option(help="Relative folder in your tenant's checkpoint area")] = None,
    restart: Annotated[str, typer.Option(help="never or on-failure(N)")] = "never",
    dataset: Annotated[list[str] | None, typer.Option(
        "--dataset", "-d", help="Mount a dataset version read-only: NAME@VERSION or NAME (repeatable)")] = None,
    output_model: Annotated[str | None, typer.Option(
        help="Register what the job writes to $SUANLI_OUTPUT_DIR as the next version of this model")] = None,
    classification: Annotated[str | None, typer.Option(
        help="Data classification: public, internal, important or core (at least its datasets')")] = None,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Queue a job: `suanli job submit -g 8 --kind nvidia-h100 -- python train.py`."""
    body = {
        "name": name, "accelerators": accelerators, "kind": kind, "min_memory_gb": min_memory_gb, "nodes": nodes,
        "priority_class": priority, "max_runtime_s": duration(max_runtime) if max_runtime else None,
        "env": _env(env or []), "checkpoint_dir": checkpoint_dir, "restart_policy": restart,
        "datasets": dataset or [], **({"output_model": output_model} if output_model else {}),
        **({"classification": classification} if classification else {}),
    }
    text = script.read_text() if script else None
    with client() as c:
        job = c.submit_job(tenant or c.me()["tenant"], command=command or None, script=text, **body)
    if as_json:
        print_json(job)
    else:
        console.print(f"submitted {job['id']} ({job['state']})")


@app.command("list")
def list_(tenant: TenantOpt = None, state: Annotated[str | None, typer.Option(help="Only this state")] = None,
          limit: Annotated[int, typer.Option(help="At most this many")] = 100, as_json: JsonOpt = False) -> None:
    """List your tenant's jobs, oldest first."""
    with client() as c:
        rows = c.jobs(tenant or c.me()["tenant"], state=state, limit=limit)
    show(rows, as_json=as_json, rows=rows, columns=COLUMNS, title="jobs")


@app.command("show")
def show_(job: str, tenant: TenantOpt = None, as_json: JsonOpt = False) -> None:
    """Show a job, with the scheduler's pending reason and estimated start, and its event history."""
    with client() as c:
        t = tenant or c.me()["tenant"]
        found = c.job(t, job)
        events = c.job_events(t, job)
    if as_json:
        print_json({**found, "events": events})
        return
    show(found, as_json=False, title=f"job {job}")
    print_table(events, ("at", "state", "message"), title="events")


@app.command("logs")
def logs(job: str, tenant: TenantOpt = None,
         follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing until the job ends")] = False,
         ) -> None:
    """Print a job's output (stdout and stderr)."""
    import sys

    with client() as c:
        t = tenant or c.me()["tenant"]
        offset = 0
        while True:
            chunk = c.job_logs(t, job, offset=offset)
            sys.stdout.write(chunk["data"])
            sys.stdout.flush()
            offset = chunk["next_offset"]
            if chunk["data"]:
                continue
            if not follow or c.job(t, job)["state"] in ("succeeded", "failed", "cancelled"):
                if follow:  # output written between the last read and the end
                    sys.stdout.write(c.job_logs(t, job, offset=offset)["data"])
                return
            time.sleep(0.5)


@app.command("delete-checkpoints")
def delete_checkpoints(job: str, tenant: TenantOpt = None, as_json: JsonOpt = False) -> None:
    """Delete a finished job's checkpoints (storage is billed while they stay); refused while it may resume."""
    with client() as c:
        freed = c.delete_job_checkpoints(tenant or c.me()["tenant"], job)
    if as_json:
        print_json(freed)
    else:
        console.print(f"{job}: deleted {freed['files']} checkpoint file(s), {freed['bytes']:,} bytes")


@app.command("cancel")
def cancel(job: str, tenant: TenantOpt = None, as_json: JsonOpt = False) -> None:
    """Cancel a job: a waiting one at once, a running one with SIGTERM, a grace period, then SIGKILL."""
    with client() as c:
        found = c.cancel_job(tenant or c.me()["tenant"], job)
    if as_json:
        print_json(found)
    else:
        console.print(f"{job}: {'cancelled' if found['state'] == 'cancelled' else 'stopping'}")
