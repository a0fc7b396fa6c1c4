"""A store on a disk that fills up: the run completes, the nights that did not fit are failed with the reason,
no partial file is left, and the nights written before stay valid."""

import subprocess

import pytest

from wav2sleep.ingest.runner import ingest_folder
from wav2sleep.store import read_manifest, read_night
from wav2sleep.synth import write_corpus


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=9m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.decode().strip()})")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_full_disk_fails_nights_cleanly(tmp_path, small_disk):
    corpus = tmp_path / "corpus"
    write_corpus(corpus, datasets=["mesa"], nights=4, hours=1.0, seed=2)
    signals = "ECG,PPG,ABD,THX,EOG-L,EOG-R"  # ~6 MB per 1-h night: one or two fit in 9 MB
    summary = ingest_folder(corpus / "mesa", small_disk, signals=signals, workers=1, progress=False)
    assert summary.ok >= 1 and summary.failed >= 1 and summary.ok + summary.failed == 4
    rows = read_manifest(small_disk)
    failed = [r for r in rows if r["status"] == "failed"]
    assert failed and all("No space left" in r["error"] for r in failed)
    assert not list(small_disk.rglob("*.tmp"))
    for r in rows:
        if r["status"] == "ok":
            read_night(small_disk / r["path"]).validate()
