"""Per-recording outputs: a hypnogram + hypnodensity picture, and a self-contained HTML report."""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

from wav2sleep.contract import InputContract
from wav2sleep.errors import utf8_safe
from wav2sleep.hypnogram import Hypnogram, describe_statistic
from wav2sleep.inference.timing import PhaseTimer
from wav2sleep.plotting import pyplot, save_figure
from wav2sleep.store import write_text_atomic

__all__ = ["plot_night", "write_report", "write_outputs", "FORMATS"]

FORMATS = ("csv", "json", "tsv", "bids", "edf", "png", "html")


def _source_name(hypnogram: Hypnogram) -> str:
    """The recording's file name for titles (bytes of it that are not UTF-8 as ``\\xff``, which fonts can draw)."""
    return utf8_safe(Path(hypnogram.metadata.get("source", "")).name)


def plot_night(hypnogram: Hypnogram, path: str | Path) -> Path:
    """Hypnogram, confidence (the highest probability of each epoch), hypnodensity and the per-epoch usability of
    each signal, on one clock-time axis; unscored epochs shaded."""
    import numpy as np

    usable = hypnogram.metadata.get("usable") or {}
    probs = hypnogram.probabilities
    tracks = [
        "hypnogram",
        *(["confidence", "hypnodensity"] if probs is not None else []),
        *(["usable"] if usable else []),
    ]
    heights = {"hypnogram": 3, "confidence": 1, "hypnodensity": 2, "usable": 0.35 * len(usable) + 0.4}
    fig, axes = pyplot().subplots(len(tracks), 1, figsize=(11, 1.0 + 0.8 * sum(heights[t] for t in tracks)),
                                  sharex=True, squeeze=False, gridspec_kw={"height_ratios": [heights[t] for t in tracks]})  # fmt: skip
    ax = dict(zip(tracks, axes[:, 0], strict=True))
    hypnogram.plot_hypnogram(ax["hypnogram"])
    hours = np.arange(hypnogram.n_epochs) * 0.5 / 60
    if probs is not None:
        ax["confidence"].step(hours, np.nanmax(np.where(np.isnan(probs), -1, probs), axis=1).clip(0), where="post",
                              color="0.3", lw=0.8)  # fmt: skip
        ax["confidence"].set_ylim(0, 1)
        ax["confidence"].set_ylabel("confidence", fontsize=8)
        hypnogram.plot_hypnodensity(ax["hypnodensity"])
    if usable:
        names = list(usable)
        grid = np.array([usable[n] for n in names], dtype=float)
        ax["usable"].imshow(grid, aspect="auto", interpolation="nearest", cmap="RdYlGn", vmin=0, vmax=1,
                            extent=(0, hypnogram.n_epochs * 0.5 / 60, len(names), 0))  # fmt: skip
        ax["usable"].set_yticks(np.arange(len(names)) + 0.5, names, fontsize=7)
        ax["usable"].set_ylabel("usable", fontsize=8)
    for name in tracks[:-1]:
        ax[name].set_xlabel("")
    hypnogram.time_axis(ax[tracks[-1]])
    start = f" from {hypnogram.start:%Y-%m-%d %H:%M}" if hypnogram.start else ""
    ax["hypnogram"].set_title(f"{_source_name(hypnogram)}{start}", fontsize=9)
    return save_figure(fig, path)


QC_WORDS = {
    "nan": "has missing samples",
    "flat": "is flat (no signal)",
    "clipped": "is clipped at its limits",
    "implausible amplitude": "has an implausible amplitude",
    "unknown unit": "has a unit that is not a voltage",
}


def _qc_in_words(meta: dict) -> str:
    """A signal's quality checks as a sentence."""
    problems = [QC_WORDS.get(q, q) for q in meta.get("qc", [])]
    bad = meta.get("unusable_epochs") or {}
    sentence = "the signal " + " and ".join(problems) if problems else "no quality problem over the night"
    if bad:
        sentence += "; left out of " + ", ".join(f"{n} epochs as {why}" for why, n in bad.items())
    return sentence


def _agreement_section(agreement: dict | None) -> str:
    """Agreement with a reference scorer: kappa, accuracy, per-stage F1, confusion matrix, statistic differences."""
    if not agreement:
        return ""
    labels = agreement["labels"]
    f1 = "".join(f"<td>{'' if v is None or v != v else f'{v:.2f}'}</td>" for v in agreement["f1"].values())
    confusion = "".join(f"<tr><th>{html.escape(r)}</th>{''.join(f'<td>{n}</td>' for n in row)}</tr>"
                        for r, row in zip(labels, agreement["confusion"], strict=True))  # fmt: skip
    diffs = "".join(f"<tr><td>{html.escape(k)}</td><td>{'undefined' if v is None else f'{v:+.1f}'}</td></tr>"
                    for k, v in agreement["statistics_difference"].items())  # fmt: skip
    head = "".join(f"<th>{html.escape(label)}</th>" for label in labels)
    return f"""<h2 id="agreement">Agreement with the reference scoring</h2>
<p>Reference: {html.escape(agreement["reference"])}; {agreement["epochs_compared"]} epochs scored by both.
Cohen's kappa <b>{agreement["kappa"]:.3f}</b>, accuracy <b>{100 * agreement["accuracy"]:.1f} %</b>.</p>
<table><tr><th>F1</th>{head}</tr><tr><td></td>{f1}</tr></table>
<p>Confusion matrix (rows: reference, columns: wav2sleep):</p><table><tr><th></th>{head}</tr>{confusion}</table>
<p>Statistics, wav2sleep minus reference:</p><table>{diffs}</table>"""


