"""Signal catalogue: names, channel aliases, samples per 30-s epoch, units; channel picking by name.

The model rates are powers of two per 30-s epoch (the encoders halve the length down to 4 vectors per epoch):
ABD/THX 256 (8.533 Hz), ECG/PPG 1024 (34.133 Hz), EOG 4096 (136.533 Hz). ``IBI`` is our addition: the
beat-to-beat interval series (seconds) as an evenly sampled tachogram, for wearables that give beat times.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from wav2sleep.errors import ConfigError

__all__ = [
    "EPOCH_SECONDS",
    "SignalSpec",
    "SIGNALS",
    "SIGNAL_NAMES",
    "signal_spec",
    "parse_signals",
    "pick_channel",
    "is_alias",
    "sampling_rate",
]

EPOCH_SECONDS = 30


@dataclass(frozen=True)
class SignalSpec:
    """One model input signal.

    ``kind`` is ``"voltage"`` (scaled to mV at ingest), ``"arbitrary"`` (belt/pleth: mapped with the header's
    physical range) or ``"interval"`` (seconds between beats). ``derived_from``: a signal whose channel can stand
    in when the recording has none of this one's (IBI: beats detected in the ECG).
    """

    name: str
    samples_per_epoch: int
    kind: str
    aliases: tuple[str, ...]
    unit: str
    derived_from: str | None = None

    @property
    def rate_hz(self) -> float:
        return self.samples_per_epoch / EPOCH_SECONDS


# Aliases: the reference's union table (reference.md s.1.2), matched case-insensitively here.
SIGNALS: dict[str, SignalSpec] = {
    s.name: s
    for s in (
        SignalSpec("ECG", 1024, "voltage", ("ECG", "EKG", "ECG1", "ECG L", "ECGL", "ECG L-ECG R", "ECG II", "II", "MLII", "MCL1"), "mV"),
        SignalSpec(
            "PPG",
            1024,
            "arbitrary",
            ("PPG", "Pleth", "PlethWV", "PWF", "PlethMasimo", "PletMasimo", "PlethMasino", "PLETH"),
            "a.u.",
        ),
        SignalSpec("ABD", 256, "arbitrary", ("ABD", "Abdo", "ABDO RES", "ABDO EFFORT", "Abdominal", "abdomen"), "a.u."),
        SignalSpec(
            "THX",
            256,
            "arbitrary",
            ("THX", "Thor", "THOR RES", "THOR EFFORT", "Thoracic", "Chest", "thorax", "RESP"),
            "a.u.",
        ),
        SignalSpec("EOG-L", 4096, "voltage", ("EOG-L", "EOG(L)", "E1", "LOC", "EOGl"), "mV"),
        SignalSpec("EOG-R", 4096, "voltage", ("EOG-R", "EOG(R)", "E2", "ROC", "EOGr"), "mV"),
        SignalSpec("IBI", 256, "interval", ("IBI", "RR", "NN"), "s", derived_from="ECG"),
    )
}  # fmt: skip
SIGNAL_NAMES: tuple[str, ...] = tuple(SIGNALS)


def signal_spec(name: str) -> SignalSpec:
    """The catalogue entry for ``name``; unknown names raise ``ConfigError`` listing the known ones."""
    try:
        return SIGNALS[name]
    except KeyError:
        raise ConfigError(f"unknown signal {name!r}; known signals: {', '.join(SIGNAL_NAMES)}") from None


def sampling_rate(name: str) -> float:
    """Model sampling rate (Hz) of signal ``name``."""
    return signal_spec(name).rate_hz


def parse_signals(spec: str | Iterable[str]) -> tuple[str, ...]:
    """``"ECG,THX"``, ``"ECG+THX"`` or a list to a tuple of known signal names (order kept, no duplicates)."""
    items = spec.replace("+", ",").split(",") if isinstance(spec, str) else list(spec)
    names = tuple(dict.fromkeys(s.strip() for s in items if s.strip()))
    for name in names:
        signal_spec(name)
    if not names:
        raise ConfigError("no signals given")
    return names


def _norm(label: str) -> str:
    return " ".join(label.strip().lower().split())


def pick_channel(labels: Sequence[str], signal: str, override: str | None = None) -> str | None:
    """The channel label in ``labels`` to use for ``signal``, or ``None``.

    ``override`` (an exact label, compared case-insensitively) wins. Otherwise the signal's aliases are tried in
    catalogue order, case- and whitespace-insensitively, so the canonical name is preferred over its aliases; then,
    for a signal that can be derived (IBI), those of the signal it is derived from (ECG).
    """
    by_norm: dict[str, str] = {}
    for label in labels:
        by_norm.setdefault(_norm(label), label)
    if override is not None:
        found = by_norm.get(_norm(override))
        if found is None:
            raise ConfigError(f"channel {override!r} for {signal} not found; channels: {', '.join(labels)}")
        return found
    spec = signal_spec(signal)
    for alias in spec.aliases:
        found = by_norm.get(_norm(alias))
        if found is not None:
            return found
    return pick_channel(labels, spec.derived_from) if spec.derived_from else None


def is_alias(label: str, signal: str) -> bool:
    """Whether ``label`` names ``signal`` itself (not a channel it would be derived from)."""
    return _norm(label) in {_norm(a) for a in signal_spec(signal).aliases}
