"""Published checkpoints give the original's outputs end to end (EDF -> logits), and windows stitch sanely."""

import json
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
import torch

from wav2sleep.cli.main import main
from wav2sleep.contract import OURS, PUBLISHED, InputContract
from wav2sleep.data.transforms import zscore_window
from wav2sleep.inference.prepare import prepare_recording
from wav2sleep.inference.stage import stage
from wav2sleep.inference.windows import original_predict_order, predict_logits, window_owners, window_spans
from wav2sleep.models import create_model, load_model
from wav2sleep.synth import simulate_night, write_edf

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference"
GOLDEN_EDF = REFERENCE / "end_to_end" / "shhs1-golden.edf"
CARDIO = REFERENCE / "checkpoints" / "wav2sleep-cardio"


@pytest.fixture(scope="module")
def golden():
    from safetensors.numpy import load_file

    return load_file(REFERENCE / "end_to_end" / "shhs1-golden.cardio.logits.safetensors")


@pytest.fixture(scope="module")
def cardio():
    return load_model(CARDIO)


def _agreement(hyp, logits):
    ref = torch.softmax(torch.from_numpy(logits), -1).numpy()
    return float(np.mean(hyp.probabilities.argmax(-1) == ref.argmax(-1))), float(np.abs(hyp.probabilities - ref).max())


@pytest.mark.parametrize(("key", "signals"), [("logits.ECG", "ECG"), ("logits.ECG+THX", "ECG,THX")])
def test_published_checkpoint_reproduces_the_originals_end_to_end_logits(golden, cardio, key, signals):
    hyp = stage(GOLDEN_EDF, cardio, signals=signals)
    assert hyp.n_epochs == 360 and hyp.metadata["contract"] == PUBLISHED.to_dict()
    agree, max_dp = _agreement(hyp, golden[key])
    assert agree == 1.0 and max_dp < 1e-3  # measured: 1.0 and 2e-6


def test_the_golden_night_rewritten_by_pyedflib_gives_the_originals_logits(golden, cardio, tmp_path):
    """Another writer's file of the same night: EDF+ by pyedflib, channels in reverse order, an annotation signal
    with a note in it. Same samples, same logits."""
    import pyedflib

    reader = pyedflib.EdfReader(str(GOLDEN_EDF))
    try:
        order = list(reversed(range(reader.signals_in_file)))
        headers = reader.getSignalHeaders()
        samples = [reader.readSignal(i, digital=True).astype(np.int32) for i in order]
        start = reader.getStartdatetime()
    finally:
        reader.close()
    path = tmp_path / "rewritten.edf"
    writer = pyedflib.EdfWriter(str(path), len(order), file_type=pyedflib.FILETYPE_EDFPLUS)
    try:
        writer.setSignalHeaders([headers[i] for i in order])
        writer.setStartdatetime(start)
        writer.writeSamples(samples, digital=True)
        writer.writeAnnotation(0, -1, "Lights off")
    finally:
        writer.close()
    hyp = stage(path, cardio, signals="ECG,THX")
    assert hyp.start == datetime(2001, 3, 4, 22, 15, 30)
    agree, max_dp = _agreement(hyp, golden["logits.ECG+THX"])
    assert agree == 1.0 and max_dp < 1e-3


def test_every_signal_of_the_file_reproduces_the_original_once_its_predict_sample_order_is(golden, cardio):
    # The original's predict joins the grids in the model's signal order (ABD first) without sorting: ECG arrives
    # out of time order. Reproduced on request; by default the model gets time-ordered samples, as it was trained.
    with pytest.warns(UserWarning, match="sample_order: time -> original-predict"):
        hyp = stage(GOLDEN_EDF, cardio, contract={"sample_order": "original-predict"})
    assert list(hyp.metadata["channels"]) == ["ABD", "ECG", "THX"]
    agree, max_dp = _agreement(hyp, golden["logits"])
    assert agree == 1.0 and max_dp < 1e-3  # measured: 1.0 and 1.8e-6
    agree, max_dp = _agreement(stage(GOLDEN_EDF, cardio), golden["logits"])
    assert agree < 0.9 and max_dp > 0.05  # time order: not the original's scrambled ECG


