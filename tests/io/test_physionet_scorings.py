"""Scorings and recordings as other PhysioNet sleep databases ship them: the CAP Sleep Database (``n1.edf`` scored in
``n1.txt``, Italian channel labels), the UCD apnea database (an EDF named ``ucddb002.rec``, one code per epoch in
``ucddb002_stage.txt``), the HMC database (``SN001.edf`` scored in ``SN001_sleepscoring.edf``) and ISRUC (``1.rec``
scored in ``1_1.txt``); and Philips Respironics RML scorings (``X.rml``, Sleepware/Alice, as PSG-Audio ships them)."""

from datetime import datetime, timedelta

import numpy as np
import pytest
import torch

from wav2sleep.cli.main import main
from wav2sleep.errors import InputFileError
from wav2sleep.hypnogram import Hypnogram
from wav2sleep.inference.batch import find_recordings
from wav2sleep.inference.stage import stage
from wav2sleep.ingest.generic import discover_generic
from wav2sleep.io import read_recording
from wav2sleep.io.annotations import (
    CAP_TXT,
    DREAMS_TXT,
    EDF_ANNOTATIONS,
    HYPNOGRAM_CSV,
    NSRR_XML,
    UCD_STAGE,
    read_annotation,
    scoring_beside,
)
from wav2sleep.models import create_model, save_model
from wav2sleep.synth import simulate_night, write_edf
from wav2sleep.synth.reader_seeds import write_cap_scoring, write_rml

START = datetime(2008, 9, 22, 23, 58, 27)
CAP_EVENTS = {0: "SLEEP-S0", 1: "SLEEP-S1", 2: "SLEEP-S2", 3: "SLEEP-S4", 4: "SLEEP-REM"}
CAP_STAGES = {0: "W", 1: "S1", 2: "S2", 3: "S4", 4: "R"}
UCD_CODES = {0: "0", 1: "2", 2: "3", 3: "5", 4: "1"}  # AASM code -> the UCD database's code


def _cap_rows(codes, start: datetime, separator: str = "."):
    """CAP table rows for AASM ``codes`` from ``start``, one 30-s epoch each, with a CAP A phase after the second."""
    rows = []
    for k, code in enumerate(codes):
        clock = (start + timedelta(seconds=30 * k)).strftime(f"%H{separator}%M{separator}%S")
        rows.append((CAP_STAGES[int(code)], clock, CAP_EVENTS[int(code)], "30"))
        if k == 1:
            rows.append(("S1", clock, "MCAP-A1", "4"))
    return rows


@pytest.mark.parametrize("position", [True, False])
@pytest.mark.parametrize("separator", [".", ":"])
def test_a_cap_scoring_reads_its_stages_and_start_clock_across_midnight(tmp_path, position, separator):
    codes = [0, 0, 1, 2, 3, 3, 4, 2]
    path = write_cap_scoring(tmp_path / "n1.txt", _cap_rows(codes, START, separator), position=position)
    events = read_annotation(path)
    assert events.codes.tolist() == codes  # S4 -> N3; the MCAP-A1 row skipped
    assert events.onsets.tolist() == [30.0 * k for k in range(len(codes))]  # 23:58:27 ... 00:01:57
    assert events.durations.tolist() == [30.0] * len(codes)
    assert events.start_clock == START.time()


def test_movement_time_is_unscored_and_an_unknown_stage_event_names_its_line(tmp_path):
    rows = [("W", "22.00.00", "SLEEP-S0", "30"), ("MT", "22.00.30", "SLEEP-MT", "30")]
    assert read_annotation(write_cap_scoring(tmp_path / "a.txt", rows)).codes.tolist() == [0, -1]
    bad = write_cap_scoring(tmp_path / "b.txt", [*rows, ("S9", "22.01.00", "SLEEP-S9", "30")])
    with pytest.raises(InputFileError, match=r"line 13\]: unknown sleep stage event.*SLEEP-S9"):
        read_annotation(bad)
    late = write_cap_scoring(tmp_path / "c.txt", [*rows, ("W", "22h01", "SLEEP-S0", "30")])
    with pytest.raises(InputFileError, match=r"line 13\]: unreadable time or duration"):
        read_annotation(late)
    notes = tmp_path / "d.txt"
    notes.write_text("Patient Name:\tx\nnothing else\n")
    with pytest.raises(InputFileError, match="no scoring table"):
        read_annotation(notes, CAP_TXT)
    with pytest.raises(InputFileError, match="no stage column"):
        read_annotation(notes)  # a .txt without the CAP table is read as a list of stages


