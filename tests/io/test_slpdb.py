"""SLPDB (real PhysioNet data): beat intervals -> the RR channel, expert stages, ingestion, subject folds."""

import re
from datetime import datetime

import numpy as np
import pytest

from wav2sleep.errors import InputFileError
from wav2sleep.heartbeats import RATE_HZ
from wav2sleep.io import channel_labels, read_recording
from wav2sleep.io.beat_intervals import parse_clock
from wav2sleep.io.slpdb_annotations import read_slpdb_annotations
from wav2sleep.io.stage_events import epochs_from_events


def _rows(path):
    return [line.split() for line in path.read_text().splitlines() if line.strip()]


def test_rr_channel_from_normal_beats(shared_data):
    path = shared_data / "slpdb" / "slp01a.rr"
    assert channel_labels(path) == ["RR"]
    rec = read_recording(path)
    x = rec.channels["RR"].data
    assert rec.start == datetime(1989, 1, 19, 23, 7) and rec.duration_s == 7200  # from slp01a.hea
    assert rec.channels["RR"].rate_hz == RATE_HZ and x.size == int(7200 * RATE_HZ) and rec.channels["RR"].unit == "s"
    normal = np.array([float(r[2]) for r in _rows(path) if r[1] == r[3] == "N"])
    assert np.median(x) == pytest.approx(np.median(normal), rel=0.02)
    assert x.min() >= 0.3 and x.max() <= 2.0 and not rec.warnings and not rec.channels["RR"].warnings


def test_long_gaps_are_filled_and_reported(shared_data):
    rec = read_recording(shared_data / "slpdb" / "slp03.rr")  # one 514-s interval in the file
    warning = rec.channels["RR"].warnings[0]
    seconds = int(re.search(r"\((\d+) s\)", warning).group(1))
    assert 505 <= seconds <= 520 and "median interval" in warning
    assert np.isfinite(rec.channels["RR"].data).all()


def test_stages_from_the_an_file(shared_data):
    path = shared_data / "slpdb" / "slp16.an"
    events = read_slpdb_annotations(path)
    aux = [line.split("\t")[1].split()[0] for line in path.read_text().splitlines()[1:] if line.strip()]
    expected = {"W": 0, "1": 1, "2": 2, "3": 3, "4": 3, "R": 4, "MT": -1}
    assert events.codes.tolist() == [expected[a] for a in aux]
    assert events.onsets[0] == 780  # scoring starts 13 min in
    stages, warnings = epochs_from_events(events, 720)
    assert (stages[:26] == -1).all() and stages[26] == expected[aux[0]] and not warnings


def test_a_beat_interval_file_can_be_staged(shared_data, tmp_path):
    import torch

    from wav2sleep.inference.stage import stage
    from wav2sleep.models import create_model

    torch.manual_seed(0)
    model = create_model("wav2sleep", signals=("IBI",), feature_dim=16, epoch_mixer={"nhead": 2, "dim_ff": 32})
    hyp = stage(shared_data / "slpdb" / "slp67x.rr", model)
    assert hyp.n_epochs == 154 and hyp.start is None  # its header gives a time of day but no date
    assert hyp.metadata["channels"]["IBI"]["channel"] == "RR"


def test_bad_rows_name_the_line(tmp_path):
    path = tmp_path / "x.rr"
    path.write_text("    0:00.000\t[0]\t0.8\tN\t    0:00.800\n    0:00.800\tN\tabc\tN\t0:01.6\n")
    with pytest.raises(InputFileError, match=r"x.rr \[line 2\]: unreadable beat-interval row"):
        read_recording(path)
    path.write_text("")
    with pytest.raises(InputFileError, match="too few normal beats"):
        read_recording(path)


def test_slpdb_ingests_with_subject_folds(shared_data, tmp_path):
    from wav2sleep.data.splits import read_split, write_subject_folds
    from wav2sleep.ingest.runner import ingest_folder
    from wav2sleep.store import read_manifest, read_night

    summary = ingest_folder(shared_data / "slpdb", tmp_path, signals="IBI", workers=2, progress=False)
    assert summary.ok == 13 and summary.failed == 0
    rows = {r["session"]: r for r in read_manifest(tmp_path)}
    assert rows["slp01a"]["subject"] == rows["slp01b"]["subject"] == "slp01" and rows["slp67x"]["subject"] == "slp67"
    night = read_night(tmp_path / rows["slp01a"]["path"])
    assert night.n_epochs == 240 and night.signals["IBI"].shape == (240 * 256,)
    an = read_slpdb_annotations(shared_data / "slpdb" / "slp01a.an")
    np.testing.assert_array_equal(night.stages, epochs_from_events(an, 240)[0])
    folds = [read_split(tmp_path, p.stem) for p in write_subject_folds(tmp_path, 4)]
    tested = [s for f in folds for (_, s), part in f.items() if part == "test"]
    assert sorted(tested) == sorted(rows)  # every night tested exactly once
    for f in folds:
        parts = {f[("slpdb", s)] for s in ("slp01a", "slp01b")}
        assert len(parts) == 1 and set(f.values()) == {"train", "val", "test"}  # halves of a night stay together


