"""The trainer as a process: after a SIGKILL and a restart it ends exactly where an unbroken run ends."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch
from safetensors.torch import load_file


def _losses(events: list[dict[str, Any]]) -> dict[int, float]:
    return {int(e["step"]): float(e["loss"]) for e in events if e["event"] == "step"}


def test_killed_and_restarted_run_matches_an_uninterrupted_one(
    tmp_path: Path, corpus: Path, tiny: list[str], trainer: Any
) -> None:
    common = ["--data", str(corpus), "--steps", "20", "--checkpoint-every", "10", *tiny]

    rc, straight, err = trainer([*common, "--out", str(tmp_path / "a"),
                                 "--checkpoint-dir", str(tmp_path / "ca")])
    assert rc == 0, err

    # Killed (SIGKILL, no clean-up) after step 13: steps 11-13 are lost and must be redone identically.
    rc, first, _ = trainer([*common, "--out", str(tmp_path / "b")],
                           SUANLI_CHECKPOINT_DIR=str(tmp_path / "cb"), SUANLI_TINYGPT_FAULT_AT_STEP="13")
    assert rc == -9
    assert max(_losses(first)) == 13
    assert not (tmp_path / "b").exists()
    # Restarted, then preempted: SIGTERM after step 15 is honoured after step 16 with a checkpoint.
    rc, second, err = trainer([*common, "--out", str(tmp_path / "b")],
                              SUANLI_CHECKPOINT_DIR=str(tmp_path / "cb"), SUANLI_RESTART_COUNT="1",
                              SUANLI_TINYGPT_FAULT_AT_STEP="15:TERM")
    assert rc == 143, err
    resumed = [e for e in second if e["event"] == "resumed"]
    assert resumed and resumed[0]["step"] == 10 and resumed[0]["restart_count"] == 1
    assert (min(_losses(second)), max(_losses(second))) == (11, 16)
    assert second[-1] == {"event": "stopped", "step": 16, "checkpointed": True}
    rc, third, err = trainer([*common, "--out", str(tmp_path / "b")],
                             SUANLI_CHECKPOINT_DIR=str(tmp_path / "cb"), SUANLI_RESTART_COUNT="2")
    assert rc == 0, err
    assert min(_losses(third)) == 17

    straight_losses = _losses(straight)
    assert {**_losses(first), **_losses(second), **_losses(third)} == straight_losses
    assert straight_losses[20] < straight_losses[1]

    a = load_file(str(tmp_path / "a" / "model.safetensors"))
    b = load_file(str(tmp_path / "b" / "model.safetensors"))
    assert a.keys() == b.keys()
    for name in a:
        assert torch.equal(a[name], b[name]), name
    lineage = json.loads((tmp_path / "b" / "suanli.json").read_text())
    assert lineage["steps"] == 20 and lineage["restart_count"] == 2
    assert lineage["final_loss"] == pytest.approx(straight_losses[20], abs=1e-6)
    assert [s for s, _ in lineage["loss_curve"]] == list(range(1, 21))
    # Only the newest two checkpoints are kept (16: written on SIGTERM).
    assert sorted(p.name for p in (tmp_path / "cb").iterdir()) == ["step-00000016", "step-00000020"]
