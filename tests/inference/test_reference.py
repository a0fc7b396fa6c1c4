"""Agreement with a reference scorer: exact on hand-made hypnograms, found beside a recording, in CLI and report."""

from datetime import datetime

import numpy as np
import pytest
import torch
from sklearn.metrics import accuracy_score, cohen_kappa_score, f1_score

from wav2sleep.cli.main import main
from wav2sleep.hypnogram import Hypnogram
from wav2sleep.inference.reference import find_reference
from wav2sleep.inference.stage import stage
from wav2sleep.models import create_model, save_model
from wav2sleep.synth import simulate_night, write_edf
from wav2sleep.synth.annotations import write_nsrr_xml


def test_agreement_matches_scikit_learn_and_maps_a_5_class_reference():
    ours = Hypnogram([0, 0, 1, 1, 2, 3, 3, -1, 1, 0], 4)
    ref5 = Hypnogram([0, 1, 1, 2, 3, 4, 4, 2, -1, 0], 5)  # N1 and N2 both map to Light
    a = ours.agreement(ref5)
    ref4 = np.array([0, 1, 1, 1, 2, 3, 3, 1, -1, 0])
    both = (ref4 >= 0) & (ours.codes >= 0)
    y, p = ref4[both], ours.codes[both]
    assert a["epochs_compared"] == 8
    assert a["kappa"] == pytest.approx(cohen_kappa_score(y, p)) and a["accuracy"] == pytest.approx(accuracy_score(y, p))
    assert list(a["f1"].values()) == pytest.approx(f1_score(y, p, average=None, labels=[0, 1, 2, 3]).tolist())
    assert np.array(a["confusion"]).sum() == 8 and a["confusion"][0] == [2, 0, 0, 0]
    mine, theirs = ours.sleep_statistics(), Hypnogram(ref4, 4).sleep_statistics()
    assert a["statistics_difference"]["TST"] == pytest.approx(mine["TST"] - theirs["TST"])
    five = Hypnogram([0, 1, 2, 3, 4, 2], 5)  # a 4-class scoring of a 5-class hypnogram: ours merged to 4 classes
    merged = five.agreement(Hypnogram([0, 1, 1, 2, 3, 2], 4))
    assert merged["labels"] == ["W", "Light", "Deep", "REM"] and merged["accuracy"] == 5 / 6


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scored")
    night = simulate_night(8, 0.5, eog=False, has_ppg=False, rates={"ECG": 128, "ABD": 16, "THX": 16})
    labels = {"ECG": "EKG", "ABD": "Abdo", "THX": "Thor"}
    edf = write_edf(folder / "rec.edf", [(labels[s], x, r, "mV" if s == "ECG" else "")
                                        for s, (x, r) in night.waveforms.items()], datetime(2021, 6, 1, 23, 0))  # fmt: skip
    write_nsrr_xml(folder / "rec-nsrr.xml", night.stages, datetime(2021, 6, 1, 23, 0))
    torch.manual_seed(1)
    model = save_model(create_model("wav2sleep", signals=("ECG", "THX"), feature_dim=16,
                                    epoch_mixer={"nhead": 2, "dim_ff": 32}), folder / "model")  # fmt: skip
    return edf, night.stages, model


def test_a_scoring_beside_the_recording_is_found_and_compared(scored):
    edf, truth, model = scored
    assert find_reference(edf, []) == edf.with_name("rec-nsrr.xml")
    hyp = stage(edf, model, reference="auto")
    a = hyp.metadata["agreement"]
    assert a["reference"].endswith("rec-nsrr.xml") and a["epochs_compared"] == 60
    expected = Hypnogram(hyp.codes, 4).agreement(Hypnogram(truth, 5))
    assert a["kappa"] == pytest.approx(expected["kappa"]) and a["confusion"] == expected["confusion"]


