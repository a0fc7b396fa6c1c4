"""The causal (running) normaliser against a plain-Python statement of its definition, and its properties."""

import math

import numpy as np
import pytest
import torch

from wav2sleep.data.dataset import NightDataset
from wav2sleep.data.transforms import causal_zscore, normalise, zscore
from wav2sleep.store import read_manifest


def _by_definition(x, fs, baseline_tau=120.0, variance_tau=900.0, clip=4.0, floor=0.1):
    """One sample at a time, as docs/training.md states it."""
    n = len(x)
    k = max(1, min(round(120 * fs), round(0.1 * n)))
    head = [v for v in x[:k] if math.isfinite(v)]
    mean = sum(head) / len(head) if head else 0.0
    var = sum((v - mean) ** 2 for v in head) / len(head) if head else 0.0
    a_m, a_v = min(1.0, 1 / (fs * baseline_tau)), min(1.0, 1 / (fs * variance_tau))
    std, out = max(math.sqrt(var), floor), []
    for v in x:
        if not math.isfinite(v):
            out.append(0.0)
            continue
        mean = mean + a_m * (v - mean)
        r = v - mean
        c = min(max(r, -clip * std), clip * std)
        var = var + a_v * (c * c - var)
        std = max(math.sqrt(var), floor)
        out.append(r / std)
    return np.array(out)


@pytest.mark.parametrize(("fs", "taus"), [(4.0, (120.0, 900.0)), (8.0, (5.0, 20.0)), (1.0, (2.0, 3.0))])
def test_matches_the_definition_with_outliers_and_gaps(fs, taus):
    rng = np.random.default_rng(int(fs))
    x = (rng.normal(3, 2, 6000) + np.linspace(0, 10, 6000)).astype(np.float32)
    x[rng.choice(6000, 40, replace=False)] *= 50  # artefacts: the clipping must engage
    x[100:110] = np.nan
    expected = _by_definition(x.astype(np.float64).tolist(), fs, *taus)
    got = causal_zscore(x, fs, baseline_tau=taus[0], variance_tau=taus[1])
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)
    assert not got[100:110].any()


def test_output_at_t_ignores_later_samples():
    rng = np.random.default_rng(1)
    fs = 4.0
    x = rng.normal(0, 1, int(3000 * fs)).astype(np.float32)  # 50 min: warm-up is 120 s for both lengths below
    full, prefix = causal_zscore(x, fs), causal_zscore(x[: int(1500 * fs)], fs)
    np.testing.assert_array_equal(full[: prefix.size], prefix)
    changed = x.copy()
    changed[int(2000 * fs) :] *= 100
    np.testing.assert_array_equal(causal_zscore(changed, fs)[: int(2000 * fs)], full[: int(2000 * fs)])


def test_adapts_to_amplitude_and_baseline_changes_that_a_night_zscore_does_not():
    rng = np.random.default_rng(2)
    fs, half = 4.0, int(3 * 3600 * 4.0)
    x = np.r_[rng.normal(0, 1, half), rng.normal(20, 8, half)].astype(np.float32)
    late = slice(half + int(1800 * fs), None)  # after a few variance time constants
    running = causal_zscore(x, fs)[late]
    assert abs(running.mean()) < 0.2 and 0.8 < running.std() < 1.2
    whole_night = zscore(x)[late]  # leaves the second half off-centre and mis-scaled
    assert whole_night.mean() > 0.5 and abs(whole_night.std() - 1) > 0.2


def test_clipping_keeps_an_artefact_from_flattening_the_rest_of_the_night():
    rng = np.random.default_rng(3)
    fs = 4.0
    x = rng.normal(0, 1, int(7200 * fs)).astype(np.float32)
    x[int(3600 * fs) : int(3600 * fs) + 20] = 1e4  # 5 s of saturation
    late = slice(int(6000 * fs), None)
    clipped, unclipped = causal_zscore(x, fs)[late].std(), causal_zscore(x, fs, clip_sigmas=np.inf)[late].std()
    # The baseline still follows the artefact for a few minutes (as in the reference); the scale recovers.
    assert clipped > 0.2 and unclipped < 0.02


def test_edge_cases():
    assert causal_zscore(np.zeros(0, np.float32), 4.0).shape == (0,)
    assert causal_zscore(np.array([5.0], np.float32), 4.0).tolist() == [0.0]
    assert not causal_zscore(np.full(1000, 7.0, np.float32), 4.0).any()  # constant: 0, not a division by 0
    assert not causal_zscore(np.full(50, np.nan, np.float32), 4.0).any()
    padded = np.r_[np.random.default_rng(4).normal(0, 1, 400), np.zeros(100)].astype(np.float32)
    out = causal_zscore(padded, 4.0, valid=400)
    assert out.dtype == np.float32 and not out[400:].any() and out[:400].any()
    with pytest.raises(ValueError, match="unknown normalisation"):
        normalise(padded, "minmax", 4.0)
    with pytest.raises(ValueError, match="1-D"):
        causal_zscore(np.zeros((2, 5), np.float32), 4.0)


def test_dataset_applies_the_causal_normaliser_to_each_crop(ingested):
    _, store = ingested
    rows = [r for r in read_manifest(store) if "THX" in r["signals"].split(",")][:1]
    causal = NightDataset(store, rows, ("THX",), 4, crop_epochs=40, seed=1, normalisation="causal")[(0, 0)]
    plain = NightDataset(store, rows, ("THX",), 4, crop_epochs=40, seed=1)[(0, 0)]
    from wav2sleep.store import read_night

    raw = read_night(store / rows[0]["path"], ("THX",)).signals["THX"]
    x = plain["signals"]["THX"].numpy()
    # Recover the crop's position from the z-scored crop, then check the causal item is that crop, normalised.
    starts = [s for s in range(0, raw.size - x.size + 1, 256) if np.allclose(zscore(raw[s : s + x.size]), x, atol=1e-4)]
    assert len(starts) == 1
    expected = causal_zscore(raw[starts[0] : starts[0] + x.size], 256 / 30)
    assert torch.allclose(causal["signals"]["THX"], torch.from_numpy(expected))
