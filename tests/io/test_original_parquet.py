"""Nights in the original wav2sleep's preprocessed layout (parquet on a union of grids, written here with pandas from
the facts of reference.md s.1.5-1.6) read as recordings with their own scoring: the golden EDF in that layout,
staged with the published checkpoint, gives the original's logits; such a folder ingests into our store.
Tables pandas wrote with an unnamed index read too."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from wav2sleep.cli.main import main
from wav2sleep.errors import InputFileError
from wav2sleep.inference.stage import stage
from wav2sleep.io import channel_labels, read_recording
from wav2sleep.io.annotations import embedded_scoring, read_annotation
from wav2sleep.models import load_model

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference"
GOLDEN_EDF = REFERENCE / "end_to_end" / "shhs1-golden.edf"
STAGES = np.random.default_rng(0).integers(-1, 5, 360)


def write_original_layout(path: Path, stages=STAGES) -> Path:
    """The golden EDF as the original's ingest stores it: linear interpolation onto k * 30 / spe s (k >= 1), zero
    outside the recording, 10 h in all; ECG in mV, belts mapped to [-1, 1] by the header's physical range; Stage at
    each epoch's right edge, -1 unscored."""
    import pyedflib

    reader = pyedflib.EdfReader(str(GOLDEN_EDF))
    columns = {}
    for name, label, per_epoch in (("ECG", "ECG", 1024), ("THX", "THOR RES", 256), ("ABD", "ABDO RES", 256)):
        i = reader.getSignalLabels().index(label)
        x, fs = reader.readSignal(i), reader.getSampleFrequency(i)
        if name != "ECG":
            low, high = reader.getPhysicalMinimum(i), reader.getPhysicalMaximum(i)
            x = (x - (high + low) / 2) / (abs(high - low) / 2)
        grid = np.arange(1, 1200 * per_epoch + 1) * 30 / per_epoch
        y = np.interp(grid, np.arange(x.size) / fs, x, left=np.nan, right=np.nan)
        columns[name] = pd.Series(np.nan_to_num(y).astype(np.float32), index=grid)
    reader.close()
    labels = np.full(1200, -1.0)
    labels[: len(stages)] = stages
    columns["Stage"] = pd.Series(labels, index=np.arange(1, 1201) * 30.0)
    pd.concat(columns, axis=1).to_parquet(path)  # the union of the grids as an unnamed float index
    return path


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    return write_original_layout(tmp_path_factory.mktemp("orig") / "shhs1-golden.parquet")


@pytest.mark.parametrize(("signals", "key"), [("ECG", "logits.ECG"), ("ECG,THX", "logits.ECG+THX")])
def test_the_golden_night_in_the_originals_layout_gives_the_originals_logits(night, signals, key):
    from safetensors.numpy import load_file

    golden = load_file(REFERENCE / "end_to_end" / "shhs1-golden.cardio.logits.safetensors")[key]
    hyp = stage(night, load_model(REFERENCE / "checkpoints" / "wav2sleep-cardio"), signals=signals, gate=False)
    reference = torch.softmax(torch.from_numpy(golden), -1).numpy()
    assert hyp.n_epochs == 360 and np.array_equal(hyp.probabilities.argmax(-1), reference.argmax(-1))
    assert np.abs(hyp.probabilities - reference).max() < 1e-4  # measured: 1.5e-6
    assert "its zero padding after epoch 360 (840 epochs) dropped" in hyp.metadata["warnings"]


def test_its_signals_and_stage_column_read_as_stored(night):
    assert channel_labels(night) == ["ECG", "THX", "ABD"]
    recording = read_recording(night, ["THX"])
    stored = pd.read_parquet(night)["THX"].dropna().to_numpy()[: 360 * 256]
    thx = recording.channels["THX"]
    assert thx.rate_hz == 256 / 30 and recording.duration_s == 360 * 30.0
    assert thx.data[0] == stored[0] and np.array_equal(thx.data[1:], stored)  # sample k at k / fs
    assert embedded_scoring(night)
    events = read_annotation(night)
    assert events.codes.tolist() == STAGES.tolist() and events.onsets[1] == 30.0