def test_every_physionet_stage_label_maps_and_an_unknown_one_names_its_line(tmp_path):
    from wav2sleep.errors import InputFileError
    from wav2sleep.io.slpdb_annotations import read_slpdb_annotations

    rows = ["Elapsed time  Sample #  Type  Sub Chan  Num\tAux"]
    labels = ["W", "1", "2 HA", "3 OA X", "4", "R", "MT", "M", "w", "r L", "mt", ""]
    rows += [
        f'{e // 2}:{(e % 2) * 30:02d}.000 {e * 7500:>8}     "    0    0    0\t{tok}' for e, tok in enumerate(labels)
    ]
    path = tmp_path / "x.an"
    path.write_text("\n".join(rows) + "\n")
    events = read_slpdb_annotations(path)
    assert events.codes.tolist() == [0, 1, 2, 3, 3, 4, -1, -1, 0, 4, -1, -1]
    path.write_text("\n".join([*rows[:4], rows[4].replace("\t3 OA X", "\tQ OA")]) + "\n")
    with pytest.raises(
        InputFileError, match=r"x\.an \[line 5\]: unknown stage label; expected an R&K stage.*found 'Q'"
    ):
        read_slpdb_annotations(path)


def test_a_stray_byte_fails_its_row_and_a_binary_file_is_refused(shared_data, tmp_path):
    """A non-UTF-8 byte in a row is an error naming that line (not a codec error for the whole file); a file with
    a NUL byte is named as not text. The readers never change the file they read."""
    rr = (shared_data / "slpdb" / "slp41.rr").read_bytes().splitlines(keepends=True)
    an = (shared_data / "slpdb" / "slp41.an").read_bytes().splitlines(keepends=True)
    (tmp_path / "x.rr").write_bytes(b"".join([*rr[:99], rr[99].replace(b"\tN\t", b"\tN\t\xc3", 1), *rr[100:]]))
    with pytest.raises(InputFileError, match=r"x\.rr \[line 100\]: unreadable beat-interval row"):
        read_recording(tmp_path / "x.rr")
    (tmp_path / "x.an").write_bytes(b"".join([*an[:9], an[9].rstrip(b"\n") + b"\xe9\n", *an[10:]]))
    with pytest.raises(InputFileError, match=r"x\.an \[line 10\]: unknown stage label"):
        read_slpdb_annotations(tmp_path / "x.an")
    before = b"".join([*an[:9], b"\x00\x01", *an[9:]])
    (tmp_path / "y.an").write_bytes(before)
    with pytest.raises(InputFileError, match=r"y\.an: not a text file; expected stage annotations; found a NUL byte"):
        read_slpdb_annotations(tmp_path / "y.an")
    assert (tmp_path / "y.an").read_bytes() == before
    # A UTF-8 byte-order mark and Windows line ends are text like any other.
    (tmp_path / "z.an").write_bytes(b"\xef\xbb\xbf" + b"".join(line.rstrip(b"\n") + b"\r\n" for line in an))
    assert (
        read_slpdb_annotations(tmp_path / "z.an").codes.tolist()
        == read_slpdb_annotations(shared_data / "slpdb" / "slp41.an").codes.tolist()
    )


def _copy_slp41(shared_data, tmp_path, *, rr=None, hea=None):
    """slp41's three files in ``tmp_path`` as ``x.*``, with the .rr rows or the .hea text replaced if given."""
    src = shared_data / "slpdb"
    rows = (src / "slp41.rr").read_text().splitlines(keepends=True)
    (tmp_path / "x.rr").write_text("".join(rr(rows) if rr else rows))
    text = (src / "slp41.hea").read_text().replace("slp41", "x")
    (tmp_path / "x.hea").write_text(hea(text) if hea else text)
    return tmp_path / "x.rr"


def test_beat_times_are_data_out_of_order_or_impossible_ones_are_refused_by_line(shared_data, tmp_path):
    swapped = _copy_slp41(shared_data, tmp_path, rr=lambda r: [*r[:199], r[200], r[199], *r[201:]])
    with pytest.raises(InputFileError, match=r"x\.rr \[line 201\]: beat times out of order; expected increasing"):
        read_recording(swapped)
    for bad in ("nan", "-0:01.000", "inf"):
        path = _copy_slp41(shared_data, tmp_path, rr=lambda r, bad=bad: [*r[:49], r[49].rsplit("\t", 1)[0] + f"\t{bad}\n", *r[50:]])  # fmt: skip
        with pytest.raises(InputFileError, match=r"x\.rr \[line 50\]: unreadable beat-interval row"):
            read_recording(path)
    far = _copy_slp41(shared_data, tmp_path, rr=lambda r: [*r, "99999:00:00.000\tN\t0.8\tN\t99999:00:00.800\n"])
    with pytest.raises(InputFileError, match=r"x\.rr \[line \d+\]: beat time beyond any recording; expected at most 7"):
        read_recording(far)


def test_the_header_beside_beats_is_metadata_a_bad_one_is_reported_and_the_beats_decide(shared_data, tmp_path):
    good = read_recording(_copy_slp41(shared_data, tmp_path))
    assert good.duration_s == 5850000 / 250 and good.start == datetime(1989, 8, 24, 23, 51, 30)
    last_beat = parse_clock(_rows(shared_data / "slpdb" / "slp41.rr")[-1][-1])
    # A length of 12 years (a corrupted sample count) would allocate gigabytes: the beats decide instead.
    huge = read_recording(_copy_slp41(shared_data, tmp_path, hea=lambda t: t.replace("5850000", "99999999999", 1)))
    assert huge.start == good.start and last_beat == huge.duration_s < good.duration_s
    assert any("length 4e+08 s disagrees with the beats" in w for w in huge.warnings)
    np.testing.assert_array_equal(huge.channels["RR"].data, good.channels["RR"].data[: huge.channels["RR"].data.size])
    # An unreadable header: no start, the length from the beats, the reason in a warning.
    broken = read_recording(_copy_slp41(shared_data, tmp_path, hea=lambda t: "x seven 250\n"))
    assert broken.start is None and broken.duration_s == huge.duration_s
    assert any(
        "x.hea" in w and "unreadable WFDB header" in w and "length from the last beat" in w for w in broken.warnings
    )
