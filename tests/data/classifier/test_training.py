from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from suanli.data.classifier.evaluate import confusion, fit, holdout_report, split
from suanli.data.classifier.features import FeatureSpec, featurize
from suanli.data.classifier.logistic import TrainConfig, train
from suanli.data.classifier.model import QualityModel, from_bytes, load_model, save_model, to_bytes


def test_logistic_regression_separates_a_learnable_toy_problem() -> None:
    texts = [f"今天的新闻报道了第{i}项科研成果。" for i in range(20)] + [f"注册送彩金{i}首存返水" for i in range(20)]
    labels = np.array([1] * 20 + [0] * 20, dtype=np.int64)
    w, b, losses = train(featurize(texts, FeatureSpec(bits=12)), labels, TrainConfig(epochs=100))
    assert losses[-1] < losses[0] / 5
    model = QualityModel(FeatureSpec(bits=12), w, b)
    assert model.score("新闻报道了一项成果。") > 0.5 > model.score("首存送彩金")


def test_training_refuses_a_single_class() -> None:
    with pytest.raises(ValueError, match="both classes"):
        train(featurize(["一", "二"], FeatureSpec(bits=8)), np.array([1, 1], dtype=np.int64))


def test_split_is_stratified_and_disjoint() -> None:
    labels = np.array([1] * 90 + [0] * 10, dtype=np.int64)
    tr, te = split(labels, 0.3, 0)
    assert set(tr).isdisjoint(te) and len(tr) + len(te) == 100
    assert int((labels[te] == 0).sum()) == 3 and int((labels[te] == 1).sum()) == 27
    assert np.array_equal(split(labels, 0.3, 0)[1], te)


def test_confusion_counts_the_filter_view() -> None:
    counts = confusion(np.array([0.1, 0.2, 0.9, 0.8, 0.3]), np.array([0, 1, 1, 0, 0]), 0.5)
    assert (counts.removed_dirty, counts.removed_clean, counts.kept_dirty, counts.kept_clean) == (2, 1, 1, 1)
    assert counts.precision == pytest.approx(2 / 3) and counts.recall == pytest.approx(2 / 3)


def test_held_out_quality_on_the_shared_samples(labelled: tuple[list[str], np.ndarray]) -> None:
    """On documents it never saw: what the filter removes is dirty, and it finds a real share of them."""
    texts, labels = labelled
    report = holdout_report(texts, labels, holdout=0.3, seed=0, thresholds=(0.5,))
    at_half = report["thresholds"]["0.5"]  # type: ignore[index]
    assert at_half["precision"] >= 0.9 and at_half["recall"] >= 0.3


def test_model_file_round_trip(model: QualityModel, model_file: Path, tmp_path: Path) -> None:
    again = from_bytes(to_bytes(model))
    texts = ["北京时间今天上午，国家统计局发布数据。", "威尼斯人现金网注册送彩金"]
    assert np.allclose(again.scores(texts), model.scores(texts))
    assert model_file.stat().st_size < 2_000_000
    assert model.meta["dirty"] == 110
    damaged = tmp_path / "bad.npz"
    damaged.write_bytes(model_file.read_bytes()[:1000])
    with pytest.raises(ValueError, match="not a quality model"):
        load_model(damaged)
    with pytest.raises(ValueError, match="cannot read"):
        load_model(tmp_path / "missing.npz")
    other = tmp_path / "other.npz"
    np.savez(other, header=np.frombuffer(b'{"format": "x"}', dtype=np.uint8), index=np.zeros(1), weight=np.zeros(1))
    with pytest.raises(ValueError, match="format"):
        load_model(other)
    assert save_model(fit(texts, np.array([1, 0], dtype=np.int64), FeatureSpec(bits=10)), tmp_path / "m.npz") > 0
