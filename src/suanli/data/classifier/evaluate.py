"""Training a model from labelled texts, and measuring it on documents it never saw.

Labels are 1 for clean and 0 for dirty. The filter removes documents scored below a threshold, so the
quality of a model is reported as the filter sees it: *precision* is the share of removed documents
that were dirty, *recall* the share of dirty documents removed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from suanli.data.classifier.features import FeatureSpec, featurize
from suanli.data.classifier.logistic import TrainConfig, train
from suanli.data.classifier.model import QualityModel


@dataclass(frozen=True)
class Counts:
    """A confusion matrix of the filter at one threshold (dirty documents are the positives)."""

    removed_dirty: int
    removed_clean: int
    kept_dirty: int
    kept_clean: int

    @property
    def precision(self) -> float:
        """Removed documents that were dirty (1.0 when nothing was removed)."""
        removed = self.removed_dirty + self.removed_clean
        return self.removed_dirty / removed if removed else 1.0

    @property
    def recall(self) -> float:
        """Dirty documents that were removed (1.0 when there were none)."""
        dirty = self.removed_dirty + self.kept_dirty
        return self.removed_dirty / dirty if dirty else 1.0

    def to_dict(self) -> dict[str, float | int]:
        """JSON-ready, with precision and recall."""
        return {"removed_dirty": self.removed_dirty, "removed_clean": self.removed_clean,
                "kept_dirty": self.kept_dirty, "kept_clean": self.kept_clean,
                "precision": round(self.precision, 4), "recall": round(self.recall, 4)}


def confusion(scores: npt.NDArray[np.float64], labels: npt.NDArray[np.int64], threshold: float) -> Counts:
    """What a filter that removes documents scored below ``threshold`` does to labelled documents."""
    removed = scores < threshold
    dirty = labels == 0
    return Counts(int(np.sum(removed & dirty)), int(np.sum(removed & ~dirty)),
                  int(np.sum(~removed & dirty)), int(np.sum(~removed & ~dirty)))


def split(labels: npt.NDArray[np.int64], holdout: float, seed: int) -> tuple[npt.NDArray[np.int64],
                                                                               npt.NDArray[np.int64]]:
    """Indices of a training and a held-out part, each class split in the same proportion."""
    if not 0 < holdout < 1:
        raise ValueError(f"holdout must be between 0 and 1, not {holdout}")
    rng = np.random.default_rng(seed)
    train_idx: list[npt.NDArray[np.int64]] = []
    test_idx: list[npt.NDArray[np.int64]] = []
    for label in (0, 1):
        members = np.flatnonzero(labels == label).astype(np.int64)
        rng.shuffle(members)
        cut = round(members.size * holdout)
        if cut == 0 or cut == members.size:
            raise ValueError(f"too few documents of label {label} ({members.size}) to hold {holdout:.0%} out")
        test_idx.append(members[:cut])
        train_idx.append(members[cut:])
    return np.sort(np.concatenate(train_idx)), np.sort(np.concatenate(test_idx))


def fit(texts: list[str], labels: npt.NDArray[np.int64], spec: FeatureSpec | None = None,
        config: TrainConfig | None = None, meta: dict[str, object] | None = None) -> QualityModel:
    """Train a :class:`QualityModel` on every given document."""
    spec = spec or FeatureSpec()
    weights, bias, losses = train(featurize(texts, spec), labels, config)
    info: dict[str, object] = {"documents": len(texts), "clean": int(labels.sum()),
                               "dirty": int(labels.size - labels.sum()), "final_loss": round(losses[-1], 6)}
    return QualityModel(spec, weights, bias, {**info, **(meta or {})})


def holdout_report(texts: list[str], labels: npt.NDArray[np.int64], *, holdout: float = 0.3, seed: int = 0,
                   thresholds: tuple[float, ...] = (0.5,), spec: FeatureSpec | None = None,
                   config: TrainConfig | None = None) -> dict[str, object]:
    """Train on one part, measure the filter on the held-out rest at each threshold."""
    train_idx, test_idx = split(labels, holdout, seed)
    model = fit([texts[i] for i in train_idx], labels[train_idx], spec, config)
    scores = model.scores([texts[i] for i in test_idx])
    return {"train": int(train_idx.size), "held_out": int(test_idx.size), "seed": seed,
            "thresholds": {f"{t:g}": confusion(scores, labels[test_idx], t).to_dict() for t in thresholds}}
