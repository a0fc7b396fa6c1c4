import pytest

from wav2sleep.errors import ConfigError
from wav2sleep.signals import EPOCH_SECONDS, SIGNALS, parse_signals, pick_channel, sampling_rate, signal_spec

# The reference's union alias table (reference.md s.1.2): every alias must resolve to its signal.
REFERENCE_ALIASES = {
    "ECG": ["EKG", "ECG1", "ECG L", "ECGL", "ECG L-ECG R"],
    "PPG": ["Pleth", "PlethWV", "PWF", "PlethMasimo", "PletMasimo", "PlethMasino", "PLETHMASIMO", "plethmasimo"],
    "ABD": ["Abdo", "ABDO RES", "ABDO EFFORT", "Abdominal", "abdomen"],
    "THX": ["Thor", "THOR RES", "THOR EFFORT", "Thoracic", "Chest", "thorax", "CHEST"],
    "EOG-L": ["EOG-L", "EOG(L)", "E1", "LOC", "EOGl"],
    "EOG-R": ["EOG-R", "EOG(R)", "E2", "ROC", "EOGr"],
}


@pytest.mark.parametrize(("signal", "alias"), [(s, a) for s, aliases in REFERENCE_ALIASES.items() for a in aliases])
def test_every_reference_alias_resolves(signal, alias):
    labels = ["C3-A2", "SpO2", alias, "Position"]
    assert pick_channel(labels, signal) == alias


def test_model_rates_are_powers_of_two_per_epoch():
    assert {name: s.samples_per_epoch for name, s in SIGNALS.items()} == {
        "ECG": 1024, "PPG": 1024, "ABD": 256, "THX": 256, "EOG-L": 4096, "EOG-R": 4096, "IBI": 256,
    }  # fmt: skip
    assert sampling_rate("ECG") == pytest.approx(1024 / EPOCH_SECONDS)


def test_canonical_name_preferred_over_alias():
    assert pick_channel(["EKG", "ECG"], "ECG") == "ECG"


def test_matching_ignores_case_and_spacing():
    assert pick_channel(["  thor   res "], "THX") == "  thor   res "
    assert pick_channel(["EEG"], "THX") is None


def test_override_wins_and_must_exist():
    assert pick_channel(["ECG", "ECG2"], "ECG", override="ecg2") == "ECG2"
    with pytest.raises(ConfigError, match="ECG3.*ECG, ECG2"):
        pick_channel(["ECG", "ECG2"], "ECG", override="ECG3")


def test_parse_signals_forms():
    assert parse_signals("ECG+THX") == ("ECG", "THX")
    assert parse_signals("ECG, PPG,ECG") == ("ECG", "PPG")
    assert parse_signals(["EOG-L"]) == ("EOG-L",)
    with pytest.raises(ConfigError, match="unknown signal 'EEG'"):
        parse_signals("ECG,EEG")
    with pytest.raises(ConfigError, match="no signals"):
        parse_signals(" , ")
    with pytest.raises(ConfigError):
        signal_spec("ecg")
