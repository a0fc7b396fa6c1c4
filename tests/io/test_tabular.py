import json
import warnings
from datetime import datetime, timedelta

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


def test_semicolon_and_tab_tables_with_decimal_commas(tmp_path):
    """Spreadsheet exports in much of Europe: fields separated by semicolons (or tabs), decimal commas."""
    rows = [f"{t:.6f};{x:.6f}".replace(".", ",") for t, x in zip(T, X, strict=True)]
    (tmp_path / "eu.csv").write_text("time;ECG\n" + "\n".join(rows) + "\n")
    (tmp_path / "tab.csv").write_text("time\tECG\n" + "\n".join(r.replace(";", "\t") for r in rows) + "\n")
    for name in ("eu.csv", "tab.csv"):
        rec = read_recording(tmp_path / name)
        assert rec.labels == ["ECG"] and rec.channels["ECG"].rate_hz == pytest.approx(128)
        np.testing.assert_allclose(rec.channels["ECG"].data, X, atol=1e-6)
    # A comma-separated table keeps the comma as separator, however its header looks.
    pacsv.write_csv(pa.table({"time": T, "ECG;lead": X}), tmp_path / "comma.csv")
    assert read_recording(tmp_path / "comma.csv").labels == ["ECG;lead"]


def test_text_or_gaps_in_a_table_name_the_column_and_row(tmp_path):
    path = tmp_path / "bad.csv"
    lines = ["time,ECG"] + [f"{t},{x}" for t, x in zip(T[:300], X[:300], strict=True)]
    path.write_text("\n".join([*lines[:101], "0.78125,oops", *lines[102:]]) + "\n")
    with pytest.raises(InputFileError, match=r"bad\.csv \[ECG, line 102\]: column is not numeric; expected numbers; "
                                             r"found 'oops'"):  # fmt: skip
        read_recording(path)
    path.write_text("\n".join([*lines[:51], ",0.5", *lines[52:]]) + "\n")
    with pytest.raises(InputFileError, match=r"\[time, line 52\]: time column has a missing or non-finite value"):
        read_recording(path)
    path.write_text("\n".join([*lines[:51], "later,0.5", *lines[52:]]) + "\n")
    with pytest.raises(InputFileError, match=r"\[time, line 52\]: column is not numeric"):
        read_recording(path)
    # An empty cell in a channel is a missing sample (NaN, which QC flags), not an error.
    path.write_text("\n".join([*lines[:11], "0.078125,", *lines[12:]]) + "\n")
    assert np.isnan(read_recording(path).channels["ECG"].data[10])


