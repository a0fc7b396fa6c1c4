"""Our EDF reader against independent readers, and its repairs."""

from datetime import datetime

import edfio
import numpy as np
import pyedflib
import pytest

from wav2sleep.errors import InputFileError
from wav2sleep.io import channel_labels, read_recording
from wav2sleep.io.edf import read_header
from wav2sleep.synth import write_edf
from wav2sleep.synth.faults import patch_signal_field
from wav2sleep.synth.reader_seeds import write_edf_plus_d

START = datetime(2003, 5, 6, 23, 1, 2)


@pytest.fixture
def edf(tmp_path):
    rng = np.random.default_rng(0)
    channels = [("EKG", rng.standard_normal(256 * 120), 256, "uV"), ("Thor", rng.standard_normal(10 * 120), 10, ""),
                ("SpO2", 95 + rng.standard_normal(120), 1, "%")]  # fmt: skip
    return write_edf(tmp_path / "a.edf", channels, START)


def test_matches_pyedflib_and_edfio(edf):
    rec = read_recording(edf)
    assert rec.start == START and rec.duration_s == 120
    ref = edfio.read_edf(edf)
    with pyedflib.EdfReader(str(edf)) as f:
        for i, label in enumerate(f.getSignalLabels()):
            ch = rec.channels[label]
            np.testing.assert_allclose(ch.data, f.readSignal(i), atol=1e-4)
            np.testing.assert_allclose(ch.data, ref.signals[i].data, atol=1e-4)
            assert ch.rate_hz == f.getSampleFrequency(i) and ch.unit == f.getPhysicalDimension(i)


def test_reads_only_requested_channels(edf):
    assert channel_labels(edf) == ["EKG", "Thor", "SpO2"]
    assert list(read_recording(edf, ["Thor"]).channels) == ["Thor"]
    with pytest.raises(InputFileError, match=r"a.edf \[ECG\]: channel not found.*EKG, Thor, SpO2"):
        read_recording(edf, ["ECG"])


def test_source_never_modified_by_repairs(edf):
    patch_signal_field(edf, 0, "physical_max", "0")
    before = edf.read_bytes()
    rec = read_recording(edf)
    assert "physical range" in rec.channels["EKG"].warnings[0]
    assert edf.read_bytes() == before


@pytest.mark.parametrize("value", ["nan", "inf", "1e300"])
def test_a_physical_range_beyond_float32_is_replaced_not_decoded_to_inf(edf, value):
    patch_signal_field(edf, 0, "physical_max", value)
    ekg = read_recording(edf).channels["EKG"]
    (said,) = ekg.warnings
    assert said.startswith("EKG: physical range [") and "unusable; replaced by [-3.28, 3.28]" in said
    assert np.isfinite(ekg.data).all() and np.abs(ekg.data).max() <= 3.28 + 1e-6


def test_inverted_digital_range_flips_polarity_and_says_so(edf):
    plain = read_recording(edf).channels["EKG"]
    header = read_header(edf).signals[0]
    patch_signal_field(edf, 0, "digital_min", str(header["digital_max"]))
    patch_signal_field(edf, 0, "digital_max", str(header["digital_min"]))
    ekg = read_recording(edf).channels["EKG"]
    (said,) = ekg.warnings
    assert said.startswith("EKG: inverted digital range") and "polarity flipped" in said
    pmin, pmax = header["physical_min"], header["physical_max"]
    np.testing.assert_allclose(ekg.data, pmin + pmax - plain.data, atol=1e-3 * (pmax - pmin))


def test_a_digital_range_beyond_16_bits_is_decoded_as_written_and_said(edf):
    patch_signal_field(edf, 0, "digital_min", "-99999")
    patch_signal_field(edf, 0, "digital_max", "99999")
    (said,) = read_recording(edf).channels["EKG"].warnings
    assert said == "EKG: digital range [-99999, 99999] beyond the 16-bit samples EDF stores: decoded as written " \
        "(amplitude as the header gives it)"  # fmt: skip


def test_what_the_fallback_library_warns_goes_into_the_recording_not_to_stderr(edf, recwarn):
    raw = bytearray(edf.read_bytes())
    raw[0:8] = b"ABC".ljust(8)  # not an EDF version: our reader refuses, edfio reads it
    raw[236:244] = b"500".ljust(8)  # more records than the file holds: edfio warns
    edf.write_bytes(bytes(raw))
    rec = read_recording(edf)
    assert rec.duration_s == 120 and len(recwarn) == 0
    assert any(w.startswith("edfio: EDF header indicates 500 data records") for w in rec.warnings), rec.warnings


