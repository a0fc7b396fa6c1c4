"""Synthetic corpus throughput: nights per second and MB/s written (all cores), and one 10-h night's generation."""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from common import machine, timed
from wav2sleep.synth import simulate_night, write_corpus
from wav2sleep.synth.layouts import LAYOUTS


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    repeats = 2 if args.quick else 3
    hours = 2.0 if args.quick else 8.0
    tmp = Path(tempfile.mkdtemp())
    sizes = []

    def corpus() -> None:
        out = tmp / "corpus"
        shutil.rmtree(out, ignore_errors=True)
        write_corpus(out, nights=2, hours=hours, seed=0)
        sizes.append(sum(f.stat().st_size for f in out.rglob("*") if f.is_file()))

    corpus_time = timed(corpus, repeats)
    night_time = timed(lambda: simulate_night(1, 10.0, rates=LAYOUTS["mesa"].rates), repeats)
    shutil.rmtree(tmp)
    nights = 14
    print(json.dumps({
        "benchmark": "synth",
        "corpus": {"datasets": 7, "nights": nights, "hours_per_night": hours, **corpus_time,
                   "nights_per_s": nights / corpus_time["median_s"], "mb_written": sizes[0] / 1e6,
                   "mb_per_s": sizes[0] / 1e6 / corpus_time["median_s"]},
        "simulate_10h_night_mesa_rates": night_time,
        "machine": machine(),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
