"""A trained quality model: feature spec, weights, bias, and what it was trained on; saved as ``.npz``.

The file holds only the buckets with a non-zero weight (float32), so a model is as large as the
vocabulary its training data touched, not as the hash space.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from suanli.data.classifier.features import FeatureSpec, buckets, featurize
from suanli.data.classifier.logistic import predict, sigmoid

FORMAT = "suanli-quality-model/1"


@dataclass
class QualityModel:
    """Probability that a document is clean (reads like the curated side of the training data)."""

    spec: FeatureSpec
    weights: npt.NDArray[np.float64]
    bias: float
    meta: dict[str, Any] = field(default_factory=dict)

    def score(self, text: str) -> float:
        """Probability that ``text`` is clean."""
        idx, values = buckets(text, self.spec)
        return float(sigmoid(np.array([values @ self.weights[idx] + self.bias]))[0])

    def scores(self, texts: list[str]) -> npt.NDArray[np.float64]:
        """:meth:`score` of many texts at once."""
        return predict(featurize(texts, self.spec), self.weights, self.bias)


def to_bytes(model: QualityModel) -> bytes:
    """The model as ``.npz`` bytes."""
    nonzero = np.flatnonzero(model.weights).astype(np.int64)
    header = {"format": FORMAT, "spec": {"min_n": model.spec.min_n, "max_n": model.spec.max_n,
                                         "bits": model.spec.bits, "max_chars": model.spec.max_chars},
              "bias": model.bias, "meta": model.meta}
    buf = io.BytesIO()
    np.savez_compressed(buf, index=nonzero.astype(np.uint32), weight=model.weights[nonzero].astype(np.float32),
                        header=np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8))
    return buf.getvalue()


def from_bytes(data: bytes) -> QualityModel:
    """Inverse of :func:`to_bytes`; a file that is not a quality model raises ``ValueError``."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            header = json.loads(bytes(npz["header"]).decode("utf-8"))
            index, weight = npz["index"].astype(np.int64), npz["weight"].astype(np.float64)
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise ValueError(f"not a quality model file: {exc}") from exc
    found = header.get("format") if isinstance(header, dict) else None
    if found != FORMAT:
        raise ValueError(f"not a quality model file (format {found!r}, expected {FORMAT!r})")
    spec = FeatureSpec(**header["spec"])
    if index.size and int(index.max()) >= spec.size:
        raise ValueError("quality model file is damaged: a weight index lies outside the hash space")
    weights = np.zeros(spec.size, dtype=np.float64)
    weights[index] = weight
    return QualityModel(spec, weights, float(header["bias"]), dict(header.get("meta", {})))


def save_model(model: QualityModel, path: Path) -> int:
    """Write ``model`` to ``path`` (atomically); return its size in bytes."""
    data = to_bytes(model)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return len(data)


def load_model(path: Path) -> QualityModel:
    """Read a model written by :func:`save_model`."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read quality model {path}: {exc.strerror or exc}") from exc
    return from_bytes(data)
