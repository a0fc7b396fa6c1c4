"""Stage vocabularies and maps: AASM 5-class, 4-class (Wake/Light/Deep/REM), R&K -> AASM, unscored.

Integer codes are used inside arrays; labels (``"N2"``) at the edges. Unscored, movement and artefact epochs
are ``UNSCORED = -1`` everywhere. A scoring read from a file may also hold ``LIGHT`` (light sleep of a 4-class
scoring, N1 and N2 not told apart: a wearable's or a 4-class model's hypnogram); it can score a 4-class hypnogram
(``to_num_classes(codes, 4)``), never train or score a 5-class one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np

from wav2sleep.errors import ConfigError

__all__ = [
    "UNSCORED",
    "LIGHT",
    "AASM_LABELS",
    "FOUR_CLASS_LABELS",
    "RK_TO_AASM",
    "AASM_TO_FOUR",
    "class_labels",
    "map_stages",
    "to_num_classes",
    "labels_to_codes",
    "stage_from_text",
]

UNSCORED = -1
LIGHT = 5  # light sleep of a 4-class scoring (N1 or N2, not told apart): only in scorings read from files
AASM_LABELS: tuple[str, ...] = ("W", "N1", "N2", "N3", "REM")
FOUR_CLASS_LABELS: tuple[str, ...] = ("W", "Light", "Deep", "REM")

# NSRR/R&K integer codes (XML EventConcept digit, WSC .stg, SLPDB): 0 W, 1 S1, 2 S2, 3 S3, 4 S4, 5 REM,
# 6 movement, 7/9 unscored. S3 and S4 merge into N3.
RK_TO_AASM: Mapping[int, int] = {0: 0, 1: 1, 2: 2, 3: 3, 4: 3, 5: 4, 6: UNSCORED, 7: UNSCORED, 9: UNSCORED}
AASM_TO_FOUR: Mapping[int, int] = {0: 0, 1: 1, 2: 1, 3: 2, 4: 3, LIGHT: 1, UNSCORED: UNSCORED}

_LABEL_ALIASES: Mapping[str, int] = {
    "W": 0, "WAKE": 0, "WK": 0, "0": 0,
    "N1": 1, "S1": 1, "1": 1, "NREM1": 1,
    "N2": 2, "S2": 2, "2": 2, "NREM2": 2,
    "N3": 3, "S3": 3, "S4": 3, "N4": 3, "3": 3, "4": 3, "NREM3": 3, "NREM4": 3,
    "R": 4, "REM": 4, "5": 4, "DEEP": 3, "LIGHT": LIGHT,
    "MT": UNSCORED, "M": UNSCORED, "MOVEMENT": UNSCORED, "?": UNSCORED, "UNSCORED": UNSCORED, "ART": UNSCORED,
    "UNS": UNSCORED, "N/A": UNSCORED, "L": UNSCORED,  # Luna's L: lights on, outside the night
    "-1": UNSCORED, "6": UNSCORED, "7": UNSCORED, "9": UNSCORED, "": UNSCORED,
}  # fmt: skip


def class_labels(num_classes: int) -> tuple[str, ...]:
    """Stage labels for a model with 4 or 5 output classes."""
    if num_classes == 5:
        return AASM_LABELS
    if num_classes == 4:
        return FOUR_CLASS_LABELS
    raise ConfigError(f"num_classes must be 4 or 5, got {num_classes}")


def map_stages(codes: np.ndarray, mapping: Mapping[int, int]) -> np.ndarray:
    """Map integer stage codes through ``mapping``; codes it does not know raise ``ValueError``."""
    codes = np.asarray(codes)
    lut = np.full(max(max(mapping), int(codes.max(initial=0))) + 2, -2, dtype=np.int8)
    for src, dst in mapping.items():
        lut[src] = dst
    out = lut[codes.astype(np.int64)]
    if (out == -2).any():
        unknown = sorted(set(codes[out == -2].tolist()))
        raise ValueError(f"unknown stage codes {unknown}; known: {sorted(mapping)}")
    return out


def to_num_classes(aasm: np.ndarray, num_classes: int) -> np.ndarray:
    """AASM 5-class codes (with -1 unscored, and ``LIGHT``) to the model's ``num_classes`` (4 merges N1+N2)."""
    class_labels(num_classes)
    aasm = np.asarray(aasm, dtype=np.int8)
    if num_classes == 4:
        return map_stages(aasm, AASM_TO_FOUR)
    if (aasm == LIGHT).any():
        raise ValueError("light sleep (N1 and N2 merged, a 4-class scoring) is not one of the 5 stages")
    return aasm.copy()


