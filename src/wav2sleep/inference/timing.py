"""Wall time per phase of staging one recording, logged as one JSON line at INFO (``wav2sleep -v stage``);
``benchmarks/stage.py`` reads it for its breakdown."""

from __future__ import annotations

import json
import logging
from time import perf_counter

__all__ = ["PhaseTimer", "TIMINGS_PREFIX"]

TIMINGS_PREFIX = "timings "
log = logging.getLogger("wav2sleep.timings")


class PhaseTimer:
    """``lap(name)`` adds the time since the previous lap (or creation) to phase ``name``. ``background`` holds
    phases that ran in a helper process meanwhile (``inference.prefetch``): not part of this one's wall time."""

    def __init__(self) -> None:
        self.phases: dict[str, float] = {}
        self.background: dict[str, float] = {}
        self._last = perf_counter()

    def lap(self, name: str) -> None:
        now = perf_counter()
        self.phases[name] = round(self.phases.get(name, 0.0) + now - self._last, 4)
        self._last = now

    def log(self, what: str) -> None:
        background = {"background": self.background} if self.background else {}
        log.info("%s%s", TIMINGS_PREFIX, json.dumps({"of": what, "seconds": self.phases, **background}))
