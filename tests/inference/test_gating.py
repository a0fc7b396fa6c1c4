"""Per-epoch quality gating: a signal is left out only in the epochs where it is unusable; an epoch with no usable
signal is unscored, never a made-up stage."""

from datetime import datetime

import numpy as np
import pytest
import torch

from wav2sleep.data.transforms import zscore
from wav2sleep.dsp import USABILITY_RULES, epoch_usability
from wav2sleep.inference.prepare import prepare_recording
from wav2sleep.inference.stage import stage
from wav2sleep.models import create_model, save_model
from wav2sleep.synth import simulate_night, write_edf


@pytest.fixture(scope="module")
def small_model():
    torch.manual_seed(3)
    return create_model("wav2sleep", signals=("ECG", "THX"), feature_dim=16,
                        epoch_mixer={"nhead": 2, "dim_ff": 32}).eval()  # fmt: skip


def test_an_all_usable_per_epoch_mask_changes_nothing(small_model):
    rng = np.random.default_rng(0)
    x = {"ECG": torch.from_numpy(rng.standard_normal((2, 40 * 1024)).astype(np.float32)),
         "THX": torch.from_numpy(rng.standard_normal((2, 40 * 256)).astype(np.float32))}  # fmt: skip
    with torch.no_grad():
        plain = small_model(x)
        per_night = small_model(x, {"ECG": torch.tensor([True, True]), "THX": torch.tensor([True, False])})
        per_epoch = small_model(x, {"ECG": torch.ones(2, 40, dtype=torch.bool),
                                    "THX": torch.tensor([True, False])[:, None].expand(2, 40)})  # fmt: skip
        ones = small_model(x, {k: torch.ones(2, 40, dtype=torch.bool) for k in x})
    assert torch.equal(plain, ones)
    assert torch.equal(per_night, per_epoch)


def test_a_signal_masked_in_some_epochs_is_absent_exactly_there_for_the_epoch_mixer(small_model):
    rng = np.random.default_rng(1)
    tokens = torch.from_numpy(rng.standard_normal((1, 30, 2, 16)).astype(np.float32))
    missing = torch.zeros(1, 30, 2, dtype=torch.bool)
    missing[0, 10:20, 1] = True  # THX out in epochs 10-19
    mixer = small_model.epoch_mixer
    with torch.no_grad():
        gated = mixer(tokens, missing)
        both = mixer(tokens, torch.zeros(1, 2, dtype=torch.bool))
        ecg_only = mixer(tokens[:, :, :1], torch.zeros(1, 1, dtype=torch.bool))
    assert torch.allclose(gated[0, 10:20], ecg_only[0, 10:20], atol=1e-6)
    assert torch.allclose(gated[0, :10], both[0, :10], atol=1e-6) and torch.allclose(gated[0, 20:], both[0, 20:])
    assert not torch.allclose(gated[0, 10:20], both[0, 10:20], atol=1e-3)


def test_usability_rules_find_exactly_the_bad_epochs():
    fs, n = 128.0, 40
    t = np.arange(int(fs * 30 * n)) / fs
    ecg = 0.8 * np.sin(2 * np.pi * 1.1 * t) ** 15 + 0.02 * np.random.default_rng(2).standard_normal(t.size)
    ecg = ecg.astype(np.float32)
    e = lambda k: slice(int(k * 30 * fs), int((k + 1) * 30 * fs))  # noqa: E731
    ecg[e(3)] = np.nan  # a recorder gap
    ecg[e(7)] = 0.0  # lead off: flat
    peak = float(np.nanmax(ecg))
    ecg[e(12)] = np.where(np.arange(int(30 * fs)) % 2, peak * 30, -peak * 30)  # rails and extreme
    usable, why = epoch_usability(ecg, fs, "ECG", n + 2)  # 2 epochs past the end: missing
    assert np.flatnonzero(~usable).tolist() == [3, 7, 12, 40, 41]
    assert why == {"missing": 3, "flat": 1, "clipped": 1, "extreme": 1}
    assert USABILITY_RULES["missing"] == 0.5


@pytest.fixture(scope="module")
def lead_off(tmp_path_factory):
    """20 min; ECG off (flat) in epochs 10-19, the belt slipped off (flat) in epochs 15-24."""
    night = simulate_night(5, 20 / 60, eog=False, has_ppg=False, rates={"ECG": 128, "ABD": 16, "THX": 16})
    ecg, thx = night.waveforms["ECG"][0].copy(), night.waveforms["THX"][0].copy()
    ecg[10 * 30 * 128 : 20 * 30 * 128] = 0.0
    thx[15 * 30 * 16 : 25 * 30 * 16] = thx.mean()
    path = tmp_path_factory.mktemp("gating") / "lead_off.edf"
    return write_edf(path, [("EKG", ecg, 128, "mV"), ("Thor", thx, 16, "")], datetime(2020, 5, 5, 23, 0))


def test_epochs_without_a_usable_signal_are_unscored_and_out_of_the_statistics(lead_off, small_model, tmp_path):
    folder = save_model(small_model, tmp_path / "m")
    hyp = stage(lead_off, folder)
    assert np.flatnonzero(hyp.codes < 0).tolist() == list(range(15, 20))
    assert np.isnan(hyp.probabilities[15:20]).all() and np.isfinite(hyp.probabilities[:15]).all()
    stats = hyp.sleep_statistics()
    assert stats["Unscored"] == 2.5 and stats["TST"] <= (40 - 5) * 0.5
    usable = hyp.metadata["usable"]
    assert [i for i, u in enumerate(usable["ECG"]) if not u] == list(range(10, 20))
    assert [i for i, u in enumerate(usable["THX"]) if not u] == list(range(15, 25))
    assert any("5 epochs with no usable signal left unscored" in w for w in hyp.metadata["warnings"])
    assert '"probabilities"' in hyp.to_json() and "NaN" not in hyp.to_json()


def test_gating_changes_only_what_feeding_the_bad_signal_would_have_decided(lead_off, small_model):
    prepared = prepare_recording(lead_off, ("ECG", "THX"))
    x = {k: torch.from_numpy(zscore(v))[None] for k, v in prepared.signals.items()}
    present = {k: torch.from_numpy(v)[None] for k, v in prepared.usable.items()}
    with torch.no_grad():
        fed = small_model(x)[0]
        gated = small_model(x, present)[0]
    # Epochs 10-14 (ECG off, belt fine) are scored from the belt alone: they differ from feeding the flat ECG.
    assert not torch.allclose(gated[10:15], fed[10:15], atol=1e-4)
