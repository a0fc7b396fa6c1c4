"""ONNX export of Wav2Sleep models and an ONNX Runtime backend that stages like the PyTorch model (extra ``onnx``).

The exported graph takes every signal it was exported for as [batch, epochs, samples per epoch] float32 (any
number of epochs and nights) and ``present`` [batch, epochs, signals] bool, in the order of ``signals`` in its
metadata: a signal absent from a night, or unusable in an epoch, is marked False there (its samples may be zeros),
so one file serves every subset of its signals. The model's signals, classes and input contract travel in the
file's metadata (``wav2sleep`` key, JSON), so ``load_model("model.onnx")`` stages exactly as the PyTorch model
does. The graph always runs the encoders of all its signals; export only the signals you stage with
(``signals=``) when you want the least work per night.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from wav2sleep.contract import InputContract
from wav2sleep.errors import ConfigError, ModelLoadError
from wav2sleep.signals import signal_spec
from wav2sleep.store.atomic import atomic_path

__all__ = ["export_onnx", "OnnxModel", "METADATA_KEY"]

METADATA_KEY = "wav2sleep"


class _InstanceNormFloat64Stats(nn.Module):
    """Instance norm (no affine) with its mean and variance accumulated in float64. ONNX Runtime's
    InstanceNormalization accumulates night-long channels (300k-1.2M samples) in float32 and drifts by ~1e-4
    relative, which grows to 0.15 in the logits of a zero-padded 10-h night; with float64 statistics the graph
    matches PyTorch to ~3e-5."""

    def __init__(self, eps: float) -> None:
        super().__init__()
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        wide = x.double()
        mean = wide.mean(-1, keepdim=True)
        var = ((wide - mean) ** 2).mean(-1, keepdim=True)
        return (x - mean.float()) * torch.rsqrt(var.float() + self.eps)


def _precise_norms(module: nn.Module) -> None:
    for name, child in module.named_children():
        if isinstance(child, nn.InstanceNorm1d) and not child.affine and not child.track_running_stats:
            setattr(module, name, _InstanceNormFloat64Stats(child.eps))
        else:
            _precise_norms(child)


class _Exportable(nn.Module):
    """A Wav2Sleep with a fixed list of tensor inputs: every signal encoded, presence through the mixer's mask."""

    def __init__(self, net: nn.Module, signals: tuple[str, ...]) -> None:
        super().__init__()
        self.net, self.names = net, signals

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        *signals, present = inputs
        features = []
        for name, x in zip(self.names, signals, strict=True):
            batch, epochs, spe = x.shape
            features.append(self.net.signal_encoders(name, x.reshape(batch, epochs * spe)))
        mixed = self.net.epoch_mixer(torch.stack(features, dim=2), ~present)
        return self.net.classifier(self.net.sequence_mixer(mixed))


def export_onnx(net: nn.Module, path: str | Path, signals: tuple[str, ...] | None = None, epochs: int = 40) -> Path:
    """Write ``net`` (a Wav2Sleep) as ONNX to ``path`` for ``signals`` (default: all of its signals), with dynamic
    batch and epochs; ``epochs`` only sizes the example the exporter traces."""
    if not hasattr(net, "epoch_mixer"):
        raise ConfigError(f"ONNX export is for Wav2Sleep models; got {type(net).__name__}")
    names = tuple(sorted(signals or net.signals))
    unknown = [s for s in names if s not in net.signals]
    if unknown:
        raise ConfigError(f"model signals are {', '.join(net.signals)}; asked to export {', '.join(unknown)}")
    import copy

    exported = copy.deepcopy(net).cpu().eval()
    _precise_norms(exported)
    module = _Exportable(exported, names).eval()
    example = tuple(torch.randn(1, epochs, signal_spec(s).samples_per_epoch) for s in names)
    example += (torch.ones(1, epochs, len(names), dtype=torch.bool),)
    batch, n_epochs = torch.export.Dim("batch", min=1, max=4096), torch.export.Dim("epochs", min=1, max=10**6)
    dynamic = tuple({0: batch, 1: n_epochs} for _ in example)  # every input: [batch, epochs, ...]
    contract = getattr(net, "contract", None)
    metadata = {"signals": list(names), "num_classes": int(net.num_classes),
                "contract": contract.to_dict() if contract is not None else None,
                "config": getattr(net, "config", {})}  # fmt: skip
    fastpath = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)  # the fused attention kernel has no ONNX form
    try:
        program = torch.onnx.export(module, example, input_names=[*names, "present"], output_names=["logits"],
                                    dynamo=True, dynamic_shapes={"inputs": dynamic}, optimize=True, verbose=False)  # fmt: skip
    finally:
        torch.backends.mha.set_fastpath_enabled(fastpath)
    program.model.metadata_props[METADATA_KEY] = json.dumps(metadata)
    path = Path(path)
    with atomic_path(path) as tmp:
        program.save(tmp)
    return path


