"""``suanli demo``: a guided tour of the mission on the embedded default, every step real.

Each step runs the product's own entry points (the server, the SDK, the CLI commands) on a fresh home,
shows a progress bar and its timing, and says plainly what is not built yet instead of faking it.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.panel import Panel
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from suanli.client import Client
from suanli.core.errors import NotFound, SuanliError

ACCELERATORS = "nvidia-h100:8,ascend-910b:8"
MODEL = "tinygpt-news"
DEPLOYMENT = "tiny-news"
PRICES = {"accelerator-hour/nvidia-h100": "18.00", f"million-tokens-in/{DEPLOYMENT}": "2.00",
          f"million-tokens-out/{DEPLOYMENT}": "8.00"}


def shared_data() -> Path | None:
    """The public sample data beside the checkout (``../shared/data``), or ``$SUANLI_SAMPLE_DATA``."""
    beside_checkout = Path(__file__).parents[4] / "shared/data"
    candidates = [os.environ.get("SUANLI_SAMPLE_DATA"), "../shared/data", str(beside_checkout), "/work/shared/data"]
    for c in candidates:
        if c and (Path(c) / "README.md").exists():
            return Path(c).resolve()
    return None


@dataclass
class Tour:
    """State shared by the steps of one demo run."""

    workdir: Path
    console: Console
    data: Path | None
    url: str = ""
    admin: Client | None = None
    server: subprocess.Popen[bytes] | None = None
    facts: dict[str, Any] = field(default_factory=dict)

    def suanli(self, *args: str, token: str | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """Run a ``suanli`` command as a user would (as ``token``, else the admin); raise if it fails."""
        env = {**os.environ, "SUANLI_URL": self.url, "OMP_NUM_THREADS": "1"}
        if token or self.admin is not None:
            env["SUANLI_TOKEN"] = token or (self.workdir / "home" / "admin.key").read_text().strip()
        result = subprocess.run([sys.executable, "-m", "suanli.cli", *args], env=env, capture_output=True,
                                text=True, timeout=timeout)
        if result.returncode != 0:
            raise SuanliError(f"`suanli {' '.join(args)}` failed: {result.stderr.strip()[-500:]}")
        return result


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_platform(t: Tour) -> str:
    port = _free_port()
    t.url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "SUANLI_HOME": str(t.workdir / "home"), "SUANLI_LOCAL_ACCELERATORS": ACCELERATORS}
    env.pop("SUANLI_DATABASE_URL", None)
    started = time.monotonic()
    t.server = subprocess.Popen([sys.executable, "-m", "suanli.cli", "up", "--port", str(port)], env=env,
                                stdout=subprocess.DEVNULL, stderr=open(t.workdir / "server.log", "wb"))  # noqa: SIM115
    while True:
        try:
            if httpx.get(f"{t.url}/readyz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if t.server.poll() is not None or time.monotonic() - started > 60:
            raise SuanliError(f"suanli up did not start; see {t.workdir / 'server.log'}")
        time.sleep(0.05)
    t.admin = Client(t.url, (t.workdir / "home" / "admin.key").read_text().strip())
    return (f"ready at {t.url} in {time.monotonic() - started:.1f}s (SQLite, local files, local processes; "
            f"this box declares fake accelerators {ACCELERATORS} for the tour)")


def tenancy(t: Tour) -> str:
    assert t.admin is not None
    admin = t.admin
    admin.create_tenant("acme", display_name="ACME Robotics", industry="manufacturing", storage_quota_bytes=10**12)
    admin.create_tenant("beta", display_name="Beta Bank", industry="finance")
    admin.create_user("acme", "alice", role="tenant-admin")
    admin.set_quota("acme", "nvidia-h100", nominal=64, borrowing_limit=32)
    admin.set_quota("acme", "ascend-910b", nominal=128)
    token = admin.create_key("acme", user="alice", name="demo")["token"]
    alice = Client(t.url, token)
    t.facts["alice"], t.facts["token"] = alice, token
    # The operator's price list for this box: a self-hosted pool over the local cluster.
    admin.create_provider("self", ownership="self-hosted", name="this box")
    admin.create_pool("local", provider="self", region="local", jurisdiction="CN", cluster_id="local",
                      accelerators={"nvidia-h100": 8})
    for sku, price in PRICES.items():
        admin.add_price("local", sku, price)
    try:
        alice.tenant("beta")
        isolation = "LEAK"
    except NotFound:
        isolation = "another tenant's objects answer 404"
    return (f"tenants acme (quota: 64+32 nvidia-h100, 128 ascend-910b) and beta; alice is tenant-admin of acme; "
            f"{isolation}; pool 'local' priced ({', '.join(f'{k} ¥{v}' for k, v in PRICES.items())})")


def curate(t: Tour, progress: Progress) -> str:
    """Upload raw text as a dataset version, curate it with zh-web into the next version."""
    alice: Client = t.facts["alice"]
    raw = t.workdir / "raw"
    raw.mkdir()
    if t.data is not None:
        damaged = (t.data / "corpora" / "damaged_news_sample.txt").read_text(encoding="utf-8")
        with (raw / "news.jsonl").open("w", encoding="utf-8") as f:
            f.write(json.dumps({"id": "content-farm-copy", "text": damaged}, ensure_ascii=False) + "\n")
            f.write((t.data / "corpora" / "zh_news.jsonl").read_text(encoding="utf-8"))
    else:
        subprocess.run([sys.executable, "-m", "suanli.training.tinygpt.demo_data", str(raw / "news.jsonl")],
                       check=True, capture_output=True)
    alice.create_dataset("acme", "news", description="Chinese news, as crawled")
    alice.upload_dataset("acme", "news", [raw / "news.jsonl"], message="raw crawl")
    curation = json.loads(t.suanli("dataset", "curate", "news", "--recipe", "zh-web" if t.data else "zh-dedup",
                                   "-t", "acme", "--json", token=t.facts["token"]).stdout)
    number = curation["result_version"]
    t.facts["dataset_version"] = f"news@{number}"
    alice.download_dataset("acme", "news", t.workdir / "curated", version=number)
    t.facts["corpus"] = sorted((t.workdir / "curated").glob("*.jsonl*"))
    if t.data is not None:
        for line in _read_lines(t.facts["corpus"]):
            doc = json.loads(line)
            if doc.get("id") == "content-farm-copy":
                t.console.print(Panel(f"[red]as crawled:[/] {damaged[:80]}…\n[green]curated:[/]   {doc['text'][:80]}…",
                                      title="one document of version 2: the content-farm copy, repaired"))
    report = alice.dataset_report("acme", "news", number)
    return (f"dataset news: version 1 uploaded (chunked, checksummed), version {number} curated with "
            f"{curation['recipe']} by a curation job on the server ({curation['id']}), lineage to version 1; "
            f"{report['docs_in']} documents read, {report['docs_out']} kept; the report is stored with the version")


def _read_lines(paths: list[Path]) -> list[str]:
    from suanli.data.runners.inputs import open_text

    lines: list[str] = []
    for p in paths:
        with open_text(p) as f:
            lines.extend(line for line in f.read().splitlines() if line.strip())
    return lines


def train(t: Tour, progress: Progress) -> str:
    """Train tinygpt on the curated version, mounted read-only into a job on the local engine; follow its log."""
    alice: Client = t.facts["alice"]
    steps = 120
    trainer = [sys.executable, "-m", "suanli.training.tinygpt", "--layers", "2", "--width", "128", "--steps",
               str(steps), "--checkpoint-every", "60", "--log-every", "10"]
    script = f'exec {shlex.join(trainer)} --data "$SUANLI_DATASET_NEWS" --out "$SUANLI_OUTPUT_DIR"'
    job = alice.submit_job("acme", script=script, accelerators=1, kind="nvidia-h100",
                           datasets=[t.facts["dataset_version"]], output_model=MODEL, env={"OMP_NUM_THREADS": "1"},
                           restart_policy="on-failure(2)")
    task = progress.add_task(f"  job {job['id']}", total=steps)
    losses: list[float] = []
    offset, buffer = 0, ""
    deadline = time.monotonic() + 900
    while True:
        chunk = alice.job_logs("acme", job["id"], offset=offset)
        offset = chunk["next_offset"]
        buffer += chunk["data"]
        *lines, buffer = buffer.split("\n")
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("event") == "step":
                losses.append(float(event["loss"]))
                progress.update(task, completed=int(event["step"]))
        state = alice.job("acme", job["id"])
        if state["state"] in ("succeeded", "failed", "cancelled"):
            break
        if time.monotonic() > deadline:
            raise SuanliError(f"job {job['id']} did not finish in 15 minutes (state {state['state']})")
        time.sleep(0.5)
    progress.remove_task(task)
    if state["state"] != "succeeded":
        raise SuanliError(f"job {job['id']} {state['state']}: {state.get('message', '')}")
    t.facts["job"] = job["id"]
    loss = f"loss {losses[0]:.2f} -> {losses[-1]:.2f}" if losses else "no loss logged"
    return (f"job {job['id']} ran on the local engine with 1 (fake) nvidia-h100 and {t.facts['dataset_version']} "
            f"mounted read-only, {loss} in {steps} steps, checkpointing every 60")


def register_and_serve(t: Tour, progress: Progress) -> str:
    """Register the trained model, deploy it with min 0 replicas, and chat with it through the gateway."""
    import openai

    alice: Client = t.facts["alice"]
    deadline = time.monotonic() + 60
    while not (job := alice.job("acme", t.facts["job"]))["output_version_id"]:  # the registrar copies the output
        if job["output_error"] or time.monotonic() > deadline:
            raise SuanliError(f"the job's output was not registered: {job['output_error'] or 'timed out'}")
        time.sleep(0.5)
    version = alice.model_version("acme", MODEL)
    alice.deploy("acme", DEPLOYMENT, model=MODEL, regions={"local": {"min_replicas": 0, "max_replicas": 1}},
                 scale_to_zero_after_s=120)
    gateway = openai.OpenAI(base_url=f"{t.url}/v1", api_key=t.facts["token"], max_retries=0, timeout=300)
    asked = time.monotonic()
    first: float | None = None
    words: list[str] = []
    stream = gateway.chat.completions.create(model=DEPLOYMENT, stream=True, max_tokens=48,
                                             messages=[{"role": "user", "content": "数字经济"}])
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            first = first or time.monotonic()
            words.append(chunk.choices[0].delta.content)
    cold = (first or time.monotonic()) - asked
    title = f"{DEPLOYMENT} answers, streamed (openai client); a 0.4M-parameter model after a minute: babble"
    t.console.print(Panel("".join(words) or "(empty)", title=title))
    return (f"model {MODEL} v{version['number']} registered from the job's output ({version.get('parameters', '?')} "
            f"parameters, lineage: "
            f"{t.facts['job']}, {t.facts['dataset_version']}); deployment {DEPLOYMENT} scaled from zero, "
            f"first token after {cold:.1f}s")


def bill(t: Tour) -> str:
    """Wait for the metering bridge, then show what the month cost."""
    alice: Client = t.facts["alice"]
    month = datetime.now(UTC).astimezone(timezone(timedelta(hours=8))).strftime("%Y-%m")
    deadline = time.monotonic() + 60
    invoice = alice.invoice("acme", month)
    while time.monotonic() < deadline and not {"accelerator-hour", "million-tokens-out"} <= {
            line["sku"].split("/")[0] for line in invoice["lines"]}:
        time.sleep(1)
        invoice = alice.invoice("acme", month)
    table = Table(title=f"acme's invoice for {month} (CNY)")
    for col in ("sku", "usage", "unit_price", "amount"):
        table.add_column(col, justify="right" if col != "sku" else "left")
    for line in invoice["lines"]:
        table.add_row(line["sku"], f"{line['usage']} {line['usage_unit']}", line["unit_price"], line["amount"])
    t.console.print(table)
    return f"total ¥{invoice['total']}: metered from the job's run and the gateway's tokens, priced, to the fen"


def schedule(t: Tour) -> str:
    if t.data is None:
        return "skipped: no traces beside this checkout"
    doc = json.loads(t.suanli("sim", "--trace", str(t.data / "traces/gpu/philly_2017.csv"), "--format", "philly",
                              "--gpus", "640", "--limit", "5000", "--policy", "fifo", "--policy", "suanli",
                              "--json").stdout)
    rows = doc["results"]
    table = Table(title="Philly, first 5,000 jobs on 640 GPUs (suanli sim)")
    for col in ("policy", "avg_jct_s", "p99_queue_s", "gpu_utilization", "preemptions"):
        table.add_column(col, justify="right")
    columns = ("policy", "avg_jct_s", "p99_queue_s", "gpu_utilization", "preemptions")
    for r in rows:
        table.add_row(*(_fmt(r.get(c)) for c in columns))
    t.console.print(table)
    return "the same scheduling core that admits live jobs, replayed on a real cluster trace"


def serve(t: Tour) -> str:
    if t.data is None:
        return "skipped: no traces beside this checkout"
    rows = []
    for policy in ("static-peak", "kpa", "suanli"):
        out = json.loads(t.suanli("serve-sim", "--trace", str(t.data / "traces/llm/azure_llm_2023_conv.csv"),
                                  "--policy", policy, "--json").stdout)
        rows.append(out)
    table = Table(title="Azure LLM conversation trace, one hour (suanli serve-sim)")
    for col in ("policy", "requests", "slo_attainment", "p99_ttft_s", "replica_hours", "peak_replicas"):
        table.add_column(col)
    for r in rows:
        table.add_row(*(_fmt(r.get(c)) for c in ("policy", "requests", "slo_attainment", "p99_ttft_s",
                                                  "replica_hours", "peak_replicas")))
    t.console.print(table)
    return "the autoscaler and router cores that will drive live deployments, on a real request trace"


def _fmt(value: Any) -> str:
    return f"{value:,.3f}" if isinstance(value, float) else str(value)


NOT_SHOWN = [
    "jobs on Ray, Slurm and Kubernetes clusters: the engines are built and tested (docs/jobs.md); this tour "
    "stays on one box, so it uses the local engine",
    "vLLM replicas (they need a GPU host) and multi-region serving on real edge clusters",
]


def run(console: Console | None = None, keep: bool = False) -> int:
    """Run the tour; returns a process exit code."""
    console = console or Console()
    workdir = Path(tempfile.mkdtemp(prefix="suanli-demo-"))
    tour = Tour(workdir=workdir, console=console, data=shared_data())
    steps: list[tuple[str, Callable[..., str]]] = [
        ("Start the platform (suanli up)", start_platform),
        ("Tenants, users, keys, quotas", tenancy),
        ("Data: upload a crawl, repair and curate it into a new version", curate),
        ("Training: tinygpt on the curated version, as a job", train),
        ("Inference: register, deploy from zero, chat through the gateway", register_and_serve),
        ("Billing: metered tokens and accelerator time, priced", bill),
        ("Training plane: multi-tenant scheduling on a real trace (suanli sim)", schedule),
        ("Inference plane: elastic serving on a real trace (suanli serve-sim)", serve),
    ]
    console.rule("[bold]suanli 算力: the whole mission on one box")
    started = time.monotonic()
    code = 0
    try:
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                      console=console, transient=True) as progress:
            for title, step in steps:
                task = progress.add_task(title, total=None)
                t0 = time.monotonic()
                result = step(tour, progress) if step in (curate, train, register_and_serve) else step(tour)
                progress.remove_task(task)
                console.print(f"[green]✓[/] [bold]{title}[/] ({time.monotonic() - t0:.1f}s)\n    {result}")
    except SuanliError as exc:
        console.print(f"[red]✗ {exc.message}[/]")
        code = 1
    finally:
        if tour.server is not None:
            tour.server.send_signal(signal.SIGTERM)
            tour.server.wait(timeout=30)
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
    console.print("\n[yellow]Not shown by this tour:[/]")
    for item in NOT_SHOWN:
        console.print(f"  - {item}")
    console.rule(f"done in {time.monotonic() - started:.0f}s" + (f"; files kept in {workdir}" if keep else ""))
    return code
