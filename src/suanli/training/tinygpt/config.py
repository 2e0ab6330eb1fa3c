"""The trainer's settings: one frozen dataclass, filled from the command line and the job's environment.

This module imports neither torch nor transformers, so the job service can build and validate a
configuration without the ``train`` extra installed.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

CHECKPOINT_DIR_ENV = "SUANLI_CHECKPOINT_DIR"
RESTART_COUNT_ENV = "SUANLI_RESTART_COUNT"
DATASET_VERSION_ENV = "SUANLI_DATASET_VERSION"
# Fault injection for tests and drills: "N" (or "N:KILL") makes the process SIGKILL itself right
# after step N; "N:TERM" sends itself SIGTERM, as a preemption would.
FAULT_AT_STEP_ENV = "SUANLI_TINYGPT_FAULT_AT_STEP"


class ConfigError(ValueError):
    """The command line or the environment asks for something the trainer cannot do."""


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """Everything that decides what a training run computes (and so what a resume must match)."""

    data: Path
    out: Path
    checkpoint_dir: Path | None = None
    steps: int = 200
    checkpoint_every: int = 50
    keep_checkpoints: int = 2
    layers: int = 4
    width: int = 256
    heads: int | None = None
    context: int = 128
    batch_size: int = 16
    lr: float = 3e-3
    warmup_steps: int | None = None
    weight_decay: float = 0.1
    dropout: float = 0.0
    seed: int = 0
    device: str = "auto"
    threads: int = 1
    log_every: int = 10
    text_field: str = "text"
    dataset_version: str | None = None
    restart_count: int = 0
    fault_at_step: int | None = field(default=None, compare=False)
    fault_signal: str = field(default="KILL", compare=False)

    @property
    def n_heads(self) -> int:
        """Attention heads: as given, else one per 64 channels (GPT-2's head size), at least one."""
        return self.heads if self.heads is not None else max(1, self.width // 64)

    @property
    def n_warmup(self) -> int:
        """Linear warm-up steps: as given, else a tenth of the run."""
        return self.warmup_steps if self.warmup_steps is not None else max(1, self.steps // 10)

    def validate(self) -> None:
        """Raise :class:`ConfigError` with a message that says what to change."""
        positive = {
            "steps": self.steps,
            "checkpoint_every": self.checkpoint_every,
            "keep_checkpoints": self.keep_checkpoints,
            "layers": self.layers,
            "width": self.width,
            "context": self.context,
            "batch_size": self.batch_size,
            "threads": self.threads,
            "log_every": self.log_every,
        }
        for name, value in positive.items():
            if value < 1:
                raise ConfigError(f"--{name.replace('_', '-')} must be at least 1, not {value}")
        if self.width % self.n_heads:
            raise ConfigError(f"--width {self.width} is not divisible by {self.n_heads} heads")
        if self.lr <= 0:
            raise ConfigError(f"--lr must be positive, not {self.lr}")
        if not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"--dropout must be in [0, 1), not {self.dropout}")
        if self.device not in ("auto", "cpu", "cuda") and not self.device.startswith("cuda:"):
            raise ConfigError(f"--device must be auto, cpu or cuda[:N], not {self.device!r}")
        if self.restart_count < 0:
            raise ConfigError(f"{RESTART_COUNT_ENV} must be >= 0, not {self.restart_count}")

    def model_settings(self) -> dict[str, Any]:
        """The settings that must be equal for a checkpoint to be resumed (run length may grow)."""
        d = asdict(self)
        for volatile in ("out", "checkpoint_dir", "steps", "log_every", "restart_count", "fault_at_step",
                         "fault_signal", "keep_checkpoints", "checkpoint_every", "device", "threads", "data",
                         "dataset_version"):
            d.pop(volatile)
        return d


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m suanli.training.tinygpt",
        description="Train a small GPT-2 on JSONL text; checkpoint, resume exactly, export a HF model.",
    )
    p.add_argument("--data", required=True, type=Path, help="JSONL (.gz/.zst) or Parquet file, or a folder of them")
    p.add_argument("--out", required=True, type=Path, help="Hugging Face model directory to write")
    p.add_argument("--checkpoint-dir", type=Path, default=None,
                   help=f"checkpoint folder (default: ${CHECKPOINT_DIR_ENV}; none: no checkpoints)")
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--checkpoint-every", type=int, default=50)
    p.add_argument("--keep-checkpoints", type=int, default=2)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--width", type=int, default=256)
    p.add_argument("--heads", type=int, default=None)
    p.add_argument("--context", type=int, default=128)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--warmup-steps", type=int, default=None)
    p.add_argument("--weight-decay", type=float, default=0.1)
    p.add_argument("--dropout", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    p.add_argument("--threads", type=int, default=None,
                   help="CPU threads for torch (default: $OMP_NUM_THREADS, else 1)")
    p.add_argument("--log-every", type=int, default=10)
    p.add_argument("--text-field", default="text")
    p.add_argument("--dataset-version", default=None,
                   help=f"dataset version recorded in suanli.json (default: ${DATASET_VERSION_ENV})")
    return p


def _int_env(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, not {raw!r}") from None


def _fault(env: Mapping[str, str]) -> tuple[int | None, str]:
    raw = env.get(FAULT_AT_STEP_ENV, "").strip()
    if not raw:
        return None, "KILL"
    step, _, sig = raw.partition(":")
    sig = sig.upper() or "KILL"
    if not step.isdigit() or sig not in ("KILL", "TERM"):
        raise ConfigError(f"{FAULT_AT_STEP_ENV} must be N, N:KILL or N:TERM, not {raw!r}")
    return int(step), sig


def parse_config(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> TrainConfig:
    """Build a validated configuration from ``argv`` and ``env`` (default: this process's)."""
    e = os.environ if env is None else env
    a = _parser().parse_args(argv)
    ckpt = a.checkpoint_dir
    if ckpt is None and e.get(CHECKPOINT_DIR_ENV):
        ckpt = Path(e[CHECKPOINT_DIR_ENV])
    fault = _fault(e)
    threads = a.threads if a.threads is not None else (_int_env(e, "OMP_NUM_THREADS") or 1)
    cfg = TrainConfig(
        data=a.data,
        out=a.out,
        checkpoint_dir=ckpt,
        steps=a.steps,
        checkpoint_every=a.checkpoint_every,
        keep_checkpoints=a.keep_checkpoints,
        layers=a.layers,
        width=a.width,
        heads=a.heads,
        context=a.context,
        batch_size=a.batch_size,
        lr=a.lr,
        warmup_steps=a.warmup_steps,
        weight_decay=a.weight_decay,
        dropout=a.dropout,
        seed=a.seed,
        device=a.device,
        threads=threads,
        log_every=a.log_every,
        text_field=a.text_field,
        dataset_version=a.dataset_version or e.get(DATASET_VERSION_ENV) or None,
        restart_count=_int_env(e, RESTART_COUNT_ENV) or 0,
        fault_at_step=fault[0],
        fault_signal=fault[1],
    )
    cfg.validate()
    return cfg