def test_truncated_file_reads_complete_records(edf):
    raw = edf.read_bytes()
    header = read_header(edf)
    edf.write_bytes(raw[: header.header_bytes + 2 * header.record_samples * 50 + 77])
    rec = read_recording(edf)
    assert rec.duration_s == 50 and "truncated" in rec.warnings[0]


@pytest.mark.parametrize("count", ["-1", "-5"])
def test_an_unknown_record_count_reads_the_complete_records_and_says_what_the_header_held(edf, count):
    """EDF+ writes -1 while recording; any negative count is metadata to repair (warned), not a reason to refuse."""
    raw = bytearray(edf.read_bytes())
    complete = read_header(edf).n_records
    raw[236:244] = count.ljust(8).encode()
    edf.write_bytes(bytes(raw))
    rec = read_recording(edf)
    assert rec.duration_s == complete * read_header(edf).record_seconds
    assert f"record count unknown (header says {count}); file holds {complete} records" in rec.warnings


@pytest.mark.parametrize(("content", "message"), [(b"", "empty file"), (b"0       " + b" " * 100, "header truncated"),
                                                  (b"%PDF-1.4" + b" " * 400, "not an EDF file")])  # fmt: skip
def test_broken_files_named(tmp_path, content, message):
    path = tmp_path / "x.edf"
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=f"x.edf.*{message}") as error:
        read_recording(path)
    if content:  # our parser refused it, then so did both libraries; the message says so
        assert "nor can edfio or pyedflib read it" in str(error.value)


def test_unreadable_path_is_reported(tmp_path):
    folder = tmp_path / "dir.edf"
    folder.mkdir()
    with pytest.raises(InputFileError, match="dir.edf: a folder, not a file"):
        read_recording(folder)
    with pytest.raises(InputFileError, match="file not found"):
        read_recording(tmp_path / "missing.edf")
    (tmp_path / "x.txt").write_text("hello")
    with pytest.raises(
        InputFileError,
        match=r"x.txt: unsupported file type \(a scoring\? compare with it through --reference\); "
        r"expected .*\.edf.*; found .txt",
    ):
        read_recording(tmp_path / "x.txt")


def test_edf_plus_d_without_annotations_is_read_back_to_back(edf):
    raw = bytearray(edf.read_bytes())
    raw[192:197] = b"EDF+D"
    edf.write_bytes(bytes(raw))
    rec = read_recording(edf)
    assert rec.duration_s == 120 and "EDF+D without an annotation signal" in rec.warnings[0]


def test_edf_plus_d_gaps_are_restored_at_clock_time(tmp_path):
    onsets = [0, 1, 2, 10, 11, 12, 13, 30, 31, 32.5]  # gaps of 7 s, 16 s and 0.5 s
    path = write_edf_plus_d(tmp_path / "d.edf", onsets)
    reference = edfio.read_edf(path)  # an independent reader: sees the discontinuity, gives records back to back
    assert not reference.is_continuous
    rec = read_recording(path)
    assert rec.duration_s == 33.5 and "3 gaps (23.5 s in all) restored" in rec.warnings[0]
    for signal in reference.signals:
        x, rate = rec.channels[signal.label].data, rec.channels[signal.label].rate_hz
        back_to_back = signal.data
        assert x.size == round(33.5 * rate)
        for k, onset in enumerate(onsets):  # every record at its onset
            got = x[round(onset * rate) : round(onset * rate) + int(rate)]
            np.testing.assert_allclose(got, back_to_back[k * int(rate) : (k + 1) * int(rate)], atol=1e-4)
        assert np.isnan(x[round(3 * rate) : round(10 * rate)]).all()
        assert np.isfinite(x).sum() == back_to_back.size


@pytest.mark.parametrize(
    ("onsets", "message"),
    [
        (
            [0, 1, 2, 1.5, 4, 5, 6, 7, 8, 9],
            r"\[EDF\+D record onsets \(record 3\)\]: data records overlap or run "
            r"backwards; expected >= 3 s \(end of record 2\); found 1.5 s",
        ),
        ([0, 1, 2, "nan", 4, 5, 6, 7, 8, 9], r"\(record 3\)\]: impossible data record onset; expected a finite"),
        ([0, 1, 2, "inf", 4, 5, 6, 7, 8, 9], r"\(record 3\)\]: impossible data record onset"),
        ([-5, 1, 2, 3, 4, 5, 6, 7, 8, 9], r"\(record 0\)\]: impossible data record onset.*found -5"),
        (
            [0, 1, 2, 3, 4, 5, 6, 7, 8, 1000000],
            r"gaps between data records too long; expected gaps totalling at "
            r"most 24 h and 10x the recorded 10 s; found 999991 s of gaps",
        ),
        ([0, 1, 2, 3, 4, 5, 6, 7, 8, 120], r"gaps between data records too long"),  # 111 s > 10x 10 s
    ],
)
def test_edf_plus_d_with_impossible_onsets_is_refused_naming_the_field(tmp_path, onsets, message):
    path = write_edf_plus_d(tmp_path / "d.edf", onsets)
    with pytest.raises(InputFileError, match=message):
        read_recording(path)


