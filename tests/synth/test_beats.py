"""Synthetic beat-interval nights: SLPDB file formats, ingested as a generic folder, stages equal to the truth."""

import numpy as np

from wav2sleep.ingest.runner import ingest_folder
from wav2sleep.io import read_recording
from wav2sleep.store import read_manifest, read_night
from wav2sleep.synth import simulate_night
from wav2sleep.synth.beats import write_beat_corpus


def test_beat_nights_ingest_with_their_true_stages(tmp_path):
    folder = write_beat_corpus(tmp_path / "corpus", nights=2, hours=2.0, seed=3)
    summary = ingest_folder(folder, tmp_path / "store", signals="IBI", workers=1, progress=False)
    assert summary.ok == 2 and summary.failed == 0
    for i, row in enumerate(sorted(read_manifest(tmp_path / "store"), key=lambda r: r["session"])):
        assert row["dataset"] == "ibi" and row["session"] == f"ibi{i:04d}"
        truth = simulate_night(3 * 100_003 + i, 2.0, has_ppg=False, eog=False,
                               rates={"ECG": 32.0, "ABD": 1.0, "THX": 1.0})  # fmt: skip
        night = read_night(tmp_path / "store" / row["path"])
        np.testing.assert_array_equal(night.stages, truth.stages[: night.n_epochs])
        rr = read_recording(folder / f"{row['session']}.rr").channels["RR"].data
        assert abs(np.median(rr) - np.median(np.diff(truth.beat_times))) < 0.01
        assert night.n_epochs >= truth.stages.size - 1
    rows = (folder / "ibi0000.rr").read_text().splitlines()
    assert any("\tV\t" in r for r in rows)  # ectopic beats present (and bridged by the reader)


def test_the_cli_writes_only_beat_nights_when_only_they_are_asked_for(tmp_path):
    from wav2sleep.cli.main import main

    assert main(["synth", str(tmp_path / "out"), "--beat-nights", "1", "--hours", "0.5"]) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["ibi"]
    assert sorted(p.suffix for p in (tmp_path / "out" / "ibi").iterdir()) == [".an", ".rr"]
