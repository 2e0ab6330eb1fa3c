"""Checkpoints: one folder per step, written beside its final name and renamed into place.

A reader never sees a half-written checkpoint: files go into ``.tmp-step-N-PID``, are fsynced,
and the folder is renamed to ``step-0000000N`` (an atomic rename on POSIX), then the parent is
fsynced. Leftover ``.tmp-*`` folders are what a killed writer left behind; the trainer removes them
when it starts (one trainer owns a checkpoint folder at a time: the job's restart policy ensures it).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

_STEP_DIR = re.compile(r"^step-(\d{8,})$")
STATE_FILE = "state.pt"
META_FILE = "meta.json"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A loaded checkpoint: its step, where it lives, its tensors and its JSON metadata."""

    step: int
    path: Path
    state: dict[str, Any]
    meta: dict[str, Any]


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def step_dirs(root: Path) -> list[tuple[int, Path]]:
    """Complete checkpoint folders under ``root``, oldest first."""
    if not root.is_dir():
        return []
    found = []
    for child in root.iterdir():
        m = _STEP_DIR.match(child.name)
        if m and (child / STATE_FILE).is_file() and (child / META_FILE).is_file():
            found.append((int(m.group(1)), child))
    return sorted(found)


def remove_partial(root: Path) -> list[Path]:
    """Delete what killed writers left (``.tmp-*``); returns what was removed."""
    removed = [p for p in root.glob(".tmp-*")] if root.is_dir() else []
    for p in removed:
        shutil.rmtree(p, ignore_errors=True)
    return removed


def save(root: Path, step: int, state: dict[str, Any], meta: dict[str, Any], keep: int) -> Path:
    """Write a checkpoint atomically, then drop all but the newest ``keep``."""
    root.mkdir(parents=True, exist_ok=True)
    final = root / f"step-{step:08d}"
    tmp = root / f".tmp-step-{step:08d}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    torch.save(state, tmp / STATE_FILE)
    (tmp / META_FILE).write_text(json.dumps({"step": step, **meta}, indent=1, sort_keys=True))
    for f in (tmp / STATE_FILE, tmp / META_FILE, tmp):
        _fsync(f)
    if final.exists():
        # Same step written again (a resumed run re-reached it): the content is identical by
        # construction, so replacing it is safe; rename cannot overwrite a non-empty folder.
        shutil.rmtree(final)
    os.rename(tmp, final)
    _fsync(root)
    for _, old in step_dirs(root)[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def load_latest(root: Path, on_skip: Callable[[Path, Exception], None] | None = None) -> Checkpoint | None:
    """The newest checkpoint that loads; an unreadable one is reported through ``on_skip`` and the
    next older one is tried, so one corrupt file costs a few steps rather than the whole run."""
    for step, path in reversed(step_dirs(root)):
        try:
            state = torch.load(path / STATE_FILE, map_location="cpu", weights_only=True)
            meta = json.loads((path / META_FILE).read_text())
        except Exception as exc:  # torch raises many kinds on a torn or foreign file
            if on_skip is not None:
                on_skip(path, exc)
            continue
        return Checkpoint(step, path, state, meta)
    return None
