import pytest

from wav2sleep.errors import ConfigError
from wav2sleep.signals import (
    EPOCH_SECONDS,
    SIGNALS,
    choice_notes,
    parse_signals,
    pick_channel,
    sampling_rate,
    signal_spec,
)

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


# Channel lists as PSG systems label them (vendor exports, AASM derivations), none matching an alias.
@pytest.mark.parametrize(
    "labels, expected",
    [(["ECG1-ECG2", "ECG Rate", "SpO2", "Pulse"], {"ECG": "ECG1-ECG2"}),
     (["EKG II", "Effort THO", "Effort ABD", "SUM", "Flow"], {"ECG": "EKG II", "THX": "Effort THO", "ABD": "Effort ABD"}),
     (["RIP Thorax", "RIP Abdom", "PPG Pleth", "Pulse Rate"], {"THX": "RIP Thorax", "ABD": "RIP Abdom", "PPG": "PPG Pleth"}),
     (["EOG E1-M2", "EOG E2-M1", "C3-M2", "Chin"], {"EOG-L": "EOG E1-M2", "EOG-R": "EOG E2-M1"}),
     (["LOC-A2", "ROC-A1", "Resp chest"], {"EOG-L": "LOC-A2", "EOG-R": "ROC-A1", "THX": "Resp chest"}),
     (["E1-E2", "Thermistor"], {}),  # a bipolar EOG names both sides: neither is guessed; no belt in a thermistor
     (["ECG I", "ECG III"], {}),  # two candidates: ambiguous, none taken
     (["ECG", "ECG II"], {"ECG": "ECG"})],  # an alias always wins over words
)  # fmt: skip
def test_channels_are_taken_by_the_words_of_their_labels_only_when_unambiguous(labels, expected):
    picked = {s: pick_channel(labels, s) for s in ("ECG", "PPG", "ABD", "THX", "EOG-L", "EOG-R")}
    assert {s: label for s, label in picked.items() if label is not None} == expected


def test_a_channel_taken_by_its_words_is_reported_unless_named():
    picked, labels = {"ECG": "EKG II", "THX": "Thor"}, ["EKG II", "Thor", "SpO2"]
    assert choice_notes(labels, picked) == ["ECG: channel 'EKG II' taken by the words in its name (no alias matched; "
                                            "check it is the ECG)"]  # fmt: skip
    assert choice_notes(labels, picked, {"ECG": "EKG II"}) == []
    assert choice_notes(["EKG"], {"IBI": "EKG"}) == []  # beats detected in an ECG alias: derived, not guessed


def test_a_label_two_channels_share_is_reported():
    labels = ["ECG", "THOR RES", "ecg ", "SpO2"]  # the same label but for case and padding: nothing tells them apart
    picked = {s: pick_channel(labels, s) for s in ("ECG", "THX")}
    assert picked == {"ECG": "ECG", "THX": "THOR RES"}
    assert choice_notes(labels, picked) == ["ECG: 2 channels are labelled 'ECG' (signals 1, 3 of the file): the "
                                            "first is used"]  # fmt: skip
