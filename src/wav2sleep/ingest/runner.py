"""Ingest a dataset folder into the store: local process pool or Ray, resumable, one failure never stops a run.

For every night the runner writes the night file (atomically), then a status record
``ROOT/{dataset}/.status/{session}.json`` (atomically). A night counts as done only when both exist, so a run
killed at any point is resumed by running the same command again: unfinished nights are redone, none twice.
Failed nights get a status record with the reason and are retried on the next run.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from wav2sleep.corpora import CORPORA, NightSource, get_corpus, recognise
from wav2sleep.errors import InputFileError
from wav2sleep.ingest.generic import discover_generic
from wav2sleep.ingest.night import DEFAULT_SIGNALS, ingest_night
from wav2sleep.signals import parse_signals
from wav2sleep.store import night_path, write_night, write_text_atomic
from wav2sleep.store.manifest import STATUS_DIR, write_manifest

__all__ = ["IngestTask", "IngestSummary", "ingest_folder", "discover"]


@dataclass(frozen=True)
class IngestTask:
    source: NightSource
    root: str
    signals: tuple[str, ...]
    resample_mode: str
    require_stages: bool


@dataclass
class IngestSummary:
    ok: int
    flagged: int
    failed: int
    skipped: int
    seconds: float
    failures: list[tuple[str, str]]
    manifest: Path


def discover(folder: Path, dataset: str | None) -> tuple[str, list[NightSource], bool]:
    """(dataset name, nights, whether stages are required) for an NSRR layout or a generic folder."""
    corpus = get_corpus(dataset) if dataset and dataset.lower() in CORPORA else recognise(folder)
    if corpus is not None:
        return corpus.name, corpus.discover(folder), True
    name = dataset or Path(folder).resolve().name
    return name, discover_generic(folder, name), False


def _status_path(root: Path, source: NightSource) -> Path:
    return root / source.dataset / STATUS_DIR / f"{source.session}.json"


def _done(root: Path, source: NightSource) -> bool:
    status = _status_path(root, source)
    if not status.exists() or not night_path(root, source.dataset, source.session).exists():
        return False
    try:
        return json.loads(status.read_text())["status"] in ("ok", "flagged")
    except (OSError, ValueError, KeyError):
        return False


def process(task: IngestTask) -> dict:
    """Ingest one night and record its status; never raises for a bad file (the reason is recorded)."""
    root, source = Path(task.root), task.source
    record = {"dataset": source.dataset, "session": source.session, "subject": source.subject, "visit": source.visit,
              "source": str(source.recording), "path": "", "status": "failed", "error": "", "warnings": "",
              "signals": "", "n_epochs": 0, "resample_mode": task.resample_mode}  # fmt: skip
    try:
        result = ingest_night(source, task.signals, task.resample_mode, task.require_stages)
        path = write_night(night_path(root, source.dataset, source.session), result.night)
        record.update(path=str(path.relative_to(root)), status="flagged" if result.flagged else "ok",
                      warnings="; ".join(result.warnings), signals=",".join(result.night.signals),
                      n_epochs=result.night.n_epochs)  # fmt: skip
    except InputFileError as exc:  # names the file and what is wrong
        record["error"] = str(exc)
    except Exception as exc:  # one broken night must never stop a batch; the reason goes to the manifest
        record["error"] = f"{source.recording}: {type(exc).__name__}: {exc}"
    try:
        write_text_atomic(_status_path(root, source), json.dumps(record))
    except OSError as exc:  # e.g. a full disk: the night stays not-done and is redone by the next run
        record.update(
            status="failed", error=f"{record['error'] or source.recording}; status record not written ({exc})"
        )
    return record


def ingest_folder(folder: str | Path, out: str | Path, *, dataset: str | None = None,
                  signals: Sequence[str] | str = DEFAULT_SIGNALS, workers: int | None = None, ray: str | None = None,
                  overwrite: bool = False, resample_mode: str = "soxr", progress: bool = True) -> IngestSummary:  # fmt: skip
    """Ingest every night of ``folder`` into the store at ``out`` and rewrite the manifest."""
    folder, root = Path(folder), Path(out)
    if not folder.is_dir():
        raise InputFileError(folder, "folder not found")
    t0 = time.perf_counter()
    name, sources, require_stages = discover(folder, dataset)
    signals = parse_signals(signals)
    todo = [s for s in sources if overwrite or not _done(root, s)]
    tasks = [IngestTask(s, str(root), signals, resample_mode, require_stages) for s in todo]
    workers = workers or os.cpu_count() or 1
    records = list(_run_ray(tasks, ray, workers, progress) if ray else _run_local(tasks, workers, progress))
    manifest = write_manifest(root)
    counts = {k: sum(r["status"] == k for r in records) for k in ("ok", "flagged", "failed")}
    failures = [(r["session"], r["error"]) for r in records if r["status"] == "failed"]
    return IngestSummary(counts["ok"], counts["flagged"], counts["failed"], len(sources) - len(todo),
                         time.perf_counter() - t0, failures, manifest)  # fmt: skip


def _bar(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc="ingest", unit="night", disable=not enabled or total == 0)


def _tick(bar, record: dict, counts: dict) -> None:
    counts[record["status"]] = counts.get(record["status"], 0) + 1
    bar.set_postfix(done=counts.get("ok", 0) + counts.get("flagged", 0), failed=counts.get("failed", 0))
    bar.update()


def _run_local(tasks: list[IngestTask], workers: int, progress: bool):
    counts: dict[str, int] = {}
    with _bar(len(tasks), progress) as bar:
        if workers == 1 or len(tasks) <= 1:
            for task in tasks:
                record = process(task)
                _tick(bar, record, counts)
                yield record
            return
        from concurrent.futures import ProcessPoolExecutor, as_completed

        with ProcessPoolExecutor(workers) as pool:
            for future in as_completed([pool.submit(process, t) for t in tasks]):
                record = future.result()
                _tick(bar, record, counts)
                yield record


def _run_ray(tasks: list[IngestTask], address: str, workers: int, progress: bool):
    """The same ``process`` as Ray tasks: ``address='local'`` starts a local instance, else connect (``auto``...)."""
    import ray

    started = not ray.is_initialized()
    if started:
        if address == "local":
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
        else:
            ray.init(address=address, log_to_driver=False)
    try:
        remote = ray.remote(num_cpus=1)(process)
        pending = [remote.remote(t) for t in tasks]
        counts: dict[str, int] = {}
        with _bar(len(tasks), progress) as bar:
            while pending:
                done, pending = ray.wait(pending, num_returns=1)
                record = ray.get(done[0])
                _tick(bar, record, counts)
                yield record
    finally:
        if started:
            ray.shutdown()
