"""A quality model trained once per session on the shared labelled samples (never checked in)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from tests.shared_data import SHARED_DATA

from suanli.data.classifier.evaluate import fit
from suanli.data.classifier.model import QualityModel, save_model

CORPORA = SHARED_DATA / "corpora"


def read(name: str, field: str = "text") -> list[str]:
    with (CORPORA / name).open(encoding="utf-8") as fh:
        return [str(json.loads(line)[field]) for line in fh if line.strip()]


@pytest.fixture(scope="session")
def labelled() -> tuple[list[str], np.ndarray]:
    """Clean: zh_news + the labelled clean samples; dirty: raw CC pages + the labelled dirty samples."""
    clean = read("zh_news.jsonl") + read("fasttext_clean.jsonl")
    dirty = read("cc2021-43_cleared1.jsonl", "raw_content") + read("fasttext_dirty.jsonl")
    return clean + dirty, np.array([1] * len(clean) + [0] * len(dirty), dtype=np.int64)


@pytest.fixture(scope="session")
def model_file(tmp_path_factory: pytest.TempPathFactory, labelled: tuple[list[str], np.ndarray]) -> Path:
    texts, labels = labelled
    path = tmp_path_factory.mktemp("quality") / "zh-quality.npz"
    save_model(fit(texts, labels), path)
    return path


@pytest.fixture(scope="session")
def model(model_file: Path) -> QualityModel:
    from suanli.data.classifier.model import load_model

    return load_model(model_file)