def test_the_original_predict_order_is_the_order_of_pandas_unsorted_join():
    pd = pytest.importorskip("pandas")
    n_epochs, spes = 3, [256, 1024, 4096]
    for order in ([0, 1, 2], [1, 0, 2], [2, 0, 1], [0, 2, 1]):
        asked = [spes[i] for i in order]
        columns = []
        for k, spe in enumerate(asked):
            times = np.arange(0, n_epochs * 30 + 1e-9, 30 / spe)[1:]  # the original's grid: (j + 1) / fs
            columns.append(pd.Series(np.arange(times.size, dtype=float), index=times, name=f"s{k}"))
        joined = pd.concat(columns, axis=1)
        for k, permutation in enumerate(original_predict_order(asked, n_epochs)):
            assert np.array_equal(joined[f"s{k}"].dropna().to_numpy(), permutation)
    # Finest grid first: every signal stays in time order.
    for permutation, spe in zip(original_predict_order([1024, 256], 5), [1024, 256], strict=True):
        assert np.array_equal(permutation, np.arange(5 * spe))


def test_our_preprocessing_does_not_reproduce_it_so_the_contract_matters(golden, cardio):
    with pytest.warns(UserWarning, match="input contract overridden"):
        hyp = stage(GOLDEN_EDF, cardio, signals="ECG", contract=OURS.to_dict())
    agree, max_dp = _agreement(hyp, golden["logits.ECG"])
    assert max_dp > 0.05 and agree < 0.95


def test_the_cli_uses_and_reports_the_contract(tmp_path, golden):
    assert main(["stage", str(GOLDEN_EDF), "--model", str(CARDIO), "--signals", "ECG,THX", "--out", str(tmp_path),
                 "--formats", "json"]) == 0  # fmt: skip
    saved = json.loads((tmp_path / "shhs1-golden.hypnogram.json").read_text())
    assert saved["metadata"]["contract"]["resample"] == "linear"
    probabilities = np.array(saved["probabilities"])
    ref = torch.softmax(torch.from_numpy(golden["logits.ECG+THX"]), -1).numpy()
    assert np.abs(probabilities - ref).max() < 1e-3
    with pytest.warns(UserWarning, match=r"resample: linear -> soxr"):
        assert main(["stage", str(GOLDEN_EDF), "--model", str(CARDIO), "--signals", "ECG", "--out", str(tmp_path),
                     "--formats", "json", "--contract", "resample=soxr"]) == 0  # fmt: skip


def test_a_short_night_is_one_zero_padded_window_normalised_as_the_original_does(cardio):
    prepared = prepare_recording(GOLDEN_EDF, ("ECG", "THX"), contract=PUBLISHED)
    logits = predict_logits(cardio, prepared.signals, prepared.n_epochs, PUBLISHED)
    padded = {}
    for name, x in prepared.signals.items():
        spe = x.shape[0] // prepared.n_epochs
        window = np.zeros(1200 * spe, dtype=np.float32)
        window[: x.shape[0]] = x
        padded[name] = torch.from_numpy(zscore_window(window))[None]
    with torch.inference_mode():
        direct = cardio(padded)[0, :360]
    assert torch.allclose(logits, direct, atol=1e-5)


def test_forcing_a_window_longer_than_the_night_changes_nothing(tmp_path):
    torch.manual_seed(0)
    model = create_model("wav2sleep", signals=("ECG", "THX"), feature_dim=16, epoch_mixer={"nhead": 2, "dim_ff": 32})
    model.eval()
    rng = np.random.default_rng(0)
    signals = {"ECG": rng.standard_normal(50 * 1024).astype(np.float32),
               "THX": rng.standard_normal(50 * 256).astype(np.float32)}  # fmt: skip
    whole = predict_logits(model, signals, 50, OURS)
    forced = predict_logits(model, signals, 50, InputContract(window_epochs=120, overlap_epochs=20))
    assert torch.equal(whole, forced)


