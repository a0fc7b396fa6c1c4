"""Stage annotation files: one table of formats and readers, and the one guarded way to read them.

Formats: NSRR and Profusion XML (``*.xml``), Philips Respironics RML (``*.rml``), WSC ``*.stg.txt`` and
``*.allscore.txt``, SLPDB ``*.an``, binary WFDB stage annotations (``*.st``, ``*.arousal``), the UCD database's
``*_stage.txt``, other ``*.txt`` by their content (a CAP Sleep Database table, a DREAMS hypnogram, else a list of
stages), Luna's ``*.eannot`` (a list of stages, one per 30-s epoch from the recording's start), a hypnogram CSV or
TSV (BIDS ``events.tsv`` and ``_hypnogram.tsv``), a hypnogram JSON (ours, or a Fitbit
sleep log), EDF+ annotations (``*.edf``: a hypnogram file, or a recording's own annotation signal), the stage
column of a table of samples (``*.csv``, ``*.parquet``: DREAMT's stage on every row beside the signals), and the
original wav2sleep's predictions (``*.preds.csv``, or a CSV with its header), a model's output to compare with.
``read_annotation`` picks the reader from the format (or the file name) and, like ``read_recording``, lets only
``InputFileError`` out, naming the file. ``scoring_beside`` finds the scoring of a recording by name, for
ingestion and ``stage --reference auto``.
"""

from __future__ import annotations

import glob
import json
from pathlib import Path

from wav2sleep.errors import InputFileError
from wav2sleep.io.cap_txt import is_cap_txt, read_cap_txt
from wav2sleep.io.dreams_txt import is_dreams_txt, read_dreams_txt
from wav2sleep.io.edf_annotations import read_edf_stages
from wav2sleep.io.hypnogram_csv import is_stage_list, names_stages, read_hypnogram_csv
from wav2sleep.io.hypnogram_json import read_hypnogram_json
from wav2sleep.io.nsrr_xml import read_nsrr_xml
from wav2sleep.io.original_predictions import is_original_predictions, read_original_predictions
from wav2sleep.io.paths import require_file
from wav2sleep.io.recording import guard_reader
from wav2sleep.io.repaired import repaired_from
from wav2sleep.io.slpdb_annotations import read_slpdb_annotations
from wav2sleep.io.stage_events import StageEvents
from wav2sleep.io.table_stages import has_stage_column, read_table_stages
from wav2sleep.io.text import header_names
from wav2sleep.io.ucd_stages import read_ucd_stages
from wav2sleep.io.wfdb_annotations import read_wfdb_stages
from wav2sleep.io.wsc import read_wsc_allscore, read_wsc_stg

__all__ = ["NSRR_XML", "WSC_STG", "WSC_ALLSCORE", "HYPNOGRAM_CSV", "SLPDB_AN", "EDF_ANNOTATIONS", "WFDB_ANNOTATIONS",
           "CAP_TXT", "UCD_STAGE", "DREAMS_TXT", "HYPNOGRAM_JSON", "TABLE_STAGES", "ORIGINAL_PREDICTIONS",
           "ANNOTATION_READERS", "NSRR_EDF_FOLDER", "NSRR_XML_FOLDER", "NSRR_SCORING_FOLDERS",
           "annotation_format", "read_annotation", "scoring_beside", "embedded_scoring"]  # fmt: skip

NSRR_XML = "nsrr-xml"
WSC_STG = "wsc-stg"
WSC_ALLSCORE = "wsc-allscore"
HYPNOGRAM_CSV = "hypnogram-csv"
SLPDB_AN = "slpdb-an"
EDF_ANNOTATIONS = "edf-annotations"
WFDB_ANNOTATIONS = "wfdb-annotations"
CAP_TXT = "cap-txt"
UCD_STAGE = "ucd-stage"
DREAMS_TXT = "dreams-txt"
HYPNOGRAM_JSON = "hypnogram-json"
TABLE_STAGES = "table-stages"
ORIGINAL_PREDICTIONS = "original-predictions"
ANNOTATION_READERS = {NSRR_XML: read_nsrr_xml, WSC_STG: read_wsc_stg, WSC_ALLSCORE: read_wsc_allscore,
                      HYPNOGRAM_CSV: read_hypnogram_csv, SLPDB_AN: read_slpdb_annotations,
                      EDF_ANNOTATIONS: read_edf_stages, WFDB_ANNOTATIONS: read_wfdb_stages, CAP_TXT: read_cap_txt,
                      UCD_STAGE: read_ucd_stages, DREAMS_TXT: read_dreams_txt,
                      HYPNOGRAM_JSON: read_hypnogram_json, TABLE_STAGES: read_table_stages,
                      ORIGINAL_PREDICTIONS: read_original_predictions}  # fmt: skip
