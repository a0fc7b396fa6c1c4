"""Dataset layouts: one ``Corpus`` per NSRR dataset, looked up by name or recognised from a folder."""

from __future__ import annotations

from pathlib import Path

from wav2sleep.corpora.base import (
    HYPNOGRAM_CSV,
    NSRR_XML,
    SLPDB_AN,
    WSC_ALLSCORE,
    WSC_STG,
    Corpus,
    NightSource,
    split_list,
)
from wav2sleep.corpora.nsrr import CCSHS, CFS, CHAT, MESA, MROS, SHHS, WSC
from wav2sleep.corpora.physionet import SLPDB
from wav2sleep.errors import ConfigError

__all__ = [
    "Corpus",
    "NightSource",
    "CORPORA",
    "NSRR_DATASETS",
    "get_corpus",
    "recognise",
    "split_list",
    "NSRR_XML",
    "WSC_STG",
    "WSC_ALLSCORE",
    "HYPNOGRAM_CSV",
    "SLPDB_AN",
]

NSRR_DATASETS: tuple[str, ...] = ("shhs", "mesa", "wsc", "ccshs", "cfs", "chat", "mros")
CORPORA: dict[str, Corpus] = {c.name: c for c in (SHHS, MESA, WSC, CCSHS, CFS, CHAT, MROS, SLPDB)}


def get_corpus(name: str) -> Corpus:
    """The layout of dataset ``name`` (the seven NSRR datasets and SLPDB)."""
    try:
        return CORPORA[name.lower()]
    except KeyError:
        raise ConfigError(f"unknown dataset {name!r}; known: {', '.join(CORPORA)}") from None


def recognise(folder: Path) -> Corpus | None:
    """The dataset a folder holds, from its name (``.../shhs``, trailing slash or not), else ``None``."""
    return CORPORA.get(Path(folder).resolve().name.lower())
