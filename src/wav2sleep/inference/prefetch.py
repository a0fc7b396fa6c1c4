"""Recordings read and prepared in a helper process ahead of the model (``wav2sleep stage``): the first while
PyTorch is still loading in this one, each next one while the model runs on the current one. For a single
recording with a figure or report, the helper also writes the outputs: it imports matplotlib (0.4 s) while PyTorch
is loading here, so that neither process waits for it. (In a batch, the import is paid once, and the helper's time
is better spent preparing the next recording.)

The helper is a spawned process (safe whatever threads this one runs) that never imports PyTorch. It prepares for
the signals and input contract read from the model's folder before the model exists (``models.folder``);
``stage`` checks them against the loaded model and prepares again if they differ. Anything that goes wrong in the
helper (a bad file, an output it cannot write, the helper killed) makes this process prepare that recording or
write those outputs itself, so errors read as they would without it.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from wav2sleep.contract import InputContract
from wav2sleep.inference.prepare import PreparedRecording, prepare_recording
from wav2sleep.inference.timing import PhaseTimer

if TYPE_CHECKING:  # for annotations only: the command imports this module on its start-up path
    from wav2sleep.hypnogram import Hypnogram

__all__ = ["Prefetcher"]


def _prepare(path: Path, signals: tuple[str, ...], channels: dict[str, str],
             contract: InputContract) -> tuple[PreparedRecording, dict[str, float]] | None:  # fmt: skip
    """In the helper: the prepared recording and its phase times, or None when it cannot be prepared."""
    timer = PhaseTimer()
    try:
        prepared = prepare_recording(path, signals, channels, contract, timer)
    except Exception:  # noqa: BLE001 - the main process prepares it again and reports the error itself
        return None
    return prepared, timer.phases


def _load_plotting() -> None:
    """In the helper: import matplotlib now, while the main process is still loading PyTorch. Its objects are then
    frozen, so that the helper's exit, which the main process waits for, skips a last garbage collection over them
    (the wait for it: 0.08-0.10 s without, 0.02-0.03 s with)."""
    import gc

    from wav2sleep.plotting import pyplot

    pyplot()
    gc.freeze()


def _write_outputs(hypnogram: Hypnogram, out_dir: Path, name: str, formats: tuple[str, ...],
                   edf_per_epoch: bool) -> tuple[dict[str, Path], dict[str, float]]:  # fmt: skip
    """In the helper: ``report.write_outputs`` and its phase times."""
    from wav2sleep.inference.report import write_outputs

    timer = PhaseTimer()
    return write_outputs(hypnogram, out_dir, name, formats, edf_per_epoch, timer), timer.phases


class Prefetcher:
    """``take(path, timer)`` -> the recording prepared by the helper (in the order given, ``ahead`` recordings in
    advance), or ``path`` itself when the helper has none for it; the wait is the timer's ``prefetch_wait`` phase
    and the helper's own phases go to ``timer.background``. ``write_outputs`` writes a hypnogram's outputs in the
    helper when ``plotting`` (matplotlib imported there from the start), else in this process. ``close()`` stops
    the helper."""

    def __init__(self, recordings: Sequence[Path], signals: Sequence[str], channels: Mapping[str, str] | None,
                 contract: InputContract, ahead: int = 1, plotting: bool = False) -> None:  # fmt: skip
        self._args = (tuple(signals), dict(channels or {}), contract)
        self._waiting = list(recordings)
        self._pending: dict[Path, Future] = {}
        self._pool: ProcessPoolExecutor | None = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        for _ in range(ahead + 1):
            self._submit_next()
        self._plotting = plotting
        if plotting:  # after the first recording, which this process waits for first
            self._pool.submit(_load_plotting)

    def _submit_next(self) -> None:
        if self._waiting and self._pool is not None:
            path = self._waiting.pop(0)
            self._pending[path] = self._pool.submit(_prepare, path, *self._args)

    def take(self, path: Path, timer: PhaseTimer) -> PreparedRecording | Path:
        future = self._pending.pop(path, None)
        self._submit_next()
        if future is None:
            return path
        try:
            result = future.result()
        except Exception:  # noqa: BLE001 - the helper died (memory, a signal): this process prepares from now on
            self.close()
            result = None
        timer.lap("prefetch_wait")
        if result is None:
            return path
        prepared, phases = result
        timer.background.update(phases)
        return prepared

    def write_outputs(self, hypnogram: Hypnogram, out_dir: Path, name: str, formats: Sequence[str],
                      edf_per_epoch: bool, timer: PhaseTimer) -> dict[str, Path]:  # fmt: skip
        """``report.write_outputs`` in the helper if ``plotting`` (its phases to ``timer.background``, the wait to
        the phase ``outputs_wait``); in this process otherwise and where the helper cannot."""
        from wav2sleep.inference.report import write_outputs

        if self._plotting and self._pool is not None:
            try:
                future = self._pool.submit(_write_outputs, hypnogram, out_dir, name, tuple(formats), edf_per_epoch)
                paths, phases = future.result()
            except Exception:  # noqa: BLE001 - written (or the error reported) here instead, as without a helper
                pass
            else:
                timer.lap("outputs_wait")
                timer.background.update(phases)
                return paths
        return write_outputs(hypnogram, out_dir, name, formats, edf_per_epoch, timer)

    def close(self) -> None:
        if self._pool is not None:
            # Waits for a task the helper is running (one preparation at most): shutdown(wait=False) leaves the
            # pool's manager thread running into interpreter exit, where it can die with OSError (EBADF) and
            # print its traceback (CPython gh-132969, bpo-39104).
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._pending.clear()
