"""Stage vocabularies and maps: AASM 5-class, 4-class (Wake/Light/Deep/REM), R&K -> AASM, unscored.

Integer codes are used inside arrays; labels (``"N2"``) at the edges. Unscored, movement and artefact epochs
are ``UNSCORED = -1`` everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from wav2sleep.errors import ConfigError

__all__ = [
    "UNSCORED",
    "AASM_LABELS",
    "FOUR_CLASS_LABELS",
    "RK_TO_AASM",
    "AASM_TO_FOUR",
    "class_labels",
    "map_stages",
    "to_num_classes",
    "labels_to_codes",
]

UNSCORED = -1
AASM_LABELS: tuple[str, ...] = ("W", "N1", "N2", "N3", "REM")
FOUR_CLASS_LABELS: tuple[str, ...] = ("W", "Light", "Deep", "REM")

# NSRR/R&K integer codes (XML EventConcept digit, WSC .stg, SLPDB): 0 W, 1 S1, 2 S2, 3 S3, 4 S4, 5 REM,
# 6 movement, 7/9 unscored. S3 and S4 merge into N3.
RK_TO_AASM: Mapping[int, int] = {0: 0, 1: 1, 2: 2, 3: 3, 4: 3, 5: 4, 6: UNSCORED, 7: UNSCORED, 9: UNSCORED}
AASM_TO_FOUR: Mapping[int, int] = {0: 0, 1: 1, 2: 1, 3: 2, 4: 3, UNSCORED: UNSCORED}

_LABEL_ALIASES: Mapping[str, int] = {
    "W": 0, "WAKE": 0, "0": 0,
    "N1": 1, "S1": 1, "1": 1,
    "N2": 2, "S2": 2, "2": 2,
    "N3": 3, "S3": 3, "S4": 3, "N4": 3, "3": 3, "4": 3,
    "R": 4, "REM": 4, "5": 4,
    "MT": UNSCORED, "M": UNSCORED, "MOVEMENT": UNSCORED, "?": UNSCORED, "UNSCORED": UNSCORED, "ART": UNSCORED,
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
    """AASM 5-class codes (with -1 unscored) to the model's ``num_classes`` (4 merges N1+N2)."""
    class_labels(num_classes)
    aasm = np.asarray(aasm, dtype=np.int8)
    return aasm.copy() if num_classes == 5 else map_stages(aasm, AASM_TO_FOUR)


def labels_to_codes(labels) -> np.ndarray:
    """Stage labels (``"W"``, ``"N2"``, ``"REM"``, R&K ``"4"``, ``"MT"``...) to AASM integer codes."""
    out = np.empty(len(labels), dtype=np.int8)
    for i, label in enumerate(labels):
        key = str(label).strip().upper()
        if key not in _LABEL_ALIASES:
            raise ValueError(f"unknown stage label {label!r}; known: {sorted(k for k in _LABEL_ALIASES if k)}")
        out[i] = _LABEL_ALIASES[key]
    return out
