import json

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from wav2sleep.errors import InputFileError
from wav2sleep.io import read_recording

T = np.arange(128 * 60) / 128
X = np.sin(2 * np.pi * 1.2 * T)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_tables_with_time_column(tmp_path, fmt):
    table = pa.table({"seconds": T, "EKG": X, "Thor": X / 2})
    path = tmp_path / f"r.{fmt}"
    pq.write_table(table, path) if fmt == "parquet" else pacsv.write_csv(table, path)
    rec = read_recording(path)
    assert rec.labels == ["EKG", "Thor"] and rec.channels["EKG"].rate_hz == pytest.approx(128)
    assert rec.duration_s == pytest.approx(60) and np.allclose(rec.channels["Thor"].data, X / 2, atol=1e-6)


def test_clock_times_give_the_start(tmp_path):
    clock = np.datetime64("2021-03-04T22:00:00") + (T * 1e9).astype("timedelta64[ns]")
    path = tmp_path / "r.parquet"
    pq.write_table(pa.table({"timestamp": clock, "ECG": X}), path)
    rec = read_recording(path)
    assert str(rec.start) == "2021-03-04 22:00:00" and rec.channels["ECG"].rate_hz == pytest.approx(128)


def test_numpy_formats(tmp_path):
    np.savez(tmp_path / "r.npz", ECG=X, PPG=X[::2], fs_ECG=128.0, fs_PPG=64.0)
    rec = read_recording(tmp_path / "r.npz")
    assert rec.channels["PPG"].rate_hz == 64 and rec.duration_s == pytest.approx(60)
    np.save(tmp_path / "e.npy", X)
    with pytest.raises(InputFileError, match="needs a sidecar"):
        read_recording(tmp_path / "e.npy")
    (tmp_path / "e.json").write_text(json.dumps({"fs": 128, "label": "ECG"}))
    assert read_recording(tmp_path / "e.npy").labels == ["ECG"]


def test_bad_tables_are_named(tmp_path):
    path = tmp_path / "bad.csv"
    pacsv.write_csv(pa.table({"ECG": X}), path)
    with pytest.raises(InputFileError, match="bad.csv \\[columns\\]: no time column"):
        read_recording(path)
    pacsv.write_csv(pa.table({"time": np.r_[0, 1, 3.0], "ECG": [1.0, 2, 3]}), path)
    with pytest.raises(InputFileError, match="not regular"):
        read_recording(path)
