"""The run's product: a Hugging Face model folder with a ``suanli.json`` that says where it came from."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from transformers import GenerationConfig, GPT2LMHeadModel

from suanli.training.tinygpt.tokenizer import EOS_ID, hf_tokenizer

LINEAGE_FILE = "suanli.json"


def write_model_dir(out: Path, model: GPT2LMHeadModel, lineage: dict[str, Any]) -> Path:
    """Write weights (safetensors), config, tokenizer and lineage into ``out``, replacing it whole.

    The folder is built beside ``out`` and renamed into place, so a reader (the model registry, a
    serving worker) sees the old model or the new one, never a mixture.
    """
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    model.generation_config = GenerationConfig(  # type: ignore[no-untyped-call]
        bos_token_id=EOS_ID, eos_token_id=EOS_ID, pad_token_id=EOS_ID, do_sample=False
    )
    model.save_pretrained(tmp)
    hf_tokenizer().save_pretrained(tmp)
    (tmp / LINEAGE_FILE).write_text(json.dumps(lineage, indent=2, sort_keys=True) + "\n")
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        os.rename(out, old)
    os.rename(tmp, out)
    shutil.rmtree(old, ignore_errors=True)
    return out
