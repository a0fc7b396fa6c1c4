"""Every NSRR layout of the synthetic corpus ingests with exact sample counts and the generator's stages."""

import numpy as np

from wav2sleep.signals import SIGNALS
from wav2sleep.store import night_path, read_manifest, read_night


def test_every_night_ingests_with_truth_labels(ingested, synth_corpus):
    _, records = synth_corpus
    _, store = ingested
    rows = {(r["dataset"], r["session"]): r for r in read_manifest(store)}
    assert len(rows) == len(records)
    for rec in records:
        row = rows[(rec.dataset, rec.session)]
        assert row["status"] == "ok", row
        night = read_night(night_path(store, rec.dataset, rec.session))
        n = len(rec.stages)
        assert night.n_epochs == n
        np.testing.assert_array_equal(night.stages, rec.stages)  # epoch by epoch
        assert set(night.signals) == set(rec.channels)
        for signal, x in night.signals.items():
            assert x.shape == (n * SIGNALS[signal].samples_per_epoch,)
            assert night.meta["signals"][signal]["channel"] == rec.channels[signal]
        assert night.meta["start_time"] == rec.start.isoformat()


def test_ecg_is_in_millivolts_whatever_the_file_unit(ingested):
    _, store = ingested
    for row in read_manifest(store):
        ecg = read_night(store / row["path"], ["ECG"]).signals["ECG"]
        assert 0.2 < np.percentile(np.abs(ecg), 99.9) < 5, row["session"]


def test_rerun_skips_finished_nights(ingested):
    from wav2sleep.ingest.runner import ingest_folder

    root, store = ingested
    before = {p: p.stat().st_mtime_ns for p in (store / "mesa").glob("*.parquet")}
    summary = ingest_folder(root / "mesa", store, signals="ECG,PPG,ABD,THX,EOG-L,EOG-R", progress=False)
    assert summary.skipped == len(before) and summary.ok == 0
    assert {p: p.stat().st_mtime_ns for p in (store / "mesa").glob("*.parquet")} == before
