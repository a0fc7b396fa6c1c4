"""Architectures (Wav2Sleep, SleepPPG-Net), the model registry, and model folders (ours and the published format).

No Lightning here: these are plain ``nn.Module``s. Names load lazily, so that ``wav2sleep.models.folder`` (model
folders read without PyTorch) can be imported before PyTorch is.
"""

from __future__ import annotations

import importlib

_LAZY = {
    "Wav2Sleep": "wav2sleep.models.wav2sleep",
    "SleepPPGNet": "wav2sleep.models.sleepppgnet",
    "create_model": "wav2sleep.models.registry",
    "list_models": "wav2sleep.models.registry",
    "model_spec": "wav2sleep.models.registry",
    "register_model": "wav2sleep.models.registry",
    "model_contract": "wav2sleep.models.registry",
    "set_contract": "wav2sleep.models.registry",
    "load_model": "wav2sleep.models.loading",
    "save_model": "wav2sleep.models.loading",
    "save_published": "wav2sleep.models.loading",
    "resolve_model_folder": "wav2sleep.models.folder",
}
__all__ = list(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'wav2sleep.models' has no attribute {name!r}")
