"""Model folders on disk, read without PyTorch: ours (config.yaml + model.safetensors + README.md) and the
published wav2sleep format (config.yaml with Hydra ``_target_`` names + state_dict.pth), local, ``hf://user/repo``
or ``builtin:NAME`` (a model shipped in the package, ``wav2sleep/builtin/NAME``; ``builtin_models()`` lists them).

``read_spec`` turns either config into our spec; ``spec_inputs`` says what a spec's model takes (its signals and
input contract), so that a recording can be prepared while PyTorch is still loading (``inference.prefetch``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from wav2sleep.contract import PUBLISHED, InputContract
from wav2sleep.errors import ModelLoadError, in_one_line

__all__ = ["resolve_model_folder", "builtin_models", "read_spec", "spec_from_published", "spec_inputs", "spec_contract"]

CONFIG, WEIGHTS, CARD, PUBLISHED_WEIGHTS = "config.yaml", "model.safetensors", "README.md", "state_dict.pth"
FORMAT = "wav2sleep/1"
PUBLISHED_TARGET = "wav2sleep.models.wav2sleep.Wav2Sleep"
HUB_PREFIX = "hf://"
BUILTIN_PREFIX = "builtin:"
BUILTIN_ROOT = Path(__file__).resolve().parent.parent / "builtin"


def builtin_models() -> list[str]:
    """Names of the models shipped in the package (``builtin:NAME``)."""
    if not BUILTIN_ROOT.is_dir():
        return []
    return sorted(p.name for p in BUILTIN_ROOT.iterdir() if (p / CONFIG).is_file())


def resolve_model_folder(source: str | Path, *, revision: str | None = None, cache_dir: str | Path | None = None,
                         local_files_only: bool = False) -> Path:  # fmt: skip
    """A local folder for ``source``: a path, ``builtin:NAME``, or ``hf://user/repo`` fetched with huggingface_hub
    (cached)."""
    text = str(source)
    if text.startswith(BUILTIN_PREFIX):
        name = text[len(BUILTIN_PREFIX) :]
        if name not in builtin_models():
            raise ModelLoadError(f"{text}: no such built-in model; built in: "
                                 f"{', '.join(BUILTIN_PREFIX + n for n in builtin_models()) or 'none'}")  # fmt: skip
        return BUILTIN_ROOT / name
    if text.startswith(HUB_PREFIX):
        repo = text[len(HUB_PREFIX) :].strip("/")
        if repo.count("/") != 1:
            raise ModelLoadError(f"{text}: expected hf://user/repo")
        try:
            from huggingface_hub import snapshot_download
        except ImportError as exc:
            raise ModelLoadError("loading from hf:// needs huggingface_hub: pip install 'wav2sleep[hub]'") from exc
        try:
            return Path(snapshot_download(repo, revision=revision, cache_dir=cache_dir,
                                          local_files_only=local_files_only,
                                          allow_patterns=[CONFIG, WEIGHTS, PUBLISHED_WEIGHTS, CARD]))  # fmt: skip
        except Exception as exc:  # offline and not cached, no such repository or revision, a gated one
            raise ModelLoadError(f"{text}: not in the local Hugging Face cache and not fetched from the Hub "
                                 f"({in_one_line(exc)})") from exc  # fmt: skip
    folder = Path(source)
    if not folder.is_dir():
        hint = " (for the hub, write hf://user/repo)" if "/" in text and not folder.exists() else ""
        raise ModelLoadError(f"{text}: model folder not found{hint}")
    return folder


_REQUIRED = object()


def _field(config: dict[str, Any], section: str, key: str, kind: type, default: Any = _REQUIRED) -> Any:
    """``config[section][key]`` as ``kind``; a missing or ill-typed field is a ``ModelLoadError`` naming it."""
    part = config.get(section)
    if not isinstance(part, dict):
        raise ModelLoadError(f"published config: {section} missing or not a mapping")
    if key not in part:
        if default is _REQUIRED:
            raise ModelLoadError(f"published config: {section}.{key} missing")
        return default
    value = part[key]
    if kind in (int, float):
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if number and (kind is float or float(value).is_integer()):
            return kind(value)
    elif isinstance(value, kind):
        return value
    wanted = {int: "a whole number", float: "a number", bool: "true or false", str: "text", dict: "a mapping"}[kind]
    raise ModelLoadError(f"published config: {section}.{key} must be {wanted}, got {value!r}")


def spec_from_published(config: dict[str, Any]) -> dict[str, Any]:
    """Our spec from a published Hydra config (``_target_`` names of the original code), with the original's input
    contract (linear resampling on its grid, range scaling, z-score over zero-padded 10-h windows). A field that is
    missing or of the wrong kind is a ``ModelLoadError`` naming it."""
    if config.get("_target_") != PUBLISHED_TARGET:
        raise ModelLoadError(f"unsupported _target_ {config.get('_target_')!r}; supported: {PUBLISHED_TARGET}")
    signal_map = _field(config, "signal_encoders", "signal_map", dict)
    if not signal_map or not all(isinstance(k, str) and isinstance(v, str) for k, v in signal_map.items()):
        raise ModelLoadError(f"published config: signal_encoders.signal_map must map signal names to encoder names, "
                             f"got {signal_map!r}")  # fmt: skip
    if not isinstance(config.get("num_classes"), int) or isinstance(config.get("num_classes"), bool):
        raise ModelLoadError(f"published config: num_classes must be a whole number, got {config.get('num_classes')!r}")

    def enc(key: str, kind: type, default: Any = _REQUIRED) -> Any:
        return _field(config, "signal_encoders", key, kind, default)

    def mix(key: str, kind: type, default: Any = _REQUIRED) -> Any:
        return _field(config, "epoch_mixer", key, kind, default)

    def seq(key: str, kind: type, default: Any = _REQUIRED) -> Any:
        return _field(config, "sequence_mixer", key, kind, default)

    if enc("norm", str, "instance") == "batch" and enc("causal", bool, False):
        raise ModelLoadError("causal encoders with batch norm are not supported")
    return {
        "architecture": "Wav2Sleep",
        "name": "published",
        "contract": {**PUBLISHED.to_dict(), **({"normalisation": "causal"} if enc("causal", bool, False) else {})},
        "params": {
            "signal_map": dict(signal_map),
            "num_classes": config["num_classes"],
            "feature_dim": enc("feature_dim", int, 128),
            "encoder": {"norm": enc("norm", str, "instance"), "act": enc("activation", str, "gelu"),
                        "causal": enc("causal", bool, False), "chunk_causal": enc("chunk_causal", bool, False),
                        "initial_channels": enc("initial_channels", int, 16),
                        "max_channels": enc("max_channels", int, 128),
                        "residual": enc("use_residual", bool, True),
                        "output_norm": enc("output_norm", bool, False)},
            "epoch_mixer": {"layers": mix("layers", int), "nhead": mix("nhead", int), "dim_ff": mix("dim_ff", int),
                            "dropout": mix("dropout", float), "activation": mix("activation", str, "gelu")},
            "sequence_mixer": {"kernel_size": seq("kernel_size", int), "num_dilations": seq("num_dilations", int),
                               "num_layers": seq("num_layers", int), "dropout": seq("dropout", float),
                               "norm": seq("norm", str, "layer"), "activation": seq("activation", str, "gelu"),
                               "causal": seq("causal", bool, False)},
        },
    }  # fmt: skip


def read_spec(folder: Path) -> tuple[dict[str, Any], Path]:
    """A model folder's spec (ours, or converted from the published config) and its weights file."""
    config_path = folder / CONFIG
    if not config_path.is_file():
        raise ModelLoadError(
            f"{folder}: no {CONFIG}; a model folder holds {CONFIG} and {WEIGHTS} or {PUBLISHED_WEIGHTS}"
        )
    try:
        config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ModelLoadError(f"{config_path}: not a text file (byte {exc.start} is not UTF-8)") from exc
    except yaml.YAMLError as exc:  # one line: what is wrong and where, as a YAML editor points at it
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise ModelLoadError(f"{config_path}: not valid YAML ({getattr(exc, 'problem', None) or exc}{where})") from exc
    if not isinstance(config, dict):
        raise ModelLoadError(f"{config_path}: expected a mapping")
    if "_target_" in config:
        try:
            return spec_from_published(config), folder / PUBLISHED_WEIGHTS
        except ModelLoadError as exc:
            raise ModelLoadError(f"{config_path}: {exc}") from None
    if config.get("format") == FORMAT:
        return config, folder / WEIGHTS
    raise ModelLoadError(f"{config_path}: neither a wav2sleep ({FORMAT}) nor a published (_target_) config")


def spec_inputs(spec: dict[str, Any]) -> tuple[tuple[str, ...], InputContract] | None:
    """The signals (in the model's order) and the input contract of the model a spec builds; None for an
    architecture this does not know. A guess made before the model exists: staging checks it against the model."""
    params = spec.get("params") or {}
    if spec.get("architecture") == "Wav2Sleep" and isinstance(params.get("signal_map"), dict):
        signals = tuple(sorted(params["signal_map"]))
    elif spec.get("architecture") == "SleepPPGNet" and isinstance(params.get("signal"), str):
        signals = (params["signal"],)
    elif spec.get("architecture") == "HRVSequence":
        signals = ("IBI",)
    else:
        return None
    return signals, spec_contract(spec)


def spec_contract(spec: dict[str, Any]) -> InputContract:
    """The input contract a spec states. Folders written before contracts were saved hold only ``normalisation``;
    the rest was ours."""
    return InputContract.from_dict(spec.get("contract") or {"normalisation": spec.get("normalisation", "zscore")})
