"""Run every benchmark script in this folder and store its JSON result as ``<out>/<name>.json``.

Each benchmark is ``benchmarks/<name>.py``, runs stand-alone and prints one JSON object on stdout.
Usage: ``python benchmarks/run.py --out benchmarks/results [--quick] [NAME ...]``.

``--baseline REV`` compares with a git revision in one run: REV is checked out in a temporary git worktree, and
each benchmark runs ``--rounds`` times on both sides, interleaved (the order alternates every round), each side its
own benchmark script with its own package (``PYTHONPATH=<side>/src``). Every timing in the results (a ``median_s``
of a timed block, or a number whose key ends in ``_s``) and every memory figure (a key ending in ``_mb``) becomes a
measure: the median over rounds on each side and the ratio baseline / current (above 1: the current tree is faster
or uses less). These machines are noisy: only ratios measured side by side like this support a speed-up claim.
``--script-args`` passes arguments to every script on both sides (e.g. ``--script-args '--case train_step_ckpt'
model``: one case of benchmarks/model.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _run_script(tree: Path, name: str, quick: bool, extra: list[str]) -> dict | None:
    cmd = [sys.executable, str(tree / "benchmarks" / f"{name}.py"), *(["--quick"] if quick else []), *extra]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tree / "src"), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tree)
    if proc.returncode != 0:
        print(proc.stderr[-4000:], file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measures(result: dict, prefix: str = "") -> dict[str, float]:
    """Timings and memory in a benchmark's JSON: ``median_s`` of timed blocks, numbers whose key ends in ``_s`` or
    ``_mb`` (a timed block's ``peak_rss_mb`` under its own name plus ``.peak_rss_mb``)."""
    out: dict[str, float] = {}
    for key, value in result.items():
        if isinstance(value, dict):
            if isinstance(value.get("median_s"), int | float):
                out[prefix + key] = float(value["median_s"])
                out.update(measures({k: v for k, v in value.items() if k.endswith("_mb")}, f"{prefix}{key}."))
            else:
                out.update(measures(value, f"{prefix}{key}."))
        elif key.endswith(("_s", "_mb")) and isinstance(value, int | float) and not isinstance(value, bool):
            out[prefix + key] = float(value)
    return out


def compare(name: str, baseline: str, rounds: int, quick: bool, extra: list[str]) -> dict:
    """Run benchmark ``name`` on the current tree and on ``baseline``, interleaved, and compare every measure."""
    # Beside this checkout, at the same depth, so that paths relative to it (../shared) hold for the baseline too.
    worktree = Path(tempfile.mkdtemp(prefix=".wav2sleep-baseline-", dir=ROOT.parent))
    worktree.rmdir()  # git creates it
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(worktree), baseline], check=True,
                   capture_output=True)  # fmt: skip
    try:
        runs: dict[str, list[dict]] = {"current": [], "baseline": []}
        for r in range(rounds):
            order = [("current", ROOT), ("baseline", worktree)]
            for side, tree in order if r % 2 == 0 else order[::-1]:
                if not (tree / "benchmarks" / f"{name}.py").is_file():
                    return {"benchmark": name, "baseline": baseline, "error": f"{name}.py not in {side}"}
                result = _run_script(tree, name, quick, extra)
                if result is None:
                    return {"benchmark": name, "baseline": baseline, "error": f"{side} run failed"}
                runs[side].append(result)
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(worktree)],
                       capture_output=True)  # fmt: skip
        shutil.rmtree(worktree, ignore_errors=True)
    current = [measures(r) for r in runs["current"]]
    base = [measures(r) for r in runs["baseline"]]
    table = {}
    for key in sorted(set(current[0]) & set(base[0])):
        c = statistics.median(m[key] for m in current)
        b = statistics.median(m[key] for m in base)
        table[key] = {"current_median": round(c, 4), "baseline_median": round(b, 4),
                      "ratio_baseline_over_current": round(b / c, 3) if c else None}  # fmt: skip
    return {"benchmark": name, "baseline": baseline, "rounds": rounds, "arguments": extra, "measures": table}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--quick", action="store_true", help="fewer repeats and smaller inputs")
    parser.add_argument("--baseline", metavar="REV", help="compare with this git revision, interleaved in one run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per side with --baseline")
    parser.add_argument("--script-args", default="", metavar="ARGS",
                        help="arguments for every benchmark script run, e.g. '--case train_step_ckpt'")  # fmt: skip
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    args = parser.parse_args()
    extra = shlex.split(args.script_args)
    names = args.names or sorted(p.stem for p in HERE.glob("*.py") if p.stem not in {"run", "common"})
    args.out.mkdir(parents=True, exist_ok=True)
    failed = []
    if args.baseline:
        for name in names:
            result = compare(name, args.baseline, args.rounds, args.quick, extra)
            (args.out / f"{name}.vs-baseline.json").write_text(json.dumps(result, indent=1) + "\n")
            print(json.dumps(result))
            if "error" in result:
                failed.append(name)
        return 1 if failed else 0
    for name in names:
        cmd = [sys.executable, str(HERE / f"{name}.py"), *(["--quick"] if args.quick else []), *extra]
        print(f"== {name}: {' '.join(cmd)}", file=sys.stderr)
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            print(proc.stderr[-4000:], file=sys.stderr)
            failed.append(name)
            continue
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        (args.out / f"{name}.json").write_text(json.dumps(result, indent=1) + "\n")
        print(json.dumps(result))
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
