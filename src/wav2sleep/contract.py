"""A model's input contract: how a recording must be turned into model inputs for the model to mean what it says.

A model only gives the accuracy it was trained for on inputs prepared the way it was trained, so the contract is
part of the model: saved in our model folders, inferred for published-format folders, and applied by ``stage``,
``evaluate`` and ``train``. Fields:

- ``resample``: ``soxr`` (band-limited, anti-aliased; ours) or ``linear`` (linear interpolation; the original's).
- ``grid``: where model-rate sample j sits. ``start``: at j / fs from the recording start, so epoch e holds the
  samples of [30 e, 30 e + 30) s (ours; the convention of every native channel, sample k at k / fs). ``end``: at
  (j + 1) / fs, one model-rate sample later, so epoch e holds (30 e, 30 e + 30] s (the original's grid, which
  starts one sample period after the recording start). See docs/store.md.
- ``scaling``: ``units`` (ECG/EOG to mV, belts and pleth as recorded; ours) or ``range`` (additionally, belts and
  pleth mapped to [-1, 1] by the channel's header physical range, as the original does).
- ``normalisation``: ``zscore`` (per night over its real samples; ours), ``zscore-window`` (over the whole window,
  zero padding included, as the original computes it), ``causal`` (running, see ``data.transforms``) or ``none``
  (the samples as prepared, in their units: for models that normalise what they compute, e.g. ``HRVSequence``).
- ``window_epochs``: ``None`` (the whole night in one pass; ours) or the window the model was trained on (the
  original: 1200 epochs = 10 h). Longer nights are staged in windows that overlap by ``overlap_epochs`` and are
  stitched (``inference.windows``). ``pad``: shorter nights (and the last window) are zero-padded to the full window
  before normalisation, as the model saw them in training (the original: every night padded to 10 h).
  ``stitching``: which window scores an epoch that several windows hold. ``central``: the one in which it lies
  farthest from an edge. ``first``: the first window keeps all its epochs, as the original, which stages only the
  first 10 h of a longer night, scores them (so those epochs equal the original's); later epochs go to the later
  window in which they are most central.
- ``sample_order``: ``time`` (every signal reaches the model in time order; ours, and how the published models were
  trained) or ``original-predict``, which reproduces a flaw of the original's prediction path for bit-for-bit
  comparisons: it joins the signals' grids in the order the signals were asked for without sorting, so when the
  first one is on a coarser grid than a later one (ABD or THX before ECG or PPG: the published cardio model's own
  signal order), the later signal's samples reach the model out of time order (the first signal's sample times
  first, then the rest). See docs/models.md.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass
from typing import Any

from wav2sleep.errors import ConfigError

# A window longer than any recording that is read (a week) would only allocate padding: refused as a mistake.
MAX_WINDOW_EPOCHS = 7 * 24 * 120

__all__ = [
    "InputContract",
    "OURS",
    "PUBLISHED",
    "CHOICES",
    "contract_for_store",
    "store_resampling",
    "store_mismatch",
    "parse_overrides",
]

CHOICES = {
    "resample": ("soxr", "linear"),
    "grid": ("start", "end"),
    "scaling": ("units", "range"),
    "normalisation": ("zscore", "zscore-window", "causal", "none"),
    "sample_order": ("time", "original-predict"),
    "stitching": ("central", "first"),
}
# The grid each resampling mode writes into a store (``ingest --resample``): linear reproduces the original.
STORE_GRID = {"soxr": "start", "linear": "end"}


@dataclass(frozen=True)
class InputContract:
    resample: str = "soxr"
    grid: str = "start"
    scaling: str = "units"
    normalisation: str = "zscore"
    window_epochs: int | None = None
    overlap_epochs: int = 0
    pad: bool = False
    sample_order: str = "time"
    stitching: str = "central"

    def __post_init__(self) -> None:
        for name, allowed in CHOICES.items():
            if getattr(self, name) not in allowed:
                raise ConfigError(f"input contract: {name} must be one of {', '.join(allowed)}, "
                                  f"got {getattr(self, name)!r}")  # fmt: skip
        if self.window_epochs is not None and not 1 <= self.window_epochs <= MAX_WINDOW_EPOCHS:
            raise ConfigError(f"input contract: window_epochs must be 1 to {MAX_WINDOW_EPOCHS} (a week) or null, got "
                              f"{self.window_epochs}")  # fmt: skip
        if self.overlap_epochs < 0 or (self.window_epochs is not None and self.overlap_epochs >= self.window_epochs):
            raise ConfigError(f"input contract: overlap_epochs must be >= 0 and smaller than the window, got "
                              f"{self.overlap_epochs} (window {self.window_epochs})")  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> InputContract:
        data = dict(data or {})
        unknown = sorted(set(data) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            raise ConfigError(f"input contract: unknown field(s) {', '.join(unknown)}")
        return cls(**data)

    def with_overrides(self, overrides: dict[str, Any] | None, *, source: str = "override") -> InputContract:
        """A copy with ``overrides`` applied; each change is warned about, naming the model's value and the new one."""
        if not overrides:
            return self
        new = InputContract.from_dict({**self.to_dict(), **overrides})
        changed = [
            f"{k}: {getattr(self, k)} -> {getattr(new, k)}" for k in overrides if getattr(self, k) != getattr(new, k)
        ]
        if changed:
            warnings.warn(f"input contract overridden by {source} ({'; '.join(changed)}): the model was trained on "
                          "the other inputs and may be less accurate", stacklevel=2)  # fmt: skip
        return new

    def describe(self) -> str:
        window = "whole night" if self.window_epochs is None else f"{self.window_epochs}-epoch windows"
        if self.window_epochs is not None and self.overlap_epochs:
            window += f" overlapping by {self.overlap_epochs}"
        if self.window_epochs is not None and self.stitching == "first":
            window += " (the first window's epochs from it)"
        if self.window_epochs is not None and self.pad:
            window += ", zero-padded"
        order = "" if self.sample_order == "time" else ", samples in the original's predict order"
        normalisation = "no normalisation" if self.normalisation == "none" else self.normalisation
        return f"{self.resample} resampling, grid {self.grid}, scaling {self.scaling}, {normalisation}, {window}{order}"