def test_memory_is_bounded_by_the_input_not_by_its_onsets(tmp_path):
    """A 6-kB EDF+D placing its last record 10^6 s after the start: refused under a 700-MB address-space cap
    (decoding it as written would take 1 GB per 256-Hz channel)."""
    import subprocess
    import sys

    path = write_edf_plus_d(tmp_path / "d.edf", [0, 1, 2, 3, 4, 5, 6, 7, 8, 1000000])
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (700 << 20, 700 << 20))\n"
            "from wav2sleep.io import read_recording\nfrom wav2sleep.errors import InputFileError\n"
            f"try:\n    read_recording({str(path)!r})\nexcept InputFileError as e:\n    print('refused', e)\n")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.startswith("refused"), out.stderr[-2000:]
    assert path.stat().st_size < 10_000


def _overwrite(path, offset: int, width: int, value: bytes) -> None:
    raw = bytearray(path.read_bytes())
    raw[offset : offset + width] = value.ljust(width, b" ")
    path.write_bytes(bytes(raw))


PHYSICAL_MAX = 256 + 3 * (16 + 80 + 8 + 8)  # the first signal's physical maximum


@pytest.mark.parametrize(
    ("offset", "width", "value", "warning"),
    [
        (256, 16, b"EKG\x00\x00\x00", None),  # a label padded with NUL, as some writers pad
        (256 + 3 * 96, 8, "µV".encode(), None),  # UTF-8 in the ASCII header (the EKG's unit)
        (256 + 3 * 96, 8, "µV".encode("latin-1"), None),  # latin-1, as MNE and EDFbrowser read it
        (176, 8, b"23:01:02", None),  # colons instead of the standard's dots
        (PHYSICAL_MAX, 8, None, "EKG physical max '"),
    ],
)
def test_header_quirks_of_other_writers_read_as_meant(edf, tmp_path, offset, width, value, warning):
    quirky = tmp_path / "quirky.edf"
    quirky.write_bytes(edf.read_bytes())
    if value is None:  # the same physical maximum written with a decimal comma
        value = edf.read_bytes()[offset : offset + width].replace(b".", b",")
    _overwrite(quirky, offset, width, value)
    expected, rec = read_recording(edf), read_recording(quirky)
    assert rec.start == START and list(rec.channels) == ["EKG", "Thor", "SpO2"]
    assert rec.channels["EKG"].unit in ("uV", "µV")
    np.testing.assert_array_equal(rec.channels["EKG"].data, expected.channels["EKG"].data)
    if warning:  # e.g. "EKG physical max '434,4' written with a decimal comma: read as 434.4"
        (said,) = rec.warnings
        assert said.startswith(warning) and "written with a decimal comma: read as" in said
    else:
        assert rec.warnings == []


@pytest.mark.parametrize(
    ("offset", "width", "value", "message"),
    [
        (244, 8, b"nan", r"\[record duration\]: record duration must be a positive number of seconds; expected > 0"),
        (244, 8, b"inf", r"\[record duration\]: record duration must be a positive"),
        (244, 8, b"0", r"\[record duration\]"),
        (244, 8, b"-1", r"\[record duration\]"),
    ],
)
def test_impossible_header_values_are_refused_naming_the_field(tmp_path, offset, width, value, message):
    path = write_edf_plus_d(tmp_path / "d.edf", list(range(10)))
    _overwrite(path, offset, width, value)
    with pytest.raises(InputFileError, match=message):
        read_recording(path)


def test_zero_samples_per_record_is_refused_naming_the_channel(tmp_path):
    path = write_edf_plus_d(tmp_path / "d.edf", list(range(10)))
    header = read_header(path)
    ns = len(header.signals)
    raw = bytearray(path.read_bytes())
    at = 256 + ns * (16 + 80 + 8 + 8 + 8 + 8 + 8 + 80) + 8  # the second signal's samples-per-record field
    raw[at : at + 8] = b"0".ljust(8)
    path.write_bytes(bytes(raw))
    with pytest.raises(InputFileError, match=r"\[Thor samples per record\]: impossible samples per record"):
        read_header(path)


