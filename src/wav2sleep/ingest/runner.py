"""Ingest a dataset folder into the store: local process pool or Ray, resumable, one failure never stops a run.

For every night the runner writes the night file (atomically), then a status record
``ROOT/{dataset}/.status/{session}.json`` (atomically). A night counts as done only when both exist, so a run
killed at any point is resumed by running the same command again: unfinished nights are redone, none twice.
Failed nights get a status record with the reason and are retried on the next run.

The store cannot be corrupted or escaped: a run holds ``ROOT/.ingest.lock`` (a second run on the same store is
refused with a message), removes the temporary files a killed run left, and checks the store is writable before
any work; ``--dataset`` must be a plain name; two recordings that map to one (dataset, session) are both reported
as a conflict and neither is ingested; a session id too long for a file name is a failed night with the reason.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from wav2sleep.corpora import CORPORA, NightSource, get_corpus, recognise
from wav2sleep.errors import ConfigError, InputFileError
from wav2sleep.ingest.generic import discover_generic
from wav2sleep.ingest.night import DEFAULT_SIGNALS, ingest_night
from wav2sleep.signals import check_channel_choices, parse_signals
from wav2sleep.store import night_path, write_night, write_text_atomic
from wav2sleep.store.atomic import check_writable, remove_stale_temporaries
from wav2sleep.store.manifest import STATUS_DIR, write_manifest

__all__ = ["IngestTask", "IngestSummary", "ingest_folder", "discover", "LOCK_FILE", "MAX_SESSION_BYTES"]

LOCK_FILE = ".ingest.lock"
DATASET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
MAX_SESSION_BYTES = 200  # a night file is SESSION.parquet: most file systems allow 255 bytes per name


@dataclass(frozen=True)
class IngestTask:
    source: NightSource
    root: str
    signals: tuple[str, ...]
    resample_mode: str
    require_stages: bool
    channels: tuple[tuple[str, str], ...] = ()  # (signal, label) chosen for every recording


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
    # A folder's own name may hold anything; as a dataset name (a folder in the store) it is made plain.
    name = dataset or re.sub(r"[^A-Za-z0-9_.-]", "_", Path(folder).resolve().name).lstrip(".")[:64] or "recordings"
    return name, discover_generic(folder, name), False


def _status_path(root: Path, source: NightSource) -> Path:
    name = source.session
    if len(name.encode()) > MAX_SESSION_BYTES:  # still one record per session, under a name the disk accepts
        name = name.encode()[:100].decode(errors="ignore") + "-" + hashlib.sha1(name.encode()).hexdigest()[:16]
    return root / source.dataset / STATUS_DIR / f"{name}.json"


def check_dataset_name(name: str) -> str:
    """A dataset name is a plain folder name inside the store: no separators, no ``..``."""
    if not DATASET_NAME.fullmatch(name) or ".." in name:
        raise ConfigError(f"--dataset {name!r}: a dataset name is a plain name (letters, digits, '_', '-', '.'; "
                          "no '/', no '..', at most 64 characters)")  # fmt: skip
    return name


def _conflicts(sources: list[NightSource]) -> dict[tuple[str, str], list[NightSource]]:
    groups: dict[tuple[str, str], list[NightSource]] = {}
    for s in sources:
        groups.setdefault((s.dataset, s.session), []).append(s)
    return {key: group for key, group in groups.items() if len(group) > 1}


def _record(source: NightSource, resample_mode: str, error: str = "") -> dict:
    return {"dataset": source.dataset, "session": source.session, "subject": source.subject, "visit": source.visit,
            "source": str(source.recording), "path": "", "status": "failed", "error": error, "warnings": "",
            "signals": "", "n_epochs": 0, "resample_mode": resample_mode}  # fmt: skip


def _write_status(root: Path, source: NightSource, record: dict) -> dict:
    try:
        write_text_atomic(_status_path(root, source), json.dumps(record))
    except OSError as exc:  # e.g. a full disk: the night stays not-done and is redone by the next run
        record.update(
            status="failed", error=f"{record['error'] or source.recording}; status record not written ({exc})"
        )
    return record


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
    record = _record(source, task.resample_mode)
    try:
        if len(source.session.encode()) > MAX_SESSION_BYTES:
            raise InputFileError(source.recording, "session id too long for a file name", field="session",
                                 expected=f"at most {MAX_SESSION_BYTES} bytes",
                                 found=f"{len(source.session.encode())} bytes")  # fmt: skip
        result = ingest_night(source, task.signals, task.resample_mode, task.require_stages, dict(task.channels))
        path = write_night(night_path(root, source.dataset, source.session), result.night)
        record.update(path=str(path.relative_to(root)), status="flagged" if result.flagged else "ok",
                      warnings="; ".join(result.warnings), signals=",".join(result.night.signals),
                      n_epochs=result.night.n_epochs)  # fmt: skip
    except InputFileError as exc:  # names the file and what is wrong
        record["error"] = str(exc)
    except Exception as exc:  # one broken night must never stop a batch; the reason goes to the manifest
        record["error"] = f"{source.recording}: {type(exc).__name__}: {exc}"
    return _write_status(root, source, record)


def ingest_folder(folder: str | Path, out: str | Path, *, dataset: str | None = None,
                  signals: Sequence[str] | str = DEFAULT_SIGNALS, workers: int | None = None, ray: str | None = None,
                  overwrite: bool = False, resample_mode: str = "soxr", progress: bool = True,
                  channels: Mapping[str, str] | None = None) -> IngestSummary:  # fmt: skip
    """Ingest every night of ``folder`` into the store at ``out`` and rewrite the manifest. ``channels`` (signal ->
    label) overrides the picking by name in every recording."""
    folder, root = Path(folder), Path(out)
    if not folder.is_dir():
        raise InputFileError(folder, "folder not found")
    if dataset is not None:
        check_dataset_name(dataset)
    signals = parse_signals(signals)
    check_channel_choices(channels or {}, signals)
    check_writable(root)
    from filelock import FileLock, Timeout

    lock = FileLock(root / LOCK_FILE)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise ConfigError(f"{root}: another wav2sleep ingest is writing to this store (lock {root / LOCK_FILE}); "
                          "run again when it has finished") from None  # fmt: skip
    try:
        return _ingest_locked(
            folder,
            root,
            dataset,
            signals,
            workers,
            ray,
            overwrite,
            resample_mode,
            progress,
            tuple(sorted((channels or {}).items())),
        )
    finally:
        lock.release()


def _ingest_locked(folder: Path, root: Path, dataset: str | None, signals: tuple[str, ...], workers: int | None,
                   ray: str | None, overwrite: bool, resample_mode: str, progress: bool,
                   channels: tuple[tuple[str, str], ...]) -> IngestSummary:  # fmt: skip
    t0 = time.perf_counter()
    remove_stale_temporaries(root)  # only this run writes here now
    name, sources, require_stages = discover(folder, dataset)
    conflicts = _conflicts(sources)
    records = []
    for (_, session), group in conflicts.items():
        others = ", ".join(str(s.recording) for s in group)
        for s in group:
            records.append(_record(s, resample_mode, f"{s.recording}: session id {session!r} is also the id of "
                                                     f"{others}; none of them ingested (rename one)"))  # fmt: skip
        _write_status(root, group[0], {**records[-1], "source": others})
    sources = [s for s in sources if (s.dataset, s.session) not in conflicts]
    todo = [s for s in sources if overwrite or not _done(root, s)]
    tasks = [IngestTask(s, str(root), signals, resample_mode, require_stages, channels) for s in todo]
    workers = workers or os.cpu_count() or 1
    records += list(_run_ray(tasks, ray, workers, progress) if ray else _run_local(tasks, workers, progress))
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
