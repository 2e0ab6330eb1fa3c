"""The training loop: resume from the newest checkpoint, train, checkpoint, export.

Exact resumption rests on four things that a checkpoint carries: the model and AdamW state, the
torch RNG states (dropout draws from them), the data position (see :mod:`.data`), and the step,
from which the learning rate is computed rather than kept in a scheduler object. On the CPU with
the same thread count a resumed run is bit-identical to an uninterrupted one; on CUDA the RNG
state is restored too, but cuBLAS kernels may differ in the last bits.
"""

from __future__ import annotations

import json
import math
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from suanli.training.tinygpt import checkpoint
from suanli.training.tinygpt.config import TrainConfig
from suanli.training.tinygpt.data import Batches, Corpus, load_corpus
from suanli.training.tinygpt.export import write_model_dir
from suanli.training.tinygpt.model import build_model, parameter_count, pick_device, repeatable

Emit = Callable[[dict[str, Any]], None]


class ResumeError(ValueError):
    """The checkpoint folder holds a run that this configuration or dataset cannot continue."""


class Stopped(Exception):
    """Training stopped early on request (SIGTERM: preemption or cancel) after a checkpoint."""

    def __init__(self, step: int) -> None:
        super().__init__(f"stopped at step {step}")
        self.step = step


def emit_json(event: dict[str, Any]) -> None:
    """Write one event as a JSON line on stdout: the format the platform parses for metrics."""
    sys.stdout.write(json.dumps(event, sort_keys=True) + "\n")
    sys.stdout.flush()


@dataclass(frozen=True, slots=True)
class TrainResult:
    """What a finished run reports."""

    out: Path
    steps: int
    final_loss: float
    parameters: int
    resumed_from: int | None


def learning_rate(cfg: TrainConfig, step: int) -> float:
    """Linear warm-up, then cosine decay to a tenth of the peak, as a pure function of the step."""
    if step <= cfg.n_warmup:
        return cfg.lr * step / cfg.n_warmup
    span = max(1, cfg.steps - cfg.n_warmup)
    progress = min(1.0, (step - cfg.n_warmup) / span)
    return cfg.lr * (0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * progress)))


def _optimizer(model: torch.nn.Module, cfg: TrainConfig) -> torch.optim.AdamW:
    # Decay matrices only: decaying biases and LayerNorm gains hurts small models for nothing.
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=cfg.lr, betas=(0.9, 0.95))


def _lineage(cfg: TrainConfig, corpus: Corpus, step: int, loss: float, params: int,
             curve: list[list[float]], device: torch.device) -> dict[str, Any]:
    return {
        "kind": "suanli.tinygpt",
        "dataset": {
            "path": str(cfg.data),
            "version": cfg.dataset_version,
            "sha256": corpus.sha256,
            "documents": corpus.documents,
            "skipped_records": corpus.skipped,
            "tokens": len(corpus.tokens),
        },
        "steps": step,
        "final_loss": loss,
        "parameters": params,
        "tokenizer": "bytes+eos (vocabulary 257: UTF-8 bytes, <|endoftext|>=256)",
        "settings": cfg.model_settings(),
        "device": device.type,
        "restart_count": cfg.restart_count,
        "loss_curve": curve,
    }


