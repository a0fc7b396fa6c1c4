import numpy as np

from wav2sleep.synth import simulate_night, simulate_stages
from wav2sleep.synth.separability import epoch_features, separability_kappa

W, N1, N2, N3, REM = range(5)


def test_stage_process_has_realistic_architecture():
    rng = np.random.default_rng(0)
    nights = [simulate_stages(960, rng) for _ in range(20)]  # 8 h
    frac = np.mean([np.bincount(s, minlength=5) / len(s) for s in nights], axis=0)
    assert 0.4 < frac[N2] < 0.65 and 0.1 < frac[REM] < 0.3 and 0.05 < frac[N3] < 0.25
    for s in nights:
        assert s[0] == W and s[-1] == W
        half = len(s) // 2
        assert (s[:half] == N3).sum() > (s[half:] == N3).sum()  # N3 early
    assert np.mean([(s[: len(s) // 2] == REM).sum() < (s[len(s) // 2 :] == REM).sum() for s in nights]) > 0.7


def test_physiology_follows_stages():
    night = simulate_night(11, 6, eog=True, has_ppg=True)
    feats = epoch_features(night)
    hr = {s: feats[night.stages == s, 0].mean() for s in (N3, REM)}
    breath_sd = {s: feats[night.stages == s, 2].std() for s in (N3, REM)}
    assert hr[REM] > hr[N3]
    assert breath_sd[REM] > breath_sd[N3]  # REM breathing is irregular
    eog, fs = night.waveforms["EOG-L"]
    speed = np.abs(np.diff(eog, append=eog[-1]))
    per_epoch = speed.reshape(len(night.stages), -1)
    assert per_epoch[night.stages == REM].max(axis=1).mean() > per_epoch[night.stages == N3].max(axis=1).mean()
    right, _ = night.waveforms["EOG-R"]
    assert np.corrcoef(eog, right)[0, 1] < 0.5  # conjugate eye movements show opposite polarity


def test_same_seed_same_night_other_seed_other_subject():
    a, b, c = (simulate_night(s, 0.5, rates={"ECG": 128}) for s in (1, 1, 2))
    np.testing.assert_array_equal(a.waveforms["ECG"][0], b.waveforms["ECG"][0])
    assert a.subject != c.subject


def test_no_trivial_label_leak_but_learnable():
    """A per-epoch logistic regression on HR, HR variability, breathing rate and amplitude, trained on six
    subjects and scored on four others, lands clearly between chance and perfect (figure in docs/synth.md)."""
    assert 0.2 < separability_kappa() < 0.85