def labels_to_codes(labels) -> np.ndarray:
    """Stage labels (``"W"``, ``"N2"``, ``"REM"``, R&K ``"4"``, ``"MT"``...) to AASM integer codes."""
    out = np.empty(len(labels), dtype=np.int8)
    for i, label in enumerate(labels):
        key = str(label).strip().upper()
        if key not in _LABEL_ALIASES:
            raise ValueError(f"unknown stage label {label!r}; known: {sorted(k for k in _LABEL_ALIASES if k)}")
        out[i] = _LABEL_ALIASES[key]
    return out


# Stage texts in annotations (EDF+, event tables): the Sleep-EDF convention ("Sleep stage W/1/2/3/4/R/?",
# "Movement time"), AASM ones ("Sleep stage N2", "Stage - N3", "Sleep Stage: REM"), RemLogic/Embla's ("SLEEP-S2",
# "SLEEP-REM", "SLEEP-MT"), Nox Noxturnal's ("sleep-wake", "sleep-n2", "sleep-rem"; "SLEEP-W", "SLEEP-2", "SLEEP-U" in
# other exports), or a label alone ("N2", Luna's "NREM2").
_SLEEP_STAGE = re.compile(r"^sleep[\s_-]*stage[\s:_-]*(.*)$")
_REMLOGIC = re.compile(r"^sleep-(s[0-4]|rem|mt|unscored|wake|w|r|u|n[1-4]|[1-4])$")
_REMLOGIC_LABELS = {"s0": "W", "wake": "W", "w": "W", "r": "R", "u": "UNSCORED", "unscored": "UNSCORED"}
_STAGE = re.compile(r"^stage[\s:_-]*(.*)$")
_UNSCORED_TEXTS = {"movement time", "movement", "unscored", "not scored", "?", "mt", "uns", "n/a"}
# Labels that name a stage on their own.
_NAMED = {"W", "WAKE", "N1", "N2", "N3", "N4", "R", "REM", "DEEP", "LIGHT", "NREM1", "NREM2", "NREM3", "NREM4"}
_DIGITS = {"1", "2", "3", "4", "?"}  # R&K digits, a stage only after "Stage"


def stage_from_text(text: str) -> int | None:
    """The AASM code a stage annotation's text names (-1 unscored; ``LIGHT`` for ``Light`` or ``Sleep stage 1/2``, a
    4-class scoring), ``None`` for a text that is not a stage.

    ``Sleep stage ...`` must name a stage (else ``ValueError``); ``Stage ...`` and a label alone (``W``, ``N2``,
    ``REM``) count only when they name one, since event lists use such words for other things too."""
    key = " ".join(text.split()).lower()
    if key in _UNSCORED_TEXTS:
        return UNSCORED
    remlogic = _REMLOGIC.match(key)
    if remlogic is not None:  # S0 is wake
        return int(labels_to_codes([_REMLOGIC_LABELS.get(remlogic.group(1), remlogic.group(1))])[0])
    sleep_stage = _SLEEP_STAGE.match(key)
    if sleep_stage is not None and sleep_stage.group(1) == "1/2":  # our own EDF+ export of a 4-class hypnogram
        return LIGHT
    if sleep_stage is not None:
        try:
            return int(labels_to_codes([sleep_stage.group(1)])[0])
        except ValueError:
            raise ValueError(f"unknown sleep stage {text!r}") from None
    stage = _STAGE.match(key)
    label = stage.group(1) if stage is not None else key
    if label.upper() in _NAMED or (stage is not None and label in _DIGITS):
        return int(labels_to_codes([label])[0])
    return None
