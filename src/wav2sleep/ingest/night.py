"""One night -> one store record: read, pick channels, scale units, QC, resample, align stages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from wav2sleep.contract import contract_for_store
from wav2sleep.corpora import NightSource
from wav2sleep.dsp import model_rate_signals
from wav2sleep.errors import ConfigError, InputFileError
from wav2sleep.io.annotations import EDF_ANNOTATIONS, read_annotation
from wav2sleep.io.paths import not_a_file
from wav2sleep.io.recording import read_chosen
from wav2sleep.io.stage_events import StageEvents, align_events, epochs_from_events
from wav2sleep.signals import EPOCH_SECONDS, choice_notes, pick_channel
from wav2sleep.stages import LIGHT
from wav2sleep.store import Night

__all__ = ["IngestedNight", "ingest_night", "DEFAULT_SIGNALS", "read_stage_events"]

DEFAULT_SIGNALS = ("ECG", "PPG", "ABD", "THX")


@dataclass
class IngestedNight:
    night: Night
    warnings: list[str] = field(default_factory=list)
    flags: dict[str, list[str]] = field(default_factory=dict)

    @property
    def flagged(self) -> bool:
        return any(self.flags.values())


def read_stage_events(source: NightSource) -> StageEvents:
    """The night's scoring; a 4-class one is refused here, before the recording is read (the store holds 5)."""
    events = read_annotation(source.annotation, source.annotation_format)
    if (events.codes == LIGHT).any():
        raise InputFileError(source.annotation, "a 4-class scoring (light sleep: N1 and N2 not told apart)",
                             field="stages", expected="the 5 AASM stages (or R&K) to train on")  # fmt: skip
    return events


def ingest_night(source: NightSource, signals: Sequence[str] = DEFAULT_SIGNALS, resample_mode: str = "soxr",
                 require_stages: bool = True, channels: Mapping[str, str] | None = None) -> IngestedNight:  # fmt: skip
    """Turn ``source`` into a ``Night`` at model rates; raises ``InputFileError`` naming the file on failure.
    ``channels`` (signal -> label) overrides the picking by name."""
    path = source.recording
    if (reason := not_a_file(path)) is not None:
        raise InputFileError(path, f"recording: {reason}" + (" (annotation present)" if source.annotation else ""))
    events, notes = None, []
    if source.annotation == path and source.annotation_format == EDF_ANNOTATIONS:
        # The recording's own EDF+ annotations: stages if they hold any, else unscored. (A table's stage column is
        # its scoring and read like any other.)
        try:
            events = read_stage_events(source)
        except InputFileError as exc:
            notes.append(f"its own EDF+ annotations were not read as stages: {exc}")
        if events is not None and events.codes.size == 0:
            events = None
    elif source.annotation is not None:
        events = read_stage_events(source)
    if events is None and require_stages:
        raise InputFileError(source.recording, "no stage annotation found for this recording")
    channels = dict(channels or {})

    def choose(labels: list[str]) -> dict[str, str]:
        try:
            picked = {s: pick_channel(labels, s, channels.get(s)) for s in signals}
        except ConfigError as exc:  # a chosen channel this recording does not have
            raise InputFileError(source.recording, str(exc), field="channels") from None
        picked = {s: lab for s, lab in picked.items() if lab is not None}
        if not picked:
            raise InputFileError(source.recording, "no usable signal channel", field="channels",
                                 expected=f"one of {', '.join(signals)} (by name)", found=", ".join(labels))  # fmt: skip
        return picked

    labels, picked, recording = read_chosen(source.recording, choose)
    warnings = [
        *notes,
        *choice_notes(labels, picked, channels),
        *recording.warnings,
        *(events.warnings if events is not None else []),
    ]
    n_epochs = int(recording.duration_s // EPOCH_SECONDS)
    if n_epochs == 0:
        raise InputFileError(source.recording, "recording shorter than one 30-s epoch",
                             found=f"{recording.duration_s:.1f} s")  # fmt: skip
    stages = None
    if events is not None:
        events = align_events(events, recording.start, warnings)
        stages, stage_warnings = epochs_from_events(events, n_epochs)
        warnings += stage_warnings
        if (stages < 0).all():
            raise InputFileError(source.annotation, "no scored epoch overlaps the recording", field="stages")
    channels = {signal: recording.channels[label] for signal, label in picked.items()}
    grid = contract_for_store(resample_mode).grid
    out, meta_signals, signal_warnings = model_rate_signals(channels, n_epochs, resample_mode, grid)
    warnings += signal_warnings
    for m in meta_signals.values():
        m.pop("usable")  # per-epoch usability is for staging; the store keeps the counts (unusable_epochs)
    flags = {signal: m["qc"] for signal, m in meta_signals.items()}
    meta = {"dataset": source.dataset, "session": source.session, "subject": source.subject, "visit": source.visit,
            "source": str(source.recording), "annotation": str(source.annotation or ""),
            "start_time": recording.start.isoformat() if recording.start else None,
            "duration_s": recording.duration_s, "n_epochs": n_epochs, "resample_mode": resample_mode,
            "grid": grid,
            "signals": meta_signals, "warnings": warnings}  # fmt: skip
    return IngestedNight(Night(out, stages, meta), warnings, flags)
