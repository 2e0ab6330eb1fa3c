"""tinygpt: the built-in trainer, a small GPT-2 trained on JSONL text, runnable as a suanli job.

Run it as ``python -m suanli.training.tinygpt --data DATA.jsonl --out DIR --checkpoint-dir CKPT``;
``docs/tinygpt.md`` describes the flags, the JSON-lines log, checkpoints and the exported model.

Importing this package is cheap: torch and transformers are loaded only by :func:`main` and the
modules that train (``loop``, ``model``, ``data``, ``checkpoint``, ``export``).
"""

from __future__ import annotations

from suanli.training.tinygpt.config import (
    CHECKPOINT_DIR_ENV,
    RESTART_COUNT_ENV,
    ConfigError,
    TrainConfig,
    parse_config,
)
from suanli.training.tinygpt.main import main

__all__ = ["CHECKPOINT_DIR_ENV", "RESTART_COUNT_ENV", "ConfigError", "TrainConfig", "main", "parse_config"]
