import numpy as np
import pytest
from sklearn.metrics import accuracy_score, cohen_kappa_score, f1_score

from wav2sleep.evaluation.metrics import accuracy, cohens_kappa, confusion_matrix, f1_scores, summarise
from wav2sleep.evaluation.tables import results_markdown, write_results


def test_against_scikit_learn_with_unscored_epochs():
    rng = np.random.default_rng(0)
    y = rng.integers(-1, 4, 2000)
    pred = np.where(rng.random(2000) < 0.6, np.clip(y, 0, 3), rng.integers(0, 4, 2000))
    scored = y >= 0
    cm = confusion_matrix(y, pred, 4)
    assert cm.sum() == scored.sum()
    assert cohens_kappa(cm) == pytest.approx(cohen_kappa_score(y[scored], pred[scored]))
    assert accuracy(cm) == pytest.approx(accuracy_score(y[scored], pred[scored]))
    np.testing.assert_allclose(f1_scores(cm), f1_score(y[scored], pred[scored], average=None, labels=range(4)))


def test_hand_computed_kappa():
    cm = np.array([[20, 5], [10, 15]])  # po = .7, pe = (30*25 + 20*25) / 2500 = .5
    assert cohens_kappa(cm) == pytest.approx(0.4)
    assert np.isnan(cohens_kappa(np.zeros((2, 2))))


def test_summary_pooled_per_night_and_intervals(tmp_path):
    rng = np.random.default_rng(1)
    nights = []
    for _ in range(12):
        y = rng.integers(0, 4, 300)
        p = np.where(rng.random(300) < 0.7, y, rng.integers(0, 4, 300))
        nights.append(confusion_matrix(y, p, 4))
    s = summarise(nights, ["W", "Light", "Deep", "REM"], n_boot=200)
    assert s["nights"] == 12 and s["epochs"] == 3600
    assert s["kappa_ci"][0] < s["kappa"] < s["kappa_ci"][1]
    assert s["night_kappa_iqr"][0] <= s["night_kappa_median"] <= s["night_kappa_iqr"][1]
    results = [{"dataset": "mesa", "subset": "ECG", **s}, {"dataset": "shhs", "subset": "all", **s}]
    md = results_markdown(results)
    assert md.splitlines()[0] == "| dataset | ECG κ (acc) | all κ (acc) |" and "–" in md
    md_path, csv_path = write_results(results, tmp_path)
    assert csv_path.read_text().splitlines()[0].startswith("dataset,subset,nights,epochs,kappa")
