"""Run every benchmark script in this folder and store its JSON result as ``<out>/<name>.json``.

Each benchmark is ``benchmarks/<name>.py``, runs stand-alone and prints one JSON object on stdout.
Usage: ``python benchmarks/run.py --out benchmarks/results [--quick] [NAME ...]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--quick", action="store_true", help="fewer repeats and smaller inputs")
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    args = parser.parse_args()
    names = args.names or sorted(p.stem for p in HERE.glob("*.py") if p.stem not in {"run", "common"})
    args.out.mkdir(parents=True, exist_ok=True)
    failed = []
    for name in names:
        cmd = [sys.executable, str(HERE / f"{name}.py"), *(["--quick"] if args.quick else [])]
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