def test_window_spans_cover_the_night_and_each_epoch_is_scored_where_it_is_most_central():
    assert window_spans(1000, 1200, 240) == [(0, 1000)]
    assert window_spans(1680, 1200, 240) == [(0, 1200), (480, 1680)]
    assert window_spans(3000, 1200, 240) == [(0, 1200), (960, 2160), (1800, 3000)]
    spans = window_spans(1680, 1200, 240)
    owners = window_owners(1680, spans)
    assert owners[:840].tolist() == [0] * 840 and owners[840:].tolist() == [1] * 840  # the seam mid-overlap
    owners = window_owners(1680, spans, "first")  # the original scores the first 10 h from the first window
    assert owners[:1200].tolist() == [0] * 1200 and owners[1200:].tolist() == [1] * 480
    owners = window_owners(3000, window_spans(3000, 1200, 240), "first")
    assert (owners[:1200] == 0).all() and (owners[1200:1980] == 1).all() and (owners[1980:] == 2).all()
    assert window_spans(50, None) == [(0, 50)]


@pytest.fixture(scope="module")
def long_night(tmp_path_factory):
    """A 14-h recording: longer than the published 10-h window."""
    night = simulate_night(11, 14.0, eog=False, rates={"ECG": 128, "ABD": 16, "THX": 16})
    labels = {"ECG": "ECG", "ABD": "ABDO RES", "THX": "THOR RES"}
    channels = [(labels[s], x, r, "mV" if s == "ECG" else "") for s, (x, r) in night.waveforms.items()
                if s in labels]  # fmt: skip
    return write_edf(tmp_path_factory.mktemp("long") / "long.edf", channels, datetime(2023, 1, 1, 20, 0))


@pytest.fixture(scope="module")
def long_night_windows(long_night, cardio):
    """The logits of the long night's two 10-h windows, each run alone: the first is what the original computes."""
    prepared = prepare_recording(long_night, ("ECG", "THX"), contract=PUBLISHED)
    first = predict_logits(cardio, {k: v[: 1200 * (v.shape[0] // 1680)] for k, v in prepared.signals.items()},
                           1200, PUBLISHED)  # fmt: skip
    second = predict_logits(cardio, {k: v[480 * (v.shape[0] // 1680) :] for k, v in prepared.signals.items()},
                            1200, PUBLISHED)  # fmt: skip
    return first, second


def test_a_14_hour_night_keeps_the_originals_first_10_hours(long_night, cardio, long_night_windows):
    """The original stages only the first 10 h of a longer night: those epochs equal its window's, the rest come
    from the next window."""
    first, second = long_night_windows
    hyp = stage(long_night, cardio, signals="ECG,THX")
    assert hyp.n_epochs == 1680
    assert np.isfinite(hyp.probabilities).all() and np.allclose(hyp.probabilities.sum(1), 1, atol=1e-5)
    stitched = torch.from_numpy(hyp.probabilities)
    assert torch.allclose(stitched[:1200], torch.softmax(first, -1), atol=1e-5)
    assert torch.allclose(stitched[1200:], torch.softmax(second[720:], -1), atol=1e-5)


def test_central_stitching_of_a_14_hour_night_has_sane_seams(long_night, cardio, long_night_windows):
    first, second = long_night_windows
    hyp = stage(long_night, cardio, signals="ECG,THX", contract={"stitching": "central"})
    stitched = torch.log(torch.from_numpy(hyp.probabilities))
    # Each half comes from its own window, unchanged; the seam is in the middle of the overlap.
    assert torch.allclose(torch.softmax(stitched[:840], -1), torch.softmax(first[:840], -1), atol=1e-5)
    assert torch.allclose(torch.softmax(stitched[840:], -1), torch.softmax(second[360:], -1), atol=1e-5)
    # Sane at the seam: around it, the two windows see the same signal and mostly agree on the stage.
    p1, p2 = torch.softmax(first[780:900], -1), torch.softmax(second[300:420], -1)
    assert float((p1.argmax(-1) == p2.argmax(-1)).float().mean()) > 0.8
    jump = float((torch.softmax(stitched[840], -1) - torch.softmax(stitched[839], -1)).abs().max())
    steps = (torch.softmax(stitched[1:], -1) - torch.softmax(stitched[:-1], -1)).abs().amax(-1)
    assert jump <= float(torch.quantile(steps, 0.99))  # no larger than the night's own epoch-to-epoch changes
