"""Repaired copies of EDFs: the original's ``0_fix_edfs`` step saves a header-repaired ``X.edf`` (some CHAT nights
have a physical maximum of 0) as ``X_fixed.edf`` beside it. The copy is read in place of ``X.edf`` and stands for the
same night: the same session, the same scoring (``X-nsrr.xml``, not ``X_fixed-nsrr.xml``)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["REPAIRED_SUFFIX", "repaired_copy", "repaired_from", "without_repaired_originals"]

REPAIRED_SUFFIX = "_fixed"


def repaired_copy(recording: Path) -> Path:
    """Where a repaired copy of ``recording`` would be (whether or not there is one)."""
    return recording.with_name(recording.stem + REPAIRED_SUFFIX + ".edf")


def repaired_from(recording: Path) -> Path | None:
    """The recording that ``recording`` is a repaired copy of (whether or not it is still there), or ``None`` when
    it is not named as one (only EDFs are: a WFDB record may be named ``x_fixed``)."""
    stem = recording.stem
    if recording.suffix.lower() != ".edf" or not stem.endswith(REPAIRED_SUFFIX) or stem == REPAIRED_SUFFIX:
        return None
    return recording.with_name(stem.removesuffix(REPAIRED_SUFFIX) + recording.suffix)


def without_repaired_originals(recordings: list[Path]) -> list[Path]:
    """``recordings`` less those whose repaired copy is among them (the copy is read instead), in order."""
    listed = set(recordings)
    return [p for p in recordings if repaired_copy(p) not in listed]