def test_times_to_the_millisecond_are_regular_and_a_missing_sample_is_a_gap(tmp_path):
    t = np.arange(256 * 60) / 256  # 3.90625 ms apart, written as 0.000, 0.004, 0.008, 0.012, 0.016, 0.020, ...
    lines = ["time,ECG"] + [f"{a:.3f},{b:.5f}" for a, b in zip(t, np.sin(t), strict=True)]
    path = tmp_path / "ms.csv"
    path.write_text("\n".join(lines) + "\n")
    rec = read_recording(path)
    assert rec.channels["ECG"].rate_hz == pytest.approx(256, rel=1e-4)
    path.write_text("\n".join([*lines[:1001], *lines[1002:]]) + "\n")  # the sample at 3.906 s lost
    ecg = read_recording(path).channels["ECG"]
    assert ecg.data.size == t.size and np.flatnonzero(np.isnan(ecg.data)).tolist() == [1000]
    np.testing.assert_allclose(np.delete(ecg.data, 1000), np.delete(np.sin(t), 1000), atol=1e-5)
    lines[1001] = f"{t[1000] + 0.001:.3f},0"  # a time between two samples' is not a gap: named
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputFileError, match=r"\[time, line 1002\]: time column not regular; expected evenly spaced "
                                             r"samples \(0.0039\d* s apart, or gaps of over 1.5 steps\); found 3.907 s "
                                             r"after 3.902 s"):  # fmt: skip
        read_recording(path)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_dropouts_in_a_wearables_time_column_are_kept_as_missing_samples_at_their_clock_times(tmp_path, fmt):
    t = np.arange(128 * 600) / 128
    ppg = np.sin(2 * np.pi * 1.2 * t)
    kept = (t < 100) | ((t >= 160.5) & (t < 400)) | (t >= 400.25)  # a 60.5-s and a 0.25-s dropout
    kept &= (t < 410) | (t % 10 < 5) | (t % 10 >= 5.1)  # and 19 of 0.1 s, so that rounding cannot add up
    shifted = t + 0.0033 * (t > 505)  # the sampling clock restarts 3.3 ms (0.4 samples) off its grid
    stamps = (1.7e12 + 1e3 * shifted[kept]).astype(np.int64)  # Unix ms, cut to whole ms
    table = pa.table({"timestamp": stamps, "PPG": ppg[kept]})
    path = tmp_path / f"watch.{fmt}"
    pq.write_table(table, path) if fmt == "parquet" else pacsv.write_csv(table, path)
    rec = read_recording(path)
    data = rec.channels["PPG"].data
    assert rec.start == UNIX_START and rec.channels["PPG"].rate_hz == 128 and rec.duration_s == 600
    np.testing.assert_array_equal(np.isnan(data), ~kept)
    np.testing.assert_allclose(data[kept], ppg[kept], atol=1e-6)
    assert rec.warnings[1].startswith("time column 'timestamp' has 21 gaps (62.") and rec.warnings[1].endswith(
        " in all; the longest 60.5 s after 99.992 s): kept as missing samples (NaN)")  # fmt: skip


def test_gaps_longer_than_the_bound_are_refused(tmp_path):
    path = tmp_path / "far.csv"
    path.write_text("time,ECG\n0,0.1\n0.5,0.2\n1.0,0.3\n90001,0.4\n")  # 25 h after 1.5 s of data
    with pytest.raises(InputFileError, match=r"\[time\]: gaps in the time column too long; expected gaps totalling at "
                                             r"most 24 h and 10x the recorded 2 s; found 89999.5 s of gaps"):  # fmt: skip
        read_recording(path)


UNIX_START = datetime(2023, 11, 14, 22, 13, 20)  # 1,700,000,000 s after 1970-01-01 (UTC)


@pytest.mark.parametrize(
    ("fmt", "stamps"),
    [("csv", (1.7e12 + 1e3 * T).astype(np.int64)),  # ms, cut to whole ms as wearables write them (15 or 16 apart)
     ("csv", 1.7e9 + T),  # s, with decimals
     ("parquet", (1.7e18 + 1e9 * T).astype(np.int64))],  # ns
)  # fmt: skip
def test_unix_time_stamps_give_the_start_in_utc_and_the_exact_rate(tmp_path, fmt, stamps):
    table = pa.table({"timestamp": stamps, "PPG": X})
    path = tmp_path / f"watch.{fmt}"
    pq.write_table(table, path) if fmt == "parquet" else pacsv.write_csv(table, path)
    rec = read_recording(path)
    assert rec.start == UNIX_START and rec.channels["PPG"].rate_hz == 128 and rec.duration_s == 60
    np.testing.assert_array_equal(rec.channels["PPG"].data, X.astype(np.float32))
    assert "holds Unix time stamps" in rec.warnings[0] and "clock times are UTC" in rec.warnings[0]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_clock_times_with_a_time_zone_start_at_the_local_time_written_even_across_a_dst_change(tmp_path, fmt):
    """A night in Berlin from 01:30 CET (+01:00) across the change to summer time at 02:00 (03:00 CEST, +02:00):
    the samples stay regular (physical time), the night starts at the local time written."""
    from zoneinfo import ZoneInfo

    utc = np.datetime64("2024-03-31T00:30:00") + (np.arange(8 * 3600) * 1e9 / 8).astype("timedelta64[ns]")
    x = np.sin(np.arange(utc.size) / 8)
    path = tmp_path / f"berlin.{fmt}"
    if fmt == "parquet":
        pq.write_table(pa.table({"time": pa.array(utc, pa.timestamp("ns", tz="Europe/Berlin")), "ECG": x}), path)
    else:
        zone = ZoneInfo("Europe/Berlin")
        local = [datetime.fromtimestamp(int(v) / 1e9, zone).isoformat() for v in utc.astype(np.int64)]
        assert local[0].endswith("01:30:00+01:00") and local[-1].endswith("+02:00")
        path.write_text("time,ECG\n" + "\n".join(f"{a},{b:.4f}" for a, b in zip(local, x, strict=True)) + "\n")
    rec = read_recording(path)
    assert rec.start == datetime(2024, 3, 31, 1, 30) and rec.channels["ECG"].rate_hz == 8 and rec.duration_s == 3600
    assert "local time as written" in rec.warnings[0]


