"""Synthetic PSG corpus in the real NSRR layouts, with a fault corpus for bad-input tests."""

from wav2sleep.synth.corpus import TRUTH_FILE, SynthRecord, write_corpus
from wav2sleep.synth.edf_writer import write_edf
from wav2sleep.synth.hypnogram_process import simulate_stages
from wav2sleep.synth.physiology import SimulatedNight, simulate_night

__all__ = [
    "write_corpus",
    "SynthRecord",
    "simulate_night",
    "SimulatedNight",
    "simulate_stages",
    "write_edf",
    "TRUTH_FILE",
]