def test_a_ucd_stage_file_maps_the_databases_own_codes(tmp_path):
    path = tmp_path / "ucddb002_stage.txt"
    path.write_text("0\n2\n3\n4\n5\n1\n6\n7\n0\n")
    events = read_annotation(path)
    assert events.codes.tolist() == [0, 1, 2, 3, 3, 4, -1, -1, 0]  # 1 is REM here, not stage 1
    assert events.onsets.tolist() == [30.0 * k for k in range(9)]
    path.write_text("0\n2\nW\n")
    with pytest.raises(InputFileError, match=r"line 3\]: unknown stage code"):
        read_annotation(path)


@pytest.fixture(scope="module")
def night_and_model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model")
    night = simulate_night(8, 0.5, eog=False, has_ppg=False, rates={"ECG": 128, "ABD": 16, "THX": 16})
    torch.manual_seed(1)
    model = save_model(create_model("wav2sleep", signals=("ECG", "THX"), feature_dim=16,
                                    epoch_mixer={"nhead": 2, "dim_ff": 32}), folder / "model")  # fmt: skip
    return night, model


def _write_psg(path, night, labels):
    channels = [(labels[s], x, r, "mV" if s == "ECG" else "") for s, (x, r) in night.waveforms.items()]
    return write_edf(path, channels, START)


def test_a_cap_recording_with_italian_labels_is_staged_against_its_scoring(night_and_model, tmp_path):
    night, model = night_and_model
    edf = _write_psg(tmp_path / "n1.edf", night, {"ECG": "ECG1-ECG2", "ABD": "ADDOME", "THX": "TORACE"})
    # The scoring starts 60 s after the recording, as the CAP database's often do.
    write_cap_scoring(tmp_path / "n1.txt", _cap_rows(night.stages[2:], START + timedelta(seconds=60)))
    (tmp_path / "notes.txt").write_text("not a scoring\n")
    assert scoring_beside(edf) == (tmp_path / "n1.txt", CAP_TXT)
    hyp = stage(edf, model, reference="auto")
    assert hyp.metadata["channels"]["THX"]["channel"] == "TORACE"
    agreement = hyp.metadata["agreement"]
    truth = np.r_[[-1, -1], night.stages[2:]]
    assert agreement["reference"].endswith("n1.txt") and agreement["epochs_compared"] == len(night.stages) - 2
    assert agreement["confusion"] == Hypnogram(hyp.codes, 4).agreement(Hypnogram(truth, 5))["confusion"]


def test_a_ucd_folder_of_rec_files_is_staged_and_ingested_with_its_scorings(night_and_model, tmp_path, capsys):
    night, model = night_and_model
    folder = tmp_path / "ucddb"
    folder.mkdir()
    edf = _write_psg(tmp_path / "x.edf", night, {"ECG": "ECG", "ABD": "abdo", "THX": "ribcage"})
    rec = folder / "ucddb002.rec"
    rec.write_bytes(edf.read_bytes())
    (folder / "ucddb002_stage.txt").write_text("".join(UCD_CODES[int(c)] + "\n" for c in night.stages))
    (folder / "other.rec").write_text("a .rec file of another program\n")  # not an EDF: not a recording
    assert find_recordings([folder])[0] == [rec]
    assert read_recording(rec).labels == read_recording(edf).labels
    [source] = discover_generic(folder, "ucddb")
    assert (source.recording, source.annotation, source.annotation_format) == (rec, folder / "ucddb002_stage.txt",
                                                                               UCD_STAGE)  # fmt: skip
    out = tmp_path / "out"
    assert main(["stage", str(folder), "--model", str(model), "--out", str(out), "--reference", "auto"]) == 0
    assert "ucddb002_stage.txt: kappa" in capsys.readouterr().out
    expected = stage(edf, model).agreement(Hypnogram(night.stages, 5))
    assert stage(rec, model, reference="auto").metadata["agreement"]["confusion"] == expected["confusion"]