# ".txt" alone: by content (_text_format).
_ENDINGS = ((".stg.txt", WSC_STG), (".allscore.txt", WSC_ALLSCORE), ("_stage.txt", UCD_STAGE), (".txt", None),
            (".xml", NSRR_XML), (".rml", NSRR_XML), (".an", SLPDB_AN), (".preds.csv", ORIGINAL_PREDICTIONS),
            (".csv", HYPNOGRAM_CSV),
            (".tsv", HYPNOGRAM_CSV), (".json", HYPNOGRAM_JSON), (".edf", EDF_ANNOTATIONS), (".st", WFDB_ANNOTATIONS),
            (".arousal", WFDB_ANNOTATIONS), (".parquet", TABLE_STAGES), (".eannot", HYPNOGRAM_CSV))  # fmt: skip
# The scoring of recording X, by name, in this order of preference, with the check its content must pass where the
# name alone says little: HMC's X_sleepscoring.edf, UCD's X_stage.txt, ISRUC's X_1.txt (its first scorer: a list of
# stages), a CAP scoring X.txt.
# NSRR's downloads keep polysomnography/edfs/[sub/]X.edf apart from its scorings, in the same sub-folders.
NSRR_EDF_FOLDER, NSRR_XML_FOLDER = "edfs", "annotations-events-nsrr"
NSRR_SCORING_FOLDERS = ((NSRR_XML_FOLDER, "-nsrr.xml"), ("annotations-events-profusion", "-profusion.xml"))
_BESIDE = (("-nsrr.xml", NSRR_XML, None), ("-profusion.xml", NSRR_XML, None), (".xml", NSRR_XML, None),
           (".rml", NSRR_XML, None), (".stg.txt", WSC_STG, None), (".allscore.txt", WSC_ALLSCORE, None),
           (".an", SLPDB_AN, None), (".st", WFDB_ANNOTATIONS, None), (".arousal", WFDB_ANNOTATIONS, None),
           (".hypnogram.csv", HYPNOGRAM_CSV, lambda p: not _written_by_us(p)),
           (".tsv", HYPNOGRAM_CSV, lambda p: _names_a_stage_column(p) and not _written_by_us(p)),
           ("-Hypnogram.edf", EDF_ANNOTATIONS, None), ("_sleepscoring.edf", EDF_ANNOTATIONS, None),
           ("_stage.txt", UCD_STAGE, None), ("_1.txt", HYPNOGRAM_CSV, is_stage_list),
           (".eannot", HYPNOGRAM_CSV, None),
           (".txt", CAP_TXT, is_cap_txt))  # fmt: skip


def annotation_format(path: str | Path) -> str:
    """The annotation format of ``path``, from its name (a plain ``.txt`` from its content)."""
    name = Path(path).name.lower()
    for ending, fmt in _ENDINGS:
        if name.endswith(ending):
            if fmt == HYPNOGRAM_CSV and is_original_predictions(path):  # renamed from X.preds.csv
                return ORIGINAL_PREDICTIONS
            if fmt == HYPNOGRAM_CSV and has_stage_column(path):  # signals with a stage on every row (DREAMT)
                return TABLE_STAGES
            return fmt or _text_format(path)
    raise InputFileError(path, "not a stage annotation file", field="name",
                         expected=", ".join(e for e, _ in _ENDINGS), found=Path(path).name)  # fmt: skip


