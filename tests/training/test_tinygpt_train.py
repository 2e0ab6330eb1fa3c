"""The trainer in-process: export, offline loading and generation, refusals, and in-process resume."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch
from safetensors.torch import load_file

from suanli.training.tinygpt import parse_config
from suanli.training.tinygpt.data import DataError
from suanli.training.tinygpt.loop import ResumeError, Stopped, learning_rate, train


@pytest.fixture(autouse=True)
def _one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    for name in ("SUANLI_CHECKPOINT_DIR", "SUANLI_RESTART_COUNT", "SUANLI_TINYGPT_FAULT_AT_STEP",
                 "SUANLI_DATASET_VERSION"):
        monkeypatch.delenv(name, raising=False)
    torch.set_num_threads(1)


class Crash(Exception):
    pass


def test_exported_model_loads_and_generates_offline(tmp_path: Path, corpus: Path, tiny: list[str]) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    events: list[dict[str, Any]] = []
    cfg = parse_config(["--data", str(corpus), "--out", str(tmp_path / "m"), "--steps", "5", *tiny,
                        "--dataset-version", "ds-1@v3"], env={})
    result = train(cfg, events.append)
    assert result.steps == 5 and result.resumed_from is None
    files = {p.name for p in (tmp_path / "m").iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
            "generation_config.json", "suanli.json"} <= files
    lineage = json.loads((tmp_path / "m" / "suanli.json").read_text())
    assert lineage["dataset"]["version"] == "ds-1@v3"
    assert lineage["dataset"]["path"] == str(corpus)
    assert lineage["dataset"]["documents"] == 60
    assert lineage["parameters"] == result.parameters > 0
    assert lineage["steps"] == 5 and lineage["final_loss"] == result.final_loss
    steps = [e for e in events if e["event"] == "step"]
    assert [e["step"] for e in steps] == [1, 2, 3, 4, 5]
    assert all(e["tokens_per_s"] > 0 and e["loss"] > 0 for e in steps)

    # Any: transformers 5.23 types generate() with a self-type that mypy rejects on loaded models.
    model: Any = AutoModelForCausalLM.from_pretrained(tmp_path / "m")
    tok = AutoTokenizer.from_pretrained(tmp_path / "m")
    ids = tok("算力 is", return_tensors="pt")
    prompt = list("算力 is".encode())
    assert ids["input_ids"][0].tolist() == prompt
    out = model.generate(**ids, max_new_tokens=12, do_sample=False)[0].tolist()
    assert out[: len(prompt)] == prompt
    assert len(prompt) < len(out) <= len(prompt) + 12
    assert model.num_parameters() == result.parameters


def test_resume_in_process_with_dropout_is_exact(tmp_path: Path, corpus: Path, tiny: list[str]) -> None:
    def cfg(name: str) -> Any:
        return parse_config(["--data", str(corpus), "--out", str(tmp_path / name), "--steps", "12",
                             "--checkpoint-every", "4", *tiny],
                            env={"SUANLI_CHECKPOINT_DIR": str(tmp_path / f"c{name}")})

    straight = train(cfg("a"), lambda e: None)

    def crash_at_7(event: dict[str, Any]) -> None:
        if event["event"] == "step" and event["step"] == 7:
            raise Crash
    with pytest.raises(Crash):
        train(cfg("b"), crash_at_7)
    # A torn checkpoint write (what a SIGKILL mid-save leaves) must be ignored and cleaned up.
    torn = tmp_path / "cb" / ".tmp-step-00000008-999"
    torn.mkdir()
    events: list[dict[str, Any]] = []
    resumed = train(cfg("b"), events.append)
    assert resumed.resumed_from == 4
    assert not torn.exists()
    assert any(e["event"] == "removed_partial_checkpoint" for e in events)
    assert resumed.final_loss == straight.final_loss
    a = load_file(str(tmp_path / "a" / "model.safetensors"))
    b = load_file(str(tmp_path / "b" / "model.safetensors"))
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_stop_request_checkpoints_and_a_restart_finishes_identically(
    tmp_path: Path, corpus: Path, tiny: list[str]
) -> None:
    def cfg(name: str) -> Any:
        return parse_config(["--data", str(corpus), "--out", str(tmp_path / name), "--steps", "8",
                             "--checkpoint-every", "100", *tiny],
                            env={"SUANLI_CHECKPOINT_DIR": str(tmp_path / f"c{name}")})

    straight = train(cfg("a"), lambda e: None)
    asked: list[int] = []  # should_stop is asked once after each step

    def third_time() -> bool:
        asked.append(1)
        return len(asked) >= 3

    events: list[dict[str, Any]] = []
    with pytest.raises(Stopped) as stopped:
        train(cfg("b"), events.append, should_stop=third_time)
    assert stopped.value.step == 3
    assert events[-1] == {"event": "stopped", "step": 3, "checkpointed": True}
    assert (tmp_path / "cb" / "step-00000003").is_dir()
    finished = train(cfg("b"), lambda e: None)
    assert finished.resumed_from == 3 and finished.final_loss == straight.final_loss


def test_resume_refuses_other_settings_and_other_data(tmp_path: Path, corpus: Path, tiny: list[str]) -> None:
    ck = {"SUANLI_CHECKPOINT_DIR": str(tmp_path / "ck")}
    train(parse_config(["--data", str(corpus), "--out", str(tmp_path / "m"), "--steps", "2", *tiny], env=ck),
          lambda e: None)
    with pytest.raises(ResumeError, match="fresh --checkpoint-dir"):
        train(parse_config(["--data", str(corpus), "--out", str(tmp_path / "m"), "--steps", "4", *tiny,
                            "--seed", "7"], env=ck), lambda e: None)
    other = tmp_path / "other.jsonl"
    other.write_text(corpus.read_text() + '{"text": "one more record"}\n')
    with pytest.raises(ResumeError, match="another dataset"):
        args = ["--data", str(other), "--out", str(tmp_path / "m"), "--steps", "4", *tiny]
        train(parse_config(args, env=ck), lambda e: None)


def test_run_that_already_finished_just_exports_again(tmp_path: Path, corpus: Path, tiny: list[str]) -> None:
    ck = {"SUANLI_CHECKPOINT_DIR": str(tmp_path / "ck")}
    args = ["--data", str(corpus), "--out", str(tmp_path / "m"), "--steps", "3", *tiny]
    first = train(parse_config(args, env=ck), lambda e: None)
    events: list[dict[str, Any]] = []
    again = train(parse_config(args, env=ck), events.append)
    assert again.resumed_from == 3 and again.final_loss == first.final_loss
    assert not [e for e in events if e["event"] == "step"]


def test_too_small_dataset_is_a_clear_error(tmp_path: Path, tiny: list[str]) -> None:
    small = tmp_path / "s.jsonl"
    small.write_text('{"text": "hi"}\n')
    with pytest.raises(DataError, match="lower --context"):
        args = ["--data", str(small), "--out", str(tmp_path / "m"), *tiny]
        train(parse_config(args, env={}), lambda e: None)


def test_learning_rate_warms_up_then_decays_to_a_tenth(tmp_path: Path) -> None:
    cfg = parse_config(["--data", "x", "--out", "y", "--steps", "100", "--lr", "0.01"], env={})
    assert learning_rate(cfg, 1) == pytest.approx(0.001)
    assert learning_rate(cfg, 10) == pytest.approx(0.01)
    assert learning_rate(cfg, 100) == pytest.approx(0.001)
    assert learning_rate(cfg, 50) < learning_rate(cfg, 20)
