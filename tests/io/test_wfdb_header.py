"""WFDB headers: the base date and time are optional metadata; odd forms are warnings, never a failed record."""

import shutil
from datetime import date, datetime, time

import numpy as np
import pytest

from wav2sleep.errors import InputFileError
from wav2sleep.io import read_recording
from wav2sleep.io.wfdb_header import parse_base_date, parse_base_time


def _record_100(tmp_path, shared_data, when: str):
    """MIT-BIH record 100 (real data) with its record line given ``when`` (time and date) after the sample count."""
    for suffix in (".dat", ".atr"):
        shutil.copy(shared_data / "wfdb_excerpts" / f"100{suffix}", tmp_path)
    lines = (shared_data / "wfdb_excerpts" / "100.hea").read_text().splitlines()
    lines = [f"100 2 360 650000 {when}".rstrip() if line.startswith("100 ") else line for line in lines]
    (tmp_path / "100.hea").write_text("\n".join(lines) + "\n")
    return tmp_path / "100.hea"


@pytest.mark.parametrize(
    ("when", "start", "warning"),
    [
        ("10:30:00 20/7/89", datetime(1989, 7, 20, 10, 30), "two-digit year read as 1989"),
        ("10:30:00 1989/07/20", datetime(1989, 7, 20, 10, 30), "year first"),
        ("10:30:00 7/20/1989", datetime(1989, 7, 20, 10, 30), "read as month/day/year"),
        ("10:30:00 20/07/1989", datetime(1989, 7, 20, 10, 30), None),  # the standard form: no warning
        ("10:30:00", None, "no base date; the recording starts at 10:30:00"),
        ("", None, None),
        ("25:99:00 20/7/1989", None, "base time '25:99:00' unreadable"),
        ("10:30:00 31/31/1989", None, "not a calendar date"),
        ("10:30:00 1/2", None, "base date '1/2' unreadable"),
    ],
)
def test_odd_base_dates_and_times_warn_and_the_signals_still_read(tmp_path, shared_data, when, start, warning):
    hea = _record_100(tmp_path, shared_data, when)
    before = hea.read_bytes()
    recording = read_recording(hea)
    assert recording.start == start
    assert recording.channels["MLII"].data.shape == (650000,) and recording.channels["MLII"].rate_hz == 360.0
    assert np.isfinite(recording.channels["V5"].data).all()
    if warning is None:
        assert recording.warnings == []
    else:
        assert any(warning in w for w in recording.warnings), recording.warnings
    assert hea.read_bytes() == before  # the input is never modified


def test_a_beat_file_whose_header_has_a_two_digit_year_is_read(tmp_path, shared_data):
    for suffix in (".rr", ".an"):
        shutil.copy(shared_data / "slpdb" / f"slp03{suffix}", tmp_path)
    text = (shared_data / "slpdb" / "slp03.hea").read_text().replace("9/2/1989", "9/2/89", 1)
    (tmp_path / "slp03.hea").write_text(text)
    recording = read_recording(tmp_path / "slp03.rr")
    assert recording.start == datetime(1989, 2, 9, 23, 12)
    assert any("two-digit year" in w for w in recording.warnings)
    assert recording.duration_s == pytest.approx(5400000 / 250)


def test_a_header_broken_beyond_its_date_is_still_an_error_naming_the_file(tmp_path, shared_data):
    hea = _record_100(tmp_path, shared_data, "10:30:00 20/7/89")
    hea.write_text(hea.read_text().replace("100 2 360", "100 two 360", 1))  # the signal count: data, not metadata
    with pytest.raises(InputFileError, match=r"100\.hea: unreadable WFDB header"):
        read_recording(hea)
    big = tmp_path / "big.hea"
    big.write_bytes(b"big 1 250 100\n" + b"#" * (2 << 20))
    with pytest.raises(InputFileError, match=r"big\.hea \[size\]: not a WFDB header"):
        read_recording(big)


def test_date_and_time_parsers():
    assert parse_base_date("9/2/1989") == (date(1989, 2, 9), None)
    assert parse_base_date("1/1/05") == (date(2005, 1, 1), "two-digit year read as 2005")
    assert parse_base_date("2001-03-04") == (date(2001, 3, 4), "year first")
    assert parse_base_date("") == (None, "base date '' unreadable")
    assert parse_base_time("0:49:0") == time(0, 49)
    assert parse_base_time("23:07:00.250") == time(23, 7, 0, 250000)
    assert parse_base_time("24:00:00") is None and parse_base_time("noon") is None


