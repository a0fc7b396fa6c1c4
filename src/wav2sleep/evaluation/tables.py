"""Results tables laid out like the paper's: one row per dataset, one column group per signal subset."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from wav2sleep.store import write_text_atomic

__all__ = ["results_markdown", "write_results"]


def results_markdown(results: list[dict]) -> str:
    subsets = list(dict.fromkeys(r["subset"] for r in results))
    datasets = list(dict.fromkeys(r["dataset"] for r in results))
    cell = {(r["dataset"], r["subset"]): r for r in results}
    lines = ["| dataset | " + " | ".join(f"{s} κ (acc)" for s in subsets) + " |",
             "|---|" + "---|" * len(subsets)]  # fmt: skip
    for ds in datasets:
        row = []
        for s in subsets:
            r = cell.get((ds, s))
            row.append("–" if r is None else f"{r['kappa']:.3f} ({100 * r['accuracy']:.1f} %)")
        lines.append(f"| {ds} | " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def write_results(results: list[dict], folder: str | Path) -> tuple[Path, Path]:
    """``results.md`` (paper layout) and ``results.csv`` (one row per dataset x subset, every metric)."""
    folder = Path(folder)
    fields = ["dataset", "subset", "nights", "epochs", "kappa", "kappa_ci_low", "kappa_ci_high", "accuracy",
              "macro_f1", "night_kappa_median", "night_kappa_q1", "night_kappa_q3"]  # fmt: skip
    f1_names = sorted({k for r in results for k in r["f1"]})
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields + [f"f1_{k}" for k in f1_names], lineterminator="\n")
    writer.writeheader()
    for r in results:
        writer.writerow({"dataset": r["dataset"], "subset": r["subset"], "nights": r["nights"], "epochs": r["epochs"],
                         "kappa": f"{r['kappa']:.4f}", "kappa_ci_low": f"{r['kappa_ci'][0]:.4f}",
                         "kappa_ci_high": f"{r['kappa_ci'][1]:.4f}", "accuracy": f"{r['accuracy']:.4f}",
                         "macro_f1": f"{r['macro_f1']:.4f}", "night_kappa_median": f"{r['night_kappa_median']:.4f}",
                         "night_kappa_q1": f"{r['night_kappa_iqr'][0]:.4f}",
                         "night_kappa_q3": f"{r['night_kappa_iqr'][1]:.4f}",
                         **{f"f1_{k}": f"{r['f1'].get(k, float('nan')):.4f}" for k in f1_names}})  # fmt: skip
    md, csv_path = folder / "results.md", folder / "results.csv"
    write_text_atomic(md, results_markdown(results))
    write_text_atomic(csv_path, buffer.getvalue())
    return md, csv_path
