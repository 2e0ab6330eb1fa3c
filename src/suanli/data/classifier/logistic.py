"""Logistic regression on sparse features, fitted by full-batch Adam with L2 regularisation.

Deterministic (no sampling: every step sees every document), so the same data and configuration give
the same weights on every machine. Classes are weighted to equal total weight, so a corpus with ten
clean documents for every dirty one does not teach the model to call everything clean.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from suanli.data.classifier.features import Sparse


@dataclass(frozen=True)
class TrainConfig:
    """Optimiser settings."""

    epochs: int = 300
    learning_rate: float = 0.1
    l2: float = 1e-6
    balance: bool = True

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.learning_rate <= 0 or self.l2 < 0:
            raise ValueError("epochs must be >= 1, learning_rate > 0 and l2 >= 0")


def sigmoid(z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The logistic function, without overflow for large negative inputs."""
    out: npt.NDArray[np.float64] = np.exp(-np.logaddexp(0.0, -z))
    return out


def predict(x: Sparse, weights: npt.NDArray[np.float64], bias: float) -> npt.NDArray[np.float64]:
    """Probability of the positive class (label 1) for every row."""
    return sigmoid(x.dot(weights) + bias)


def train(x: Sparse, labels: npt.NDArray[np.int64], config: TrainConfig | None = None,
          ) -> tuple[npt.NDArray[np.float64], float, list[float]]:
    """Fit weights and bias; also return the training loss after each epoch.

    ``labels`` are 1 (positive) and 0 (negative); both classes must be present.
    """
    config = config or TrainConfig()
    width = x.width
    y = labels.astype(np.float64)
    if y.size != x.rows:
        raise ValueError(f"{x.rows} feature rows but {y.size} labels")
    positives = float(y.sum())
    if positives == 0 or positives == y.size:
        raise ValueError("training needs examples of both classes")
    if config.balance:
        sample_w = np.where(y == 1, y.size / (2 * positives), y.size / (2 * (y.size - positives)))
    else:
        sample_w = np.ones_like(y)
    sample_w /= sample_w.sum()
    # Optimise only the buckets the data touches (a few percent of the hash space): the others have no
    # gradient but their L2 term, which keeps them at zero.
    used, compact = np.unique(x.indices, return_inverse=True)
    x = Sparse(x.indptr, compact.astype(np.int64), x.data, int(used.size))
    w = np.zeros(x.width, dtype=np.float64)
    b = 0.0
    m_w, v_w = np.zeros_like(w), np.zeros_like(w)
    m_b = v_b = 0.0
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    losses: list[float] = []
    for step in range(1, config.epochs + 1):
        z = x.dot(w) + b
        p = sigmoid(z)
        # Cross-entropy from logits: log(1 + e^z) - y z, stable for any z.
        losses.append(float(np.sum(sample_w * (np.logaddexp(0.0, z) - y * z))) + config.l2 * float(w @ w))
        residual = sample_w * (p - y)
        g_w = x.rdot(residual) + 2 * config.l2 * w
        g_b = float(residual.sum())
        m_w = beta1 * m_w + (1 - beta1) * g_w
        v_w = beta2 * v_w + (1 - beta2) * g_w * g_w
        m_b = beta1 * m_b + (1 - beta1) * g_b
        v_b = beta2 * v_b + (1 - beta2) * g_b * g_b
        scale = config.learning_rate * np.sqrt(1 - beta2**step) / (1 - beta1**step)
        w -= scale * m_w / (np.sqrt(v_w) + eps)
        b -= scale * m_b / (np.sqrt(v_b) + eps)
    full = np.zeros(width, dtype=np.float64)
    full[used] = w
    return full, b, losses
