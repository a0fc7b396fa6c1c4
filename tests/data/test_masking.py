import pytest
import torch

from wav2sleep.data.masking import CARDIO_BACKUPS, CARDIO_DROP, EOG_DROP, ModalityMasker
from wav2sleep.errors import ConfigError

N = 20000


def _all_present(names, n=N):
    return {s: torch.ones(n, dtype=torch.bool) for s in names}


def test_empirical_drop_rates_and_never_empty():
    g = torch.Generator().manual_seed(0)
    kept = ModalityMasker(CARDIO_DROP, CARDIO_BACKUPS)(_all_present(CARDIO_DROP), g)
    stacked = torch.stack(list(kept.values()), 1)
    assert stacked.any(1).all()
    # With backups the all-dropped case (prob .7*.7*.5*.1 = 2.45 %) re-adds ECG or PPG, so rates shift by that.
    empty = 0.7 * 0.7 * 0.5 * 0.1
    for s, p in CARDIO_DROP.items():
        expected_keep = (1 - p) + (empty / 2 if s in CARDIO_BACKUPS else 0)
        assert abs(kept[s].float().mean().item() - expected_keep) < 0.015, s


def test_unavailable_signals_are_never_kept_and_backups_fill_in():
    g = torch.Generator().manual_seed(1)
    present = _all_present(CARDIO_DROP)
    present["PPG"][: N // 2] = False
    kept = ModalityMasker(CARDIO_DROP, CARDIO_BACKUPS)(present, g)
    assert not kept["PPG"][: N // 2].any()
    only_one = torch.stack(list(kept.values()), 1).sum(1) == 1
    assert torch.stack(list(kept.values()), 1).any(1).all() and only_one.any()


def test_without_backups_weights_follow_keep_probabilities():
    g = torch.Generator().manual_seed(2)
    kept = ModalityMasker(EOG_DROP)(_all_present(EOG_DROP), g)
    both = torch.stack(list(kept.values()), 1)
    assert both.any(1).all()
    # P(keep L) = .3 + (.49) * .5
    assert abs(kept["EOG-L"].float().mean().item() - (0.3 + 0.49 * 0.5)) < 0.015


def test_signals_outside_the_masker_pass_through():
    out = ModalityMasker({"ECG": 0.5})({"ECG": torch.ones(4, dtype=torch.bool), "EOG-L": torch.zeros(4, dtype=bool)})
    assert out["EOG-L"].tolist() == [False] * 4 and out["ECG"].all()


def test_invalid_configurations():
    with pytest.raises(ConfigError, match="every drop probability is 1"):
        ModalityMasker({"ECG": 1.0, "PPG": 1.0})
    with pytest.raises(ConfigError, match="backup"):
        ModalityMasker({"ECG": 0.5}, ["PPG"])
    with pytest.raises(ConfigError, match="no signal available"):
        ModalityMasker({"ECG": 0.5})({"ECG": torch.tensor([True, False])})
    with pytest.raises(ConfigError, match="none of the backup"):
        ModalityMasker({"ECG": 0.5, "THX": 1.0}, ["ECG"])(
            {"ECG": torch.tensor([False]), "THX": torch.tensor([True])}, torch.Generator().manual_seed(0)
        )


def test_epoch_dropout_drops_at_the_rate_and_never_empties_an_epoch():
    import torch

    from wav2sleep.data.masking import epoch_dropout

    torch.manual_seed(0)
    present = {"ECG": torch.tensor([True, True, False]), "THX": torch.tensor([True, False, True])}
    out = epoch_dropout(present, 5000, 0.3)
    assert out["ECG"].shape == (3, 5000) and out["ECG"].dtype == torch.bool
    assert not out["ECG"][2].any() and not out["THX"][1].any()  # absent nights stay absent
    kept_any = out["ECG"] | out["THX"]
    assert kept_any.all()  # every epoch keeps a signal
    # Element 0 has both: each is dropped at 0.3, both at 0.09 (then restored), so each is kept 1 - 0.3 + 0.09.
    assert abs(out["ECG"][0].float().mean().item() - 0.79) < 0.03
    assert out["ECG"][1].all() and out["THX"][2].all()  # a lone signal is never dropped
