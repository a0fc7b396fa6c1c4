"""The numeric settings of ``wav2sleep train``, checked before anything is built, so that a value no run could use
(``training.batch_size=0``, ``cpu_processes=0``, ``training.lr=-1``, ``training.max_epochs=abc``) is one line naming
the key and what it takes, not an error from deep inside PyTorch or Lightning after the model is built."""

from __future__ import annotations

import math
from collections.abc import Callable

from omegaconf import DictConfig, OmegaConf

from wav2sleep.errors import ConfigError

__all__ = ["check_settings"]

# key -> (type, test, what the key takes)
RULES: dict[str, tuple[type, Callable[[float], bool], str]] = {
    "training.batch_size": (int, lambda v: v >= 1, "an integer >= 1"),
    "training.crop_epochs": (int, lambda v: v >= 1, "an integer >= 1 (30-s epochs per training window)"),
    "training.lr": (float, lambda v: v >= 0, "a number >= 0"),
    "training.weight_decay": (float, lambda v: v >= 0, "a number >= 0"),
    "training.warmup_steps": (int, lambda v: v >= 0, "an integer >= 0"),
    "training.decay_tau": (float, lambda v: v > 0, "a number > 0 (optimiser steps)"),
    "training.max_epochs": (int, lambda v: v >= 1 or v == -1, "an integer >= 1, or -1 (until early stopping)"),
    "training.patience": (int, lambda v: v >= 0, "an integer >= 0"),
    "training.grad_clip": (float, lambda v: v >= 0, "a number >= 0 (0: no clipping)"),
    "training.flip_p": (float, lambda v: 0 <= v <= 1, "a probability, 0 to 1"),
    "training.epoch_dropout": (float, lambda v: 0 <= v < 1, "a probability, 0 to below 1"),
    "training.num_workers": (int, lambda v: v >= 0, "an integer >= 0"),
    "target_batch_size": (int, lambda v: v >= 1, "an integer >= 1"),
    "cpu_processes": (int, lambda v: v >= 1, "an integer >= 1"),
    "num_nodes": (int, lambda v: v >= 1, "an integer >= 1"),
    "num_gpus": (int, lambda v: v >= 0, "auto, or an integer >= 0"),
    "seed": (int, lambda v: v >= 0, "an integer >= 0"),
}


def _number(value, kind: type) -> float | None:
    """``value`` as ``kind`` (an integer must be whole: 16 or 16.0, not 1.5 or "abc"), else None."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number) or (kind is int and not number.is_integer()):
        return None
    return int(number) if kind is int else number


def check_settings(cfg: DictConfig) -> None:
    """Raise ``ConfigError`` for the first setting of ``RULES`` that is present and out of its range."""
    for key, (kind, test, takes) in RULES.items():
        value = OmegaConf.select(cfg, key, default=None)
        if value is None or (key == "num_gpus" and str(value) == "auto"):
            continue
        number = _number(value, kind)
        if number is None or not test(number):
            raise ConfigError(f"{key}={value!r}: expected {takes}")
