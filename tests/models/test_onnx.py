"""ONNX export and the ONNX Runtime backend: the published golden inputs give the same logits, any subset of signals
through presence masks, and staging through it matches staging with PyTorch."""

from pathlib import Path

import numpy as np
import pytest
import torch

pytest.importorskip("onnxruntime")
pytest.importorskip("onnxscript")

from wav2sleep.cli.main import main  # noqa: E402
from wav2sleep.errors import ModelLoadError  # noqa: E402
from wav2sleep.inference.stage import stage  # noqa: E402
from wav2sleep.models import create_model, load_model, save_model  # noqa: E402
from wav2sleep.models.onnx import OnnxModel, export_onnx  # noqa: E402

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference"
CARDIO = REFERENCE / "checkpoints" / "wav2sleep-cardio"


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    path = tmp_path_factory.mktemp("onnx") / "cardio.onnx"
    assert main(["export", str(CARDIO), "--onnx", str(path)]) == 0
    return path


@pytest.fixture(scope="module")
def vectors():
    from safetensors.torch import load_file

    return load_file(CARDIO / "vectors.safetensors")


@pytest.mark.parametrize("case", ["all", "missing", "subset"])
def test_onnx_gives_the_originals_golden_logits(exported, vectors, case):
    model = OnnxModel(exported)
    assert model.signals == ("ABD", "ECG", "PPG", "THX") and model.num_classes == 4
    assert model.contract.window_epochs == 1200  # the published contract travels in the file
    inputs = {k.split(".", 2)[2]: v for k, v in vectors.items() if k.startswith(f"{case}.input.")}
    logits = model(inputs)  # missing signals as rows of -inf (the original's convention), or left out
    assert float((logits - vectors[f"{case}.logits"]).abs().max()) < 1e-4


def test_per_epoch_presence_gives_the_torch_models_logits(exported):
    net = load_model(CARDIO)
    rng = np.random.default_rng(3)
    x = {s: torch.from_numpy(rng.standard_normal((2, 60 * spe), dtype=np.float32))
         for s, spe in (("ECG", 1024), ("THX", 256))}  # fmt: skip
    present = {"ECG": torch.ones(2, 60, dtype=torch.bool), "THX": torch.ones(2, 60, dtype=torch.bool)}
    present["THX"][0, 10:30] = False
    present["ECG"][1] = False
    with torch.inference_mode():
        expected = net(x, present)
    assert float((OnnxModel(exported)(x, present) - expected).abs().max()) < 1e-4


def test_staging_with_onnxruntime_equals_staging_with_torch(exported, tmp_path):
    edf = REFERENCE / "end_to_end" / "shhs1-golden.edf"
    with_torch = stage(edf, CARDIO, signals="ECG,THX")
    with_onnx = stage(edf, load_model(exported), signals="ECG,THX")
    assert with_onnx.codes.tolist() == with_torch.codes.tolist()
    assert np.abs(with_onnx.probabilities - with_torch.probabilities).max() < 1e-4
    assert main(["stage", str(edf), "--model", str(exported), "--signals", "ECG", "--out", str(tmp_path),
                 "--formats", "json"]) == 0  # fmt: skip


@pytest.mark.slow  # another export (about 30 s whatever the model's size); the tests above share one
def test_a_folder_is_exported_on_the_fly_for_the_onnxruntime_backend(tmp_path):
    small = create_model("wav2sleep", signals=("ECG", "THX"), feature_dim=16, epoch_mixer={"nhead": 2, "dim_ff": 32})
    folder = save_model(small, tmp_path / "small")
    model = load_model(folder, backend="onnxruntime")
    assert isinstance(model, OnnxModel) and model.signals == ("ECG", "THX")
    assert model.contract == load_model(folder).contract  # our folder's contract, carried into the graph
    x = {"ECG": torch.randn(1, 30 * 1024), "THX": torch.randn(1, 30 * 256)}
    with torch.inference_mode():
        assert float((model(x) - small.eval()(x)).abs().max()) < 1e-4


def test_export_of_a_subset_and_bad_requests(tmp_path):
    net = load_model(CARDIO)
    path = export_onnx(net, tmp_path / "ecg.onnx", signals=("ECG",))
    model = OnnxModel(path)
    assert model.signals == ("ECG",)
    with pytest.raises(Exception, match="this ONNX model takes ECG"):
        model({"THX": torch.zeros(1, 256)})
    assert main(["export", str(CARDIO), "--onnx", str(tmp_path / "x.bin")]) == 2
    (tmp_path / "junk.onnx").write_bytes(b"not onnx")
    assert main(["stage", str(REFERENCE / "end_to_end" / "shhs1-golden.edf"), "--model", str(tmp_path / "junk.onnx"),
                 "--out", str(tmp_path)]) == 2  # fmt: skip


@pytest.mark.parametrize(("metadata", "message"), [("{not json", "metadata is damaged"),
                                                   ('{"signals": ["FOO"], "num_classes": 4}', "metadata is damaged"),
                                                   ('{"signals": ["EOG-L"], "num_classes": 4}', "do not match")])  # fmt: skip
def test_a_file_with_damaged_metadata_is_refused_naming_it(exported, tmp_path, metadata, message):
    import onnx

    graph = onnx.load(exported)
    for prop in graph.metadata_props:
        if prop.key == "wav2sleep":
            prop.value = metadata
    damaged = tmp_path / "damaged.onnx"
    onnx.save(graph, damaged)
    with pytest.raises(ModelLoadError, match=message) as caught:
        OnnxModel(damaged)
    assert str(damaged) in str(caught.value)
