"""Empatica E4 session exports (no header row: the start time stamp, then the rate, then the samples)."""

from datetime import datetime

import numpy as np
import pytest

from wav2sleep.errors import InputFileError
from wav2sleep.io import channel_labels, read_recording
from wav2sleep.signals import pick_channel

START = 1495437325.0  # 2017-05-22 07:15:25 UTC, as E4 connect writes it: "1495437325.000000"
STARTED = datetime(2017, 5, 22, 7, 15, 25)


def _signal_file(path, columns: np.ndarray, rate: float):
    """As E4 connect writes BVP.csv (one column) or ACC.csv (three)."""
    k = columns.shape[1]
    head = ", ".join([f"{START:.6f}"] * k) + "\n" + ", ".join([f"{rate:.6f}"] * k) + "\n"
    path.write_text(head + "\n".join(",".join(f"{v:g}" for v in row) for row in columns) + "\n")
    return path


def test_bvp_is_ppg_at_its_rate_from_the_session_start_in_utc(tmp_path):
    bvp = np.round(np.sin(np.arange(64 * 120) / 10) * 40, 2)
    path = _signal_file(tmp_path / "BVP.csv", bvp[:, None], 64.0)
    rec = read_recording(path)
    assert rec.start == STARTED and rec.duration_s == 120 and channel_labels(path) == ["BVP"]
    assert rec.channels["BVP"].rate_hz == 64 and pick_channel(rec.labels, "PPG") == "BVP"
    np.testing.assert_allclose(rec.channels["BVP"].data, bvp, atol=1e-5)
    assert "holds Unix time stamps (s): the recording starts 2017-05-22 07:15:25 UTC" in rec.warnings[0]


def test_acc_has_three_axes_and_a_bad_row_is_named_at_its_line(tmp_path):
    path = _signal_file(tmp_path / "ACC.csv", np.tile([-3.0, 62.0, 11.0], (32 * 60, 1)), 32.0)
    assert channel_labels(path) == ["ACC_x", "ACC_y", "ACC_z"]
    assert read_recording(path).channels["ACC_z"].rate_hz == 32
    lines = path.read_text().splitlines()
    lines[9] = "-3,oops,11"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputFileError, match=r"ACC\.csv \[ACC_y, line 10\]: column is not numeric"):
        read_recording(path, ["ACC_y"])


def test_ibi_is_a_beat_list_timed_from_the_session_start(tmp_path):
    intervals = 0.9 + 0.05 * np.sin(np.arange(800) / 20)
    times = 12.0 + np.cumsum(intervals)  # the first clean beat 12 s into the session
    kept = np.ones(times.size, bool)
    kept[100:130] = False  # no clean beat for ~27 s: E4 leaves those rows out
    path = tmp_path / "IBI.csv"
    path.write_text(f"{START:.6f}, IBI\n" + "\n".join(f"{t:.6f},{r:.6f}" for t, r in zip(times[kept], intervals[kept],
                                                                                        strict=True)) + "\n")  # fmt: skip
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines[:9], "21.5,abc", *lines[9:]]) + "\n")
    with pytest.raises(InputFileError, match=r"IBI\.csv \[IBI, line 10\]: column is not numeric"):
        read_recording(path)
    path.write_text("\n".join(lines) + "\n")
    rec = read_recording(path)
    ibi = rec.channels["IBI"]
    assert rec.start == STARTED and rec.duration_s == pytest.approx(times[-1])
    assert ibi.warnings[0].startswith(f"IBI: one row per beat ({kept.sum()} beats over 0.2 h; 0 intervals outside")
    on_grid = np.interp(np.arange(ibi.data.size) / ibi.rate_hz, times[kept], intervals[kept])
    inside = (np.arange(ibi.data.size) / ibi.rate_hz > 20) & (np.arange(ibi.data.size) / ibi.rate_hz < 100)
    np.testing.assert_allclose(ibi.data[inside], on_grid[inside], atol=0.02)


def test_a_table_whose_first_line_is_a_header_is_not_taken_for_an_e4_file(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("time,ECG\n" + "\n".join(f"{k / 128},{np.sin(k / 9):.4f}" for k in range(128 * 60)) + "\n")
    assert read_recording(path).channels["ECG"].rate_hz == 128
