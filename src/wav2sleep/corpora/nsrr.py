"""The seven NSRR datasets (reference.md s.1.1): SHHS, MESA, WSC, CCSHS, CFS, CHAT, MROS."""

from __future__ import annotations

import re

from wav2sleep.corpora.base import NSRR_XML, WSC_STG, XML_DIR, Corpus

__all__ = ["SHHS", "MESA", "WSC", "CCSHS", "CFS", "CHAT", "MROS"]


def _xml(session: str) -> str:
    return f"{XML_DIR}/{session}-nsrr.xml"


def _tokens(session: str) -> list[str]:
    return session.split("-")


SHHS = Corpus(
    name="shhs",
    session_pattern=re.compile(r"shhs[12]-\d+"),
    edf_relpath=lambda s: f"polysomnography/edfs/{_tokens(s)[0]}/{s}.edf",
    annotation_relpath=lambda s: f"{XML_DIR}/{_tokens(s)[0]}/{s}-nsrr.xml",
    annotation_format=NSRR_XML,
    subject_visit=lambda s: (_tokens(s)[1], _tokens(s)[0]),
)
MESA = Corpus(
    name="mesa",
    session_pattern=re.compile(r"mesa-sleep-\d+"),
    edf_relpath=lambda s: f"polysomnography/edfs/{s}.edf",
    annotation_relpath=_xml,
    annotation_format=NSRR_XML,
    subject_visit=lambda s: (_tokens(s)[-1], "sleep"),
)
CCSHS = Corpus(
    name="ccshs",
    session_pattern=re.compile(r"ccshs-trec-\d+"),
    edf_relpath=lambda s: f"polysomnography/edfs/{s}.edf",
    annotation_relpath=_xml,
    annotation_format=NSRR_XML,
    subject_visit=lambda s: (_tokens(s)[-1], "trec"),
)
CFS = Corpus(
    name="cfs",
    session_pattern=re.compile(r"cfs-visit\d+-\d+"),
    edf_relpath=lambda s: f"polysomnography/edfs/{s}.edf",
    annotation_relpath=_xml,
    annotation_format=NSRR_XML,
    subject_visit=lambda s: (_tokens(s)[-1], _tokens(s)[1]),
)


def _chat_visit(session: str) -> str:
    return "nonrandomized" if "nonrandomized" in session else _tokens(session)[1]


CHAT = Corpus(
    name="chat",
    session_pattern=re.compile(r"chat-(baseline|followup)(-nonrandomized)?-\d+"),
    edf_relpath=lambda s: f"polysomnography/edfs/{_chat_visit(s)}/{s}.edf",
    annotation_relpath=lambda s: f"{XML_DIR}/{_chat_visit(s)}/{s}-nsrr.xml",
    annotation_format=NSRR_XML,
    subject_visit=lambda s: (_tokens(s)[-1], _chat_visit(s)),
)
MROS = Corpus(
    name="mros",
    session_pattern=re.compile(r"mros-visit[12]-aa\d+"),
    edf_relpath=lambda s: f"polysomnography/edfs/{_tokens(s)[1]}/{s}.edf",
    annotation_relpath=lambda s: f"{XML_DIR}/{_tokens(s)[1]}/{s}-nsrr.xml",
    annotation_format=NSRR_XML,
    subject_visit=lambda s: (_tokens(s)[2], _tokens(s)[1]),
)
# WSC: EDF and scoring side by side in polysomnography/; .stg.txt preferred, .allscore.txt otherwise.
WSC = Corpus(
    name="wsc",
    session_pattern=re.compile(r"wsc-visit\d+-\d+-nsrr"),
    edf_relpath=lambda s: f"polysomnography/{s}.edf",
    annotation_relpath=lambda s: f"polysomnography/{s}.stg.txt",
    annotation_format=WSC_STG,
    subject_visit=lambda s: (_tokens(s)[2], _tokens(s)[1]),
)
