"""The model: a transformers GPT-2 sized by the configuration, on the device the run asks for."""

from __future__ import annotations

import os

import torch
from transformers import GPT2Config, GPT2LMHeadModel

from suanli.training.tinygpt.config import ConfigError, TrainConfig
from suanli.training.tinygpt.tokenizer import EOS_ID, VOCAB_SIZE


def pick_device(requested: str) -> torch.device:
    """``auto`` takes the GPU when torch sees one; asking for ``cuda`` without one is an error, not a
    silent fall-back, since a job that paid for a GPU should not crawl on the CPU unnoticed."""
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if requested.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"--device {requested} was asked for, but torch sees no CUDA device")
    return torch.device(requested)


def repeatable(device: torch.device) -> None:
    """Make ``device`` compute the same bits every time, so a resumed run ends where an unbroken one ends.

    The CPU kernels already do. On CUDA, cuBLAS needs a fixed workspace (set before its first call)
    and PyTorch its deterministic kernels, at some cost in speed (``benchmarks/training/gpu_check.py``).
    """
    if device.type == "cuda":
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True)


def build_model(cfg: TrainConfig) -> GPT2LMHeadModel:
    """A freshly initialised GPT-2; its weights depend only on the global torch seed."""
    config = GPT2Config(
        vocab_size=VOCAB_SIZE,
        n_positions=cfg.context,
        n_embd=cfg.width,
        n_layer=cfg.layers,
        n_head=cfg.n_heads,
        resid_pdrop=cfg.dropout,
        embd_pdrop=cfg.dropout,
        attn_pdrop=cfg.dropout,
        bos_token_id=EOS_ID,
        eos_token_id=EOS_ID,
        pad_token_id=EOS_ID,
    )
    return GPT2LMHeadModel(config)


def parameter_count(model: torch.nn.Module) -> int:
    """Trainable parameters, counting tied embeddings once."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
