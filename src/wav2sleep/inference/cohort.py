"""A batch of staged recordings: the cohort table (CSV), the summary printed at the end, the index page (HTML)
and, when recordings were compared with a scorer, Bland-Altman plots of the main statistics."""

from __future__ import annotations

import csv
import html
import io
import math
import os
from pathlib import Path
from urllib.parse import quote

from wav2sleep.hypnogram import Hypnogram, describe_statistic
from wav2sleep.store.atomic import write_text_atomic

__all__ = ["COHORT_STATISTICS", "AGREEMENT_STATISTICS", "cohort_row", "write_cohort", "summary_table", "write_index",
           "plot_bland_altman"]  # fmt: skip

COHORT_STATISTICS = ("TIB", "TST", "SE", "SOL", "LPS", "WASO", "Lat_REM", "Unscored", "Awakenings")
# Drawn as Bland-Altman plots (wav2sleep vs the scorer) when a batch has references, as YASA's agreement tools do.
AGREEMENT_STATISTICS = ("TST", "SE", "WASO", "Lat_REM")


def _number(value) -> float | str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else round(float(value), 2)


def cohort_row(path, hypnogram: Hypnogram | None, status: str, outputs: dict[str, Path] | None = None) -> dict:
    """One row of the cohort table: the recording, its statistics (empty when it failed), its status, and, with a
    reference scoring, kappa, accuracy and the scorer's value of each ``AGREEMENT_STATISTICS``."""
    row = {"recording": str(path), "status": status, "epochs": "", "warnings": "", "kappa": "", "accuracy": ""}
    row.update(dict.fromkeys(COHORT_STATISTICS, ""))
    row.update({f"{k}_reference": "" for k in AGREEMENT_STATISTICS})
    row["report"] = str((outputs or {}).get("html", ""))
    if hypnogram is None:
        return row
    stats = hypnogram.sleep_statistics()
    row.update({k: _number(stats.get(k)) for k in COHORT_STATISTICS})
    row.update(epochs=hypnogram.n_epochs, warnings=len(hypnogram.metadata.get("warnings", [])))
    agreement = hypnogram.metadata.get("agreement")
    if agreement:
        row.update(kappa=round(agreement["kappa"], 4), accuracy=round(agreement["accuracy"], 4))
        for k in AGREEMENT_STATISTICS:
            diff = agreement["statistics_difference"].get(k)
            ours = stats.get(k)
            row[f"{k}_reference"] = "" if diff is None or ours is None else _number(ours - diff)
    return row


def write_cohort(path: str | Path, rows: list[dict]) -> Path:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    write_text_atomic(path, text.getvalue())
    return Path(path)


SUMMARY_COLUMNS = (("recording", 40), ("epochs", 7), ("TST", 7), ("SE", 6), ("kappa", 6), ("warnings", 8),
                   ("status", 0))  # fmt: skip


def summary_table(rows: list[dict]) -> str:
    """The batch as a fixed-width table: recording, epochs, TST (min), SE (%), kappa, warnings, status."""

    def cell(value, width: int) -> str:
        text = str(value)
        if width and len(text) > width:
            text = "..." + text[-(width - 3) :]
        return text.ljust(width) if width else text

    lines = ["  ".join(cell(name, width) for name, width in SUMMARY_COLUMNS).rstrip()]
    for row in rows:
        status = row["status"] if len(row["status"]) < 60 else row["status"][:57] + "..."
        values = {**row, "status": status}
        lines.append("  ".join(cell(values[name], width) for name, width in SUMMARY_COLUMNS).rstrip())
    return "\n".join(lines)


def write_index(path: str | Path, rows: list[dict], figure: Path | None = None) -> Path:
    """An HTML page for the batch: one row per recording with its statistics, status and a link to its report."""
    out = Path(path)
    columns = ("epochs", *COHORT_STATISTICS, "kappa", "accuracy", "warnings")
    head = "".join(f"<th title=\"{html.escape(describe_statistic(c)[1]) if c in COHORT_STATISTICS else ''}\">"
                   f"{html.escape(c)}</th>" for c in columns)  # fmt: skip
    body = []
    for row in rows:
        name = html.escape(Path(row["recording"]).name)
        if row["report"]:
            target = Path(row["report"])
            link = target.relative_to(out.parent) if target.is_relative_to(out.parent) else target
            # A URL: '#', '?', spaces and bytes that are not UTF-8 in the file name percent-encoded, so the link opens it
            name = f'<a href="{html.escape(quote(os.fsencode(link.as_posix())))}">{name}</a>'
        cells = "".join(f"<td>{html.escape(str(row[c]))}</td>" for c in columns)
        body.append(f"<tr><td>{name}</td>{cells}<td>{html.escape(row['status'])}</td></tr>")
    staged = sum(r["status"] == "staged" for r in rows)
    plot = f'<h2>Agreement with the scorers</h2><img alt="Bland-Altman plots" src="{figure.name}">' if figure else ""
    doc = f"""<!doctype html><html><head><meta charset="utf-8"><title>wav2sleep batch</title>
<style>body{{font-family:sans-serif;margin:2em}}td,th{{padding:0 .6em;text-align:right}}td:first-child,
td:last-child{{text-align:left}}</style></head><body>
<h1>wav2sleep batch: {staged} staged, {len(rows) - staged} failed</h1>
<p>Minutes unless marked; SE in %. Each name links to the recording's report. The same table: cohort.csv.</p>
<table id="cohort"><tr><th>recording</th>{head}<th>status</th></tr>{"".join(body)}</table>{plot}
</body></html>
"""
    write_text_atomic(out, doc)
    return out


def plot_bland_altman(path: str | Path, rows: list[dict]) -> Path | None:
    """Bland-Altman plots (mean of wav2sleep and scorer vs their difference; bias and 95 % limits of agreement)
    of ``AGREEMENT_STATISTICS`` over the recordings compared with a scorer; None when fewer than two were."""
    compared = [r for r in rows if r["kappa"] != ""]
    if len(compared) < 2:
        return None
    import numpy as np

    from wav2sleep.plotting import pyplot, save_figure

    fig, axes = pyplot().subplots(1, len(AGREEMENT_STATISTICS), figsize=(4 * len(AGREEMENT_STATISTICS), 3.6))
    for ax, key in zip(axes, AGREEMENT_STATISTICS, strict=True):
        pairs = np.array([(r[key], r[f"{key}_reference"]) for r in compared
                          if r[key] != "" and r[f"{key}_reference"] != ""], dtype=float).reshape(-1, 2)  # fmt: skip
        unit = describe_statistic(key)[0]
        ax.set_title(f"{key} ({unit})")
        ax.set_xlabel(f"mean of wav2sleep and scorer ({unit})")
        ax.set_ylabel(f"wav2sleep - scorer ({unit})")
        if len(pairs) == 0:
            ax.text(0.5, 0.5, "undefined for every recording", ha="center", transform=ax.transAxes)
            continue
        mean, diff = pairs.mean(axis=1), pairs[:, 0] - pairs[:, 1]
        bias, spread = diff.mean(), 1.96 * diff.std(ddof=1) if len(diff) > 1 else 0.0
        ax.scatter(mean, diff, s=18, color="tab:blue")
        ax.axhline(bias, color="black", label=f"bias {bias:+.1f}")
        for limit in (bias - spread, bias + spread):
            ax.axhline(limit, color="gray", linestyle="--")
        ax.legend(loc="upper right", fontsize=8, title=f"95 % limits ±{spread:.1f}", title_fontsize=8)
    fig.suptitle(f"Agreement with the scorers over {len(compared)} recordings")
    return save_figure(fig, path)