class _Run:
    """State of one process's part of a run (a restarted job builds a new one and resumes)."""

    def __init__(self, cfg: TrainConfig, emit: Emit) -> None:
        self.cfg, self.emit = cfg, emit
        self.device = pick_device(cfg.device)
        repeatable(self.device)
        self.corpus = load_corpus(cfg.data, cfg.text_field)
        self.batches = Batches(self.corpus.tokens, cfg.context, cfg.seed)
        torch.manual_seed(cfg.seed)
        self.model = build_model(cfg)
        # transformers types PreTrainedModel.to's argument as a model (a wrapper decorator): it is a device.
        self.model.to(self.device)  # type: ignore[arg-type]
        self.optimizer = _optimizer(self.model, cfg)
        self.step = 0
        self.last_loss = float("nan")
        self.curve: list[list[float]] = []

    def resume(self) -> int | None:
        root = self.cfg.checkpoint_dir
        if root is None:
            return None
        for stale in checkpoint.remove_partial(root):
            self.emit({"event": "removed_partial_checkpoint", "path": str(stale)})
        ck = checkpoint.load_latest(
            root, lambda p, e: self.emit({"event": "unreadable_checkpoint", "path": str(p), "error": str(e)})
        )
        if ck is None:
            return None
        if ck.meta.get("settings") != self.cfg.model_settings():
            raise ResumeError(f"{ck.path} was written with settings {ck.meta.get('settings')}; this run "
                              f"has {self.cfg.model_settings()}: use a fresh --checkpoint-dir")
        if ck.meta.get("dataset_sha256") != self.corpus.sha256:
            raise ResumeError(f"{ck.path} was written for another dataset (sha256 "
                              f"{ck.meta.get('dataset_sha256')}); use a fresh --checkpoint-dir")
        if ck.step > self.cfg.steps:
            raise ResumeError(f"{ck.path} is at step {ck.step}, past --steps {self.cfg.steps}")
        self.model.load_state_dict(ck.state["model"])
        self.optimizer.load_state_dict(ck.state["optimizer"])
        torch.set_rng_state(ck.state["rng_cpu"])
        if self.device.type == "cuda" and "rng_cuda" in ck.state:
            torch.cuda.set_rng_state(ck.state["rng_cuda"], self.device)
        self.batches.seek(ck.meta["data_position"]["epoch"], ck.meta["data_position"]["cursor"])
        self.step, self.last_loss, self.curve = ck.step, ck.meta["last_loss"], ck.meta["loss_curve"]
        self.emit({"event": "resumed", "step": ck.step, "path": str(ck.path),
                   "restart_count": self.cfg.restart_count})
        return ck.step

    def save_checkpoint(self) -> None:
        root = self.cfg.checkpoint_dir
        if root is None:
            return
        state: dict[str, Any] = {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "rng_cpu": torch.get_rng_state(),
        }
        if self.device.type == "cuda":
            state["rng_cuda"] = torch.cuda.get_rng_state(self.device)
        meta = {
            "settings": self.cfg.model_settings(),
            "dataset_sha256": self.corpus.sha256,
            "data_position": self.batches.position,
            "last_loss": self.last_loss,
            "loss_curve": self.curve,
        }
        path = checkpoint.save(root, self.step, state, meta, self.cfg.keep_checkpoints)
        self.emit({"event": "checkpoint", "step": self.step, "path": str(path)})

    def train_step(self) -> torch.Tensor:
        self.step += 1
        lr = learning_rate(self.cfg, self.step)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        batch = self.batches.next(self.cfg.batch_size).to(self.device, non_blocking=True)
        logits = self.model(input_ids=batch[:, :-1]).logits
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), batch[:, 1:].reshape(-1))
        torch.autograd.backward(loss)
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        # Left on the device: reading it every step would stall a GPU on a sync per step.
        return loss.detach()


def train(cfg: TrainConfig, emit: Emit = emit_json,
          should_stop: Callable[[], bool] = lambda: False) -> TrainResult:
    """Run (or finish) the training that ``cfg`` describes and write the model folder.

    ``should_stop`` is asked after every step; when it answers true the run checkpoints (if it has
    a checkpoint folder) and raises :class:`Stopped`, so a preempted job loses no work.
    """
    torch.set_num_threads(cfg.threads)
    run = _Run(cfg, emit)
    params = parameter_count(run.model)
    emit({"event": "start", "device": str(run.device), "threads": cfg.threads, "parameters": params,
          "dataset_tokens": len(run.corpus.tokens), "documents": run.corpus.documents,
          "steps": cfg.steps, "restart_count": cfg.restart_count})
    resumed_from = run.resume()
    if resumed_from is None and cfg.restart_count > 0:
        emit({"event": "no_checkpoint_on_restart", "restart_count": cfg.restart_count})
    run.model.train()
    tokens_per_step = cfg.batch_size * cfg.context
    window_start, window_steps = time.perf_counter(), 0
    while run.step < cfg.steps:
        loss = run.train_step()
        window_steps += 1
        stopping = run.step < cfg.steps and should_stop()
        log_now = run.step % cfg.log_every == 0 or run.step in (1, cfg.steps)
        checkpoint_now = run.step % cfg.checkpoint_every == 0 or run.step == cfg.steps or stopping
        if log_now or checkpoint_now:
            run.last_loss = float(loss.item())  # waits for the device: the timing below is honest
        if log_now:
            elapsed = time.perf_counter() - window_start
            run.curve.append([run.step, run.last_loss])
            emit({"event": "step", "step": run.step, "loss": round(run.last_loss, 6),
                  "lr": learning_rate(cfg, run.step),
                  "tokens_per_s": round(window_steps * tokens_per_step / max(elapsed, 1e-9), 1)})
            window_start, window_steps = time.perf_counter(), 0
        if checkpoint_now:
            run.save_checkpoint()
        if stopping:
            emit({"event": "stopped", "step": run.step, "checkpointed": cfg.checkpoint_dir is not None})
            raise Stopped(run.step)
        if cfg.fault_at_step == run.step:
            sys.stdout.flush()
            os.kill(os.getpid(), signal.SIGTERM if cfg.fault_signal == "TERM" else signal.SIGKILL)
    run.model.train(False)
    lineage = _lineage(cfg, run.corpus, run.step, run.last_loss, params, run.curve, run.device)
    out = write_model_dir(cfg.out, run.model, lineage)
    emit({"event": "done", "out": str(out), "steps": run.step, "final_loss": run.last_loss,
          "parameters": params})
    return TrainResult(out, run.step, run.last_loss, params, resumed_from)