def test_an_hmc_scoring_beside_its_recording_is_found(tmp_path):
    for name in ("SN001.edf", "SN001_sleepscoring.txt"):
        (tmp_path / name).write_bytes(b"")
    Hypnogram([0, 1, 2], 5, START).to_edf_annotations(tmp_path / "SN001_sleepscoring.edf")
    assert scoring_beside(tmp_path / "SN001.edf") == (tmp_path / "SN001_sleepscoring.edf", EDF_ANNOTATIONS)
    assert find_recordings([tmp_path])[0] == [tmp_path / "SN001.edf"]


def test_an_isruc_recording_is_scored_by_its_first_scorers_list_of_stages(tmp_path):
    (tmp_path / "1.rec").write_bytes(b"")
    (tmp_path / "1_1.txt").write_text("0\n0\n1\n2\n3\n5\n5\n0\n")  # AASM: 0 W, 1 N1, 2 N2, 3 N3, 5 REM
    (tmp_path / "1_2.txt").write_text("0\n1\n1\n2\n3\n3\n5\n0\n")
    assert scoring_beside(tmp_path / "1.rec") == (tmp_path / "1_1.txt", HYPNOGRAM_CSV)
    assert read_annotation(tmp_path / "1_1.txt").codes.tolist() == [0, 0, 1, 2, 3, 4, 4, 0]
    (tmp_path / "2.rec").write_bytes(b"")
    (tmp_path / "2_1.txt").write_text("channel notes\n")  # not a list of stages: not its scoring
    (tmp_path / "2.txt").write_text("0\n1\n")  # nor is a list named X.txt (only a CAP table there)
    assert scoring_beside(tmp_path / "2.rec") is None


RML_TYPES = {0: "Wake", 1: "NonREM1", 2: "NonREM2", 3: "NonREM3", 4: "REM"}


def _rml_stages(codes):
    """Runs of equal stages as RML Stage elements: (type, start s)."""
    return [(RML_TYPES[int(c)], 30.0 * k) for k, c in enumerate(codes) if k == 0 or c != codes[k - 1]]


def test_a_philips_rml_scoring_is_found_and_aligned_to_each_segment_of_the_night(night_and_model, tmp_path):
    """Sleepware's RML beside the EDF (as the PSG-Audio data ship it), and an EDF holding a later part of the same
    night: the scoring's RecordingStart aligns both."""
    night, model = night_and_model
    n = len(night.stages)
    labels = {"ECG": "ECG", "ABD": "Effort ABD", "THX": "Effort THO"}
    edf = _write_psg(tmp_path / "00000995-100507.edf", night, labels)
    write_rml(tmp_path / "00000995-100507.rml", _rml_stages(night.stages), START, 30.0 * n)
    assert scoring_beside(edf) == (tmp_path / "00000995-100507.rml", NSRR_XML)
    events = read_annotation(tmp_path / "00000995-100507.rml")
    assert events.start_clock == START.time() and events.durations.sum() == 30.0 * n
    expected = stage(edf, model).agreement(Hypnogram(night.stages, 5))
    agreement = stage(edf, model, reference="auto").metadata["agreement"]
    assert agreement["epochs_compared"] == n and agreement["confusion"] == expected["confusion"]
    # A scoring of a night that began 10 min before this recording: its first 20 epochs are not in the file.
    earlier = np.r_[np.zeros(20, dtype=int), night.stages]
    write_rml(tmp_path / "late.rml", _rml_stages(earlier), START - timedelta(minutes=10), 30.0 * (n + 20))
    aligned = Hypnogram.from_annotation(tmp_path / "late.rml", n, START)
    assert aligned.codes.tolist() == list(night.stages)


