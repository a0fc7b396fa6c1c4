"""The store cannot be corrupted or escaped: session-id conflicts, dataset names, long ids, locks, stale temporaries,
unwritable stores, and generic folders that report what they skip."""

import os
import shutil
import subprocess
import sys
from datetime import datetime

import numpy as np
import pytest

from wav2sleep.cli.main import main
from wav2sleep.errors import ConfigError
from wav2sleep.ingest.runner import LOCK_FILE, ingest_folder
from wav2sleep.store import read_manifest
from wav2sleep.synth import write_edf


def _recording(path, seconds=120):
    rng = np.random.default_rng(len(str(path)))
    return write_edf(path, [("ECG", rng.standard_normal(128 * seconds), 128, "mV")], datetime(2020, 1, 1, 22))


@pytest.fixture
def folder(tmp_path):
    src = tmp_path / "recs"
    (src / "a").mkdir(parents=True)
    _recording(src / "a" / "night.edf")
    _recording(src / "a__night.edf")  # the generic session id of a/night.edf too
    _recording(src / "other.edf")
    return src


def test_two_sources_with_one_session_id_are_both_reported_and_neither_overwrites(folder, tmp_path):
    store = tmp_path / "store"
    summary = ingest_folder(folder, store, workers=1, progress=False)
    assert summary.ok == 1 and summary.failed == 2
    assert [session for session, _ in summary.failures] == ["a__night", "a__night"]
    assert {e.split(":")[0] for _, e in summary.failures} == {
        str(folder / "a" / "night.edf"),
        str(folder / "a__night.edf"),
    }
    assert all("session id 'a__night' is also the id of" in e and "none of them ingested" in e
               for _, e in summary.failures)  # fmt: skip
    rows = {r["session"]: r for r in read_manifest(store)}
    assert rows["a__night"]["status"] == "failed" and rows["a__night"]["path"] == ""
    assert "a/night.edf" in rows["a__night"]["source"] and "a__night.edf" in rows["a__night"]["source"]
    assert not list(store.rglob("a__night.parquet")) and rows["other"]["status"] == "ok"


@pytest.mark.parametrize("name", ["../../x", "a/b", "..", ".hidden", "", "x" * 65])
def test_dataset_must_be_a_plain_name(folder, tmp_path, name):
    with pytest.raises(ConfigError, match="a dataset name is a plain name"):
        ingest_folder(folder, tmp_path / "store", dataset=name, progress=False)
    assert not (tmp_path / "x").exists() and not (tmp_path.parent / "x").exists()


def test_a_session_id_too_long_for_a_file_name_is_a_failed_night_with_a_manifest_row(tmp_path):
    src = tmp_path / "recs"
    deep = src / ("d" * 120) / ("e" * 120)
    deep.mkdir(parents=True)
    _recording(deep / "night.edf")
    summary = ingest_folder(src, tmp_path / "store", workers=1, progress=False)
    assert summary.failed == 1 and "session id too long for a file name" in summary.failures[0][1]
    rows = read_manifest(tmp_path / "store")
    assert len(rows) == 1 and rows[0]["status"] == "failed" and rows[0]["session"].endswith("night")


def test_a_second_ingest_on_the_same_store_is_refused_while_the_first_holds_the_lock(folder, tmp_path):
    from filelock import FileLock

    store = tmp_path / "store"
    store.mkdir()
    with FileLock(store / LOCK_FILE):  # another process holds it: filelock locks are per open file description
        code = subprocess.run([sys.executable, "-m", "wav2sleep", "ingest", str(folder), "--out", str(store),
                               "--quiet"], capture_output=True, text=True, timeout=120)  # fmt: skip
    assert code.returncode == 2
    assert "another wav2sleep ingest is writing to this store" in code.stderr and "Traceback" not in code.stderr
    assert not list(store.rglob("*.parquet"))
    assert ingest_folder(folder, store, workers=1, progress=False).ok == 1  # free again


def test_temporaries_of_a_killed_run_are_removed_and_nothing_else(folder, tmp_path):
    store = tmp_path / "store"
    (store / "recs" / ".status").mkdir(parents=True)
    stale = [store / "recs" / ".other.parquet.k3j4h5.tmp", store / "recs" / ".status" / ".other.json.x1y2z3.tmp"]
    for path in stale:
        path.write_bytes(b"half a file")
    keep = store / "recs" / ".notes.tmp"  # not our pattern (.<name>.<random>.tmp)
    keep.write_text("user file")
    ingest_folder(folder, store, workers=1, progress=False)
    assert not any(p.exists() for p in stale) and keep.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders")
def test_an_unwritable_store_is_a_one_line_error(folder, tmp_path, capsys):
    store = tmp_path / "store"
    store.mkdir()
    store.chmod(0o500)
    try:
        assert main(["ingest", str(folder), "--out", str(store), "--quiet"]) == 2
    finally:
        store.chmod(0o700)
    err = capsys.readouterr().err
    assert "folder not writable" in err and "Traceback" not in err


def test_an_unwritable_store_is_refused_before_any_work(folder, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert main(["ingest", str(folder), "--out", str(blocker / "store"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"{blocker / 'store'}: folder not writable" in err and "Traceback" not in err


def test_folders_and_broken_links_named_like_recordings_are_failed_nights_with_the_reason(tmp_path):
    src = tmp_path / "recs"
    src.mkdir()
    _recording(src / "good.edf")
    (src / "folder.edf").mkdir()
    (src / "dangling.edf").symlink_to(tmp_path / "missing.edf")
    (src / "loop.edf").symlink_to(src / "loop.edf")
    (src / "unrelated.edf").mkdir()  # no hypnogram beside it: not a night at all
    for name in ("good", "folder", "dangling", "loop"):
        (src / f"{name}.hypnogram.csv").write_text("stage\n" + "W\n" * 4)
    summary = ingest_folder(src, tmp_path / "store", workers=1, progress=False)
    errors = dict(summary.failures)
    assert summary.ok == 1 and set(errors) == {"folder", "dangling", "loop"}
    assert "recording: a folder, not a file" in errors["folder"]
    assert "recording: dangling link" in errors["dangling"]
    assert "recording: link that loops" in errors["loop"]


def test_the_ingest_exit_status_is_non_zero_when_a_night_failed(folder, tmp_path, capsys):
    shutil.copy(folder / "other.edf", tmp_path / "x.edf")
    (folder / "broken.edf").write_bytes(b"0       garbage")
    assert main(["ingest", str(folder), "--out", str(tmp_path / "store"), "--quiet"]) == 1
    captured = capsys.readouterr()
    assert "wav2sleep ingest: failed broken:" in captured.err and "1 ok" in captured.out


def test_a_file_name_that_is_not_utf8_ingests_under_a_session_id_the_manifest_can_hold(tmp_path):
    src = tmp_path / "recs"
    src.mkdir()
    for stem in (os.fsdecode(b"nuit\xff\xfe"), "good"):
        _recording(src / f"{stem}.edf")
        (src / f"{stem}.hypnogram.csv").write_text("stage\n" + "W\n" * 4)
    summary = ingest_folder(src, tmp_path / "store", workers=1, progress=False)
    assert summary.ok == 2  # was UnicodeEncodeError: surrogates not allowed, for the whole run
    manifest = read_manifest(tmp_path / "store")
    assert sorted(row["session"] for row in manifest) == ["good", "nuit\\xff\\xfe"]
    assert (tmp_path / "store" / "recs" / "nuit\\xff\\xfe.parquet").is_file()
