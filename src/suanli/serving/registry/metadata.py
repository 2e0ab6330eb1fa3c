"""Facts about a Hugging Face model folder, read from its files without importing torch."""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class ModelFacts:
    """Architecture, parameter count, tokenizer and context length; lineage when the trainer wrote it."""

    architecture: str = ""
    parameters: int = 0
    tokenizer: str = ""
    context_length: int = 0
    training_job_id: str | None = None
    dataset_version: str | None = None


def _json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def safetensors_parameters(path: Path) -> int:
    """Elements of every tensor in a ``.safetensors`` file, from its JSON header alone."""
    try:
        with path.open("rb") as f:
            (length,) = struct.unpack("<Q", f.read(8))
            if length > 100 * 1024 * 1024:
                return 0
            header = json.loads(f.read(length))
    except (OSError, ValueError, struct.error):
        return 0
    total = 0
    for name, entry in header.items():
        if name != "__metadata__" and isinstance(entry, dict):
            total += math.prod(int(d) for d in entry.get("shape", []))
    return total


def inspect_model_dir(root: Path) -> ModelFacts:
    """Read ``config.json``, the tokenizer files, safetensors headers and the trainer's ``suanli.json``."""
    config = _json(root / "config.json")
    architectures = config.get("architectures") or []
    architecture = str(architectures[0] if architectures else config.get("model_type", ""))
    context = 0
    for key in ("max_position_embeddings", "n_positions", "n_ctx", "seq_length"):
        if isinstance(config.get(key), int):
            context = int(config[key])
            break
    tok_config = _json(root / "tokenizer_config.json")
    tokenizer = str(
        tok_config.get("tokenizer_class") or ("tokenizer.json" if (root / "tokenizer.json").exists() else "")
    )
    parameters = sum(safetensors_parameters(p) for p in sorted(root.glob("*.safetensors")))
    trainer = _json(root / "suanli.json")
    if not parameters and isinstance(trainer.get("parameters"), int):
        parameters = int(trainer["parameters"])
    dataset = trainer.get("dataset") if isinstance(trainer.get("dataset"), dict) else {}
    job = trainer.get("job_id") or trainer.get("training_job_id")
    return ModelFacts(
        architecture=architecture[:100],
        parameters=parameters,
        tokenizer=tokenizer[:200],
        context_length=context,
        training_job_id=str(job) if job else None,
        dataset_version=str(dataset["version"]) if dataset and dataset.get("version") else None,
    )
