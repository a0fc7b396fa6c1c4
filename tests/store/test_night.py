import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from wav2sleep.errors import InputFileError
from wav2sleep.store import STAGES_COLUMN, Night, night_path, read_night, read_night_meta, write_night


def _night(n_epochs=4, with_stages=True):
    rng = np.random.default_rng(0)
    signals = {"ECG": rng.standard_normal(n_epochs * 1024).astype(np.float32),
               "THX": rng.standard_normal(n_epochs * 256).astype(np.float32)}  # fmt: skip
    stages = np.array([0, 1, 2, -1][:n_epochs], dtype=np.int8) if with_stages else None
    return Night(signals, stages, {"n_epochs": n_epochs, "dataset": "shhs", "session": "shhs1-200001"})


def test_round_trip_keeps_samples_stages_and_metadata(tmp_path):
    path = night_path(tmp_path, "shhs", "shhs1-200001")
    assert path == tmp_path / "shhs" / "shhs1-200001.parquet"
    night = _night()
    write_night(path, night)
    back = read_night(path)
    assert set(back.signals) == {"ECG", "THX"}
    for name, x in night.signals.items():
        np.testing.assert_array_equal(back.signals[name], x)
        assert back.signals[name].dtype == np.float32
    assert back.stages.tolist() == [0, 1, 2, -1]
    assert back.meta["session"] == "shhs1-200001" and back.meta["signals_present"] == ["ECG", "THX"]
    assert read_night_meta(path)["n_epochs"] == 4


def test_each_signal_is_its_own_column_at_its_own_rate(tmp_path):
    path = write_night(tmp_path / "a.parquet", _night())
    table = pq.read_table(path)
    assert table.num_rows == 1
    assert table.column_names == ["ECG", "THX", STAGES_COLUMN]
    assert pa.types.is_list(table.schema.field("ECG").type)
    assert len(table.column("THX")[0]) == 4 * 256


def test_reading_a_subset_and_unscored_nights(tmp_path):
    path = write_night(tmp_path / "b.parquet", _night(with_stages=False))
    back = read_night(path, signals=["THX", "PPG"])
    assert list(back.signals) == ["THX"] and back.stages is None


def test_length_mismatch_refused_before_anything_is_written(tmp_path):
    night = _night()
    night.signals["THX"] = night.signals["THX"][:-1]
    with pytest.raises(InputFileError, match=r"THX.*expected 1024 samples \(4 epochs\).*found shape \(1023,\)"):
        write_night(tmp_path / "c.parquet", night)
    assert list(tmp_path.iterdir()) == []


def test_non_store_files_are_named_in_the_error(tmp_path):
    plain = tmp_path / "plain.parquet"
    pq.write_table(pa.table({"x": [1]}), plain)
    with pytest.raises(InputFileError, match="plain.parquet.*not a wav2sleep store file"):
        read_night(plain)
    junk = tmp_path / "junk.parquet"
    junk.write_bytes(b"not parquet")
    with pytest.raises(InputFileError, match="junk.parquet: not a readable store file"):
        read_night_meta(junk)
