"""Synthetic beat-interval nights in the SLPDB file formats (``.rr`` beat intervals, ``.an`` stages).

The beats are those the synthetic ECG is drawn from (stage- and subject-dependent heart rate, variability and
respiratory sinus arrhythmia), so these nights share the physiology of the synthetic PSG corpus. About 0.3 % of
beats are labelled ventricular ectopics (V), which the reader must bridge. Written as a generic folder
(``OUT/ibi/ibiNNNN.rr`` + ``.an``) that ``wav2sleep ingest OUT/ibi --signals IBI`` takes as the dataset ``ibi``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from wav2sleep.signals import EPOCH_SECONDS
from wav2sleep.store import write_text_atomic
from wav2sleep.synth.physiology import simulate_night

__all__ = ["write_beat_night", "write_beat_corpus"]

ECTOPIC_SHARE = 0.003
RK_TOKENS = {0: "W", 1: "1", 2: "2", 3: "3", 4: "R"}  # N3 written as R&K stage 3
SLPDB_FS = 250  # sample numbers in .an rows count at the SLPDB ECG rate


def _clock(seconds: float) -> str:
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{int(h)}:{int(m):02d}:{s:06.3f}" if h else f"{int(m)}:{s:06.3f}"


def write_beat_night(folder: Path, session: str, seed: int, hours: float) -> tuple[Path, Path]:
    """Simulate one night (subject and night ``seed``) and write ``session.rr`` and ``session.an``."""
    # Only the beats are kept: render the waveforms the simulator makes anyway at token rates.
    night = simulate_night(seed, hours, has_ppg=False, eog=False, rates={"ECG": 32.0, "ABD": 1.0, "THX": 1.0})
    beats = night.beat_times
    types = np.where(np.random.default_rng(seed + 1).random(beats.size) < ECTOPIC_SHARE, "V", "N")
    starts = np.r_[0.0, beats[:-1]]
    rows = [f"{_clock(a):>12}\t{'[0]' if i == 0 else types[i - 1]}\t{b - a:.3f}\t{types[i]}\t{_clock(b):>12}"
            for i, (a, b) in enumerate(zip(starts, beats, strict=True))]  # fmt: skip
    rr, an = folder / f"{session}.rr", folder / f"{session}.an"
    write_text_atomic(rr, "\n".join(rows) + "\n")
    n_epochs = int(beats[-1] // EPOCH_SECONDS)
    header = "Elapsed time  Sample #  Type  Sub Chan  Num\tAux"
    stage_rows = [f"{_clock(e * EPOCH_SECONDS):>12} {e * EPOCH_SECONDS * SLPDB_FS:>8}     \"    0    0    0\t"
                  f"{RK_TOKENS[int(night.stages[e])]}" for e in range(n_epochs)]  # fmt: skip
    write_text_atomic(an, "\n".join([header, *stage_rows]) + "\n")
    return rr, an


def write_beat_corpus(out: str | Path, nights: int, hours: float = 8.0, seed: int = 0) -> Path:
    """``nights`` synthetic beat-interval nights under ``out/ibi/`` (one subject each); returns the folder."""
    folder = Path(out) / "ibi"
    for i in range(nights):
        write_beat_night(folder, f"ibi{i:04d}", seed * 100_003 + i, hours)
    return folder