def test_a_scoring_in_nsrrs_download_layout_is_found(scored, tmp_path):
    """NSRR keeps polysomnography/edfs/shhs1/X.edf apart from annotations-events-nsrr/shhs1/X-nsrr.xml (else
    annotations-events-profusion/shhs1/X-profusion.xml): --reference auto finds them there."""
    import shutil

    edf, truth, model = scored
    psg = tmp_path / "shhs" / "polysomnography"
    night = psg / "edfs" / "shhs1" / "shhs1-200001.edf"
    night.parent.mkdir(parents=True)
    shutil.copy(edf, night)
    assert find_reference(night, []) is None
    profusion = psg / "annotations-events-profusion" / "shhs1" / "shhs1-200001-profusion.xml"
    profusion.parent.mkdir(parents=True)
    stages = "".join(f"<SleepStage>{5 if s == 4 else s}</SleepStage>" for s in truth)  # R&K digits: REM is 5
    profusion.write_text('<?xml version="1.0"?><CMPStudyConfig><EpochLength>30</EpochLength><SleepStages>'
                         f"{stages}</SleepStages></CMPStudyConfig>")  # fmt: skip
    assert find_reference(night, []) == profusion
    nsrr = psg / "annotations-events-nsrr" / "shhs1" / "shhs1-200001-nsrr.xml"
    nsrr.parent.mkdir(parents=True)
    shutil.copy(edf.with_name("rec-nsrr.xml"), nsrr)
    assert find_reference(night, []) == nsrr  # NSRR's own scoring first
    a = stage(night, model, reference="auto").metadata["agreement"]
    b = stage(edf, model, reference="auto").metadata["agreement"]
    assert a["reference"] == str(nsrr) and a["epochs_compared"] == 60 and a["confusion"] == b["confusion"]
    repaired = night.with_name("shhs1-200001_fixed.edf")  # the original's 0_fix_edfs copy: its original's scoring
    shutil.copy(night, repaired)
    assert find_reference(repaired, []) == nsrr
    elsewhere = tmp_path / "edfs-copy" / "shhs1-200001.edf"  # a folder merely named like it: nothing to find
    elsewhere.parent.mkdir()
    shutil.copy(edf, elsewhere)
    assert find_reference(elsewhere, []) is None


def test_the_cli_reports_agreement_in_terminal_cohort_json_and_report(scored, tmp_path, capsys):
    edf, _, model = scored
    out = tmp_path / "out"
    assert main(["stage", str(edf), "--model", str(model), "--out", str(out), "--reference", "auto"]) == 0
    stdout = capsys.readouterr().out
    assert "agreement with" in stdout and "rec-nsrr.xml: kappa" in stdout
    html = (out / "rec.report.html").read_text()
    assert 'id="agreement"' in html and "Cohen's kappa" in html and "Recording start 2021-06-01 23:00:00" in html
    import json

    saved = json.loads((out / "rec.hypnogram.json").read_text())
    assert saved["metadata"]["agreement"]["epochs_compared"] == 60


def test_a_scored_batch_gets_bland_altman_plots_an_index_page_and_the_scorers_values(scored, tmp_path, capsys):
    import csv
    import shutil

    from PIL import Image

    edf, truth, model = scored
    for site in ("a", "b", "c"):
        (tmp_path / "in" / site).mkdir(parents=True)
        for f in (edf, edf.with_name("rec-nsrr.xml")):
            shutil.copy(f, tmp_path / "in" / site / f.name)
    out = tmp_path / "out"
    assert main(["stage", str(tmp_path / "in"), "--model", str(model), "--out", str(out), "--reference", "auto",
                 "--formats", "json,html"]) == 0  # fmt: skip
    stdout = capsys.readouterr().out
    assert "agreement with the scorers (Bland-Altman)" in stdout
    assert any(line.split() == ["recording", "epochs", "TST", "SE", "kappa", "warnings", "status"]
               for line in stdout.splitlines())  # fmt: skip
    rows = list(csv.DictReader((out / "cohort.csv").open()))
    scorer = Hypnogram(truth, 5).sleep_statistics()
    assert len(rows) == 3 and all(float(r["TST_reference"]) == pytest.approx(scorer["TST"], abs=0.01) for r in rows)
    image = Image.open(out / "agreement.png")
    assert image.size[0] > 800 and len(set(image.convert("L").getdata())) > 10  # drawn, not blank
    index = (out / "index.html").read_text()
    assert index.count('href="a/rec.report.html"') == 1 and 'src="agreement.png"' in index
    assert "3 staged, 0 failed" in index


def test_a_sleep_edf_style_hypnogram_is_found_compared_and_never_staged(scored, tmp_path, capsys):
    """Sleep-EDF's pair: NAME0-PSG.edf scored in NAMEx-Hypnogram.edf (EDF+ annotations only), in one folder."""
    edf, truth, model = scored
    folder = tmp_path / "sleep-edf"
    folder.mkdir()
    psg = folder / "SC4001E0-PSG.edf"
    psg.write_bytes(edf.read_bytes())
    Hypnogram(truth, 5, datetime(2021, 6, 1, 23, 0)).to_edf_annotations(folder / "SC4001EC-Hypnogram.edf")
    out = tmp_path / "out"
    assert main(["stage", str(folder), "--model", str(model), "--out", str(out), "--reference", "auto"]) == 0
    stdout = capsys.readouterr().out
    assert "1 staged, 0 failed" in stdout and "SC4001EC-Hypnogram.edf: kappa" in stdout
    assert not (out / "SC4001EC-Hypnogram.hypnogram.csv").exists()
    against_xml = stage(edf, model, reference="auto").metadata["agreement"]
    against_edf = stage(psg, model, reference="auto").metadata["agreement"]
    assert against_edf["reference"].endswith("SC4001EC-Hypnogram.edf")
    assert against_edf["confusion"] == against_xml["confusion"] and against_edf["epochs_compared"] == 60


