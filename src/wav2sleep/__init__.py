"""wav2sleep: sleep staging from any subset of ECG, PPG, respiratory effort, EOG and beat times.

The public API loads lazily: ``import wav2sleep`` costs nothing until a name is used.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"
__all__ = ["stage", "Hypnogram", "load_model", "save_model", "create_model"]

_LAZY = {
    "stage": "wav2sleep.inference.stage",
    "Hypnogram": "wav2sleep.hypnogram",
    "load_model": "wav2sleep.models",
    "save_model": "wav2sleep.models",
    "create_model": "wav2sleep.models",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'wav2sleep' has no attribute {name!r}")
