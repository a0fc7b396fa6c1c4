"""Named model variants: a registry filled by a decorator, and ``create_model(name, **overrides)``."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

from torch import nn

from wav2sleep.contract import OURS, InputContract
from wav2sleep.errors import ConfigError
from wav2sleep.models.folder import spec_contract
from wav2sleep.signals import parse_signals

__all__ = ["register_model", "create_model", "list_models", "model_spec", "set_contract", "model_contract"]

CARDIO = ("ECG", "PPG", "ABD", "THX")
_REGISTRY: dict[str, Callable[[], dict[str, Any]]] = {}


def register_model(name: str):
    """Register a function returning a variant's spec ``{"architecture": ..., "params": {...}}``; names are unique."""

    def decorate(fn: Callable[[], dict[str, Any]]):
        if name in _REGISTRY:
            raise ConfigError(f"model name {name!r} is already registered")
        _REGISTRY[name] = fn
        return fn

    return decorate


def list_models() -> list[str]:
    return sorted(_REGISTRY)


def _wav2sleep(kernel: int, dilations: int, signals: Iterable[str], num_classes: int, **encoder) -> dict[str, Any]:
    return {
        "architecture": "Wav2Sleep",
        "params": {
            "signal_map": {s: s for s in signals},
            "num_classes": num_classes,
            "feature_dim": 128,
            "encoder": {"norm": "instance", **encoder},
            "epoch_mixer": {"layers": 2, "nhead": 8, "dim_ff": 512, "dropout": 0.1},
            "sequence_mixer": {"kernel_size": kernel, "num_dilations": dilations, "num_layers": 2, "dropout": 0.1},
        },
    }


@register_model("wav2sleep")
def _training_config() -> dict[str, Any]:
    """The reference's training configuration (kernel 7, 6 dilations): 2,948,740 parameters with 4 signals."""
    return _wav2sleep(7, 6, CARDIO, 4)


@register_model("wav2sleep-cardio")
def _published_cardio() -> dict[str, Any]:
    """As the published cardio checkpoint (kernel 5, 5 dilations): 2,391,172 parameters."""
    return _wav2sleep(5, 5, CARDIO, 4)


@register_model("wav2sleep-eog")
def _published_eog() -> dict[str, Any]:
    """As the published EOG checkpoint: EOG-L, EOG-R, 5 classes, 2,788,229 parameters."""
    return _wav2sleep(5, 5, ("EOG-L", "EOG-R"), 5)


@register_model("wav2sleep-paper")
def _paper_era() -> dict[str, Any]:
    """Paper-era blocks (three stride-1 convolutions + max pooling) and wider 256-sample encoders."""
    return _wav2sleep(7, 6, CARDIO, 4, block="maxpool", channels_by_rate={256: [16, 32, 64, 64, 128, 128]})


@register_model("sleepppgnet")
def _sleepppgnet() -> dict[str, Any]:
    """SleepPPG-Net baseline on PPG (2,266,372 parameters)."""
    return {"architecture": "SleepPPGNet", "params": {"signal": "PPG", "num_classes": 4}}


@register_model("hrv-sequence")
def _hrv_sequence() -> dict[str, Any]:
    """Beat intervals -> 28 HRV features per epoch -> an ensemble of small sequence networks (``builtin:ibi-slpdb``;
    trained by ``training.hrv_sequence``, not by ``wav2sleep train``)."""
    return {"architecture": "HRVSequence", "contract": {"normalisation": "none"},
            "params": {"num_classes": 4, "dim": 32, "layers": 1, "dropout": 0.3, "members": 3}}  # fmt: skip


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def model_spec(name: str, **overrides: Any) -> dict[str, Any]:
    """The spec of variant ``name`` with ``overrides`` applied.

    Convenience overrides: ``signals`` (Wav2Sleep: one encoder each; SleepPPGNet: exactly one), ``causal=True``
    (epoch-by-epoch encoders and causal sequence convolutions: output t depends on inputs up to t only). Anything
    else is merged into the variant's parameters (nested dictionaries merge key by key).
    """
    if name not in _REGISTRY:
        raise ConfigError(f"unknown model {name!r}; known: {', '.join(list_models())}")
    spec = _REGISTRY[name]()
    params = spec["params"]
    signals = overrides.pop("signals", None)
    causal = overrides.pop("causal", False)
    if spec["architecture"] == "HRVSequence":
        if signals is not None and tuple(parse_signals(signals)) != ("IBI",):
            raise ConfigError(f"{name} takes beat intervals (IBI) only, got {', '.join(parse_signals(signals))}")
        if causal:
            raise ConfigError(f"{name} has no causal variant")
    elif spec["architecture"] == "SleepPPGNet":
        if signals is not None:
            names = parse_signals(signals)
            if len(names) != 1:
                raise ConfigError(f"sleepppgnet takes one signal, got {', '.join(names)}")
            params["signal"] = names[0]
        if causal:
            raise ConfigError("sleepppgnet has no causal variant")
    else:
        if signals is not None:
            params["signal_map"] = {s: s for s in parse_signals(signals)}
        if causal:
            overrides = _merge({"encoder": {"causal": True, "chunk_causal": True},
                                "sequence_mixer": {"causal": True}}, overrides)  # fmt: skip
    spec["params"] = _merge(params, overrides)
    spec["name"] = name
    return spec


def build(spec: dict[str, Any]) -> nn.Module:
    """Instantiate a spec produced by ``model_spec`` (or read back from a saved folder)."""
    from wav2sleep.models.hrv_sequence import HRVSequence
    from wav2sleep.models.sleepppgnet import SleepPPGNet
    from wav2sleep.models.wav2sleep import Wav2Sleep

    architectures = {"Wav2Sleep": Wav2Sleep, "SleepPPGNet": SleepPPGNet, "HRVSequence": HRVSequence}
    if spec.get("architecture") not in architectures:
        raise ConfigError(f"unknown architecture {spec.get('architecture')!r}; known: {', '.join(architectures)}")
    try:
        model = architectures[spec["architecture"]](**spec["params"])
    except TypeError as exc:
        raise ConfigError(f"invalid parameters for {spec['architecture']}: {exc}") from exc
    model.variant = spec.get("name")
    set_contract(model, spec_contract(spec))
    return model


def set_contract(model: nn.Module, contract: InputContract) -> None:
    """How recordings become the model's inputs: part of the model, since training, evaluation and staging must
    agree (``wav2sleep.contract``)."""
    if not isinstance(contract, InputContract):
        raise ConfigError(f"expected an InputContract, got {type(contract).__name__}")
    model.contract = contract


def model_contract(model: nn.Module) -> InputContract:
    """The model's input contract (ours for a module built without one)."""
    return getattr(model, "contract", OURS)


def create_model(name: str = "wav2sleep", **overrides: Any) -> nn.Module:
    """A new, randomly initialised model of variant ``name`` (see ``list_models()``)."""
    return build(model_spec(name, **overrides))