def test_a_beat_list_stamped_in_unix_ms_is_the_same_beats_from_that_clock_time(shared_data, tmp_path):
    from wav2sleep.io.beat_intervals import read_beat_table

    ends, intervals, normal = read_beat_table(shared_data / "slpdb" / "slp41.rr")
    rows = [(e, i) for e, i, n in zip(ends, intervals, normal, strict=True) if n]
    first = rows[0][0]
    relative, stamped = tmp_path / "relative.csv", tmp_path / "stamped.csv"
    # The same beats in seconds from the recording start, which is the beat before the first listed one.
    since_start = [(e - first + rows[0][1], i) for e, i in rows]
    relative.write_text("time,RR (ms)\n" + "\n".join(f"{e:.3f},{1000 * i:.0f}" for e, i in since_start) + "\n")
    stamped.write_text(
        "timestamp,RR (ms)\n" + "\n".join(f"{1.7e12 + round(1000 * (e - first))},{1000 * i:.0f}" for e, i in rows)
    )
    a, b = read_recording(relative), read_recording(stamped)  # the stamps start at the first listed beat
    assert b.start == UNIX_START - timedelta(seconds=rows[0][1]) and a.start is None
    assert b.duration_s == pytest.approx(a.duration_s, abs=1e-3)
    diff = np.abs(b.channels["RR"].data - a.channels["RR"].data)  # times rounded to the ms in different places
    assert np.median(diff) < 1e-4 and diff.max() < 0.01


