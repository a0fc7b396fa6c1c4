"""The interface every dataset module fills: folder layout, session naming, annotation format, split lists."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

__all__ = ["NightSource", "Corpus", "NSRR_XML", "WSC_STG", "WSC_ALLSCORE", "HYPNOGRAM_CSV", "SLPDB_AN", "split_list"]

from wav2sleep.io.annotations import (  # noqa: E402
    HYPNOGRAM_CSV,
    NSRR_XML,
    NSRR_XML_FOLDER,
    SLPDB_AN,
    WSC_ALLSCORE,
    WSC_STG,
)
from wav2sleep.io.repaired import repaired_copy, repaired_from  # noqa: E402

XML_DIR = f"polysomnography/{NSRR_XML_FOLDER}"


@dataclass(frozen=True)
class NightSource:
    """One recording to ingest: where its signals and its stages are."""

    dataset: str
    session: str
    subject: str
    visit: str
    recording: Path
    annotation: Path | None = None
    annotation_format: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Corpus:
    """A dataset's layout.

    ``edf_relpath`` and ``annotation_relpath`` map a session id to paths relative to the dataset folder; the
    synthetic corpus writes with them and discovery reads with them, so writer and reader cannot drift apart.
    ``subject_visit`` splits a session id into subject and visit (visits of one subject share a split).
    """

    name: str
    session_pattern: re.Pattern[str]
    edf_relpath: Callable[[str], str]
    annotation_relpath: Callable[[str], str]
    annotation_format: str
    subject_visit: Callable[[str], tuple[str, str]]
    has_splits: bool = True
    recording_suffix: str = ".edf"

    def discover(self, folder: Path) -> list[NightSource]:
        """Every night under ``folder``, sorted by session.

        NSRR nights are found by their annotation file, others by their recording; a missing partner file is kept
        (``recording`` that does not exist, or ``annotation=None``) so that ingest reports it instead of silently
        skipping the night.
        """
        if self.annotation_format == NSRR_XML:
            sessions = [p.name.removesuffix("-nsrr.xml") for p in (folder / XML_DIR).rglob("*-nsrr.xml")]
        else:
            sessions = [p.stem for p in folder.rglob("*" + self.recording_suffix) if repaired_from(p) is None]
        nights = []
        for session in sorted(set(sessions)):
            if not self.session_pattern.fullmatch(session):
                continue
            edf = folder / self.edf_relpath(session)
            fixed = repaired_copy(edf)  # CHAT's repaired copies, if a user made them
            if fixed.exists():
                edf = fixed
            annotation, fmt = self._annotation(folder, session)
            subject, visit = self.subject_visit(session)
            nights.append(NightSource(self.name, session, subject, visit, edf, annotation, fmt))
        return nights

    def _annotation(self, folder: Path, session: str) -> tuple[Path | None, str | None]:
        path = folder / self.annotation_relpath(session)
        if self.annotation_format == WSC_STG and not path.exists():
            allscore = path.with_name(session + ".allscore.txt")
            return (allscore, WSC_ALLSCORE) if allscore.exists() else (None, None)
        return (path, self.annotation_format) if path.exists() else (None, None)

    def split_ids(self, partition: str) -> list[str]:
        """The paper's session ids for ``partition`` (train/val/test); empty where the paper has none."""
        return split_list(self.name, partition)


def split_list(name: str, partition: str) -> list[str]:
    """Session ids of the shipped split list ``splits/{name}/{partition}.txt`` (empty if absent)."""
    ref = resources.files("wav2sleep.corpora").joinpath("splits", name, f"{partition}.txt")
    if not ref.is_file():
        return []
    return [line.strip() for line in ref.read_text().splitlines() if line.strip()]
