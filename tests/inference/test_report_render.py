"""The HTML report as a person sees it: rendered in headless Chromium, the picture is not blank and the sections
are there. Skipped where Debian's chromium is not installed (.ci/run installs it)."""

import shutil
import subprocess
from datetime import datetime

import numpy as np
import pytest
import torch

from wav2sleep.inference.report import write_outputs
from wav2sleep.inference.stage import stage
from wav2sleep.models import create_model, save_model
from wav2sleep.synth import simulate_night, write_edf
from wav2sleep.synth.annotations import write_nsrr_xml

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    night = simulate_night(6, 1.0, eog=False, has_ppg=False, rates={"ECG": 128, "ABD": 16, "THX": 16})
    ecg = night.waveforms["ECG"][0].copy()
    ecg[20 * 30 * 128 : 40 * 30 * 128] = 0.0  # a lead off: gated, shown in the usability track and in words
    labels = {"ECG": "EKG", "ABD": "Abdo", "THX": "Thor"}
    waves = {**night.waveforms, "ECG": (ecg, 128)}
    edf = write_edf(folder / "night.edf", [(labels[s], x, r, "mV" if s == "ECG" else "") for s, (x, r) in waves.items()],
                    datetime(2021, 2, 3, 23, 10))  # fmt: skip
    write_nsrr_xml(folder / "night-nsrr.xml", night.stages, datetime(2021, 2, 3, 23, 10))
    torch.manual_seed(0)
    model = save_model(create_model("wav2sleep", signals=("ECG", "THX"), feature_dim=16,
                                    epoch_mixer={"nhead": 2, "dim_ff": 32}), folder / "m")  # fmt: skip
    return write_outputs(stage(edf, model, reference="auto"), folder / "out", "night")["html"]


def test_the_report_holds_its_sections_in_words(report):
    html = report.read_text()
    assert "Recording start 2021-02-03 23:10:00" in html and "&lt;Hypnogram" not in html  # no Python repr
    assert "sleep efficiency: TST / TIB" in html and "<th>unit</th>" in html
    assert "left out of 20 epochs as flat" in html  # QC in words
    assert 'id="agreement"' in html and "Cohen's kappa" in html
    assert "preprocessing: soxr resampling, grid start, scaling units, zscore, whole night" in html  # the contract


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)")
def test_the_report_renders_in_headless_chromium(report, tmp_path):
    profile = ["--user-data-dir=" + str(tmp_path / "profile")]
    dom = subprocess.run([CHROMIUM, *FLAGS, *profile, "--dump-dom", report.as_uri()], capture_output=True, text=True,
                         timeout=120).stdout  # fmt: skip
    for section in ('id="header"', 'id="statistics"', 'id="signals"', 'id="agreement"', "<img"):
        assert section in dom, section
    shot = tmp_path / "shot.png"
    subprocess.run([CHROMIUM, *FLAGS, *profile, f"--screenshot={shot}", "--window-size=1200,1600", report.as_uri()],
                   capture_output=True, timeout=120)  # fmt: skip
    import matplotlib.image

    pixels = matplotlib.image.imread(shot)
    assert pixels.shape[0] >= 1000 and pixels.shape[1] >= 1000
    assert float(np.std(pixels[..., :3])) > 0.05  # not a blank page
    assert (pixels[..., :3].mean(axis=2) < 0.5).mean() > 0.01  # dark ink: text and the figure
