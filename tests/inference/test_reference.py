"""Agreement with a reference scorer: exact on hand-made hypnograms, found beside a recording, in CLI and report."""

from datetime import datetime

import numpy as np
import pytest
import torch
from sklearn.metrics import accuracy_score, cohen_kappa_score, f1_score

from wav2sleep.cli.main import main
from wav2sleep.errors import ConfigError
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
    with pytest.raises(ConfigError, match="cannot score a 5-class"):
        Hypnogram([0, 1], 5).agreement(Hypnogram([0, 1], 4))


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
    assert find_reference(edf) == edf.with_name("rec-nsrr.xml")
    hyp = stage(edf, model, reference="auto")
    a = hyp.metadata["agreement"]
    assert a["reference"].endswith("rec-nsrr.xml") and a["epochs_compared"] == 60
    expected = Hypnogram(hyp.codes, 4).agreement(Hypnogram(truth, 5))
    assert a["kappa"] == pytest.approx(expected["kappa"]) and a["confusion"] == expected["confusion"]


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
