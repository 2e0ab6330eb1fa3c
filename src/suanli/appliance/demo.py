"""``suanli demo``: a guided tour of the mission on the embedded default, every step real.

Each step runs the product's own entry points (the server, the SDK, the CLI commands) on a fresh home,
shows a progress bar and its timing, and says plainly what is not built yet instead of faking it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.panel import Panel
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from suanli.client import Client
from suanli.core.errors import NotFound, SuanliError


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

    def suanli(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """Run a ``suanli`` command as a user would; raise with its message if it fails."""
        env = {**os.environ, "SUANLI_URL": self.url, "OMP_NUM_THREADS": "1"}
        if self.admin is not None:
            env["SUANLI_TOKEN"] = (self.workdir / "home" / "admin.key").read_text().strip()
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
    env = {**os.environ, "SUANLI_HOME": str(t.workdir / "home")}
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
    return f"ready at {t.url} in {time.monotonic() - started:.1f}s (SQLite, local files, local processes)"


def tenancy(t: Tour) -> str:
    assert t.admin is not None
    admin = t.admin
    admin.create_tenant("acme", display_name="ACME Robotics", industry="manufacturing", storage_quota_bytes=10**12)
    admin.create_tenant("beta", display_name="Beta Bank", industry="finance")
    admin.create_user("acme", "alice", role="tenant-admin")
    admin.set_quota("acme", "nvidia-h100", nominal=64, borrowing_limit=32)
    admin.set_quota("acme", "ascend-910b", nominal=128)
    alice = Client(t.url, admin.create_key("acme", user="alice", name="demo")["token"])
    t.facts["alice"] = alice
    try:
        alice.tenant("beta")
        isolation = "LEAK"
    except NotFound:
        isolation = "another tenant's objects answer 404"
    return (f"tenants acme (quota: 64+32 nvidia-h100, 128 ascend-910b) and beta; alice is tenant-admin of acme; "
            f"{isolation}; {len(admin.audit(limit=100))} audit events so far")


def curate(t: Tour) -> str:
    if t.data is None:
        return "skipped: the sample corpora (../shared/data) are not beside this checkout"
    damaged = (t.data / "corpora" / "damaged_news_sample.txt").read_text(encoding="utf-8")
    src = t.workdir / "damaged.jsonl"
    src.write_text(json.dumps({"id": "sample", "text": damaged}, ensure_ascii=False) + "\n", encoding="utf-8")
    out = t.workdir / "repaired.jsonl"
    report = json.loads(t.suanli("curate", "--recipe", "zh-repair", "--input", str(src), "--output", str(out),
                                 "--json").stdout)
    repaired = json.loads(out.read_text(encoding="utf-8").splitlines()[0])["text"]
    t.console.print(Panel(f"[red]before:[/] {damaged[:90]}…\n[green]after:[/]  {repaired[:90]}…",
                          title="the damaged news article, repaired"))
    news = t.data / "corpora" / "zh_news.jsonl"
    curated = t.workdir / "zh_news.curated.jsonl"
    web = json.loads(t.suanli("curate", "--recipe", "zh-web", "--input", str(news), "--output", str(curated),
                              "--json").stdout)
    t.facts["corpus"] = curated
    return f"zh-repair: {_summary(report)}; zh-web on {news.name}: {_summary(web)}"


def _summary(report: dict[str, Any]) -> str:
    docs_in = report.get("documents_in", report.get("docs_in", "?"))
    docs_out = report.get("documents_out", report.get("docs_out", "?"))
    return f"{docs_in} documents in, {docs_out} kept"


def train(t: Tour, progress: Progress) -> str:
    corpus = t.facts.get("corpus")
    if corpus is None:
        corpus = t.workdir / "demo_text.jsonl"
        subprocess.run([sys.executable, "-m", "suanli.training.tinygpt.demo_data", str(corpus)], check=True,
                       capture_output=True)
    steps = 120
    task = progress.add_task("  tinygpt steps", total=steps)
    cmd = [sys.executable, "-m", "suanli.training.tinygpt", "--data", str(corpus), "--out",
           str(t.workdir / "model"), "--checkpoint-dir", str(t.workdir / "ckpt"), "--layers", "2", "--width", "128",
           "--steps", str(steps), "--checkpoint-every", "60", "--log-every", "10"]
    losses: list[float] = []
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env={**os.environ, "OMP_NUM_THREADS": "1"}) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("event") == "step":
                losses.append(float(event["loss"]))
                progress.update(task, completed=int(event["step"]))
        if proc.wait() != 0:
            raise SuanliError(f"tinygpt failed: {proc.stderr.read()[-500:] if proc.stderr else ''}")
    progress.remove_task(task)
    t.facts["model"] = t.workdir / "model"
    return (f"trained on the curated corpus: loss {losses[0]:.2f} -> {losses[-1]:.2f} in {steps} steps; "
            f"Hugging Face model at {t.workdir / 'model'} (run directly, not yet as a platform job)")


def schedule(t: Tour) -> str:
    if t.data is None:
        return "skipped: no traces beside this checkout"
    doc = json.loads(t.suanli("sim", "--trace", str(t.data / "traces/gpu/philly_2017.csv"), "--format", "philly",
                              "--gpus", "640", "--limit", "5000", "--policy", "fifo", "--policy", "suanli",
                              "--json").stdout)
    rows = doc if isinstance(doc, list) else doc.get("results", [doc])
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
        rows.append(out if "policy" in out else {"policy": policy, **out})
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


NOT_YET = [
    "training jobs on the platform's engines (local, Ray, Slurm, Kubernetes)",
    "datasets on object storage (local files, S3)",
    "model registry, deployments and the OpenAI-compatible gateway (chat with the trained model)",
    "metering of tokens and accelerator time, and what they cost",
]


def run(console: Console | None = None, keep: bool = False) -> int:
    """Run the tour; returns a process exit code."""
    console = console or Console()
    workdir = Path(tempfile.mkdtemp(prefix="suanli-demo-"))
    tour = Tour(workdir=workdir, console=console, data=shared_data())
    steps: list[tuple[str, Callable[..., str]]] = [
        ("Start the platform (suanli up)", start_platform),
        ("Tenants, users, keys, quotas", tenancy),
        ("Data: repair and curate Chinese web text (suanli curate)", curate),
        ("Training: tinygpt on the curated corpus", train),
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
                result = step(tour, progress) if step is train else step(tour)
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
    console.print("\n[yellow]Not built yet, so not shown:[/]")
    for item in NOT_YET:
        console.print(f"  - {item}")
    console.rule(f"done in {time.monotonic() - started:.0f}s" + (f"; files kept in {workdir}" if keep else ""))
    return code
