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


def test_truncated_file_reads_complete_records(edf):
    raw = edf.read_bytes()
    header = read_header(edf)
    edf.write_bytes(raw[: header.header_bytes + 2 * header.record_samples * 50 + 77])
    rec = read_recording(edf)
    assert rec.duration_s == 50 and "truncated" in rec.warnings[0]


@pytest.mark.parametrize(("content", "message"), [(b"", "empty file"), (b"0       " + b" " * 100, "header truncated"),
                                                  (b"%PDF-1.4" + b" " * 400, "not an EDF file")])  # fmt: skip
def test_broken_files_named(tmp_path, content, message):
    path = tmp_path / "x.edf"
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=f"x.edf.*{message}"):
        read_recording(path)


def test_unreadable_path_is_reported(tmp_path):
    folder = tmp_path / "dir.edf"
    folder.mkdir()
    with pytest.raises(InputFileError, match="dir.edf: cannot read file"):
        read_recording(folder)
    with pytest.raises(InputFileError, match="file not found"):
        read_recording(tmp_path / "missing.edf")
    (tmp_path / "x.txt").write_text("hello")
    with pytest.raises(InputFileError, match=r"x.txt: unsupported file type; expected .*\.edf.*; found .txt"):
        read_recording(tmp_path / "x.txt")


def test_discontinuous_edf_plus_is_reported(edf):
    raw = bytearray(edf.read_bytes())
    raw[192:197] = b"EDF+D"
    edf.write_bytes(bytes(raw))
    assert "EDF+D (discontinuous)" in read_recording(edf).warnings[0]
