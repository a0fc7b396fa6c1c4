"""Staging recordings end to end with real model folders (published format and ours)."""

from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
import torch

from wav2sleep.cli.main import main
from wav2sleep.inference.stage import stage
from wav2sleep.models import create_model, save_model
from wav2sleep.synth import simulate_night, write_edf

CHECKPOINTS = Path(__file__).resolve().parents[3] / "shared" / "reference" / "checkpoints"


@pytest.fixture(scope="module")
def nap(tmp_path_factory):
    """A 23.5-minute recording (not a whole number of epochs) with ECG, pleth and belts."""
    night = simulate_night(4, 23.5 / 60, eog=False, rates={"ECG": 200, "PPG": 100, "ABD": 25, "THX": 25})
    labels = {"ECG": "EKG", "PPG": "Pleth", "ABD": "Abdo", "THX": "Thor"}
    channels = [(labels[s], x, r, "mV" if s == "ECG" else "") for s, (x, r) in night.waveforms.items()]
    return write_edf(tmp_path_factory.mktemp("nap") / "nap.edf", channels, datetime(2022, 2, 2, 14, 0))


def test_published_checkpoint_stages_any_length_with_probabilities(nap):
    hyp = stage(nap, CHECKPOINTS / "wav2sleep-cardio")
    assert hyp.n_epochs == 47 and hyp.num_classes == 4 and hyp.start == datetime(2022, 2, 2, 14, 0)
    assert np.allclose(hyp.probabilities.sum(1), 1, atol=1e-5)
    assert hyp.codes.tolist() == hyp.probabilities.argmax(1).tolist()
    assert {s: m["channel"] for s, m in hyp.metadata["channels"].items()} == {
        "ECG": "EKG", "PPG": "Pleth", "ABD": "Abdo", "THX": "Thor"}  # fmt: skip


def test_signal_subset_and_channel_override(nap):
    hyp = stage(nap, CHECKPOINTS / "wav2sleep-cardio", signals="ECG", channels={"ECG": "Pleth"})
    assert list(hyp.metadata["channels"]) == ["ECG"] and hyp.metadata["channels"]["ECG"]["channel"] == "Pleth"


def test_our_model_folder_and_the_cli_batch(nap, tmp_path):
    torch.manual_seed(0)
    folder = save_model(create_model("wav2sleep", signals=("ECG", "THX"), num_classes=5, feature_dim=16,
                                      epoch_mixer={"nhead": 2, "dim_ff": 32}), tmp_path / "m")  # fmt: skip
    bad = tmp_path / "broken.edf"
    bad.write_bytes(b"")
    code = main(["stage", str(nap), str(bad), "--model", str(folder), "--out", str(tmp_path / "out")])
    assert code == 1  # one file failed, the other was still staged
    written = sorted(p.name for p in (tmp_path / "out" / nap.parent.name).iterdir())  # mirrors the inputs' tree
    assert written == ["nap.annotations.edf", "nap.hypnogram.csv", "nap.hypnogram.json", "nap.hypnogram.png",
                       "nap.report.html", "sub-nap_task-sleep_events.json", "sub-nap_task-sleep_events.tsv",
                       "sub-nap_task-sleep_hypnogram.json", "sub-nap_task-sleep_hypnogram.tsv"]  # fmt: skip
    html = (tmp_path / "out" / nap.parent.name / "nap.report.html").read_text()
    assert "TST" in html and "EKG" in html and "data:image/png;base64," in html


def test_a_causal_model_is_fed_causally_normalised_inputs(nap, tmp_path):
    from wav2sleep.contract import InputContract
    from wav2sleep.data.transforms import causal_zscore, zscore
    from wav2sleep.inference.prepare import prepare_recording

    torch.manual_seed(0)
    model = create_model("wav2sleep", signals=("ECG", "THX"), causal=True, feature_dim=16,
                         epoch_mixer={"nhead": 2, "dim_ff": 32})  # fmt: skip
    model.contract = InputContract(normalisation="causal")
    folder = save_model(model, tmp_path / "causal")
    hyp = stage(nap, folder)
    assert hyp.metadata["contract"]["normalisation"] == "causal"
    raw = prepare_recording(nap, ("ECG", "THX")).signals
    rates = {"ECG": 1024 / 30, "THX": 256 / 30}
    causal = {k: torch.from_numpy(causal_zscore(x, rates[k]))[None] for k, x in raw.items()}
    plain = {k: torch.from_numpy(zscore(x))[None] for k, x in raw.items()}
    with torch.no_grad():
        expected = torch.softmax(model.eval()(causal)[0], -1).numpy()
        other = torch.softmax(model(plain)[0], -1).numpy()
    assert np.allclose(hyp.probabilities, expected, atol=1e-5) and not np.allclose(hyp.probabilities, other, atol=1e-3)


def test_stage_help_starts_without_torch():
    import subprocess
    import sys

    code = "import sys; from wav2sleep.cli.main import main\ntry:\n    main(['stage', '--help'])\nexcept SystemExit: pass\nprint('torch' in sys.modules)"  # noqa: E501
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("False")
