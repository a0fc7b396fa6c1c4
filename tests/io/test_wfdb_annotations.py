"""Binary WFDB stage annotations as PhysioNet ships them (SLPDB ``.st``, CinC 2018 ``.arousal``), written with wfdb:
SLPDB's real scoring of slp41 as an ``.st`` file reads as its ``.an`` text export does."""

import shutil

import numpy as np
import pytest
import wfdb

from wav2sleep.errors import InputFileError
from wav2sleep.io.annotations import WFDB_ANNOTATIONS, read_annotation, scoring_beside
from wav2sleep.io.slpdb_annotations import read_slpdb_annotations
from wav2sleep.io.stage_events import epochs_from_events


def _an_rows(path):
    """(sample, aux) of each epoch row of an SLPDB ``.an`` text export."""
    rows = []
    for line in path.read_text().splitlines()[1:]:
        fields, _, aux = line.partition("\t")
        rows.append((int(fields.split()[1]), aux.strip()))
    return rows


def test_slpdb_scoring_as_a_binary_st_file_equals_its_text_export(shared_data, tmp_path):
    source = shared_data / "slpdb"
    shutil.copy(source / "slp41.hea", tmp_path / "slp41.hea")  # the sampling frequency comes from the header
    rows = _an_rows(source / "slp41.an")
    wfdb.wrann("slp41", "st", np.array([s for s, _ in rows]), symbol=['"'] * len(rows),
               aux_note=[a for _, a in rows], write_dir=str(tmp_path))  # fmt: skip
    binary = read_annotation(tmp_path / "slp41.st")
    text = read_slpdb_annotations(source / "slp41.an")
    n = int(text.onsets[-1] // 30) + 1
    np.testing.assert_array_equal(epochs_from_events(binary, n)[0], epochs_from_events(text, n)[0])
    assert scoring_beside(tmp_path / "slp41.hea") == (tmp_path / "slp41.st", WFDB_ANNOTATIONS)


def test_challenge_2018_arousal_files_give_stage_changes_among_other_events(tmp_path):
    fs = 200
    wfdb.wrsamp("tr03-0005", fs=fs, units=["mV"], sig_name=["ECG"], p_signal=np.zeros((fs * 300, 1)), fmt=["16"],
                write_dir=str(tmp_path))  # fmt: skip
    # Not at sample 0: wfdb.rdann takes a note there for a definition of the file's own and drops it.
    marks = [(1, "W"), (fs * 60, "N1"), (fs * 75, "(arousal_rera"), (fs * 80, "arousal_rera)"), (fs * 90, "N2"),
             (fs * 210, "R")]  # fmt: skip
    wfdb.wrann("tr03-0005", "arousal", np.array([s for s, _ in marks]), symbol=['"'] * len(marks),
               aux_note=[a for _, a in marks], write_dir=str(tmp_path))  # fmt: skip
    events = read_annotation(tmp_path / "tr03-0005.arousal")
    np.testing.assert_array_equal(events.codes, [0, 1, 2, 4])
    np.testing.assert_allclose(events.durations, [60, 30, 120, 90])  # the last stage holds to the record's end
    assert epochs_from_events(events, 10)[0].tolist() == [0, 0, 1, 2, 2, 2, 2, 4, 4, 4]


def test_an_st_file_with_an_unknown_stage_or_no_frequency_is_refused_naming_it(tmp_path):
    wfdb.wrann("x", "st", np.array([1, 7500]), symbol=['"'] * 2, aux_note=["W", "Q OA"], fs=250,
               write_dir=str(tmp_path))  # fmt: skip
    with pytest.raises(InputFileError, match=r"x\.st \[annotation at sample 7500\]: unknown stage label"):
        read_annotation(tmp_path / "x.st")
    wfdb.wrann("y", "st", np.array([1, 7500]), symbol=['"'] * 2, aux_note=["W", "2"], write_dir=str(tmp_path))
    with pytest.raises(InputFileError, match=r"y\.st \[fs\]: sampling frequency unknown"):
        read_annotation(tmp_path / "y.st")


def test_a_damaged_definition_note_is_refused_rather_than_read_forever(tmp_path):
    """wfdb.rdann loops for ever on a '## ' note that is not a definition it knows (a damaged time resolution)."""
    import threading

    wfdb.wrann("d", "st", np.array([1, 7501]), symbol=['"'] * 2, aux_note=["W", "2"], fs=250, write_dir=str(tmp_path))
    path = tmp_path / "d.st"
    path.write_bytes(path.read_bytes().replace(b"resolution: 250", b"resolution:inf0"))
    outcome: list = []

    def attempt():
        try:
            read_annotation(path)
        except InputFileError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(timeout=20)
    assert not worker.is_alive(), "reading the damaged file did not return"
    assert outcome and "damaged definition note" in str(outcome[0]) and "d.st" in str(outcome[0])
