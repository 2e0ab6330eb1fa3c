from __future__ import annotations

import numpy as np
import pytest

from suanli.data.classifier.features import FeatureSpec, buckets, featurize


def test_vectors_are_unit_length_and_deterministic() -> None:
    spec = FeatureSpec(bits=12)
    idx, values = buckets("今天天气很好。今天天气很好。", spec)
    again_idx, again_values = buckets("今天天气很好。今天天气很好。", spec)
    assert np.array_equal(idx, again_idx) and np.array_equal(values, again_values)
    assert np.isclose(np.linalg.norm(values), 1.0)
    assert np.all(np.diff(idx) > 0) and idx.max() < spec.size


def test_full_width_and_ascii_punctuation_read_alike() -> None:
    spec = FeatureSpec(bits=12)
    a = buckets("你好，世界！", spec)
    b = buckets("你好,世界!", spec)
    assert np.array_equal(a[0], b[0])


def test_repeated_ngrams_weigh_more_but_sublinearly() -> None:
    spec = FeatureSpec(min_n=1, max_n=1, bits=12)
    idx, values = buckets("好好好好好坏", spec)
    assert idx.size == 2 and values.max() / values.min() == pytest.approx(np.log1p(5) / np.log1p(1))


def test_empty_text_has_one_feature_and_the_matrix_multiplies() -> None:
    spec = FeatureSpec(bits=10)
    x = featurize(["", "一二三", "一"], spec)
    assert x.rows == 3 and np.diff(x.indptr).tolist()[0] == 1
    w = np.arange(spec.size, dtype=np.float64)
    dense = np.zeros((3, spec.size))
    dense[x.row_ids(), x.indices] = x.data
    assert np.allclose(x.dot(w), dense @ w)
    r = np.array([1.0, -2.0, 0.5])
    assert np.allclose(x.rdot(r), dense.T @ r)


@pytest.mark.parametrize("kwargs", [{"min_n": 0}, {"min_n": 3, "max_n": 2}, {"bits": 30}, {"max_chars": 0}])
def test_bad_specs_are_refused(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        FeatureSpec(**kwargs)
