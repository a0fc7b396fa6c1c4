"""The original wav2sleep's predictions CSV (``X.preds.csv``, written by pandas as its ``predict.py`` does) reads as a
scoring to compare with, and staging the golden EDF with the published checkpoint agrees with the original's own
predictions for it."""

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wav2sleep.cli.main import main
from wav2sleep.errors import InputFileError
from wav2sleep.inference.batch import find_recordings
from wav2sleep.io.annotations import ORIGINAL_PREDICTIONS, annotation_format, read_annotation
from wav2sleep.io.table_stages import has_stage_column
from wav2sleep.stages import LIGHT

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference"
GOLDEN_EDF = REFERENCE / "end_to_end" / "shhs1-golden.edf"
GOLDEN_START = datetime(2001, 3, 4, 22, 15, 30)


def write_preds(path: Path, preds, start: datetime | None = None, stage=None) -> Path:
    """As the original writes them: one row per epoch of its 10-h window, indexed by the epoch's right edge."""
    edges = np.arange(1, len(preds) + 1) * 30.0
    index = pd.Index(edges if start is None else [start + timedelta(seconds=s) for s in edges], name="Timestamp")
    columns = {"Pred": np.asarray(preds, dtype=int)} | ({} if stage is None else {"Stage": stage})
    pd.DataFrame(columns, index=index).to_csv(path)
    return path


def test_seconds_and_clock_time_edges_read_as_4_class_epochs(tmp_path):
    seconds = write_preds(tmp_path / "n.preds.csv", [0, 1, 2, 3, 1], stage=[0, 1, 1, -1, 2])
    events = read_annotation(seconds)
    assert annotation_format(seconds) == ORIGINAL_PREDICTIONS
    assert events.onsets.tolist() == [0, 30, 60, 90, 120] and events.durations.tolist() == [30.0] * 5
    assert events.codes.tolist() == [0, LIGHT, 3, 4, LIGHT] and events.start_clock is None
    clock = read_annotation(write_preds(tmp_path / "c.preds.csv", [0, 1, 2], start=datetime(2001, 3, 4, 23, 59, 30)))
    assert clock.start_clock.isoformat() == "23:59:30" and clock.onsets.tolist() == [0, 30, 60]  # over midnight


def test_a_class_4_means_the_5_aasm_stages_and_bad_rows_are_named(tmp_path):
    assert read_annotation(write_preds(tmp_path / "eog.preds.csv", [0, 1, 2, 3, 4])).codes.tolist() == [0, 1, 2, 3, 4]
    renamed = write_preds(tmp_path / "night.csv", [0, 3])  # the header says what it is
    assert annotation_format(renamed) == ORIGINAL_PREDICTIONS
    bad = tmp_path / "bad.preds.csv"
    bad.write_text("Timestamp,Pred\n30.0,0\n60.0,7\n")
    with pytest.raises(InputFileError, match=r"bad.preds.csv \[line 3\]: Pred is not a class index; expected 0 to 4"):
        read_annotation(bad)
    bad.write_text("Timestamp,Pred\n30.0,0\nsoon,1\n")
    with pytest.raises(InputFileError, match=r"\[line 3\]: unreadable Timestamp"):
        read_annotation(bad)
    bad.write_text("Timestamp,Pred\n60.0,0\n30.0,1\n")
    with pytest.raises(InputFileError, match=r"\[line 3\]: Timestamp not after the previous row's"):
        read_annotation(bad)
    bad.write_text("Timestamp,Pred\n2001-03-04 22:16:00,0\n2001-03-04 22:16:30+01:00,1\n")
    with pytest.raises(InputFileError, match=r"\[line 3\]: Timestamps mix kinds of time: clock times before, clock "
                       r"times with a UTC offset here"):  # fmt: skip
        read_annotation(bad)


def test_a_folder_search_does_not_take_the_originals_predictions_for_a_recording(tmp_path):
    write_preds(tmp_path / "night.preds.csv", [0, 1], stage=[0, 2])
    write_preds(tmp_path / "renamed.csv", [0, 1])
    assert find_recordings([tmp_path])[0] == []
    assert not has_stage_column(tmp_path / "night.preds.csv")  # nor a table of samples with its scoring (ingestion)


def test_staging_the_golden_edf_agrees_with_the_originals_predictions_for_it(tmp_path, capsys):
    from safetensors.numpy import load_file

    logits = load_file(REFERENCE / "end_to_end" / "shhs1-golden.cardio.logits.safetensors")["logits.ECG+THX"]
    preds = np.zeros(1200, dtype=int)  # the original predicts its whole 10-h window, padding included
    preds[: len(logits)] = logits.argmax(-1)
    reference = write_preds(tmp_path / "shhs1-golden.preds.csv", preds, start=GOLDEN_START)
    assert main(["stage", str(GOLDEN_EDF), "--model", str(REFERENCE / "checkpoints" / "wav2sleep-cardio"),
                 "--signals", "ECG,THX", "--no-gating", "--out", str(tmp_path / "out"), "--formats", "json",
                 "--reference", str(reference)]) == 0  # fmt: skip
    out, err = capsys.readouterr()
    assert f"agreement with {reference}: kappa 1.000, accuracy 100.0 % over 360 epochs" in out
    assert "longer than the recording by 25200 s" in err  # the padding rows, said
