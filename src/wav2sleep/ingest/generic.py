"""Any folder of EDF/BDF or WFDB recordings as a generic dataset, with hypnograms beside them when present.

A recording ``x.edf`` (or ``x.bdf``, ``x.hea``) takes its stages from ``x-nsrr.xml``, ``x.xml`` or ``x.hypnogram.csv``
in the same folder, if one exists. Session ids are the path below the folder with ``/`` written as ``__``.
"""

from __future__ import annotations

from pathlib import Path

from wav2sleep.corpora import HYPNOGRAM_CSV, NSRR_XML, NightSource

__all__ = ["discover_generic"]

ANNOTATIONS = (("-nsrr.xml", NSRR_XML), (".xml", NSRR_XML), (".hypnogram.csv", HYPNOGRAM_CSV))


def discover_generic(folder: Path, dataset: str) -> list[NightSource]:
    recordings = sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".edf", ".bdf", ".hea") and p.is_file())
    nights = []
    for path in recordings:
        if path.stem.endswith("_fixed") or path.with_name(path.stem + "_fixed.edf").exists():
            continue
        annotation, fmt = None, None
        for suffix, kind in ANNOTATIONS:
            candidate = path.with_name(path.stem + suffix)
            if candidate.exists():
                annotation, fmt = candidate, kind
                break
        session = str(path.relative_to(folder).with_suffix("")).replace("/", "__")
        nights.append(NightSource(dataset, session, session, "", path, annotation, fmt))
    return nights