def _text_format(path: str | Path) -> str:
    """Any other ``.txt`` by its content: a CAP scoring (its table), a DREAMS hypnogram (its first line), else a list
    of stages one per line (ISRUC's ``X_1.txt``)."""
    return CAP_TXT if is_cap_txt(path) else DREAMS_TXT if is_dreams_txt(path) else HYPNOGRAM_CSV


def read_annotation(path: str | Path, fmt: str | None = None) -> StageEvents:
    """Read the stage events of ``path`` (format ``fmt`` or from the name)."""
    require_file(path)
    fmt = fmt or annotation_format(path)
    if fmt not in ANNOTATION_READERS:
        raise InputFileError(path, "unknown annotation format", expected=", ".join(ANNOTATION_READERS), found=fmt)
    return guard_reader(path, ANNOTATION_READERS[fmt], path)


def _written_by_us(path: Path) -> bool:
    """A scoring that ``wav2sleep stage`` wrote, a model's output and not a scorer's: a hypnogram CSV with probability
    columns, or a BIDS TSV whose first row's scorer, or whose sidecar's ``StageScorer``, is wav2sleep."""
    try:
        with path.open(encoding="utf-8-sig", errors="replace") as fh:
            header, first = fh.readline(65536).rstrip("\r\n"), fh.readline(65536).rstrip("\r\n")
        if path.suffix.lower() != ".tsv":
            return ",p_" in header
        names, cells = header.split("\t"), first.split("\t")
        if "scorer" in names and len(cells) == len(names) and cells[names.index("scorer")] == "wav2sleep":
            return True
        sidecar = path.with_suffix(".json")
        return sidecar.is_file() and json.loads(sidecar.read_text()).get("StageScorer") == "wav2sleep"
    except (OSError, ValueError, AttributeError):  # unreadable, or a sidecar that is not a JSON object
        return False


def _names_a_stage_column(path: Path) -> bool:
    """Whether a table's header names a stage column (``stage``, ``description`` as MNE and the NCH Sleep DataBank
    write their events, ...)."""
    return any(names_stages(name) for name in header_names(path))


def _bids_scoring(recording: Path) -> Path | None:
    """BIDS: ``sub-01_task-sleep_eeg.edf`` is scored in ``sub-01_task-sleep_hypnogram.tsv`` (the sleep extension
    proposal) or ``sub-01_task-sleep_events.tsv`` when it has a stage column; not in one ``wav2sleep stage`` wrote."""
    if not recording.name.startswith("sub-") or "_" not in recording.stem:
        return None
    entities = recording.stem.rsplit("_", 1)[0]
    for suffix in ("_hypnogram.tsv", "_events.tsv"):
        candidate = recording.with_name(entities + suffix)
        try:
            with candidate.open(encoding="utf-8-sig", errors="replace") as fh:
                header = fh.readline(65536).rstrip("\r\n").split("\t")
        except OSError:  # none by that name
            continue
        if "stage" in header and not _written_by_us(candidate):
            return candidate
    return None


def _nsrr_layout_scoring(recording: Path) -> Path | None:
    """NSRR's layout: ``.../edfs/[sub/]X.edf`` is scored in ``.../annotations-events-nsrr/[sub/]X-nsrr.xml`` (else
    Compumedics' ``.../annotations-events-profusion/[sub/]X-profusion.xml``), the last ``edfs`` folder in the path
    giving the root."""
    parts = recording.parts[:-1]
    if NSRR_EDF_FOLDER not in parts:
        return None
    at = len(parts) - 1 - parts[::-1].index(NSRR_EDF_FOLDER)
    root, sub = Path(*parts[:at]), parts[at + 1 :]
    for folder, suffix in NSRR_SCORING_FOLDERS:
        candidate = root.joinpath(folder, *sub, recording.stem + suffix)
        if candidate.is_file():
            return candidate
    return None


