"""Mutation fuzzing of every reader through its public entry point (``read_recording``, ``read_annotation``).

For each reader, ``--inputs`` byte-level mutations of its seed file (``wav2sleep.synth.reader_seeds``: the same
seeds and mutation engine as tests/io/test_conformance.py) are read in worker processes, each under an
address-space cap (``--memory-mb``) and a per-input wall-clock limit (``--timeout-s``). An outcome is ``accepted``
(read), ``rejected`` (InputFileError; ``rejected_for_memory`` counts those refused as too large for the memory
cap; ``converted_by_type`` counts those that a library raised as another type and the entry point's guard turned
into InputFileError, by original type: reader gaps that a user never sees but that a specific check could word
better), ``unhandled`` (any other exception, counted by type, with the first mutation list that raised it) or a
``hang``. Prints one JSON object. Target: 0 unhandled, 0 hangs, peak memory bounded.

Usage: ``python benchmarks/fuzz.py [--inputs 100000] [--workers 2] [--readers edf,csv] [--quick]``
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

from common import machine


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang


def _worker(job: tuple[str, int, int, int, float, int]) -> dict:
    name, first, count, seed, timeout_s, memory_mb = job
    from wav2sleep.errors import InputFileError
    from wav2sleep.synth.reader_seeds import READER_CASES, apply_mutations, random_mutations

    resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, memory_mb << 20))
    signal.signal(signal.SIGALRM, _alarm)
    case = READER_CASES[name]
    counts: Counter = Counter()
    unhandled: Counter = Counter()
    converted: Counter = Counter()
    examples: dict[str, list] = {}
    slowest = 0.0
    with tempfile.TemporaryDirectory(prefix="wav2sleep-fuzz-") as tmp:
        seed_folder = Path(tmp) / "seed"
        seed_folder.mkdir()
        seed_path = case.write(seed_folder)
        original = seed_path.read_bytes()
        work = Path(tmp) / "work"
        shutil.copytree(seed_folder, work)
        target = work / seed_path.name
        for i in range(first, first + count):
            mutations = random_mutations(np.random.default_rng((seed, i)))
            target.write_bytes(apply_mutations(original, mutations))
            began = time.perf_counter()
            signal.setitimer(signal.ITIMER_REAL, timeout_s)
            try:
                case.read(target)
                counts["accepted"] += 1
            except InputFileError as exc:
                counts["rejected"] += 1
                if "memory available" in exc.problem:
                    counts["rejected_for_memory"] += 1
                if exc.__cause__ is not None and not isinstance(exc.__cause__, InputFileError):
                    converted[type(exc.__cause__).__name__] += 1
            except Hang:
                counts["hangs"] += 1
                examples.setdefault("hang", mutations)
            except Exception as exc:  # noqa: BLE001 - exactly what the fuzzer looks for
                kind = type(exc).__name__
                unhandled[kind] += 1
                examples.setdefault(kind, [mutations, str(exc)[:200]])
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            slowest = max(slowest, time.perf_counter() - began)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"counts": dict(counts), "unhandled": dict(unhandled), "converted": dict(converted), "examples": examples,
            "slowest_s": slowest, "peak_rss_mb": peak_mb}  # fmt: skip


def fuzz_reader(name: str, inputs: int, workers: int, seed: int, timeout_s: float, memory_mb: int) -> dict:
    chunk = -(-inputs // (workers * 8))
    jobs = [(name, start, min(chunk, inputs - start), seed, timeout_s, memory_mb) for start in range(0, inputs, chunk)]
    began = time.perf_counter()
    ctx = mp.get_context("spawn")  # a fresh interpreter per worker: the memory cap applies to the reader alone
    with ctx.Pool(workers, maxtasksperchild=1) as pool:
        parts = pool.map(_worker, jobs)
    counts, unhandled, converted, examples = Counter(), Counter(), Counter(), {}
    for part in parts:
        counts.update(part["counts"])
        unhandled.update(part["unhandled"])
        converted.update(part["converted"])
        for key, value in part["examples"].items():
            examples.setdefault(key, value)
    return {"tried": inputs, "accepted": counts["accepted"], "rejected": counts["rejected"],
            "rejected_for_memory": counts["rejected_for_memory"], "converted_by_type": dict(converted),
            "unhandled": sum(unhandled.values()),
            "unhandled_by_type": dict(unhandled), "hangs": counts["hangs"], "examples": examples,
            "slowest_input_s": round(max(p["slowest_s"] for p in parts), 3),
            "peak_worker_rss_mb": round(max(p["peak_rss_mb"] for p in parts), 1),
            "seconds": round(time.perf_counter() - began, 1)}  # fmt: skip


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from wav2sleep.synth.reader_seeds import READER_CASES

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inputs", type=int, default=100_000, help="mutated inputs per reader")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--readers", help="comma-separated reader names (default: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout-s", type=float, default=10.0, help="per-input wall-clock limit")
    parser.add_argument("--memory-mb", type=int, default=1024, help="address-space cap of each worker")
    parser.add_argument("--quick", action="store_true", help="2,000 inputs per reader")
    args = parser.parse_args()
    names = args.readers.split(",") if args.readers else sorted(READER_CASES)
    inputs = 2000 if args.quick else args.inputs
    results = {name: fuzz_reader(name, inputs, args.workers, args.seed, args.timeout_s, args.memory_mb)
               for name in names}  # fmt: skip
    total = {k: sum(r[k] for r in results.values()) for k in ("tried", "accepted", "rejected", "unhandled", "hangs")}
    print(json.dumps({"benchmark": "fuzz", "machine": machine(), "inputs_per_reader": inputs,
                      "timeout_s": args.timeout_s, "memory_cap_mb": args.memory_mb, "total": total,
                      "readers": results}, indent=1))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
