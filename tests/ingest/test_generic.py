"""Real PhysioNet waveforms (shared/data/wfdb_excerpts) and plain EDF folders ingest as generic datasets, with their
scorings (EDF+ hypnograms, stages in a recording's own annotations)."""

import shutil
from datetime import datetime

import numpy as np

from wav2sleep.hypnogram import Hypnogram
from wav2sleep.ingest.runner import ingest_folder
from wav2sleep.store import read_manifest, read_night
from wav2sleep.synth import simulate_night, write_edf


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


def test_edf_plus_scorings_sleep_edf_pairs_and_stages_inside_a_recording(tmp_path):
    """A Sleep-EDF-style folder: NAME0-PSG.edf scored in NAMEx-Hypnogram.edf (not itself a night), a recording with
    its stages in its own annotations, and one whose annotations hold no stage (kept, unscored)."""
    night = simulate_night(2, 1.0, eog=False, has_ppg=False, rates={"ECG": 128, "ABD": 16, "THX": 16})
    labels = {"ECG": "EKG", "ABD": "Abdo", "THX": "Thor"}
    channels = [(labels[s], x, r, "mV" if s == "ECG" else "") for s, (x, r) in night.waveforms.items()]
    start = datetime(1989, 4, 24, 22, 44)
    codes = np.repeat([0, 1, 2, 3, 2, 4], 20).astype(np.int8)
    src = tmp_path / "sleep-edf"
    src.mkdir()
    write_edf(src / "SC4001E0-PSG.edf", channels, start, annotations=[(0.0, "Lights off")])
    Hypnogram(codes, 5, start).to_edf_annotations(src / "SC4001EC-Hypnogram.edf")
    texts = {0: "Sleep stage W", 1: "Sleep stage 1", 2: "Sleep stage 2", 3: "Sleep stage 4", 4: "Sleep stage R"}
    write_edf(src / "own.edf", channels, start, annotations=[(30.0 * i, texts[int(c)]) for i, c in enumerate(codes)])
    write_edf(src / "plain.edf", channels, start, annotations=[(60.0, "Lights off")])
    summary = ingest_folder(src, tmp_path / "store", workers=1, progress=False)
    assert summary.failed == 0
    rows = {r["session"]: r for r in read_manifest(tmp_path / "store")}
    assert sorted(rows) == ["SC4001E0-PSG", "own", "plain"]
    for session in ("SC4001E0-PSG", "own"):
        np.testing.assert_array_equal(read_night(tmp_path / "store" / rows[session]["path"]).stages, codes)
    assert read_night(tmp_path / "store" / rows["plain"]["path"]).stages is None


def test_a_channel_chosen_for_every_recording_is_used_and_one_without_it_fails_naming_it(tmp_path, capsys):
    """Sleep-EDF's single horizontal EOG has no alias: ``--channel EOG-L='EOG horizontal'`` ingests it."""
    from wav2sleep.cli.main import main

    night = simulate_night(3, 0.5, eog=False, has_ppg=False, rates={"ECG": 128})
    ecg = night.waveforms["ECG"][0]
    eog = 0.05 * np.sin(np.arange(ecg.size * 4) / 30)
    src = tmp_path / "sleep-edf"
    src.mkdir()
    start = datetime(1989, 4, 24, 22, 44)
    write_edf(src / "a.edf", [("EOG horizontal", eog, 512, "mV"), ("Resp oro-nasal", ecg[::128], 1, "")], start)
    write_edf(src / "b.edf", [("EEG Fpz-Cz", eog, 512, "mV")], start)
    store = tmp_path / "store"
    code = main(["ingest", str(src), "--out", str(store), "--signals", "EOG-L", "--channel", "EOG-L=EOG horizontal",
                 "--workers", "1", "--quiet"])  # fmt: skip
    err = capsys.readouterr().err
    rows = {r["session"]: r for r in read_manifest(store)}
    assert code == 1 and rows["a"]["status"] == "ok" and rows["b"]["status"] == "failed"
    assert "channel 'EOG horizontal' for EOG-L not found" in err and "b.edf" in err
    meta = read_night(store / rows["a"]["path"]).meta["signals"]["EOG-L"]
    assert meta["channel"] == "EOG horizontal"
    assert main(["ingest", str(src), "--out", str(tmp_path / "s2"), "--signals", "ECG", "--channel",
                 "EOG-L=EOG horizontal"]) == 2  # fmt: skip
    assert "which --signals does not keep" in capsys.readouterr().err