OURS = InputContract()
# The original's path from EDF to logits (verified against its end-to-end outputs, tests/inference/test_end_to_end.py).
PUBLISHED = InputContract("linear", "end", "range", "zscore-window", 1200, 240, True, stitching="first")


def contract_for_store(resample_mode: str, normalisation: str = "zscore") -> InputContract:
    """The contract of a model trained on a store ingested with ``resample_mode`` (units scaling, whole nights)."""
    if resample_mode not in STORE_GRID:
        raise ConfigError(f"unknown store resampling {resample_mode!r}; known: {', '.join(STORE_GRID)}")
    return InputContract(resample_mode, STORE_GRID[resample_mode], "units", normalisation)


def store_resampling(rows: list[dict]) -> set[str]:
    """The resampling modes of manifest ``rows`` (stores written before the mode was recorded used soxr)."""
    return {r.get("resample_mode") or "soxr" for r in rows}


def store_mismatch(rows: list[dict], contract: InputContract) -> str | None:
    """A message naming both when store nights were resampled otherwise than ``contract`` says, else None."""
    bad = sorted(m for m in store_resampling(rows) if (m, STORE_GRID.get(m)) != (contract.resample, contract.grid))
    if not bad:
        return None
    return (f"store nights were resampled with {', '.join(f'{m} (grid {STORE_GRID.get(m)})' for m in bad)}, but the "
            f"model's input contract says {contract.resample} (grid {contract.grid}): re-ingest with "
            f"--resample {contract.resample} for the accuracy the model was trained for")  # fmt: skip


def parse_overrides(items: list[str] | None) -> dict[str, Any]:
    """``["resample=linear", "window_epochs=1200"]`` -> a dict for ``with_overrides`` (``none`` -> None)."""
    out: dict[str, Any] = {}
    fields = {f.name for f in dataclasses.fields(InputContract)}
    for item in items or []:
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or key not in fields:
            raise ConfigError(f"--contract takes FIELD=VALUE with FIELD one of {', '.join(sorted(fields))}; "
                              f"got {item!r}")  # fmt: skip
        if key == "pad":
            if value.lower() not in ("true", "false"):
                raise ConfigError(f"--contract pad takes true or false, got {value!r}")
            out[key] = value.lower() == "true"
            continue
        if key in ("window_epochs", "overlap_epochs"):
            if value.lower() in ("none", "null", ""):
                out[key] = None if key == "window_epochs" else 0
                continue
            try:
                out[key] = int(value)
            except ValueError:
                raise ConfigError(f"--contract {key} takes an integer, got {value!r}") from None
        else:
            out[key] = value
    return out
