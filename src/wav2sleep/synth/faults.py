"""The fault corpus: one short night per bad-input case, in the SHHS layout, with a manifest of expectations.

Each case is a copy of a healthy 40-min night with one thing broken, so the ingest must show exactly the behaviour
the manifest names: ``ok`` (ingested, nothing to report), ``repaired`` (ingested; a warning containing ``message``),
``flagged`` (ingested; status flagged and a QC warning containing ``message``) or ``failed`` (no night file; an error
naming the file and containing ``message``). EDF header faults are made by patching header bytes after writing,
as a broken device or tool would leave them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from wav2sleep.corpora import get_corpus
from wav2sleep.signals import EPOCH_SECONDS
from wav2sleep.store.atomic import write_text_atomic
from wav2sleep.synth.annotations import stage_runs, write_nsrr_xml
from wav2sleep.synth.edf_writer import write_edf
from wav2sleep.synth.layouts import LAYOUTS
from wav2sleep.synth.physiology import simulate_night

__all__ = ["FaultCase", "FAULT_CASES", "write_fault_corpus", "MANIFEST_FILE", "patch_signal_field"]

MANIFEST_FILE = "manifest.json"
FAULT_HOURS = 40 / 60
PAUSE_AT_S, PAUSE_S = 600, 300  # the discontinuous_edf case: a 5-min pause after 10 min
START = datetime(2002, 3, 4, 22, 15, 0)
SHHS = get_corpus("shhs")
CHANNELS = {"ECG": "ECG", "ABD": "ABDO RES", "THX": "THOR RES", "EOG-L": "EOG(L)", "EOG-R": "EOG(R)"}

# EDF header: fixed part offsets, then per-signal fields stored field by field for all signals.
_FIXED = {"header_bytes": (184, 8), "n_records": (236, 8), "record_seconds": (244, 8)}
_SIGNAL_FIELDS = (("label", 16), ("transducer", 80), ("unit", 8), ("physical_min", 8), ("physical_max", 8),
                  ("digital_min", 8), ("digital_max", 8), ("prefilter", 80), ("samples", 8), ("reserved", 32))  # fmt: skip


@dataclass(frozen=True)
class FaultCase:
    name: str
    expect: str
    message: str
    note: str


FAULT_CASES: tuple[FaultCase, ...] = tuple(FaultCase(*row) for row in (
    ("truncated_data", "repaired", "truncated", "EDF cut mid data record; header record count too big"),
    ("truncated_header", "failed", "header", "file shorter than its 256-byte header"),
    ("wrong_header_size", "repaired", "header", "header-bytes field does not match the number of signals"),
    ("physical_max_zero", "repaired", "physical", "ECG physical max 0, as in some CHAT files"),
    ("physical_min_eq_max", "repaired", "physical", "THX physical min equals physical max"),
    ("inverted_physical_range", "repaired", "inverted", "ABD physical min > physical max"),
    ("unknown_units", "flagged", "unit", "ECG unit 'furlong'"),
    ("blank_units", "repaired", "unit blank; inferred mv", "ECG unit left blank: inferred from the amplitude"),
    ("flat_channel", "flagged", "flat", "ECG constant"),
    ("missing_channels", "failed", "no usable", "only EEG and SpO2, no model signal"),
    ("annotation_starts_late", "ok", "", "first stage event at 300 s: leading epochs unscored"),
    ("annotation_gap", "ok", "", "10-min hole between stage events: gap epochs unscored"),
    ("annotation_overlap", "repaired", "overlap", "two stage events overlap: overlapped epochs unscored"),
    ("non_30s_duration", "repaired", "30", "a 50-s event: each epoch takes the stage at its midpoint"),
    ("annotation_longer", "repaired", "longer", "stages run 1 h past the EDF end: truncated"),
    ("annotation_shorter", "ok", "", "stages end 20 min before the EDF end: trailing epochs unscored"),
    ("malformed_xml", "failed", "xml", "XML cut mid-tag"),
    ("empty_edf", "failed", "empty", "0-byte EDF"),
    ("empty_xml", "failed", "empty", "0-byte XML"),
    ("not_an_edf", "failed", "edf", "random bytes named .edf"),
    ("no_stage_events", "failed", "stage", "XML without Stages|Stages events"),
    ("discontinuous_edf", "flagged", "edf+d", "EDF+D paused 5 min after 10 min: gap restored as missing samples "
     "(NaN, so QC flags it), its epochs unscored"),
    ("edf_plus_d_far_onset", "failed", "gaps between data records too long", "EDF+D whose last record starts 10^6 s "
     "after the start: refused before anything is allocated for it"),
    ("edf_plus_d_backwards", "failed", "overlap or run backwards", "EDF+D record onsets that run backwards"),
    ("record_duration_nan", "failed", "record duration", "record duration field 'nan'"),
    ("zero_samples_per_record", "failed", "samples per record", "ECG with 0 samples per data record"),
    ("xml_nan_start", "failed", "not a finite number", "a stage event whose Start is 'nan': the error names the XML "
     "and the field"),
    ("xml_default_namespace", "ok", "", "NSRR XML in a default namespace (xmlns=...): read as any other"),
))  # fmt: skip
EDF_PLUS_D_CASES = ("discontinuous_edf", "edf_plus_d_far_onset", "edf_plus_d_backwards")


def _header_ns(raw: bytes) -> int:
    return int(raw[252:256].decode("ascii").strip())


def patch_signal_field(path: Path, signal: int, field: str, value: str) -> None:
    """Overwrite one per-signal header field of an EDF in place (fault corpus only)."""
    raw = bytearray(path.read_bytes())
    ns = _header_ns(raw)
    offset = 256
    for name, width in _SIGNAL_FIELDS:
        if name == field:
            pos = offset + signal * width
            raw[pos : pos + width] = value.encode("ascii").ljust(width)[:width]
            path.write_bytes(bytes(raw))
            return
        offset += ns * width
    raise KeyError(field)


def _patch_fixed(path: Path, field: str, value: str) -> None:
    raw = bytearray(path.read_bytes())
    pos, width = _FIXED[field]
    raw[pos : pos + width] = value.encode("ascii").ljust(width)
    path.write_bytes(bytes(raw))


def _write_case(root: Path, session: str, case: FaultCase, seed: int) -> dict:
    night = simulate_night(seed, FAULT_HOURS, has_ppg=False, rates=LAYOUTS["shhs"].rates)
    stages = night.stages
    n = stages.shape[0]
    edf = root / SHHS.edf_relpath(session)
    xml = root / SHHS.annotation_relpath(session)
    units = LAYOUTS["shhs"].units
    channels = [(CHANNELS[s], x, rate, units[s]) for s, (x, rate) in night.waveforms.items()]
    channels += [("EEG", np.random.default_rng(seed).standard_normal(int(n * EPOCH_SECONDS * 125)) * 20, 125, "uV"),
                 ("SaO2", np.full(n * EPOCH_SECONDS, 96.0), 1, "%")]  # fmt: skip
    expected = stages.astype(int).tolist()
    runs = [(s * EPOCH_SECONDS, k * EPOCH_SECONDS, c) for s, k, c in stage_runs(stages)]
    xml_kwargs: dict = {}

    if case.name == "flat_channel":
        channels[0] = (channels[0][0], np.full_like(channels[0][1], 0.2), channels[0][2], channels[0][3])
    if case.name == "missing_channels":
        channels = channels[-2:]
    if case.name == "annotation_starts_late":
        xml_kwargs = {"stages": stages[:-10], "offset_s": 300.0}
        expected = [-1] * 10 + stages[:-10].astype(int).tolist()
    elif case.name == "annotation_gap":
        events = [(float(e), float(e + EPOCH_SECONDS), int(stages[e // EPOCH_SECONDS]))
                  for e in range(0, n * EPOCH_SECONDS, EPOCH_SECONDS)]  # fmt: skip
        xml_kwargs = {"stage_events": [(on, EPOCH_SECONDS, c) for on, _, c in events if not 600 <= on < 1200]}
        expected = [-1 if 20 <= i < 40 else v for i, v in enumerate(expected)]
    elif case.name == "annotation_overlap":
        xml_kwargs = {"stage_events": [*runs, (600.0, 120.0, (int(stages[20]) + 1) % 5)]}
        expected = [-1 if 20 <= i < 24 else v for i, v in enumerate(expected)]
    elif case.name == "non_30s_duration":
        xml_kwargs = {"stage_events": [(0.0, 50.0, 0), (50.0, n * EPOCH_SECONDS - 50.0, 2)]}
        expected = [0, 0] + [2] * (n - 2)
    elif case.name == "annotation_longer":
        longer = np.r_[stages, np.full(120, 2, dtype=np.int8)]
        xml_kwargs = {"stages": longer}
    elif case.name == "annotation_shorter":
        xml_kwargs = {"stages": stages[:-40]}
        expected = stages[:-40].astype(int).tolist() + [-1] * 40
    elif case.name == "no_stage_events":
        xml_kwargs = {"stage_events": []}
    elif case.name == "discontinuous_edf":  # records from 600 s on were recorded after a 300-s pause
        xml_kwargs = {"stage_events": [(e * 30.0 + (PAUSE_S if e * 30 >= PAUSE_AT_S else 0), 30.0, int(c))
                                       for e, c in enumerate(stages)]}  # fmt: skip
        pause_epoch = PAUSE_AT_S // EPOCH_SECONDS
        expected = [*expected[:pause_epoch], *[-1] * (PAUSE_S // EPOCH_SECONDS), *expected[pause_epoch:]]

    write_edf(edf, channels, START, [(0.0, "Recording starts")] if case.name in EDF_PLUS_D_CASES else ())
    write_nsrr_xml(xml, xml_kwargs.pop("stages", stages), START, **xml_kwargs)
    _break_files(case.name, edf, xml, seed)
    return {"case": case.name, "session": session, "files": [str(edf.relative_to(root.parent)),
            str(xml.relative_to(root.parent))], "expect": case.expect, "message": case.message, "note": case.note,
            "stages": expected if case.expect != "failed" else None}  # fmt: skip


def _break_files(name: str, edf: Path, xml: Path, seed: int) -> None:
    """Apply the byte-level damage of case ``name``."""
    raw = edf.read_bytes()
    header_bytes = int(raw[184:192].decode("ascii"))
    actions: dict[str, Callable[[], None]] = {
        "truncated_data": lambda: edf.write_bytes(raw[: header_bytes + (len(raw) - header_bytes) // 2 + 101]),
        "truncated_header": lambda: edf.write_bytes(raw[:200]),
        "wrong_header_size": lambda: _patch_fixed(edf, "header_bytes", str(header_bytes + 512)),
        "physical_max_zero": lambda: patch_signal_field(edf, 0, "physical_max", "0"),
        "physical_min_eq_max": lambda: patch_signal_field(edf, _index(raw, "THOR RES"), "physical_min",
                                                          _field(raw, _index(raw, "THOR RES"), "physical_max")),
        "inverted_physical_range": lambda: _swap_range(edf, _index(raw, "ABDO RES")),
        "unknown_units": lambda: patch_signal_field(edf, 0, "unit", "furlong"),
        "blank_units": lambda: patch_signal_field(edf, 0, "unit", ""),
        "malformed_xml": lambda: xml.write_bytes(xml.read_bytes()[: len(xml.read_bytes()) // 2 - 7]),
        "empty_edf": lambda: edf.write_bytes(b""),
        "empty_xml": lambda: xml.write_bytes(b""),
        "not_an_edf": lambda: edf.write_bytes(np.random.default_rng(seed).bytes(4096)),
        "discontinuous_edf": lambda: _pause(edf, PAUSE_AT_S, PAUSE_S),
        "edf_plus_d_far_onset": lambda: _pause(edf, int(raw[236:244]) - 1, 10**6),
        "edf_plus_d_backwards": lambda: _pause(edf, PAUSE_AT_S, -100),
        "record_duration_nan": lambda: _patch_fixed(edf, "record_seconds", "nan"),
        "zero_samples_per_record": lambda: patch_signal_field(edf, 0, "samples", "0"),
        "xml_nan_start": lambda: xml.write_text(_nth_start(xml.read_text(), 2, "nan")),
        "xml_default_namespace": lambda: xml.write_text(
            xml.read_text().replace("<PSGAnnotation>", '<PSGAnnotation xmlns="http://www.example.org/psg">', 1)),
    }  # fmt: skip
    if name in actions:
        actions[name]()


def _nth_start(text: str, n: int, value: str) -> str:
    """``text`` with the ``n``-th ``<Start>`` value (1-based) replaced by ``value``."""
    parts = text.split("<Start>")
    head, _, tail = parts[n].partition("</Start>")
    parts[n] = f"{value}</Start>{tail}"
    return "<Start>".join(parts)


def _pause(edf: Path, at_s: int, pause_s: int) -> None:
    """Make an EDF+C (1-s records, annotation signal last) discontinuous: records from ``at_s`` on get time-keeping
    onsets ``pause_s`` later, as a recorder paused for that long would have written them."""
    raw = bytearray(edf.read_bytes())
    ns = _header_ns(raw)
    header_bytes, n_records = int(raw[184:192]), int(raw[236:244])
    samples = [int(_field(raw, i, "samples")) for i in range(ns)]
    record_bytes, tal_bytes = 2 * sum(samples), 2 * samples[-1]
    raw[192:197] = b"EDF+D"
    for k in range(at_s, n_records):
        at = header_bytes + (k + 1) * record_bytes - tal_bytes
        raw[at : at + tal_bytes] = f"+{k + pause_s}\x14\x14\x00".encode().ljust(tal_bytes, b"\x00")
    edf.write_bytes(bytes(raw))


def _field(raw: bytes, signal: int, field: str) -> str:
    ns, offset = _header_ns(raw), 256
    for name, width in _SIGNAL_FIELDS:
        if name == field:
            pos = offset + signal * width
            return raw[pos : pos + width].decode("ascii").strip()
        offset += ns * width
    raise KeyError(field)


def _index(raw: bytes, label: str) -> int:
    labels = [_field(raw, i, "label") for i in range(_header_ns(raw))]
    return labels.index(label)


def _swap_range(edf: Path, signal: int) -> None:
    raw = edf.read_bytes()
    pmin, pmax = _field(raw, signal, "physical_min"), _field(raw, signal, "physical_max")
    patch_signal_field(edf, signal, "physical_min", pmax)
    patch_signal_field(edf, signal, "physical_max", pmin)


def write_fault_corpus(out: str | Path, seed: int = 0) -> list[dict]:
    """Write every case of ``FAULT_CASES`` under ``out/shhs/`` and the manifest ``out/manifest.json``."""
    out = Path(out)
    entries = [_write_case(out / "shhs", f"shhs1-9000{i:02d}", case, seed + i) for i, case in enumerate(FAULT_CASES)]
    write_text_atomic(out / MANIFEST_FILE, json.dumps(entries, indent=1))
    return entries
