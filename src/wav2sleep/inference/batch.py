"""Batches of recordings for ``wav2sleep stage``: inputs found in folders, output names that never collide, and the
environment checked before any model is loaded (output folder writable, device present)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from wav2sleep.errors import ConfigError
from wav2sleep.io.edf import is_scoring_file
from wav2sleep.io.hypnogram_csv import is_hypnogram_table
from wav2sleep.io.original_predictions import is_original_predictions
from wav2sleep.io.paths import not_a_file
from wav2sleep.io.recording import READERS, found_as_recording
from wav2sleep.io.repaired import without_repaired_originals
from wav2sleep.io.wfdb_header import multi_segment_parts

__all__ = ["find_recordings", "output_names", "check_device", "OUR_OUTPUTS"]

# Files this tool writes next to nothing it reads: never taken as recordings when a folder is searched.
OUR_OUTPUTS = (".hypnogram.csv", ".annotations.edf", "_events.tsv")


def _is_recording(path: Path) -> bool:
    """A recording by name, not one of our outputs, and not a hypnogram (an EDF+ file of annotations only, a CSV
    with a stage column and no time column, the original wav2sleep's predictions)."""
    name = path.name.lower()
    return (found_as_recording(path) and not name.endswith(OUR_OUTPUTS) and not name.startswith(".")
            and not is_scoring_file(path) and not is_hypnogram_table(path)
            and not is_original_predictions(path))  # fmt: skip


def _from_folder(folder: Path) -> list[Path]:
    """Recordings under ``folder`` (recursively). A WFDB record is its ``.hea`` (a multi-segment record its master
    header, not its segments'); a repaired copy ``X_fixed.edf`` instead of ``X.edf``; an SLPDB-style ``x.rr``
    beside an ``x.hea`` whose signal files are absent stands for that record instead."""
    found = sorted(p for p in folder.rglob("*") if p.is_file() and _is_recording(p))
    segments = multi_segment_parts(found)
    out = []
    for p in without_repaired_originals(found):  # X_fixed.edf, the original's repair, is staged for X.edf
        if p in segments:
            continue
        if p.suffix.lower() == ".hea" and p.with_suffix(".rr").is_file() and not p.with_suffix(".dat").is_file():
            continue
        if p.suffix.lower() == ".rr" and p.with_suffix(".dat").is_file():
            continue
        out.append(p)
    return out


def find_recordings(inputs: Iterable[str | Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Files as given and recordings found in folders (once each) -> (recordings, [(input, reason skipped)])."""
    recordings: dict[Path, Path] = {}
    skipped: list[tuple[Path, str]] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found = _from_folder(path)
            if not found:
                skipped.append((path, f"folder holds no recording ({', '.join(sorted(READERS))})"))
            for p in found:
                recordings.setdefault(p.resolve(), p)
        elif (reason := not_a_file(path)) is None:
            recordings.setdefault(path.resolve(), path)
        else:
            skipped.append((path, reason))
    return list(recordings.values()), skipped


def output_names(recordings: list[Path]) -> dict[Path, Path]:
    """Each recording -> its output name (a relative path without extension): its path relative to the inputs'
    common folder, so that outputs mirror the inputs' tree (recordings of one folder: their stems); two recordings
    of one folder with the same stem keep their extension in the name. Names never collide."""
    if not recordings:
        return {}
    resolved = [p.resolve() for p in recordings]
    base = Path(os.path.commonpath([str(r.parent) for r in resolved]))
    names = {p: r.relative_to(base).with_suffix("") for p, r in zip(recordings, resolved, strict=True)}
    counts: dict[Path, int] = {}
    for name in names.values():
        counts[name] = counts.get(name, 0) + 1
    return {p: (name.with_name(p.name) if counts[name] > 1 else name) for p, name in names.items()}


def check_device(device: str) -> None:
    """A device string torch knows, and a CUDA device present when one is asked for."""
    import torch

    try:
        parsed = torch.device(device)
    except (RuntimeError, ValueError) as exc:
        raise ConfigError(f"--device {device!r} is not a device torch knows ({exc})") from None
    if parsed.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"--device {device}: no CUDA device is visible (this PyTorch build: {torch.__version__}); "
                          "use --device cpu")  # fmt: skip
