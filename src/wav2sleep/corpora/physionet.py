"""PhysioNet datasets: the MIT-BIH Polysomnographic Database (SLPDB) as beat intervals + expert stages.

Layout as shipped in ``shared/data/slpdb``: ``slpNN[a-z].rr`` (beat intervals), ``.an`` (stages), ``.hea``. The
halves of one night (``slp01a``/``slp01b``) share a subject, so subject-wise splits keep them together.
"""

from __future__ import annotations

import re

from wav2sleep.corpora.base import SLPDB_AN, Corpus

__all__ = ["SLPDB"]

SLPDB = Corpus(
    name="slpdb",
    session_pattern=re.compile(r"slp\d\d[a-z]?"),
    edf_relpath=lambda s: f"{s}.rr",
    annotation_relpath=lambda s: f"{s}.an",
    annotation_format=SLPDB_AN,
    subject_visit=lambda s: (s[:5], s[5:]),
    has_splits=False,
    recording_suffix=".rr",
)
