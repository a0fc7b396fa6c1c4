"""What each dataset's EDFs look like: channel labels, native sampling rates, units, unused PSG channels.

Rates and labels follow the NSRR datasets' documented montages (rounded where a dataset mixes devices). Label
choices rotate through the alias table of ``wav2sleep.signals`` across nights, so a corpus exercises every alias.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DatasetLayout", "LAYOUTS", "EXTRA_CHANNELS"]


@dataclass(frozen=True)
class DatasetLayout:
    """Native rates (Hz) and units per canonical signal, label options, how often PPG/EOG are present."""

    rates: dict[str, float]
    units: dict[str, str]
    labels: dict[str, tuple[str, ...]]
    ppg_fraction: float
    eog: bool = True


_UNITS = {"ECG": "mV", "PPG": "", "ABD": "", "THX": "", "EOG-L": "uV", "EOG-R": "uV"}

LAYOUTS: dict[str, DatasetLayout] = {
    "shhs": DatasetLayout(
        rates={"ECG": 125, "ABD": 10, "THX": 10, "EOG-L": 50, "EOG-R": 50},
        units={**_UNITS, "ECG": "mV", "ABD": "", "THX": ""},
        labels={"ECG": ("ECG", "EKG"), "ABD": ("ABDO RES", "ABD"), "THX": ("THOR RES", "THX"),
                "EOG-L": ("EOG(L)", "EOG-L"), "EOG-R": ("EOG(R)", "EOG-R")},
        ppg_fraction=0.0,
    ),
    "mesa": DatasetLayout(
        rates={"ECG": 256, "PPG": 256, "ABD": 32, "THX": 32, "EOG-L": 256, "EOG-R": 256},
        units=_UNITS,
        labels={"ECG": ("EKG", "ECG"), "PPG": ("Pleth", "PLETH"), "ABD": ("Abdo", "ABDO EFFORT"),
                "THX": ("Thor", "THOR EFFORT"), "EOG-L": ("E1", "LOC"), "EOG-R": ("E2", "ROC")},
        ppg_fraction=0.9,
    ),
    "cfs": DatasetLayout(
        rates={"ECG": 256, "PPG": 256, "ABD": 32, "THX": 32, "EOG-L": 128, "EOG-R": 128},
        units={**_UNITS, "ECG": "uV"},
        labels={"ECG": ("ECG1", "ECG L"), "PPG": ("PlethWV", "PWF"), "ABD": ("ABDO EFFORT", "Abdominal"),
                "THX": ("THOR EFFORT", "Thoracic"), "EOG-L": ("LOC", "EOGl"), "EOG-R": ("ROC", "EOGr")},
        ppg_fraction=0.85,
    ),
    "ccshs": DatasetLayout(
        rates={"ECG": 256, "PPG": 256, "ABD": 32, "THX": 32, "EOG-L": 128, "EOG-R": 128},
        units={**_UNITS, "ECG": "uV"},
        labels={"ECG": ("ECG1", "ECGL"), "PPG": ("PlethWV", "PlethMasimo"), "ABD": ("ABDO EFFORT", "abdomen"),
                "THX": ("THOR EFFORT", "thorax"), "EOG-L": ("LOC", "E1"), "EOG-R": ("ROC", "E2")},
        ppg_fraction=0.85,
    ),
    "chat": DatasetLayout(
        rates={"ECG": 256, "PPG": 256, "ABD": 64, "THX": 64, "EOG-L": 256, "EOG-R": 256},
        units={**_UNITS, "ECG": "uV"},
        labels={"ECG": ("ECG L-ECG R", "ECG1"), "PPG": ("Pleth", "PletMasimo", "PlethMasino", "PLETHMASIMO",
                "plethmasimo", "PlethMasimo"), "ABD": ("ABD", "Abdo"), "THX": ("Chest", "CHEST"),
                "EOG-L": ("E1", "EOG(L)"), "EOG-R": ("E2", "EOG(R)")},
        ppg_fraction=0.9,
    ),
    "mros": DatasetLayout(
        rates={"ECG": 256, "ABD": 32, "THX": 32, "EOG-L": 256, "EOG-R": 256},
        units={**_UNITS, "ECG": "V"},
        labels={"ECG": ("ECG L", "ECGL"), "ABD": ("Abdominal", "abdomen"), "THX": ("Thoracic", "Chest"),
                "EOG-L": ("LOC", "EOG-L"), "EOG-R": ("ROC", "EOG-R")},
        ppg_fraction=0.0,
    ),
    "wsc": DatasetLayout(
        rates={"ECG": 200, "PPG": 100, "ABD": 100, "THX": 100, "EOG-L": 200, "EOG-R": 200},
        units=_UNITS,
        labels={"ECG": ("ECG", "EKG"), "PPG": ("PlethWV", "Pleth"), "ABD": ("abdomen", "ABD"),
                "THX": ("thorax", "Chest"), "EOG-L": ("E1", "EOGl"), "EOG-R": ("E2", "EOGr")},
        ppg_fraction=0.3,
    ),
}  # fmt: skip

# Channels a PSG has that the model does not use: (label, rate Hz, unit).
EXTRA_CHANNELS: tuple[tuple[str, float, str], ...] = (
    ("C3-A2", 128, "uV"),
    ("C4-A1", 128, "uV"),
    ("SpO2", 1, "%"),
    ("Position", 1, ""),
    ("Snore", 32, ""),
    ("Light", 1, ""),
)