def test_a_column_off_its_grid_is_named(tmp_path):
    index = np.delete(np.arange(1, 2049) * 30 / 1024, 100)  # a row of the grid k * 30 / 1024 missing
    ecg = pd.Series(np.ones(2047, dtype=np.float32), index=index)
    pd.concat({"ECG": ecg, "Stage": pd.Series([0.0, 2.0], index=[30.0, 60.0])}, axis=1).to_parquet(
        tmp_path / "x.parquet"
    )
    with pytest.raises(InputFileError, match=r"x.parquet \[ECG\]: column not on its grid"):
        read_recording(tmp_path / "x.parquet")


def test_a_folder_of_such_nights_ingests_into_our_store(night, tmp_path, capsys):
    folder = tmp_path / "original"
    folder.mkdir()
    (folder / night.name).symlink_to(night)
    assert main(["ingest", str(folder), "--out", str(tmp_path / "store"), "--quiet"]) == 0
    import pyarrow.parquet as pq

    stored = pq.read_table(tmp_path / "store" / "original" / "shhs1-golden.parquet")
    assert stored.num_rows == 1 and {"ECG", "ABD", "THX", "stages"} <= set(stored.column_names)


def test_tables_with_pandas_unnamed_index_read_as_timed(tmp_path):
    rng = np.random.default_rng(1)
    times = pd.date_range("2021-03-04 22:15:30", periods=128 * 60, freq=pd.Timedelta(seconds=1 / 128))
    frame = pd.DataFrame({"ECG": rng.standard_normal(times.size)}, index=times)
    frame.to_csv(tmp_path / "unnamed.csv")  # header ",ECG"
    pd.read_csv(tmp_path / "unnamed.csv").to_csv(tmp_path / "twice.csv")  # header ",Unnamed: 0,ECG"
    seconds = frame.set_axis(np.arange(times.size) / 128)
    seconds.to_parquet(tmp_path / "seconds.parquet")  # __index_level_0__
    for name in ("unnamed.csv", "twice.csv", "seconds.parquet"):
        recording = read_recording(tmp_path / name)
        assert list(recording.channels) == ["ECG"] and recording.channels["ECG"].rate_hz == pytest.approx(128)
        assert str(recording.start) == ("None" if name == "seconds.parquet" else "2021-03-04 22:15:30")
    frame.reset_index(drop=True).to_csv(tmp_path / "rows.csv")  # only row numbers: no rate
    with pytest.raises(InputFileError, match=r"rows.csv \[columns\]: no time column.*found ECG$"):
        read_recording(tmp_path / "rows.csv")


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_table_indexed_by_clock_times_as_the_original_takes_it_gives_the_originals_logits(tmp_path, suffix):
    """The original's predict reads a CSV's first column, whatever its name, as the time index: the golden EDF's ECG
    written by pandas with a DatetimeIndex named ``Date`` stages as the EDF does."""
    import pyedflib
    from safetensors.numpy import load_file

    reader = pyedflib.EdfReader(str(GOLDEN_EDF))
    i = reader.getSignalLabels().index("ECG")
    ecg, fs, start = reader.readSignal(i), reader.getSampleFrequency(i), reader.getStartdatetime()
    reader.close()
    index = pd.date_range(start, periods=ecg.size, freq=pd.Timedelta(seconds=1 / fs), name="Date")
    table = pd.DataFrame({"ECG": ecg}, index=index)
    path = tmp_path / f"golden{suffix}"
    table.to_csv(path) if suffix == ".csv" else table.to_parquet(path)
    assert channel_labels(path) == ["ECG"]
    golden = load_file(REFERENCE / "end_to_end" / "shhs1-golden.cardio.logits.safetensors")["logits.ECG"]
    hyp = stage(path, load_model(REFERENCE / "checkpoints" / "wav2sleep-cardio"), gate=False)
    reference = torch.softmax(torch.from_numpy(golden), -1).numpy()
    assert hyp.start == start and np.array_equal(hyp.probabilities.argmax(-1), reference.argmax(-1))
    assert np.abs(hyp.probabilities - reference).max() < 1e-4