def test_a_4_class_scoring_fails_its_night_naming_the_scoring_and_the_rest_ingest(tmp_path):
    """Light sleep (N1 and N2 not told apart; a wearable's or a 4-class model's hypnogram) cannot train 5 classes."""
    night = simulate_night(2, 0.5, eog=False, has_ppg=False, rates={"ECG": 128})
    channels = [("EKG", night.waveforms["ECG"][0], 128, "mV")]
    src = tmp_path / "watch"
    src.mkdir()
    for name in ("four", "five"):
        write_edf(src / f"{name}.edf", channels, datetime(2021, 6, 1, 23, 0))
    (src / "four.hypnogram.csv").write_text("onset,stage\n0,W\n30,Light\n60,Deep\n90,REM\n")
    (src / "five.hypnogram.csv").write_text("onset,stage\n0,W\n30,N1\n60,N3\n90,REM\n")
    summary = ingest_folder(src, tmp_path / "store", workers=1, progress=False)
    assert summary.ok == 1 and summary.failed == 1
    ((where, why),) = summary.failures
    assert "four" in where and "four.hypnogram.csv [stages]: a 4-class scoring (light sleep" in why
    rows = {r["session"]: r for r in read_manifest(tmp_path / "store")}
    assert rows["five"]["status"] == "ok" and rows["four"]["status"] == "failed" and "4-class" in rows["four"]["error"]