def test_a_header_claiming_more_samples_than_its_data_files_hold_is_refused_before_reading(tmp_path, shared_data):
    hea = _record_100(tmp_path, shared_data, "10:30:00 20/07/1989")
    hea.write_text(hea.read_text().replace("100 2 360 650000", "100 2 360 650000000", 1))
    with pytest.raises(InputFileError, match=r"100\.hea \[number of samples\]: signal length larger than the data"):
        read_recording(hea)


def test_a_truncated_data_file_gives_its_complete_frames_with_a_warning(tmp_path, shared_data):
    """As a truncated EDF gives its complete records: record 100 (two signals in format 212, 3 bytes a frame) cut
    short mid-frame reads the frames that are whole, equal to the full record's first ones."""
    full = read_recording(shared_data / "wfdb_excerpts" / "100.hea")
    hea = _record_100(tmp_path, shared_data, "")
    data = (tmp_path / "100.dat").read_bytes()
    (tmp_path / "100.dat").write_bytes(data[: 3 * 360 * 600 + 2])  # 10 min and part of a frame
    cut = read_recording(hea)
    assert cut.duration_s == 600
    assert any("data files hold 216000 of the header's 650000 sample frames" in w for w in cut.warnings)
    np.testing.assert_array_equal(cut.channels["MLII"].data, full.channels["MLII"].data[:216000])
    (tmp_path / "100.dat").write_bytes(data[:2])
    hea.write_text(hea.read_text().replace("100 2 360 650000", "100 2 360 1000"))
    with pytest.raises(InputFileError, match=r"100\.hea \[number of samples\]: data files hold no complete sample"):
        read_recording(hea)
    (tmp_path / "100.dat").unlink()  # a header copied without its data file: the file is named, not a byte count
    with pytest.raises(InputFileError, match=r"100\.hea \[signal files\]: data file not found; expected 100\.dat"):
        read_recording(hea)


def test_signal_lines_that_do_not_match_the_signal_count_are_refused(tmp_path, shared_data):
    hea = _record_100(tmp_path, shared_data, "")
    lines = hea.read_text().splitlines()
    signal_lines = [i for i, line in enumerate(lines) if line.startswith("100.dat")]
    hea.write_text("\n".join(line for i, line in enumerate(lines) if i != signal_lines[1]) + "\n")
    with pytest.raises(InputFileError, match=r"\[number of signals\]: signal lines do not match the signal count; "
                                             r"expected 2 signal lines; found 1"):  # fmt: skip
        read_recording(hea)
    hea.write_text("\n".join([*lines, lines[signal_lines[1]]]) + "\n")
    with pytest.raises(InputFileError, match="expected 2 signal lines; found 3"):
        read_recording(hea)
    # A header cut after its record line: wfdb fails with an IndexError; the count is what is said.
    for record_line in ("100 2 360 650000", "100/3 2 360 650000 10:30:00 20/07/1989"):
        hea.write_text(record_line + "\n")
        what = "segment" if "/" in record_line else "signal"
        with pytest.raises(InputFileError, match=rf"\[number of {what}s\]: {what} lines do not match the {what} "
                                                 rf"count; expected {3 if what == 'segment' else 2} {what} lines; "
                                                 r"found 0$"):  # fmt: skip
            read_recording(hea)


@pytest.mark.parametrize(("written", "read_as"), [("360", 360), ("360/1000", 360), ("360/1000(0)", 360),
                                                  ("0", None), ("-360", None), ("abc", None)])  # fmt: skip
def test_a_sampling_frequency_that_is_not_a_positive_number_is_refused_not_read_as_the_default(
    tmp_path, shared_data, written, read_as
):
    hea = _record_100(tmp_path, shared_data, "")
    hea.write_text(hea.read_text().replace("100 2 360 650000", f"100 2 {written} 650000", 1))
    if read_as is not None:
        assert read_recording(hea).channels["MLII"].rate_hz == read_as
        return
    with pytest.raises(InputFileError, match=rf"100\.hea \[sampling frequency\]: impossible sampling frequency; "
                                             rf"expected a positive number of samples per second; found {written}"):  # fmt: skip
        read_recording(hea)


def test_an_unknown_storage_format_is_named(tmp_path, shared_data):
    hea = _record_100(tmp_path, shared_data, "")
    hea.write_text(hea.read_text().replace("100.dat 212 200", "100.dat 999 200", 1))
    with pytest.raises(InputFileError, match=r"100\.hea \[MLII format\]: unknown storage format; expected one of "
                                             r"WFDB's: 0, 8, 16, .*; found 999"):  # fmt: skip
        read_recording(hea)