def test_stages_in_the_recordings_own_annotations_are_its_reference(scored, tmp_path):
    _, _, model = scored
    night = simulate_night(8, 0.5, eog=False, has_ppg=False, rates={"ECG": 128, "ABD": 16, "THX": 16})
    codes = np.repeat([0, 1, 2, 3, 2, 4], 10)  # a made-up scoring of the 60 epochs, every stage in it
    texts = {0: "Sleep stage W", 1: "Sleep stage 1", 2: "Sleep stage 2", 3: "Sleep stage 3", 4: "Sleep stage R"}
    stages = [(30.0 * i, texts[int(c)]) for i, c in enumerate(codes)] + [(35.0, "Lights off")]
    labels = {"ECG": "EKG", "ABD": "Abdo", "THX": "Thor"}
    channels = [(labels[s], x, r, "mV" if s == "ECG" else "") for s, (x, r) in night.waveforms.items()]
    own = write_edf(tmp_path / "own.edf", channels, datetime(2021, 6, 1, 23, 0), annotations=stages)
    assert find_reference(own, []) == own
    a = stage(own, model, reference="auto").metadata["agreement"]
    expected = stage(own, model).agreement(Hypnogram(codes, 5))
    assert a["epochs_compared"] == 60 and a["confusion"] == expected["confusion"]
    plain = write_edf(tmp_path / "plain.edf", channels, datetime(2021, 6, 1, 23, 0), annotations=[(35.0, "Lights off")])
    warnings: list[str] = []
    assert find_reference(plain, warnings) is None and warnings == []


@pytest.mark.parametrize(
    "written", ["rec.hypnogram.csv", "rec.hypnogram.json", "sub-rec_task-sleep_events.tsv",
                "sub-rec_task-sleep_hypnogram.tsv", "rec.annotations.edf"],
)  # fmt: skip
def test_a_4_class_hypnogram_ours_or_a_wearables_is_a_reference_for_a_4_class_model(scored, shared_data, tmp_path,
                                                                                   written):  # fmt: skip
    """Every format ``stage`` writes reads back as a reference (light sleep and all): the same staging agrees with
    itself exactly; a 5-class model against it is compared with N1 and N2 merged."""
    edf, model = scored[0], shared_data.parent / "reference" / "checkpoints" / "wav2sleep-cardio"  # every stage
    first = tmp_path / "first"
    assert (
        main(["stage", str(edf), "--model", str(model), "--out", str(first), "--formats", "csv,json,tsv,bids,edf"]) == 0
    )
    ours = stage(edf, model, reference=first / written)
    a = ours.metadata["agreement"]
    assert a["labels"] == ["W", "Light", "Deep", "REM"] and a["epochs_compared"] == 60
    assert a["kappa"] == pytest.approx(1.0) and a["accuracy"] == 1.0 and {1, 2} <= set(ours.codes.tolist())
    five = Hypnogram(np.where(ours.codes == 1, 2, np.where(ours.codes >= 2, ours.codes + 1, ours.codes)), 5)
    assert five.agreement(ours)["accuracy"] == 1.0  # light = N2 here: merged, the same hypnogram


def test_a_bids_scoring_beside_a_bids_recording_is_found_and_our_own_output_is_not(scored, tmp_path):
    edf, truth, model = scored
    folder = tmp_path / "sub-01" / "eeg"
    folder.mkdir(parents=True)
    recording = folder / "sub-01_task-sleep_eeg.edf"
    recording.write_bytes(edf.read_bytes())
    assert find_reference(recording, []) is None
    main(["stage", str(recording), "--model", str(model), "--out", str(folder), "--formats", "csv,tsv,bids"])
    assert (folder / "sub-01_task-sleep_eeg.hypnogram.csv").is_file()
    assert (folder / "sub-01_task-sleep_events.tsv").is_file() and (
        folder / "sub-01_task-sleep_hypnogram.tsv"
    ).is_file()
    assert find_reference(recording, []) is None  # a model's outputs (CSV, TSVs), not a scorer's
    texts = {0: "W", 1: "N1", 2: "N2", 3: "N3", 4: "R"}  # a scorer's events.tsv, as a BIDS sleep dataset holds it
    rows = [f"{30 * i}\t30\tsleep_stage_{texts[int(c)]}\t{texts[int(c)]}" for i, c in enumerate(truth)]
    (folder / "sub-01_task-sleep_events.tsv").write_text("onset\tduration\ttrial_type\tstage\n" + "\n".join(rows))
    (folder / "sub-01_task-sleep_events.json").write_text('{"StageScorer": "technician 1"}')
    assert find_reference(recording, []) == folder / "sub-01_task-sleep_events.tsv"
    a = stage(recording, model, reference="auto").metadata["agreement"]
    assert a["confusion"] == stage(edf, model, reference="auto").metadata["agreement"]["confusion"]
