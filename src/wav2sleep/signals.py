"""Signal catalogue: names, channel aliases, samples per 30-s epoch, units; channel picking by name.

The model rates are powers of two per 30-s epoch (the encoders halve the length down to 4 vectors per epoch):
ABD/THX 256 (8.533 Hz), ECG/PPG 1024 (34.133 Hz), EOG 4096 (136.533 Hz). ``IBI`` is our addition: the
beat-to-beat interval series (seconds) as an evenly sampled tachogram, for wearables that give beat times.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from wav2sleep.errors import ConfigError

__all__ = [
    "EPOCH_SECONDS",
    "SignalSpec",
    "SIGNALS",
    "SIGNAL_NAMES",
    "signal_spec",
    "parse_signals",
    "parse_channel_choices",
    "check_channel_choices",
    "pick_channel",
    "is_alias",
    "picked_by_words",
    "choice_notes",
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
            ("PPG", "Pleth", "PlethWV", "PWF", "PlethMasimo", "PletMasimo", "PlethMasino", "PLETH", "BVP"),
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
        SignalSpec("IBI", 256, "interval", ("IBI", "RR", "NN", "RR-interval", "RR interval", "RRI"), "s",
                   derived_from="ECG"),
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


def parse_channel_choices(items: Iterable[str]) -> dict[str, str]:
    """``["ECG=EKG II", ...]`` (``--channel SIGNAL=LABEL``) -> {signal: label}, each signal a known one."""
    channels = {}
    for item in items:
        signal, sep, label = item.partition("=")
        if not sep or not signal.strip() or not label.strip():
            raise ConfigError(f"--channel takes SIGNAL=LABEL, got {item!r}")
        channels[signal.strip()] = label.strip()
    if channels:
        parse_signals(list(channels))
    return channels


def check_channel_choices(channels: Mapping[str, str], signals: Sequence[str]) -> None:
    """Channels chosen for signals that are not among ``signals`` are a ``ConfigError`` (a choice that would do
    nothing)."""
    outside = [name for name in channels if name not in signals]
    if outside:
        raise ConfigError(f"--channel names {', '.join(outside)}, which --signals does not keep ({', '.join(signals)})")


def _norm(label: str) -> str:
    return " ".join(label.strip().lower().split())


def pick_channel(labels: Sequence[str], signal: str, override: str | None = None) -> str | None:
    """The channel label in ``labels`` to use for ``signal``, or ``None``.

    ``override`` (an exact label, compared case-insensitively) wins. Otherwise the signal's aliases are tried in
    catalogue order, case- and whitespace-insensitively, so the canonical name is preferred over its aliases; then
    the one label whose words name this signal alone (``_WORDS``; ``picked_by_words`` tells callers to say so);
    then, for a signal that can be derived (IBI), the channel of the signal it is derived from (ECG).
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
    by_words = [label for label in labels if _words_name(label) == {signal}]
    if len(by_words) == 1:
        return by_words[0]
    return pick_channel(labels, spec.derived_from) if spec.derived_from else None


# Words in the labels PSG systems write besides the aliases (derivations, vendor names: "ECG1-ECG2", "EKG II",
# "Effort THO", "RIP Abdom", "EOG E1-M2", "LOC-A2"; the CAP database's Italian "TORACE"/"ADDOME", the UCD
# database's "ribcage", "Lefteye", "RightEye"). A label is taken by its words only when no alias matches, when its
# words name one signal alone (a bipolar "E1-E2" names both EOGs: neither) and when it is the only such label.
_WORDS: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    "ECG": (("ecg", "ekg"), frozenset()),
    "PPG": (("pleth", "ppg", "bvp"), frozenset()),  # BVP: Empatica's blood volume pulse (E4, DREAMT)
    "ABD": (("abd", "addom"), frozenset()),
    "THX": (("thor", "tho", "thx", "chest", "torac", "ribcage"), frozenset({"tho", "thx", "chest", "ribcage"})),
    "EOG-L": (("e1", "loc", "leog", "eogl", "lefteye"), frozenset({"e1", "loc", "leog", "eogl", "lefteye"})),
    "EOG-R": (("e2", "roc", "reog", "eogr", "righteye"), frozenset({"e2", "roc", "reog", "eogr", "righteye"})),
}  # signal -> (word prefixes, words that must match whole)
_NOT_A_WAVEFORM = frozenset({"rate", "hr", "bpm", "pulse", "sum", "flow", "rr", "artifact", "artefact", "spo2", "sat"})


def _words_name(label: str) -> set[str]:
    """The signals whose words ``label`` holds (none for a rate, a sum or another derived channel)."""
    words = [w for w in re.split(r"[^a-z0-9]+", label.lower()) if w]
    if _NOT_A_WAVEFORM.intersection(words):
        return set()
    named = set()
    for signal, (prefixes, whole) in _WORDS.items():
        if any(w in whole or (w.startswith(p) and p not in whole) for w in words for p in prefixes):
            named.add(signal)
    if "eog" in words and not named & {"EOG-L", "EOG-R"}:  # "EOG Left", "EOG R"
        named |= {"EOG-L"} if {"l", "left"} & set(words) else {"EOG-R"} if {"r", "right"} & set(words) else set()
    return named


def picked_by_words(label: str, signal: str) -> bool:
    """Whether ``pick_channel`` took ``label`` for ``signal`` by the words in it rather than by an alias."""
    spec = signal_spec(signal)
    return not is_alias(label, signal) and not (spec.derived_from and is_alias(label, spec.derived_from))


def choice_notes(labels: Sequence[str], picked: dict[str, str], overrides: dict[str, str] | None = None) -> list[str]:
    """A warning for each channel in ``picked`` (signal -> label) taken by the words in its name, not given, and for
    each whose label more than one of the file's ``labels`` has (the first is used; nothing tells them apart)."""
    notes = [f"{signal}: channel {label!r} taken by the words in its name (no alias matched; check it is the {signal})"
             for signal, label in picked.items()
             if signal not in (overrides or {}) and picked_by_words(label, signal)]  # fmt: skip
    for signal, label in picked.items():
        same = [i + 1 for i, other in enumerate(labels) if _norm(other) == _norm(label)]
        if len(same) > 1:
            notes.append(f"{signal}: {len(same)} channels are labelled {label!r} (signals {', '.join(map(str, same))} "
                         "of the file): the first is used")  # fmt: skip
    return notes


def is_alias(label: str, signal: str) -> bool:
    """Whether ``label`` names ``signal`` itself (not a channel it would be derived from)."""
    return _norm(label) in {_norm(a) for a in signal_spec(signal).aliases}
