"""The published checkpoint folders load and reproduce the original code's logits."""

from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from wav2sleep.models import load_model

CHECKPOINTS = Path(__file__).resolve().parents[3] / "shared" / "reference" / "checkpoints"
FOLDERS = {"wav2sleep-cardio": 2_391_172, "wav2sleep-eog": 2_788_229}


@pytest.fixture(scope="module", params=sorted(FOLDERS))
def folder(request):
    return CHECKPOINTS / request.param


@pytest.mark.parametrize("case", ["all", "missing", "subset"])
def test_logits_match_the_original(folder, case):
    vectors = load_file(folder / "vectors.safetensors")
    model = load_model(folder)
    inputs = {k.rsplit(".", 1)[1]: v for k, v in vectors.items() if k.startswith(f"{case}.input.")}
    with torch.no_grad():
        logits = model(inputs)
    expected = vectors[f"{case}.logits"]
    assert logits.shape == expected.shape
    assert (logits - expected).abs().max().item() <= 1e-4


def test_parameter_counts_and_signals(folder):
    model = load_model(folder)
    assert sum(p.numel() for p in model.parameters()) == FOLDERS[folder.name]
    assert model.signals == (("ABD", "ECG", "PPG", "THX") if "cardio" in folder.name else ("EOG-L", "EOG-R"))
    assert model.num_classes == (4 if "cardio" in folder.name else 5)
    assert not model.training


def test_missing_given_as_mask_or_absent_key_equals_minus_inf(folder):
    """The original's -inf rows, a presence mask and a left-out key are three spellings of the same input."""
    vectors = load_file(folder / "vectors.safetensors")
    model = load_model(folder)
    minus_inf = {k.rsplit(".", 1)[1]: v for k, v in vectors.items() if k.startswith("missing.input.")}
    present = {k: ~torch.isinf(v[:, 0]) for k, v in minus_inf.items()}
    zeros = {k: torch.where(torch.isinf(v), torch.zeros_like(v), v) for k, v in minus_inf.items()}
    with torch.no_grad():
        expected = model(minus_inf)
        assert torch.equal(model(zeros, present=present), expected)
        only_last = {k: v[2:] for k, v in zeros.items() if bool(present[k][2])}
        assert torch.allclose(model(only_last), expected[2:], atol=1e-5)
