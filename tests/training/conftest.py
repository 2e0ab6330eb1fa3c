"""Fixtures of the tinygpt tests: a small corpus, the tiny model settings, and a trainer runner.

Fixtures rather than an importable helper module, so that they work under any pytest import mode.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

TINY = ["--layers", "2", "--width", "32", "--context", "32", "--batch-size", "4", "--log-every", "1",
        "--threads", "1", "--dropout", "0.1"]

SENTENCES = [
    "The scheduler admits a job when its tenant has quota left.",
    "算力 is the Chinese word for compute power.",
    "A checkpoint is written beside its final name and renamed into place.",
    "Every accelerator kind names its vendor, its memory and its visible-devices variable.",
]


def write_corpus(path: Path, records: int = 60) -> Path:
    """A JSONL file of short English and Chinese sentences (about 4 KB)."""
    with path.open("w", encoding="utf-8") as f:
        for i in range(records):
            record = {"id": i, "text": f"{i}: {SENTENCES[i % len(SENTENCES)]}"}
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def env(**extra: str) -> dict[str, str]:
    """The environment of a trainer subprocess: one thread, offline, no inherited job variables."""
    e = {k: v for k, v in os.environ.items() if not k.startswith("SUANLI_")}
    e.update({"OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
    e.update(extra)
    return e


def run_trainer(args: list[str], **extra_env: str) -> tuple[int, list[dict[str, Any]], str]:
    """Run ``python -m suanli.training.tinygpt ARGS``; returns exit status, JSON events, stderr."""
    proc = subprocess.run(
        [sys.executable, "-m", "suanli.training.tinygpt", *args],
        env=env(**extra_env), capture_output=True, text=True, timeout=120,
    )
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    return proc.returncode, events, proc.stderr


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A small JSONL corpus in the test's temporary folder."""
    return write_corpus(tmp_path / "corpus.jsonl")


@pytest.fixture
def tiny() -> list[str]:
    """Command-line flags for a model that trains in milliseconds a step."""
    return list(TINY)


@pytest.fixture
def trainer() -> Any:
    """``run_trainer``: run the trainer as a subprocess."""
    return run_trainer


@pytest.fixture
def trainer_env() -> Any:
    """``env``: the environment that trainer subprocesses get."""
    return env