def test_machine_staging_is_used_with_a_warning_and_an_unknown_type_is_named(tmp_path):
    path = write_rml(tmp_path / "m.rml", [("Wake", 0), ("NonREM4", 60)], START, 120, staging="MachineStaging")
    events = read_annotation(path)
    assert events.codes.tolist() == [0, 3] and events.durations.tolist() == [60.0, 60.0]
    assert "machine staging" in events.warnings[0]
    both = write_rml(tmp_path / "b.rml", [("Wake", 0), ("REM", 60)], START, 120, rk_stages=[("NonREM1", 0)])
    assert read_annotation(both).codes.tolist() == [0, 4]  # the AASM staging, not R&K's beside it
    write_rml(path, [("Wake", 0), ("Stage5", 60)], START, 120)
    with pytest.raises(InputFileError, match=r"\[Stage 1 Type\]: unknown stage.*'Stage5'"):
        read_annotation(path)


def test_a_dreams_hypnogram_of_5_s_epochs_is_found_and_read_on_30_s_epochs(tmp_path):
    """DREAMS: subject1.edf scored in HypnogramAASM_subject1.txt, one code per 5 s (5 W, 4 REM, 3 N1, 2 N2, 1 N3)."""
    (tmp_path / "subject1.edf").write_bytes(b"")
    codes = [5] * 6 + [3] * 6 + [2] * 3 + [4] * 3 + [2] * 6 + [1] * 6 + [0] * 6 + [4] * 6 + [-2] * 6
    path = tmp_path / "HypnogramAASM_subject1.txt"
    path.write_text("[HypnogramAASM]\n" + "".join(f"{c}\n" for c in codes))
    assert scoring_beside(tmp_path / "subject1.edf") == (path, DREAMS_TXT)
    scored = Hypnogram.from_annotation(path, 8, START)
    # Each 30-s epoch takes the stage at its midpoint (the third epoch: N2 until 15 s, REM from 15 s).
    assert scored.codes.tolist() == [0, 1, 4, 2, 3, 3, 4, -1]
    path.write_text("[HypnogramAASM]\n5\n7\n")
    with pytest.raises(InputFileError, match=r"line 3\]: unknown stage code"):
        read_annotation(path)


def test_an_alice_hypnogram_export_reads_wk_as_wake(tmp_path):
    path = tmp_path / "alice.csv"
    path.write_text(" Epoch Number ,Start Time ,Sleep Stage\n1,10:15:00 PM,WK\n2,10:15:30 PM,N1\n3,10:16:00 PM,REM\n")
    assert read_annotation(path).codes.tolist() == [0, 1, 4]


def test_a_luna_eannot_beside_an_edf_is_its_scoring(tmp_path):
    """Luna (NSRR's tool) writes one stage per 30-s epoch to ``X.eannot``: W, N1, N2, N3, R, ``?`` (unknown) and L
    (lights on, outside the night); older versions wrote wake, NREM1 ... NREM4 and REM."""
    (tmp_path / "shhs1-200001.edf").write_bytes(b"")
    (tmp_path / "shhs1-200001.eannot").write_text("L\nW\nN1\nN2\nN3\nR\n?\nwake\nNREM4\nREM\nL\n")
    assert scoring_beside(tmp_path / "shhs1-200001.edf") == (tmp_path / "shhs1-200001.eannot", HYPNOGRAM_CSV)
    events = read_annotation(tmp_path / "shhs1-200001.eannot")
    assert events.codes.tolist() == [-1, 0, 1, 2, 3, 4, -1, 0, 3, 4, -1]
    assert events.onsets.tolist() == [30.0 * k for k in range(11)]
    (tmp_path / "bad.eannot").write_text("W\nN2\nSPINDLE\n")
    with pytest.raises(InputFileError, match=r"bad\.eannot \[stage, line 3\]: unknown stage label 'SPINDLE'"):
        read_annotation(tmp_path / "bad.eannot")