def test_bdf_plus_goes_through_the_library_fallback(tmp_path):
    path = str(tmp_path / "night.bdf")
    rng = np.random.default_rng(6)
    ecg, thor = rng.standard_normal(256 * 20), rng.standard_normal(10 * 20)
    with pyedflib.EdfWriter(path, 2, file_type=pyedflib.FILETYPE_BDFPLUS) as w:
        w.setSignalHeaders([
            {"label": "ECG", "dimension": "mV", "sample_frequency": 256, "physical_max": 5, "physical_min": -5,
             "digital_max": 8388607, "digital_min": -8388608},
            {"label": "Thor", "dimension": "", "sample_frequency": 10, "physical_max": 5, "physical_min": -5,
             "digital_max": 8388607, "digital_min": -8388608}])  # fmt: skip
        w.setStartdatetime(START)
        w.writeSamples([ecg, thor])
    assert channel_labels(path) == ["ECG", "Thor"]
    rec = read_recording(path, ["Thor", "ECG"])
    assert rec.start == START and rec.duration_s == 20
    assert not any("read with" in w for w in rec.warnings)  # BDF's own route, not a fallback worth a warning
    np.testing.assert_allclose(rec.channels["ECG"].data, ecg, atol=1e-5)  # 24-bit: finer than EDF's 16
    assert rec.channels["Thor"].rate_hz == 10 and rec.channels["ECG"].unit == "mV"
    with pytest.raises(InputFileError, match=r"night.bdf \[SpO2\]: channel not found"):
        read_recording(path, ["SpO2"])


def test_what_pyedflib_prints_about_a_truncated_bdf_is_kept_off_standard_output(tmp_path, capfd):
    """pyedflib's C library prints its complaint about a file's size to stdout, where `wav2sleep stage` writes its
    results; it is caught and kept with the reasons instead."""
    import ctypes

    path = tmp_path / "cut.bdf"
    with pyedflib.EdfWriter(str(path), 1, file_type=pyedflib.FILETYPE_BDF) as w:
        w.setSignalHeaders([{"label": "ECG", "dimension": "mV", "sample_frequency": 128, "physical_max": 5,
                             "physical_min": -5, "digital_max": 8388607, "digital_min": -8388608}])  # fmt: skip
        w.setStartdatetime(START)
        w.writeSamples([np.sin(np.arange(128 * 40) / 10)])
    path.write_bytes(path.read_bytes()[:-100])  # the last data record cut short
    assert channel_labels(path) == ["ECG"]
    rec = read_recording(path)
    ctypes.CDLL(None).fflush(None)  # anything C code left in its stdout buffer
    out = capfd.readouterr().out
    assert "filesize" not in out and out == ""
    assert rec.duration_s == 39 and any("39 records" in w for w in rec.warnings)  # edfio read what is there


def test_one_channel_of_a_bdf_is_decoded_without_decoding_the_others(tmp_path):
    """A BioSemi-size BDF (many channels at a high rate) must not be decoded whole to stage one of its channels."""
    import tracemalloc

    path = tmp_path / "many.bdf"
    rate, seconds, rng = 512, 900, np.random.default_rng(0)
    edfio.Bdf([edfio.BdfSignal(rng.standard_normal(rate * seconds), sampling_frequency=rate, label=f"EXG{k + 1}",
                               physical_range=(-10, 10)) for k in range(16)]).write(path)  # fmt: skip
    one_channel = rate * seconds * 8  # bytes of one channel in float64
    tracemalloc.start()
    try:
        rec = read_recording(path, ["EXG3"])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert rec.channels["EXG3"].data.size == rate * seconds
    assert peak < 4 * one_channel, f"peak {peak / 1e6:.0f} MB for a {one_channel / 1e6:.1f}-MB channel"


def test_both_fallback_libraries_agree(tmp_path):
    from wav2sleep.io.edf_libraries import _edfio, _pyedflib

    path = tmp_path / "x.bdf"
    with pyedflib.EdfWriter(str(path), 1, file_type=pyedflib.FILETYPE_BDF) as w:
        w.setSignalHeaders([{"label": "Pleth", "dimension": "", "sample_frequency": 128, "physical_max": 100,
                             "physical_min": -100, "digital_max": 8388607, "digital_min": -8388608}])  # fmt: skip
        w.setStartdatetime(START)
        w.writeSamples([np.linspace(-50, 50, 128 * 30)])
    (names_a, a), (names_b, b) = _edfio(path, None, names_only=False), _pyedflib(path, None, names_only=False)
    assert names_a == names_b == ["Pleth"] and a.start == b.start == START and a.duration_s == b.duration_s == 30
    np.testing.assert_allclose(a.channels["Pleth"].data, b.channels["Pleth"].data, atol=1e-4)
    np.testing.assert_allclose(a.channels["Pleth"].data, np.linspace(-50, 50, 128 * 30), atol=1e-3)