def write_report(hypnogram: Hypnogram, path: str | Path, figure: Path) -> Path:
    """HTML with the statistics table, the channel choices, warnings and the figure embedded."""
    stats = hypnogram.sleep_statistics()

    def value(v) -> str:
        if isinstance(v, float):
            return "undefined" if v != v else f"{v:.1f}"
        return str(v)

    rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{value(v)}</td><td>{describe_statistic(k)[0]}</td>"
                   f"<td>{html.escape(describe_statistic(k)[1])}</td></tr>" for k, v in stats.items())  # fmt: skip
    channels = "".join(f"<li>{s}: channel <b>{html.escape(m['channel'])}</b> ({m['native_rate_hz']:g} Hz): "
                       f"{html.escape(_qc_in_words(m))}</li>"
                       for s, m in hypnogram.metadata.get("channels", {}).items())  # fmt: skip
    warnings = "".join(f"<li>{html.escape(w)}</li>" for w in hypnogram.metadata.get("warnings", []))
    image = base64.b64encode(Path(figure).read_bytes()).decode()
    start = f"{hypnogram.start:%Y-%m-%d %H:%M:%S}" if hypnogram.start else "unknown (no date/time in the file)"
    hours = hypnogram.n_epochs * 30 / 3600
    contract = hypnogram.metadata.get("contract") or {}
    header = (f"Recording start {html.escape(start)}; {hypnogram.n_epochs} epochs of 30 s ({hours:.2f} h); "
              f"{hypnogram.num_classes} classes ({', '.join(hypnogram.labels)}); model "
              f"{html.escape(str(hypnogram.metadata.get('model', '')))} (signals {', '.join(hypnogram.metadata.get('channels', {}))}"
              f"{'; preprocessing: ' + html.escape(InputContract.from_dict(contract).describe()) if contract else ''}).")  # fmt: skip
    doc = f"""<!doctype html><html><head><meta charset="utf-8"><title>wav2sleep report</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}td{{padding:0 1em}}</style></head><body>
<h1>Sleep report: {html.escape(_source_name(hypnogram))}</h1>
<p id="header">{header} Automatic staging: review before clinical use.</p>
<img alt="hypnogram and hypnodensity" style="width:100%" src="data:image/png;base64,{image}">
<h2>Statistics</h2><p>Minutes unless marked %; definitions in the wav2sleep docs (docs/statistics.md).</p>
<table id="statistics"><tr><th>statistic</th><th>value</th><th>unit</th><th>definition</th></tr>{rows}</table>
<h2>Signals used</h2><ul id="signals">{channels}</ul>
<h2>Warnings</h2><ul>{warnings or "<li>none</li>"}</ul>{_agreement_section(hypnogram.metadata.get("agreement"))}
</body></html>
"""
    write_text_atomic(path, doc)
    return Path(path)


BIDS_ENTITY = re.compile(r"^(sub-[A-Za-z0-9]+(?:_[a-z]+-[A-Za-z0-9]+)*)(?:_[A-Za-z0-9]+)?$")


def bids_name(name: str, suffix: str) -> str:
    """A BIDS file name for an output of a recording: a BIDS-named one (``sub-01_ses-2_task-sleep_eeg``) keeps its
    entities (``sub-01_ses-2_task-sleep_<suffix>.tsv``); any other gets its name, letters and digits only, as the
    subject label and the task ``sleep`` (``shhs1-200001`` -> ``sub-shhs1200001_task-sleep_<suffix>.tsv``)."""
    match = BIDS_ENTITY.match(name)
    if match:
        return f"{match.group(1)}_{suffix}.tsv"
    label = re.sub(r"[^A-Za-z0-9]", "", name) or "unnamed"
    return f"sub-{label}_task-sleep_{suffix}.tsv"


def check_formats(formats) -> None:
    """At least one format, each one we write (``FORMATS``), else a ConfigError naming them."""
    from wav2sleep.errors import ConfigError

    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ConfigError(f"unknown output formats {', '.join(unknown)}; known: {', '.join(FORMATS)}")
    if not formats:
        raise ConfigError(f"no output format asked for; give one or more of {', '.join(FORMATS)}")


def write_outputs(hypnogram: Hypnogram, out_dir: str | Path, name: str, formats=FORMATS,
                  edf_per_epoch: bool = False, timer: PhaseTimer | None = None) -> dict[str, Path]:  # fmt: skip
    """Write the requested formats as ``out_dir/name.<ext>``; returns format -> path. ``timer`` gets the phases
    ``exports`` (CSV, JSON, BIDS, EDF+) and ``report`` (figure and HTML)."""
    timer = timer or PhaseTimer()
    out = Path(out_dir)
    check_formats(formats)
    paths: dict[str, Path] = {}
    if "csv" in formats:
        paths["csv"] = hypnogram.to_csv(out / f"{name}.hypnogram.csv")
    if "json" in formats:
        paths["json"] = out / f"{name}.hypnogram.json"
        hypnogram.to_json(paths["json"])
    if "tsv" in formats:
        paths["tsv"] = hypnogram.to_bids_events(out / bids_name(name, "events"))
    if "bids" in formats:
        paths["bids"] = hypnogram.to_bids_hypnogram(out / bids_name(name, "hypnogram"))
    if "edf" in formats:
        paths["edf"] = hypnogram.to_edf_annotations(out / f"{name}.annotations.edf", per_epoch=edf_per_epoch)
    timer.lap("exports")
    if "png" in formats or "html" in formats:
        paths["png"] = plot_night(hypnogram, out / f"{name}.hypnogram.png")
    if "html" in formats:
        paths["html"] = write_report(hypnogram, out / f"{name}.report.html", paths["png"])
    timer.lap("report")
    return paths
