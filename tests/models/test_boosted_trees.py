"""Boosted trees as tensors (``models.boosted_trees``): a scikit-learn forest copied into a torch module gives the
same probabilities, and the pieces it cannot hold are refused."""

import numpy as np
import pytest
import torch

from wav2sleep.baselines.hrv import make_classifier
from wav2sleep.models.boosted_trees import from_sklearn


def _data(rng, rows: int) -> tuple[np.ndarray, np.ndarray]:
    x = rng.standard_normal((rows, 28))
    y = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0.5) + (x[:, 2] * x[:, 3] > 0.8)
    return x, y


def test_a_fitted_forest_gives_sklearns_probabilities():
    rng = np.random.default_rng(0)
    x, y = _data(rng, 3000)
    fitted = make_classifier("boosting", 0).fit(x, y)
    forest = from_sklearn(fitted)
    assert forest.feature.shape[:2] == (4, 300) and forest.depth >= 3
    test = rng.standard_normal((2, 250, 28)).astype(np.float32)  # any leading shape: [nights, epochs, features]
    with torch.no_grad():
        ours = forest(torch.from_numpy(test)).numpy()
    theirs = fitted.predict_proba(test.reshape(-1, 28).astype(np.float64)).reshape(2, 250, 4)
    assert ours.shape == (2, 250, 4) and ours.dtype == np.float32
    assert np.abs(ours - theirs).max() < 1e-6
    assert (ours.argmax(-1) == theirs.argmax(-1)).all()


def test_a_two_class_forest_and_classes_not_numbered_from_zero_are_refused():
    rng = np.random.default_rng(1)
    x, y = _data(rng, 600)
    with pytest.raises(ValueError, match="multiclass"):
        from_sklearn(make_classifier("boosting", 0).fit(x, (y > 1).astype(int)))
    with pytest.raises(ValueError, match=r"classes \[1, 2, 3, 4\]"):
        from_sklearn(make_classifier("boosting", 0).fit(x, y + 1))
