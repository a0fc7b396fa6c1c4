"""Model folders: ours (config.yaml + model.safetensors + README.md) and the published wav2sleep format
(config.yaml with Hydra ``_target_`` names + state_dict.pth), from disk or ``hf://user/repo``.

The published ``_target_`` names are mapped to our classes here, by one adapter; the original package is never
imported. Our module names equal the published state-dict keys, so weights load without remapping.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
import yaml
from torch import nn

from wav2sleep.errors import ConfigError, ModelLoadError, in_one_line
from wav2sleep.models.folder import (
    CARD,
    CONFIG,
    FORMAT,
    PUBLISHED_TARGET,
    PUBLISHED_WEIGHTS,
    WEIGHTS,
    read_spec,
    resolve_model_folder,
)
from wav2sleep.models.registry import build, model_contract
from wav2sleep.stages import class_labels
from wav2sleep.store.atomic import atomic_path, write_text_atomic

__all__ = ["load_model", "save_model", "save_published"]


def load_model(source: str | Path, device: str | torch.device = "cpu", *, revision: str | None = None,
               cache_dir: str | Path | None = None, local_files_only: bool = False,
               contract: dict[str, Any] | None = None, backend: str = "torch") -> nn.Module:  # fmt: skip
    """Load a model folder (ours or the published format; path or ``hf://user/repo``) in eval mode.

    The model carries its input contract (``model.contract``: saved in our folders, the original's for published
    ones); ``contract`` overrides fields of it, with a warning (experts only).

    ``backend="onnxruntime"`` (extra ``onnx``) returns an ``OnnxModel``: a ``.onnx`` file written by
    ``wav2sleep export`` is loaded as it is; a model folder is exported first (to a temporary file, 30-45 s here).
    """
    if backend not in BACKENDS:
        raise ConfigError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if str(source).endswith(".onnx") or backend == "onnxruntime":
        return _load_onnx(source, device, revision=revision, cache_dir=cache_dir, local_files_only=local_files_only,
                          contract=contract)  # fmt: skip
    folder = resolve_model_folder(source, revision=revision, cache_dir=cache_dir, local_files_only=local_files_only)
    spec, weights = read_spec(folder)
    config_path = folder / CONFIG
    if not weights.is_file():
        raise ModelLoadError(f"{folder}: weights file {weights.name} missing")
    # The config's sizes are checked against the weights on the meta device first (shapes, no memory), so that a
    # config claiming layers far larger than its weights is refused before anything is allocated.
    own = {k: tuple(v.shape) for k, v in _build(spec, config_path, torch.device("meta")).state_dict().items()}
    state = _unwrapped(_read_weights(weights), own)
    wrong = [f"{k} (file {list(v.shape)}, config {list(own[k])})" for k, v in state.items()
             if k in own and hasattr(v, "shape") and tuple(v.shape) != own[k]]  # fmt: skip
    if wrong:
        raise ModelLoadError(f"{weights}: weights do not fit {config_path.name}: {len(wrong)} tensors of another "
                             f"shape, e.g. {'; '.join(wrong[:2])}")  # fmt: skip
    missing, unexpected = sorted(set(own) - set(state)), sorted(set(state) - set(own))
    if missing or unexpected:
        raise ModelLoadError(
            f"{weights}: weights do not fit the config (missing {missing[:5]}, unexpected {unexpected[:5]})"
        )
    model = _build(spec, config_path, torch.device("cpu"))
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:  # anything else load_state_dict refuses (a tensor that is not one); one line
        raise ModelLoadError(
            f"{weights}: weights do not fit {config_path.name} ({' '.join(str(exc).split())[:300]})"
        ) from exc
    model.contract = model.contract.with_overrides(contract, source="load_model(contract=...)")
    return model.to(device).eval()


BACKENDS = ("torch", "onnxruntime")


def _build(spec: dict[str, Any], config_path: Path, device: torch.device) -> nn.Module:
    """The model a folder's spec describes, built on ``device``; what the config gets wrong named after it."""
    try:
        with device:
            return build(spec)
    except ConfigError as exc:
        raise ModelLoadError(f"{config_path}: {exc}") from exc
    except (ValueError, TypeError, AssertionError, RuntimeError) as exc:  # what torch's layers raise for bad sizes
        raise ModelLoadError(f"{config_path}: no model can be built from it ({type(exc).__name__}: {exc})") from exc


def _load_onnx(source: str | Path, device: str | torch.device, contract: dict[str, Any] | None = None,
               **hub: Any) -> Any:  # fmt: skip
    """An ``OnnxModel`` from a ``.onnx`` file, or from a model folder exported to a temporary file."""
    from wav2sleep.models.onnx import OnnxModel, export_onnx

    if str(device) != "cpu":
        raise ConfigError("the onnxruntime backend runs on the CPU here; use the torch backend for CUDA")
    path = Path(str(source))
    if not str(source).endswith(".onnx"):
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:  # the session holds the graph once loaded
            model = OnnxModel(export_onnx(load_model(source, **hub), Path(tmp) / "model.onnx"))
    elif not path.is_file():
        raise ModelLoadError(f"{path}: no such ONNX file")
    else:
        model = OnnxModel(path)
    model.contract = model.contract.with_overrides(contract, source="load_model(contract=...)")
    return model


# Key prefixes that wrappers add to a model's weights: torch.compile, DDP, a LightningModule holding it as ``model``.
WRAPPER_PREFIXES = ("_orig_mod.", "module.", "model.")


def _unwrapped(state: dict, own: dict) -> dict:
    """The weights under the model's own names: a Lightning checkpoint's ``state_dict`` taken out, and the prefixes
    of ``WRAPPER_PREFIXES`` that every key carries (and the model's own names do not) taken off, however nested."""
    if isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    stripped = True
    while stripped and state:
        stripped = False
        for prefix in WRAPPER_PREFIXES:
            if all(k.startswith(prefix) for k in state) and not any(k.startswith(prefix) for k in own):
                state, stripped = {k[len(prefix) :]: v for k, v in state.items()}, True
    return state


def _read_weights(path: Path) -> dict[str, torch.Tensor]:
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            return load_file(path)
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # a corrupt weights file: name it rather than leak a library traceback
        size = path.stat().st_size if path.is_file() else 0
        raise ModelLoadError(f"{path}: cannot read weights ({size} bytes; {in_one_line(exc)})") from exc


def _spec(model: nn.Module) -> dict[str, Any]:
    return {"format": FORMAT, "architecture": type(model).__name__, "name": getattr(model, "variant", None),
            "signals": list(model.signals), "num_classes": model.num_classes, "params": model.config,
            "contract": model_contract(model).to_dict()}  # fmt: skip


def save_model(model: nn.Module, folder: str | Path, *, training_data: str = "", extra: dict | None = None,
               card: str = "") -> Path:  # fmt: skip
    """Write ``model`` in our format: ``config.yaml``, ``model.safetensors`` and a model card ``README.md``
    (``card``: Markdown appended to the card's generated lines)."""
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    spec = {**_spec(model), **({"extra": extra} if extra else {})}
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    with atomic_path(folder / WEIGHTS) as tmp:
        save_file(state, str(tmp))
    write_text_atomic(folder / CONFIG, yaml.safe_dump(spec, sort_keys=False))
    params = sum(p.numel() for p in model.parameters())
    lines = [f"# wav2sleep model: {spec['name'] or spec['architecture']}", "",
            f"- architecture: {spec['architecture']} ({params:,} parameters)",
            f"- signals: {', '.join(model.signals)}{' (any subset works)' if len(model.signals) > 1 else ''}",
            f"- classes: {', '.join(class_labels(model.num_classes))}",
            f"- training data: {training_data or 'not stated'}",
            f"- input contract: {model_contract(model).describe()}", "",
            "Load with `wav2sleep.load_model(folder)`; stage with `wav2sleep stage RECORDING --model folder`."]  # fmt: skip
    write_text_atomic(folder / CARD, "\n".join(lines) + "\n" + (f"\n{card.strip()}\n" if card.strip() else ""))
    return folder


def save_published(model: nn.Module, folder: str | Path) -> Path:
    """Write a Wav2Sleep model in the original's published format (Hydra ``_target_`` config + state_dict.pth)."""
    if type(model).__name__ != "Wav2Sleep":
        raise ConfigError("only Wav2Sleep models have a published format")
    p = model.config
    enc, mix, seq = p["encoder"], p["epoch_mixer"], p["sequence_mixer"]
    if enc.get("block", "strided") != "strided" or enc.get("channels_by_rate"):
        raise ConfigError("the published format only describes the strided encoder block with default channels")
    base = "wav2sleep.models.wav2sleep."
    config = {
        "_target_": PUBLISHED_TARGET,
        "num_classes": p["num_classes"],
        "signal_encoders": {"_target_": base + "SignalEncoders", "signal_map": p["signal_map"],
                            "feature_dim": p["feature_dim"], "activation": enc.get("act", "gelu"),
                            "norm": enc.get("norm", "instance"), "causal": enc.get("causal", False),
                            "chunk_causal": enc.get("chunk_causal", False),
                            "initial_channels": enc.get("initial_channels", 16),
                            "max_channels": enc.get("max_channels", 128), "use_residual": enc.get("residual", True),
                            "output_norm": enc.get("output_norm", False)},
        "epoch_mixer": {"_target_": base + "MultiModalAttentionEmbedder", "feature_dim": p["feature_dim"],
                        "layers": mix.get("layers", 2), "nhead": mix.get("nhead", 8), "dim_ff": mix.get("dim_ff", 512),
                        "dropout": mix.get("dropout", 0.1), "activation": mix.get("activation", "gelu")},
        "sequence_mixer": {"_target_": base + "SequenceCNN", "feature_dim": p["feature_dim"],
                           "kernel_size": seq.get("kernel_size", 7), "num_dilations": seq.get("num_dilations", 6),
                           "num_layers": seq.get("num_layers", 2), "dropout": seq.get("dropout", 0.1),
                           "norm": seq.get("norm", "layer"), "activation": seq.get("activation", "gelu"),
                           "causal": seq.get("causal", False)},
    }  # fmt: skip
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_path(folder / PUBLISHED_WEIGHTS) as tmp:
        torch.save(model.state_dict(), tmp)
    write_text_atomic(folder / CONFIG, yaml.safe_dump(config, sort_keys=False))
    return folder
