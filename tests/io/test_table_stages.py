"""A table of samples that carries its scorer's stage on every row (DREAMT's whole-night CSVs), read as the
recording's own reference scoring."""

import json

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from wav2sleep.errors import InputFileError
from wav2sleep.hypnogram import Hypnogram
from wav2sleep.inference.reference import find_reference
from wav2sleep.io import read_recording
from wav2sleep.io.annotations import HYPNOGRAM_CSV, TABLE_STAGES, annotation_format, read_annotation
from wav2sleep.stages import UNSCORED

FS = 8  # Hz (DREAMT's is 64: the same layout, fewer rows)
EPOCH_LABELS = ["P"] * 4 + ["W"] * 3 + ["N1", "N2", "N2", "N3", "N3", "R", "Missing", "W", "N2"]


def _dreamt_table(drop_from: float | None = None) -> pa.Table:
    """DREAMT's columns: TIMESTAMP (s from the start), BVP and ACC signals, a sparse IBI column, Sleep_Stage."""
    t = np.arange(len(EPOCH_LABELS) * 30 * FS) / FS
    keep = np.ones(t.size, bool) if drop_from is None else (t < drop_from) | (t >= drop_from + 60)
    stage = np.repeat(EPOCH_LABELS, 30 * FS)
    ibi = np.where(np.arange(t.size) % 7 == 0, 0.85, np.nan)
    return pa.table({"TIMESTAMP": t[keep], "BVP": np.sin(t)[keep], "ACC_X": np.zeros(t.size)[keep],
                     "IBI": ibi[keep], "Sleep_Stage": stage[keep]})  # fmt: skip


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_the_stage_column_gives_one_event_per_run_with_non_stage_labels_unscored(tmp_path, fmt):
    path = tmp_path / f"S002_whole_df.{fmt}"
    pq.write_table(_dreamt_table(), path) if fmt == "parquet" else pacsv.write_csv(_dreamt_table(), path)
    assert annotation_format(path) == TABLE_STAGES and find_reference(path, []) == path
    events = read_annotation(path)
    codes = {"P": UNSCORED, "Missing": UNSCORED, "W": 0, "N1": 1, "N2": 2, "N3": 3, "R": 4}
    per_epoch = np.array([codes[label] for label in EPOCH_LABELS])
    runs = np.r_[0, np.flatnonzero(np.diff(per_epoch)) + 1]
    np.testing.assert_array_equal(events.codes, per_epoch[runs])
    np.testing.assert_array_equal(events.onsets, runs * 30.0)
    assert events.durations.sum() == len(EPOCH_LABELS) * 30
    assert events.warnings == ["Sleep_Stage: labels that are not stages left unscored: 'Missing' (30 s), 'P' (120 s)"]
    scored = Hypnogram.from_annotation(path, len(EPOCH_LABELS), None)
    np.testing.assert_array_equal(scored.codes, per_epoch)
    assert read_recording(path).channels["BVP"].rate_hz == FS  # the same table, read as the recording


def test_a_stage_column_of_numbers_reads_as_a_hypnogram_csvs_digits(tmp_path):
    """R&K digits, as in a hypnogram CSV: 0 wake, 1-4 stages 1-4 (4 deep sleep), 5 REM; an empty cell unscored."""
    path = tmp_path / "digits.parquet"
    digits = np.repeat([0.0, 1.0, 2.0, 4.0, 5.0, np.nan], 30 * FS)
    t = np.arange(digits.size) / FS
    pq.write_table(pa.table({"time": t, "PPG": np.sin(t), "stage": digits}), path)
    events = read_annotation(path)
    assert events.codes.tolist() == [0, 1, 2, 3, 4, UNSCORED] and events.warnings == []


def test_a_dropout_in_the_time_column_leaves_its_epochs_unscored(tmp_path):
    path = tmp_path / "S003_whole_df.csv"
    pacsv.write_csv(_dreamt_table(drop_from=300.0), path)  # epochs 10 and 11 (N3, N3) lost
    scored = Hypnogram.from_annotation(path, len(EPOCH_LABELS), None)
    assert scored.codes[10] == scored.codes[11] == UNSCORED and scored.codes[9] == 2 and scored.codes[12] == 4


def test_a_table_without_signals_stays_a_hypnogram_and_a_bad_stage_is_named(tmp_path):
    plain = tmp_path / "hypnogram.csv"
    plain.write_text("time,stage\n0,W\n30,N1\n")
    assert annotation_format(plain) == HYPNOGRAM_CSV
    plain.write_text("Epoch,Time,Stage\n1,23:00:00,W\n2,23:00:30,N1\n")  # one row per epoch, numbered and timed
    assert annotation_format(plain) == HYPNOGRAM_CSV and read_annotation(plain).codes.tolist() == [0, 1]
    plain.write_text("onset,seconds,stage,p_W,p_Light,p_Deep,p_REM\n0,0,W,0.9,0.1,0,0\n30,30,Light,0.1,0.8,0.1,0\n")
    assert annotation_format(plain) == HYPNOGRAM_CSV  # ours: probabilities are not signals
    table = _dreamt_table()
    stages = table.column("Sleep_Stage").to_pylist()
    stages[30 * FS * 5 + 3] = "Sleep stage X"
    path = tmp_path / "S004_whole_df.csv"
    pacsv.write_csv(table.set_column(4, "Sleep_Stage", pa.array(stages)), path)
    with pytest.raises(InputFileError, match=rf"\[Sleep_Stage, line {30 * FS * 5 + 3 + 2}\]: unknown sleep stage"):
        read_annotation(path)


def test_staging_a_dreamt_table_takes_bvp_as_ppg_and_compares_with_its_own_stages(tmp_path, shared_data, capsys):
    from wav2sleep.cli.main import main

    path = tmp_path / "S005_whole_df.csv"
    t = np.arange(len(EPOCH_LABELS) * 30 * 64) / 64  # DREAMT's 64 Hz
    bvp = np.sin(2 * np.pi * 1.1 * t) ** 9 * 40 + np.random.default_rng(0).normal(0, 1, t.size)  # pulses, a.u.
    pacsv.write_csv(pa.table({"TIMESTAMP": t, "BVP": bvp, "Sleep_Stage": np.repeat(EPOCH_LABELS, 30 * 64)}), path)
    cardio = shared_data.parent / "reference" / "checkpoints" / "wav2sleep-cardio"
    out = tmp_path / "out"
    assert main(["stage", str(path), "--model", str(cardio), "--out", str(out), "--formats", "json",
                 "--reference", "auto"]) == 0  # fmt: skip
    staged = json.loads((out / "S005_whole_df.hypnogram.json").read_text())
    assert list(staged["metadata"]["channels"]) == ["PPG"] and staged["metadata"]["channels"]["PPG"]["channel"] == "BVP"
    agreement = staged["metadata"]["agreement"]
    assert agreement["reference"].endswith("S005_whole_df.csv") and agreement["epochs_compared"] == 11
