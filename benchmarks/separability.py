"""Separability of the synthetic corpus: kappa of a per-epoch logistic regression on held-out subjects."""

from __future__ import annotations

import argparse
import json

from common import machine
from wav2sleep.synth.separability import separability_kappa


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.parse_args()
    kappas = {seed: separability_kappa(seed=seed) for seed in (100, 200, 300)}
    print(json.dumps({"benchmark": "separability", "train_subjects": 6, "test_subjects": 4, "hours": 6.0,
                      "kappa_by_seed": kappas, "machine": machine()}))  # fmt: skip


if __name__ == "__main__":
    main()
