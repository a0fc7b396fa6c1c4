"""Multi-segment WFDB records (MIMIC and other PhysioNet waveform databases), written with wfdb: read as one
recording, gaps and absent channels as missing samples, found once in a folder, checked like single records."""

import numpy as np
import pytest
import wfdb

from wav2sleep.errors import InputFileError
from wav2sleep.inference.batch import find_recordings
from wav2sleep.ingest.generic import discover_generic
from wav2sleep.io import channel_labels, read_recording

FS = 125


@pytest.fixture
def variable_layout(tmp_path):
    """``var``: a layout segment, 10 min of ECG alone, a 1-min gap, 10 min of ECG and respiration."""
    t = np.arange(FS * 600) / FS
    ecg0, ecg1, resp = np.sin(2 * np.pi * 1.1 * t), np.sin(2 * np.pi * 1.3 * t), np.cos(2 * np.pi * 0.25 * t)
    wfdb.wrsamp("var_0001", fs=FS, units=["mV"], sig_name=["II"], p_signal=ecg0[:, None], fmt=["16"],
                write_dir=str(tmp_path))  # fmt: skip
    wfdb.wrsamp("var_0002", fs=FS, units=["mV", "NU"], sig_name=["II", "RESP"], p_signal=np.stack([ecg1, resp], 1),
                fmt=["16", "16"], write_dir=str(tmp_path))  # fmt: skip
    (tmp_path / "var_layout.hea").write_text(
        "var_layout 2 125 0\n~ 0 200/mV 16 0 0 0 0 II\n~ 0 200/NU 16 0 0 0 0 RESP\n"
    )
    (tmp_path / "var.hea").write_text(f"var/4 2 {FS} {FS * 1260} 23:10:00 01/02/2015\nvar_layout 0\n"
                                      f"var_0001 {FS * 600}\n~ {FS * 60}\nvar_0002 {FS * 600}\n")  # fmt: skip
    return tmp_path / "var.hea"


def test_segments_are_joined_in_time_with_gaps_and_absent_channels_missing(variable_layout):
    folder = variable_layout.parent
    assert channel_labels(variable_layout) == ["II", "RESP"]
    recording = read_recording(variable_layout)
    ecg, resp = recording.channels["II"], recording.channels["RESP"]
    assert recording.duration_s == 1260 and ecg.rate_hz == FS and ecg.data.size == resp.data.size == FS * 1260
    first = wfdb.rdrecord(str(folder / "var_0001"), physical=True).p_signal[:, 0]
    second = wfdb.rdrecord(str(folder / "var_0002"), physical=True).p_signal
    np.testing.assert_allclose(ecg.data[: FS * 600], first, atol=1e-6)
    assert np.isnan(ecg.data[FS * 600 : FS * 660]).all()  # the gap segment
    np.testing.assert_allclose(ecg.data[FS * 660 :], second[:, 0], atol=1e-6)
    assert np.isnan(resp.data[: FS * 660]).all()  # not in the first segment, nor in the gap
    np.testing.assert_allclose(resp.data[FS * 660 :], second[:, 1], atol=1e-6)
    assert str(recording.start) == "2015-02-01 23:10:00" and ecg.unit == "mV"


def test_a_folder_yields_the_record_once_not_its_segments(variable_layout):
    folder = variable_layout.parent
    recordings, skipped = find_recordings([folder])
    assert recordings == [variable_layout] and skipped == []
    assert [night.recording for night in discover_generic(folder, "mimic")] == [variable_layout]


def test_a_master_header_with_a_two_digit_year_still_finds_its_segments(variable_layout):
    text = variable_layout.read_text().replace("01/02/2015", "01/02/15")
    variable_layout.write_text(text)
    recording = read_recording(variable_layout)
    assert str(recording.start) == "2015-02-01 23:10:00" and recording.channels["II"].data.size == FS * 1260


def test_a_truncated_segment_is_refused_naming_it(variable_layout):
    data = variable_layout.parent / "var_0002.dat"
    data.write_bytes(data.read_bytes()[:1000])
    with pytest.raises(InputFileError, match=r"var\.hea.*segment var_0002 truncated"):
        read_recording(variable_layout)


def test_gaps_far_longer_than_the_data_are_refused_before_allocating(variable_layout):
    text = variable_layout.read_text().replace(f"~ {FS * 60}", f"~ {FS * 86400 * 6}")
    variable_layout.write_text(text.replace(str(FS * 1260), str(FS * (1200 + 86400 * 6)), 1))
    with pytest.raises(InputFileError, match="gaps between segments too long"):
        read_recording(variable_layout)


def test_a_missing_segment_header_is_named(variable_layout):
    (variable_layout.parent / "var_0001.hea").unlink()
    with pytest.raises(InputFileError, match="unreadable segment var_0001"):
        read_recording(variable_layout)


@pytest.mark.parametrize("old, new, message", [(f"var_0001 {FS * 600}", f"var_0001 {FS * 600 * 10**6}", "length"),
                                               (f"var/4 2 {FS} {FS * 1260}", f"var/4 2 {FS} {FS * 1260 * 10**6}",
                                                "length"),
                                               ("var/4 ", "var/999999994 ", "segment lines")])  # fmt: skip
def test_counts_and_lengths_the_segments_do_not_hold_are_refused_before_allocating(variable_layout, old, new, message):
    variable_layout.write_text(variable_layout.read_text().replace(old, new))
    with pytest.raises(InputFileError, match=message):
        read_recording(variable_layout)


@pytest.mark.parametrize("old, new, message", [
    ("var_0002 2 125 75000", "var_0002 2 125", r"var\.hea \[segments\]: segment var_0002 length disagrees with its own "
                                               r"header; expected 75000 samples \(this header\); found no length in "
                                               r"var_0002\.hea"),
    ("var_0002 2 125 75000", "var_0002 2 125 7500", "expected 75000 samples .this header.; found 7500 samples in"),
    ("var_0002 2 125", "vaz_0002 2 125", r"var_0002\.hea \[record name\]: segment header names another record; "
                                         "expected var_0002; found vaz_0002"),
])  # fmt: skip
def test_a_segment_header_that_disagrees_with_the_records_says_how(variable_layout, old, new, message):
    segment = variable_layout.parent / "var_0002.hea"
    assert old in segment.read_text()
    segment.write_text(segment.read_text().replace(old, new))
    with pytest.raises(InputFileError, match=message):
        read_recording(variable_layout)
