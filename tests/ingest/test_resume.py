"""An ingest killed with SIGKILL mid-run and started again ends with every night valid, none twice."""

import os
import signal
import subprocess
import sys
import time

from wav2sleep.ingest.runner import ingest_folder
from wav2sleep.store import read_manifest, read_night
from wav2sleep.synth import write_corpus


def test_sigkill_then_resume(tmp_path):
    corpus = tmp_path / "corpus"
    write_corpus(corpus, datasets=["cfs"], nights=6, hours=4.0, seed=3)
    store = tmp_path / "store"
    cmd = [sys.executable, "-m", "wav2sleep", "ingest", str(corpus / "cfs"), "--out", str(store), "--workers", "1",
           "--quiet"]  # fmt: skip
    proc = subprocess.Popen(cmd, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline and not list((store / "cfs").glob("*.parquet")):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = len(list((store / "cfs").glob("*.parquet")))
    assert 1 <= done_before < 6  # really interrupted mid-run
    summary = ingest_folder(corpus / "cfs", store, workers=1, progress=False)
    assert summary.failed == 0 and summary.ok + summary.skipped == 6
    rows = read_manifest(store)
    assert sorted(r["session"] for r in rows) == sorted({r["session"] for r in rows})  # none twice
    assert len(rows) == 6 and all(r["status"] == "ok" for r in rows)
    for r in rows:
        read_night(store / r["path"]).validate()
    assert not list(store.rglob("*.tmp"))
