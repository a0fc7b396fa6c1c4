"""Architectures (Wav2Sleep, SleepPPG-Net), the model registry, and model folders (ours and the published format).

No Lightning here: these are plain ``nn.Module``s.
"""

from wav2sleep.models.loading import load_model, resolve_model_folder, save_model, save_published
from wav2sleep.models.registry import (
    create_model,
    list_models,
    model_contract,
    model_spec,
    register_model,
    set_contract,
)
from wav2sleep.models.sleepppgnet import SleepPPGNet
from wav2sleep.models.wav2sleep import Wav2Sleep

__all__ = [
    "Wav2Sleep",
    "SleepPPGNet",
    "create_model",
    "list_models",
    "model_spec",
    "register_model",
    "model_contract",
    "set_contract",
    "load_model",
    "save_model",
    "save_published",
    "resolve_model_folder",
]
