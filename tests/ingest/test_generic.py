"""Real PhysioNet waveforms (shared/data/wfdb_excerpts) and plain EDF folders ingest as generic datasets."""

import shutil

from wav2sleep.ingest.runner import ingest_folder
from wav2sleep.store import read_manifest, read_night


def test_wfdb_excerpts_pick_ecg_ppg_and_respiration(shared_data, tmp_path):
    src = tmp_path / "excerpts"
    shutil.copytree(shared_data / "wfdb_excerpts", src)
    summary = ingest_folder(src, tmp_path / "store", workers=1, progress=False)
    assert summary.failed == 0
    rows = {r["session"]: r for r in read_manifest(tmp_path / "store")}
    assert {s: rows[s]["signals"] for s in rows} == {"100": "ECG", "a103l": "ECG,PPG", "03700181": "ECG,THX"}
    night = read_night(tmp_path / "store" / rows["a103l"]["path"])
    assert night.stages is None and night.n_epochs == 11  # 5.5 min
    assert night.meta["signals"]["ECG"]["channel"] == "II" and night.meta["signals"]["PPG"]["channel"] == "PLETH"
    assert read_night(tmp_path / "store" / rows["03700181"]["path"]).meta["signals"]["THX"]["channel"] == "RESP"