def test_a_unit_in_a_column_name_is_the_channel_unit(tmp_path):
    path = tmp_path / "u.csv"
    pacsv.write_csv(pa.table({"time": T, "IBI (ms)": 800 + 0 * T, "ECG [mV]": X, "Pleth": X}), path)
    rec = read_recording(path)
    assert rec.labels == ["IBI", "ECG", "Pleth"]
    assert [rec.channels[k].unit for k in rec.labels] == ["ms", "mV", ""]
    # Two columns that would get one label keep their whole names (and no unit).
    pacsv.write_csv(pa.table({"time": T, "ECG (mV)": X, "ECG (uV)": X * 1000}), path)
    assert read_recording(path).labels == ["ECG (mV)", "ECG (uV)"]
    # A value beyond float32 is a non-finite sample (QC flags it), not a warning from NumPy.
    path.write_text("time,ECG\n0,1\n0.5,1e308\n1,2\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isinf(read_recording(path).channels["ECG"].data[1])


def test_a_beat_list_with_beat_times_gives_the_grid_of_the_same_beats_in_a_rr_file(shared_data, tmp_path):
    """slp41's normal-to-normal beats (real data) exported as a heart-rate strap would: one row per beat, its time
    (s from the start) and its interval in ms. Same beats, same IBI grid as reading the .rr file."""
    from wav2sleep.io.beat_intervals import read_beat_table

    ends, intervals, normal = read_beat_table(shared_data / "slpdb" / "slp41.rr")
    path = tmp_path / "strap.csv"
    rows = [f"{e:.3f},{1000 * i:.0f}" for e, i, n in zip(ends, intervals, normal, strict=True) if n]
    path.write_text("time,RR (ms)\n" + "\n".join(rows) + "\n")
    from_rr = read_recording(shared_data / "slpdb" / "slp41.rr").channels["RR"].data
    beats = read_recording(path)
    assert beats.labels == ["RR"] and beats.channels["RR"].rate_hz == from_rr.size / 23400
    n = beats.channels["RR"].data.size
    assert abs(n - from_rr.size) < 10  # the .rr night ends with its header, the list with its last beat
    np.testing.assert_allclose(beats.channels["RR"].data, from_rr[:n], atol=1e-6)
    assert "one row per beat" in beats.channels["RR"].warnings[0]


def test_a_polar_rr_export_reads_as_the_same_beats(shared_data, tmp_path):
    """slp41's normal beats as Polar's apps export RR intervals: ``Phone timestamp;RR-interval [ms]``, semicolons,
    ISO clock times to the millisecond, each row stamped at the beat that starts its interval (the previous row's
    time plus the previous interval). The IBI grid is the .rr file's, each interval placed one beat earlier."""
    from wav2sleep.io.beat_intervals import read_beat_table

    ends, intervals, normal = read_beat_table(shared_data / "slpdb" / "slp41.rr")
    ends, intervals = ends[normal], intervals[normal]
    start = datetime(2023, 1, 16, 22, 5, 10)  # the clock time of the .rr file's start, for this export
    path = tmp_path / "Polar_H10_RR.txt"  # as Polar Sensor Logger names it: a .txt that is a table, not a scoring
    rows = [f"{(start + timedelta(seconds=float(e - i))).isoformat(timespec='milliseconds')};{1000 * i:.0f}"
            for e, i in zip(ends, intervals, strict=True)]  # fmt: skip
    path.write_text("Phone timestamp;RR-interval [ms]\n" + "\n".join(rows) + "\n")
    rec = read_recording(path)
    assert rec.labels == ["RR-interval"] and f"({ends.size} beats" in rec.channels["RR-interval"].warnings[0]
    # The first row's beat ends the interval before it: the recording starts one interval earlier still.
    offset = (rec.start - start).total_seconds()
    assert offset == pytest.approx(ends[0] - 2 * intervals[0], abs=2e-3)
    ours = rec.channels["RR-interval"].data
    from_rr = read_recording(shared_data / "slpdb" / "slp41.rr").channels["RR"].data
    # Our first sample's clock time on the .rr grid (negative: before it), and each interval a beat earlier.
    shift = round((offset + float(np.median(intervals))) * 256 / 30)
    ours, from_rr = (ours, from_rr[shift:]) if shift >= 0 else (ours[-shift:], from_rr)
    n = min(ours.size, from_rr.size)
    assert n > 0.99 * from_rr.size and np.mean(np.abs(ours[:n] - from_rr[:n]) < 0.05) > 0.95


def test_a_beat_list_without_times_is_the_running_sum_of_its_intervals(shared_data, tmp_path):
    from wav2sleep.io.beat_intervals import read_beat_table

    ends, intervals, _ = read_beat_table(shared_data / "slpdb" / "slp41.rr")
    path = tmp_path / "kubios.csv"
    path.write_text("RR\n" + "\n".join(f"{i:.3f}" for i in intervals) + "\n")  # seconds, no unit: inferred
    rec = read_recording(path)
    assert rec.duration_s == pytest.approx(ends[-1], abs=1.0) and rec.start is None
    assert any("unit blank; inferred s" in w for w in rec.channels["RR"].warnings)
    from_rr = read_recording(shared_data / "slpdb" / "slp41.rr").channels["RR"].data
    n = rec.channels["RR"].data.size
    # Without beat types the ectopic beats stay in: the grids agree everywhere else.
    assert np.mean(np.abs(rec.channels["RR"].data - from_rr[:n]) < 0.01) > 0.97
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines[:100], "x", *lines[101:]]) + "\n")
    with pytest.raises(InputFileError, match=r"\[RR, line 101\]: column is not numeric"):
        read_recording(path)
    for bad in ("nan", "-0.9", "0"):
        path.write_text("\n".join([*lines[:100], bad, *lines[101:]]) + "\n")
        with pytest.raises(InputFileError, match=r"\[RR, line 101\]: beat interval missing or not positive in a list"):
            read_recording(path)