def test_dreamt_tables_ingest_with_their_stage_column_and_other_tables_are_not_nights(tmp_path):
    """DREAMT's layout: a wristband's 64-Hz BVP (taken as PPG) with the scorer's stage on every row; a hypnogram CSV
    and an unscored table of samples in the same folder are not nights."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    src = tmp_path / "dreamt"
    src.mkdir()
    labels = ["P", "P", "W", "N1", "N2", "N2", "N3", "R", "W", "N2"]
    t = np.arange(len(labels) * 30 * 64) / 64
    bvp = np.sin(2 * np.pi * 1.1 * t) ** 9 * 40 + np.random.default_rng(0).normal(0, 1, t.size)
    table = pa.table({"TIMESTAMP": t, "BVP": bvp, "ACC_X": np.zeros(t.size), "Sleep_Stage": np.repeat(labels, 30 * 64)})
    pacsv.write_csv(table, src / "S002_whole_df.csv")
    pacsv.write_csv(table.drop_columns(["Sleep_Stage"]), src / "unscored.csv")
    (src / "notes.hypnogram.csv").write_text("stage\nW\nN1\n")
    summary = ingest_folder(src, tmp_path / "store", signals="PPG", workers=1, progress=False)
    assert summary.ok == 1 and summary.failed == 0
    (row,) = read_manifest(tmp_path / "store")
    night = read_night(tmp_path / "store" / row["path"])
    assert row["session"] == "S002_whole_df" and night.meta["signals"]["PPG"]["channel"] == "BVP"
    np.testing.assert_array_equal(night.stages, [-1, -1, 0, 1, 2, 2, 3, 4, 0, 2])


def test_an_nch_style_tsv_beside_the_edf_is_its_scoring(tmp_path):
    """The NCH Sleep DataBank (NSRR) scores X.edf in X.tsv: onset, duration, description, stages among other events."""
    from wav2sleep.inference.reference import find_reference

    night = simulate_night(2, 0.5, eog=False, has_ppg=False, rates={"ECG": 128})
    src = tmp_path / "nch"
    src.mkdir()
    edf = write_edf(src / "10000_17728.edf", [("EKG", night.waveforms["ECG"][0], 128, "mV")], datetime(2013, 2, 1, 21))
    codes = np.repeat([0, 1, 2, 3, 4], 12)
    texts = {0: "Sleep stage W", 1: "Sleep stage N1", 2: "Sleep stage N2", 3: "Sleep stage N3", 4: "Sleep stage R"}
    rows = ["onset\tduration\tdescription", "0.0\t0.0\tLights Off"]
    rows += [f"{30.0 * i}\t30.0\t{texts[int(c)]}" for i, c in enumerate(codes)] + ["312.5\t11.2\tOxygen Desaturation"]
    (src / "10000_17728.tsv").write_text("\n".join(rows) + "\n")
    (src / "other.tsv").write_text("onset\tduration\tvalue\n0\t1\t2\n")  # no stage column: not a scoring
    assert find_reference(edf, []) == src / "10000_17728.tsv"
    summary = ingest_folder(src, tmp_path / "store", signals="ECG", workers=1, progress=False)
    assert summary.ok == 1 and summary.failed == 0
    (row,) = read_manifest(tmp_path / "store")
    np.testing.assert_array_equal(read_night(tmp_path / "store" / row["path"]).stages, codes)


def test_an_nsrr_dataset_not_among_the_seven_ingests_with_its_scorings_from_nsrrs_layout(tmp_path):
    """NSRR's other cohorts (HomePAP, APPLES, ...) share its download layout: edfs/ and annotations-events-nsrr/ with
    the same sub-folders. Any such folder ingests with its stages."""
    from wav2sleep.synth.annotations import write_nsrr_xml

    night = simulate_night(2, 0.5, eog=False, has_ppg=False, rates={"ECG": 128})
    psg = tmp_path / "homepap" / "polysomnography"
    (psg / "edfs" / "lab").mkdir(parents=True)
    (psg / "annotations-events-nsrr" / "lab").mkdir(parents=True)
    start = datetime(2011, 5, 2, 22, 30)
    write_edf(psg / "edfs" / "lab" / "homepap-lab-1600001.edf", [("ECG", night.waveforms["ECG"][0], 128, "mV")], start)
    write_nsrr_xml(psg / "annotations-events-nsrr" / "lab" / "homepap-lab-1600001-nsrr.xml", night.stages, start)
    summary = ingest_folder(tmp_path / "homepap", tmp_path / "store", signals="ECG", workers=1, progress=False)
    assert summary.ok == 1 and summary.failed == 0
    (row,) = read_manifest(tmp_path / "store")
    np.testing.assert_array_equal(read_night(tmp_path / "store" / row["path"]).stages, night.stages)


def test_a_repaired_copy_is_read_in_place_of_its_original_as_the_same_scored_night(tmp_path):
    """The original's 0_fix_edfs saves a repaired X.edf as X_fixed.edf beside it: the copy is read, not X.edf (nor
    both), under X's session and with X's scoring; a copy whose original is gone still ingests as that night. A
    folder staged with `wav2sleep stage` takes the copies too."""
    from wav2sleep.synth.annotations import write_nsrr_xml

    night = simulate_night(2, 0.5, eog=False, has_ppg=False, rates={"ECG": 128})
    ecg = night.waveforms["ECG"][0]
    folder, start = tmp_path / "lab", datetime(2011, 5, 2, 22, 30)
    (folder / "sub").mkdir(parents=True)
    write_edf(folder / "a.edf", [("Junk", ecg, 128, "mV")], start)  # unusable: it fails if it is read
    write_edf(folder / "a_fixed.edf", [("ECG", ecg, 128, "mV")], start)
    write_edf(folder / "sub" / "b_fixed.edf", [("ECG", ecg, 128, "mV")], start)
    for name in ("a", "sub/b"):
        write_nsrr_xml(folder / f"{name}-nsrr.xml", night.stages, start)
    summary = ingest_folder(folder, tmp_path / "store", signals="ECG", workers=1, progress=False)
    assert summary.ok == 2 and summary.failed == 0
    rows = {row["session"]: row for row in read_manifest(tmp_path / "store")}
    assert set(rows) == {"a", "sub__b"}
    for row in rows.values():
        np.testing.assert_array_equal(read_night(tmp_path / "store" / row["path"]).stages, night.stages)
    from wav2sleep.inference.batch import find_recordings

    assert find_recordings([folder])[0] == [folder / "a_fixed.edf", folder / "sub" / "b_fixed.edf"]  # stage FOLDER