def _sleep_edf_hypnogram(recording: Path) -> Path | None:
    """Sleep-EDF's pairing: ``NAME-PSG.edf`` is scored in ``NAME-Hypnogram.edf``, or, as Sleep-EDF names them,
    ``SC4001E0-PSG.edf`` in ``SC4001EC-Hypnogram.edf`` (the last letter names the scorer's file): the one such file
    beside the recording, if there is exactly one. MASS's ``NAME PSG.edf`` is scored in ``NAME Base.edf``."""
    if recording.stem.upper().endswith(" PSG"):  # MASS: "01-01-0001 PSG.edf" scored in "01-01-0001 Base.edf"
        base = recording.with_name(recording.stem[:-4] + " Base.edf")
        return base if base.is_file() else None
    if not recording.stem.upper().endswith("-PSG") or len(recording.stem) < 6:
        return None
    same = recording.with_name(recording.stem[:-4] + "-Hypnogram.edf")
    if same.is_file():
        return same
    prefix = glob.escape(recording.stem[:-5])
    found = sorted(p for p in recording.parent.glob(f"{prefix}?-Hypnogram.edf") if p.is_file())
    return found[0] if len(found) == 1 else None


def scoring_beside(recording: str | Path) -> tuple[Path, str] | None:
    """The scoring of ``recording`` (``X.edf``, ``X.hea``, ``X.rr`` ...) beside it, and its format: ``X-nsrr.xml``,
    ``X-profusion.xml``, ``X.xml``, ``X.rml``, ``X.stg.txt``, ``X.allscore.txt``, ``X.an``, ``X.st``, ``X.arousal``,
    ``X.hypnogram.csv`` (not one this tool wrote), ``X.tsv`` with a stage or description column (the NCH Sleep
    DataBank's events), ``X-Hypnogram.edf``, HMC's ``X_sleepscoring.edf``, UCD's
    ``X_stage.txt``, ISRUC's ``X_1.txt`` (a list of stages), a CAP scoring ``X.txt``, Sleep-EDF's
    ``NAMEx-Hypnogram.edf`` for ``NAME0-PSG.edf``, MASS's ``NAME Base.edf`` for ``NAME PSG.edf``, BIDS's
    ``sub-X_..._hypnogram.tsv`` or ``..._events.tsv`` (with a stage column) for ``sub-X_..._eeg.edf``, or DREAMS's
    ``HypnogramAASM_X.txt`` (else ``HypnogramR&K_X.txt``), or NSRR's ``annotations-events-nsrr/[sub/]X-nsrr.xml``
    for ``edfs/[sub/]X.edf`` (its download layout); ``None`` when there is none. A repaired copy ``X_fixed.edf``
    (``wav2sleep.io.repaired``) has its original's scoring."""
    recording = Path(recording)
    found = _scoring_named_after(recording)
    original = repaired_from(recording)
    if found is None and original is not None:  # a repaired copy, X_fixed.edf, is scored as X.edf
        found = _scoring_named_after(original)
    return found


def _scoring_named_after(recording: Path) -> tuple[Path, str] | None:
    for suffix, fmt, check in _BESIDE:
        candidate = recording.with_name(recording.stem + suffix)
        if candidate.is_file() and (check is None or check(candidate)):
            return candidate, fmt
    sleep_edf = _sleep_edf_hypnogram(recording)
    if sleep_edf is not None:
        return sleep_edf, EDF_ANNOTATIONS
    bids = _bids_scoring(recording)
    if bids is not None:
        return bids, HYPNOGRAM_CSV
    for prefix in ("HypnogramAASM_", "HypnogramR&K_"):  # DREAMS: subject1.edf scored in HypnogramAASM_subject1.txt
        dreams = recording.with_name(f"{prefix}{recording.stem}.txt")
        if dreams.is_file() and is_dreams_txt(dreams):
            return dreams, DREAMS_TXT
    nsrr = _nsrr_layout_scoring(recording)
    return (nsrr, NSRR_XML) if nsrr is not None else None


def embedded_scoring(recording: str | Path) -> bool:
    """True when ``recording`` is an EDF+ file with an annotation signal beside its signals, where stages may be
    (whether they are is known only once the annotations are read), or a table of samples with a stage column."""
    from wav2sleep.io.edf import ANNOTATIONS, EDF_SUFFIXES, holds_only_annotations, read_header

    if has_stage_column(recording):
        return True
    if Path(recording).suffix.lower() not in EDF_SUFFIXES:
        return False
    try:
        labels = read_header(recording).labels
    except InputFileError:
        return False
    return ANNOTATIONS in labels and not holds_only_annotations(labels)