def test_beat_times_out_of_order_are_named(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text("time,IBI\n0.9,0.9\n1.8,0.9\n1.7,0.9\n2.6,0.9\n")
    with pytest.raises(InputFileError, match=r"b\.csv \[line 4\]: beat times out of order"):
        read_recording(path)


@pytest.mark.parametrize(
    ("name", "scale"),
    [("Time (s)", 1.0), ("time [ms]", 1e3), ("Elapsed time (min)", 1 / 60), ("time_ms", 1e3), ("Timestamp_s", 1.0)],
)
def test_a_time_column_with_its_unit_in_the_name(tmp_path, name, scale):
    path = tmp_path / "u.csv"
    pacsv.write_csv(pa.table({name: T * scale, "ECG": X}), path)
    rec = read_recording(path)
    assert rec.labels == ["ECG"] and rec.channels["ECG"].rate_hz == pytest.approx(128)


def test_a_sampled_interval_channel_with_a_lost_row_is_not_taken_for_a_beat_list(tmp_path):
    path = tmp_path / "sampled.csv"
    t = np.arange(4 * 600) / 4  # 10 min of an IBI channel sampled at 4 Hz, intervals near 0.9 s
    rows = [f"{a:.2f},{0.9 + 0.05 * np.sin(a / 30):.4f}" for a in t]
    path.write_text("time,IBI\n" + "\n".join([*rows[:500], *rows[501:]]) + "\n")
    ibi = read_recording(path).channels["IBI"]  # a 4-Hz channel with one sample lost, not one row per beat
    assert ibi.rate_hz == 4 and ibi.data.size == t.size and np.flatnonzero(np.isnan(ibi.data)).tolist() == [500]


def test_a_polar_ecg_export_is_an_ecg_in_uv_and_its_other_time_columns_are_not_channels(tmp_path):
    """Polar Sensor Logger's H10 ECG file: semicolons, a phone clock per packet of 73 samples, the sensor's own time
    stamps in ns and the time from the start in ms, 130 Hz."""
    ecg = np.round(np.sin(np.arange(130 * 60) / 7) * 900).astype(int)
    phone = datetime(2024, 5, 1, 23, 10, 5, 473000)
    rows = [f"{(phone + timedelta(seconds=(k // 73) * 73 / 130)).isoformat(timespec='milliseconds')};"
            f"{599617045123456789 + round(k * 1e9 / 130)};{k * 1000 / 130:.3f};{v}" for k, v in enumerate(ecg)]  # fmt: skip
    path = tmp_path / "Polar_H10_ABC_20240501_231005_ECG.txt"
    path.write_text("Phone timestamp;sensor timestamp [ns];timestamp [ms];ecg [uV]\n" + "\n".join(rows) + "\n")
    rec = read_recording(path)
    assert rec.labels == ["ecg"] and rec.channels["ecg"].unit == "uV" and rec.channels["ecg"].rate_hz == 130
    assert rec.start == phone and rec.warnings == ["clock times from column 'Phone timestamp', its first value "
                                                   "('timestamp [ms]' gives the rate)"]  # fmt: skip
    np.testing.assert_array_equal(rec.channels["ecg"].data, ecg.astype(np.float32))


def _clock_table(path, start: datetime, form: str, seconds: int = 120, rate: int = 64):
    stamps = [(start + timedelta(seconds=k / rate)).strftime(form)[:-3] for k in range(seconds * rate)]
    path.write_text("time,ECG\n" + "".join(f"{s},{np.sin(k / 9):.4f}\n" for k, s in enumerate(stamps)))
    return path


@pytest.mark.parametrize(
    ("form", "start", "note"),
    [
        ("%H:%M:%S.%f", None, "has no date: the recording starts at 23:59:00 on an unknown day"),  # over midnight
        ("%Y/%m/%d %H:%M:%S.%f", datetime(2021, 3, 4, 23, 59), None),
        ("%d.%m.%Y %H:%M:%S.%f", datetime(2021, 3, 4, 23, 59), None),
        ("%m/%d/%Y %H:%M:%S.%f", datetime(2021, 3, 4, 23, 59), "dates read as m/d/Y"),  # the day changes at midnight
        ("%d/%m/%Y %H:%M:%S.%f", datetime(2021, 3, 4, 23, 59), "dates read as d/m/Y"),
    ],
)
def test_clock_times_as_devices_and_spreadsheets_write_them(tmp_path, form, start, note):
    recording = read_recording(_clock_table(tmp_path / "x.csv", datetime(2021, 3, 4, 23, 59), form))
    assert recording.start == start and recording.channels["ECG"].rate_hz == pytest.approx(64)
    assert recording.duration_s == pytest.approx(120)  # no jump back at midnight
    assert (note is None and not recording.warnings) or any(note in w for w in recording.warnings)


def test_clock_dates_that_cannot_tell_day_from_month_leave_the_day_unknown_and_bad_ones_are_named(tmp_path):
    recording = read_recording(_clock_table(tmp_path / "x.csv", datetime(2021, 3, 4, 22, 0), "%d/%m/%Y %H:%M:%S.%f"))
    assert recording.start is None and "whether the day or the month comes first" in recording.warnings[0]
    (tmp_path / "bad.csv").write_text("time,ECG\n23:59:00.000,1\n23:59:00.500,2\n23:59:01.0x0,3\n")
    with pytest.raises(InputFileError, match=r"bad.csv \[time, line 4\]: unreadable clock time; expected times like "
                       r"'23:59:00.000'; found '23:59:01.0x0'"):  # fmt: skip
        read_recording(tmp_path / "bad.csv")
    (tmp_path / "words.csv").write_text("time,ECG\nMar 4 2021 23:59:00,1\nMar 4 2021 23:59:01,2\n")
    with pytest.raises(InputFileError, match=r"\[time, line 2\]: unreadable clock time; expected ISO date-times, or a "
                       r"time of day"):  # fmt: skip
        read_recording(tmp_path / "words.csv")


def test_times_of_day_that_pyarrow_types_as_times_read_like_clock_text(tmp_path):
    (tmp_path / "x.csv").write_text("time,ECG\n23:59:59,1\n00:00:00,2\n00:00:01,3\n00:00:02,4\n")  # inferred time32
    times = [(datetime(2000, 1, 1, 23, 59, 59) + timedelta(seconds=k / 4)).time() for k in range(40)]
    pq.write_table(pa.table({"time": times, "ECG": np.arange(40.0)}), tmp_path / "x.parquet")  # time64
    for name, rate, seconds in (("x.csv", 1, 4), ("x.parquet", 4, 10)):
        recording = read_recording(tmp_path / name)
        assert recording.channels["ECG"].rate_hz == rate and recording.duration_s == seconds
        assert "starts at 23:59:59 on an unknown day" in recording.warnings[0]


def test_array_headers_are_checked_before_any_array_is_read(tmp_path):
    with open(tmp_path / "lie.npy", "wb") as fh:  # a header that promises 10^12 samples, 400 bytes of data
        np.lib.format.write_array_header_1_0(fh, {"descr": "<f4", "fortran_order": False, "shape": (10**12,)})
        fh.write(bytes(400))
    (tmp_path / "lie.json").write_text('{"fs": 256, "label": "ECG"}')
    with pytest.raises(InputFileError, match=r"lie.npy \[ECG\]: array truncated; expected 1000000000000 values"):
        read_recording(tmp_path / "lie.npy")
    # 1000 samples at one per 1000 s: 11.6 days, longer than any recording (a 4-GB zip bomb is refused alike)
    np.savez_compressed(tmp_path / "long.npz", ECG=np.zeros(1000, np.float32), fs=0.001)
    with pytest.raises(InputFileError, match=r"\[ECG\]: impossible recording length; expected at most 7 days; found "
                       r"1000 samples at 0.001 Hz"):  # fmt: skip
        read_recording(tmp_path / "long.npz")
    np.savez(tmp_path / "rates.npz", ECG=np.zeros(1000), fs=np.array([128.0, 256.0, 512.0]))
    with pytest.raises(InputFileError, match=r"\[fs\]: sampling rate is not one number; found shape \(3,\)"):
        read_recording(tmp_path / "rates.npz")
    np.savez(tmp_path / "flat.npz", ECG=np.zeros((2, 500)), fs=128.0)
    with pytest.raises(InputFileError, match=r"\[ECG\]: channel is not one-dimensional.*shape \(2, 500\)"):
        read_recording(tmp_path / "flat.npz")


@pytest.mark.slow
def test_a_parquet_that_decodes_beyond_memory_is_refused_before_decoding(tmp_path):
    """A few megabytes of all-null columns can state billions of rows: the footer is checked before decoding."""
    from wav2sleep.io.parquet import decode_budget_bytes

    budget = decode_budget_bytes()
    columns = 64
    rows = budget // (8 * columns) + 1 if budget else 0
    if not budget or rows * columns > 4e9:
        pytest.skip("this machine's memory is too large (or unknown) for a bomb written in seconds")
    path = tmp_path / "bomb.parquet"
    nulls = pa.nulls(rows, pa.float64())
    pq.write_table(pa.table([nulls] * columns, names=["time"] + [f"ECG{i}" for i in range(columns - 1)]), path)
    assert path.stat().st_size < 100e6
    with pytest.raises(InputFileError, match=r"bomb\.parquet: table too large to decode.*half this machine's memory"):
        read_recording(path)


@pytest.mark.parametrize("fmt", ["csv", "parquet", "npz"])
def test_reading_the_chosen_channels_gives_what_labels_and_a_read_of_them_give(tmp_path, fmt):
    """``read_chosen`` reads a table once (its labels cost a whole read), other formats header first: either way the
    labels, the chosen channels and their samples are those of ``channel_labels`` and ``read_recording``."""
    from wav2sleep.io import channel_labels
    from wav2sleep.io.recording import read_chosen
    from wav2sleep.io.tabular import labels_read_whole_file

    path = tmp_path / f"r.{fmt}"
    if fmt == "npz":
        np.savez(path, EKG=X, Thor=X / 2, Abdo=X / 3, fs=128.0)
    else:
        table = pa.table({"seconds": T, "EKG": X, "Thor": X / 2, "Abdo": X / 3})
        pq.write_table(table, path) if fmt == "parquet" else pacsv.write_csv(table, path)
    assert labels_read_whole_file(path) == (fmt != "npz")
    seen = []

    def choose(labels):
        seen.append(labels)
        return {"ECG": "EKG", "THX": "Thor"}

    labels, picked, rec = read_chosen(path, choose)
    assert labels == seen[0] == channel_labels(path) == ["EKG", "Thor", "Abdo"]
    assert picked == {"ECG": "EKG", "THX": "Thor"} and rec.labels == ["EKG", "Thor"]
    alone = read_recording(path, ["EKG", "Thor"])
    assert rec.duration_s == alone.duration_s and rec.start == alone.start
    for label in ("EKG", "Thor"):
        assert np.array_equal(rec.channels[label].data, alone.channels[label].data)
        assert rec.channels[label].rate_hz == alone.channels[label].rate_hz


def test_comment_lines_and_a_separator_hint_before_the_header_are_skipped(tmp_path):
    """Devices write a preamble before the table (OpenBCI's ``%`` lines, ``#`` notes, Excel's ``sep=`` hint that
    Shimmer's Consensys writes); lines are still named as they are in the file."""
    rows = [f"{t:.6f},{x:.5f}" for t, x in zip(T, X, strict=True)]
    (tmp_path / "openbci.csv").write_text("%OpenBCI Raw EEG Data\n%Sample Rate = 128 Hz\n\n# subject 01\ntime,ECG\n"
                                          + "\n".join(rows) + "\n")  # fmt: skip
    rec = read_recording(tmp_path / "openbci.csv")
    assert rec.labels == ["ECG"] and rec.channels["ECG"].rate_hz == pytest.approx(128)
    assert np.allclose(rec.channels["ECG"].data, X, atol=1e-5)
    semicolons = [r.replace(",", ";").replace(".", ",") for r in rows]
    (tmp_path / "consensys.csv").write_text('"sep=;"\ntime;ECG\n' + "\n".join(semicolons) + "\n")
    assert np.allclose(read_recording(tmp_path / "consensys.csv").channels["ECG"].data, X, atol=1e-5)
    rows[5] = "0.039,abc"
    (tmp_path / "bad.csv").write_text("# a\n# b\ntime,ECG\n" + "\n".join(rows) + "\n")
    with pytest.raises(InputFileError, match=r"bad\.csv \[ECG, line 9\]: column is not numeric"):
        read_recording(tmp_path / "bad.csv")


def test_a_header_in_a_comment_line_as_numpy_savetxt_writes_it_names_the_columns(tmp_path):
    np.savetxt(tmp_path / "r.csv", np.c_[T, X], delimiter=",", header="time,ECG")  # "# time,ECG", then numbers
    rec = read_recording(tmp_path / "r.csv")
    assert rec.labels == ["ECG"] and rec.channels["ECG"].rate_hz == pytest.approx(128)
    assert np.allclose(rec.channels["ECG"].data, X, atol=1e-6)
    clock = "".join(f"2021-03-04T23:00:{k / 4:06.3f}+01:00,{k % 7}\n" for k in range(200))  # times, not numbers
    (tmp_path / "clock.csv").write_text("# recorded by a phone app\n# time,ECG\n" + clock)
    rec = read_recording(tmp_path / "clock.csv")
    assert str(rec.start) == "2021-03-04 23:00:00" and rec.channels["ECG"].data[:3].tolist() == [0, 1, 2]
    lines = (tmp_path / "r.csv").read_text().splitlines()
    lines[4] = "0.0234375,abc"
    (tmp_path / "bad.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(InputFileError, match=r"bad\.csv \[ECG, line 5\]: column is not numeric"):
        read_recording(tmp_path / "bad.csv")


def test_a_hypnogram_after_comment_lines_reads_and_names_its_lines(tmp_path):
    from wav2sleep.io.annotations import read_annotation

    (tmp_path / "h.csv").write_text("# scored by RT\n% AASM 2.6\nstage\nW\nN2\nR\n")
    assert read_annotation(tmp_path / "h.csv").codes.tolist() == [0, 2, 4]
    (tmp_path / "bad.csv").write_text("# scored by RT\nstage\nW\nXX\n")
    with pytest.raises(InputFileError, match=r"bad\.csv \[stage, line 4\]: unknown stage label 'XX'"):
        read_annotation(tmp_path / "bad.csv")
