"""Recordings prepared in a helper process ahead of the model stage exactly as recordings prepared when staged."""

import json
import subprocess
import sys
from datetime import datetime

import numpy as np
import pytest

from wav2sleep.contract import OURS
from wav2sleep.inference.prefetch import Prefetcher
from wav2sleep.inference.prepare import prepare_recording
from wav2sleep.inference.stage import stage
from wav2sleep.inference.timing import PhaseTimer
from wav2sleep.models import load_model
from wav2sleep.synth import simulate_night, write_edf


@pytest.fixture(scope="module")
def model(small_model_folder):
    return small_model_folder


@pytest.fixture(scope="module")
def recordings(tmp_path_factory):
    folder = tmp_path_factory.mktemp("recs")
    paths = []
    for seed in (3, 4):
        night = simulate_night(seed, 0.25, eog=False, has_ppg=False, rates={"ECG": 128, "ABD": 16, "THX": 16})
        channels = [({"ECG": "EKG", "THX": "Thor", "ABD": "Abdo"}[s], x, r, "mV" if s == "ECG" else "")
                    for s, (x, r) in night.waveforms.items()]  # fmt: skip
        paths.append(write_edf(folder / f"night{seed}.edf", channels, datetime(2022, 2, 2, 23, 0)))
    return paths


def test_the_helper_prepares_what_this_process_would(recordings, tmp_path):
    bad = tmp_path / "bad.edf"
    bad.write_bytes(b"not an EDF at all")
    order = [recordings[0], bad, recordings[1]]
    prefetcher = Prefetcher(order, ("ECG", "THX"), {}, OURS)
    try:
        for path in order:
            timer = PhaseTimer()
            got = prefetcher.take(path, timer)
            if path == bad:  # the helper gives the bad file back: this process prepares it and reports the error
                assert got == bad and not timer.background
                continue
            assert set(timer.background) == {"read", "resample_qc"} and "prefetch_wait" in timer.phases
            here = prepare_recording(path, ("ECG", "THX"), {}, OURS)
            assert got.key == here.key and got.n_epochs == here.n_epochs and got.channels == here.channels
            for signal in here.signals:
                np.testing.assert_array_equal(got.signals[signal], here.signals[signal])
                np.testing.assert_array_equal(got.usable[signal], here.usable[signal])
        assert prefetcher.take(recordings[0], PhaseTimer()) == recordings[0]  # taken already: the path back
    finally:
        prefetcher.close()


def test_a_recording_prepared_for_other_inputs_is_prepared_again(model, recordings):
    net = load_model(model)
    only_ecg = prepare_recording(recordings[0], ("ECG",), {}, OURS)
    again = stage(only_ecg, net)
    direct = stage(recordings[0], net)
    assert list(again.metadata["channels"]) == list(direct.metadata["channels"]) == ["ECG", "THX"]
    np.testing.assert_array_equal(again.probabilities, direct.probabilities)


def _timings(done: subprocess.CompletedProcess, recording) -> dict:
    line = next(x for x in done.stderr.splitlines() if "timings" in x and str(recording) in x)
    return json.loads(line.split("timings ", 1)[1])


def test_the_command_prefetches_while_pytorch_loads_and_stages_the_same(model, recordings, tmp_path):
    """A fresh ``wav2sleep stage`` (PyTorch not loaded yet) prepares in the helper; its hypnogram equals one staged
    in this process (PyTorch loaded, one recording: no helper). Without a figure, the outputs are written here."""
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "wav2sleep", "-v", "stage", str(recordings[0]), "--model", str(model),
                           "--out", str(out), "--formats", "json"], capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    timings = _timings(done, recordings[0])
    assert {"prefetch_wait", "exports"} <= set(timings["seconds"]) and "read" not in timings["seconds"]
    assert set(timings["background"]) == {"read", "resample_qc"}
    written = json.loads((out / "night3.hypnogram.json").read_text())
    here = stage(recordings[0], load_model(model))
    assert written["stages"] == here.stages
    np.testing.assert_allclose(
        np.array(written["probabilities"], dtype=float), here.probabilities, atol=1e-4
    )  # JSON keeps 4 decimals


def test_model_folders_and_the_helper_need_no_pytorch():
    code = "import sys, wav2sleep.inference.prefetch, wav2sleep.models.folder; print('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_main_called_from_a_script_prepares_in_its_own_process(model, recordings, tmp_path):
    """A spawned helper would start the calling script again (here: one without a main guard): ``main`` from a
    script therefore never starts one."""
    script = tmp_path / "stage_it.py"
    script.write_text("import sys\nfrom wav2sleep.cli.main import main\n"
                      f"sys.exit(main(['-v', 'stage', {str(recordings[0])!r}, '--model', {str(model)!r}, '--out', "
                      f"{str(tmp_path / 'out')!r}, '--formats', 'json']))\n")  # fmt: skip
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    phases = _timings(done, recordings[0])["seconds"]
    assert {"read", "resample_qc", "exports"} <= set(phases) and "prefetch_wait" not in phases
    assert "Traceback" not in done.stderr  # no second start of the script in a helper


def test_the_helper_draws_the_report_and_this_process_writes_where_it_cannot(model, recordings, tmp_path):
    """For one recording, the report (figure and HTML) is drawn in the helper, which imported matplotlib while
    PyTorch loaded here; outputs the helper cannot write are written (or refused, with the error) by this process.
    In a batch, this process writes them (the helper prepares the next recording meanwhile)."""
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "wav2sleep", "-v", "stage", str(recordings[0]), "--model", str(model),
                           "--out", str(out), "--formats", "json,png,html"], capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    timings = _timings(done, recordings[0])
    assert timings["background"]["report"] > 0 and "report" not in timings["seconds"]
    assert (out / "night3.report.html").read_text().count("<img") >= 1
    assert (out / "night3.hypnogram.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    prefetcher = Prefetcher([], ("ECG", "THX"), {}, OURS, plotting=True)
    try:
        hypnogram = stage(recordings[1], load_model(model))
        blocked = tmp_path / "file-not-folder"
        blocked.write_text("x")
        timer = PhaseTimer()
        with pytest.raises(OSError):  # the helper failed to write: this process tries, and reports the error
            prefetcher.write_outputs(hypnogram, blocked / "sub", "night4", ("json",), False, timer)
        assert "outputs_wait" not in timer.phases
        timer = PhaseTimer()
        written = prefetcher.write_outputs(hypnogram, tmp_path / "ok", "night4", ("json", "png"), False, timer)
        assert set(written) == {"json", "png"} and written["png"].is_file()
        assert {"exports", "report"} == set(timer.background) and "outputs_wait" in timer.phases
    finally:
        prefetcher.close()

    batch = subprocess.run([sys.executable, "-m", "wav2sleep", "-v", "stage", *map(str, recordings), "--model",
                            str(model), "--out", str(tmp_path / "batch"), "--formats", "json,png"],
                           capture_output=True, text=True)  # fmt: skip
    assert batch.returncode == 0, batch.stderr
    for recording in recordings:
        timings = _timings(batch, recording)
        assert "report" in timings["seconds"] and "report" not in timings.get("background", {})