class OnnxModel:
    """An exported model run by ONNX Runtime, called like the PyTorch model: ``model(x, present) -> logits``
    (``x``: signal -> [B, E x spe]; ``present``: signal -> [B] or [B, E] bool, or None), with ``signals``,
    ``num_classes`` and ``contract``."""

    def __init__(self, path: str | Path, threads: int | None = None) -> None:
        import onnxruntime as ort

        self.path = Path(path)
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        try:
            self.session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own types for unreadable models
            raise ModelLoadError(f"{self.path}: not a readable ONNX model ({str(exc).splitlines()[0]})") from exc
        raw = self.session.get_modelmeta().custom_metadata_map.get(METADATA_KEY)
        if raw is None:
            raise ModelLoadError(f"{self.path}: no wav2sleep metadata; export it with `wav2sleep export --onnx`")
        try:
            meta: dict[str, Any] = json.loads(raw)
            self.signals: tuple[str, ...] = tuple(meta["signals"])
            for name in self.signals:
                signal_spec(name)
            self.num_classes: int = int(meta["num_classes"])
            self.contract = InputContract.from_dict(meta["contract"]) if meta.get("contract") else InputContract()
            self.config: dict = meta.get("config") or {}
        except Exception as exc:  # noqa: BLE001 - any damage to the metadata is the file's fault
            raise ModelLoadError(f"{self.path}: its wav2sleep metadata is damaged ({type(exc).__name__}: {exc}); "
                                 "export the model again") from exc  # fmt: skip
        inputs = {i.name for i in self.session.get_inputs()}
        if not {*self.signals, "present"} <= inputs:
            raise ModelLoadError(f"{self.path}: the graph's inputs ({', '.join(sorted(inputs))}) do not match its "
                                 f"metadata's signals ({', '.join(self.signals)})")  # fmt: skip

    def __call__(self, x: dict[str, torch.Tensor], present: dict[str, torch.Tensor] | None = None) -> torch.Tensor:
        unknown = [s for s in x if s not in self.signals]
        if unknown or not x:
            raise ConfigError(f"this ONNX model takes {', '.join(self.signals)}; got {', '.join(x) or 'none'}")
        first = next(iter(x))
        batch, epochs = x[first].shape[0], x[first].shape[1] // signal_spec(first).samples_per_epoch
        feeds: dict[str, np.ndarray] = {}
        mask = np.zeros((batch, epochs, len(self.signals)), dtype=bool)
        for k, name in enumerate(self.signals):
            spe = signal_spec(name).samples_per_epoch
            if name not in x:
                feeds[name] = np.zeros((batch, epochs, spe), dtype=np.float32)
                continue
            samples = x[name].detach().cpu().float().reshape(batch, epochs, spe).numpy()
            available = ~np.isinf(samples[:, :1, 0]) & np.ones((batch, epochs), dtype=bool)  # the -inf convention
            if present is not None and name in present:
                given = present[name].detach().cpu().numpy().astype(bool)
                available &= given if given.ndim == 2 else given[:, None]
            mask[:, :, k] = available
            feeds[name] = np.where(np.isinf(samples), 0, samples).astype(np.float32)
        if not mask.any(axis=(1, 2)).all():
            raise ConfigError("every night needs at least one signal present")
        feeds["present"] = mask
        return torch.from_numpy(self.session.run(["logits"], feeds)[0])

    def eval(self) -> OnnxModel:
        return self

    def to(self, device: Any) -> OnnxModel:
        if str(device) != "cpu":
            raise ConfigError("the onnxruntime backend runs on the CPU here; use the torch backend for CUDA")
        return self
