"""Shared fixtures: a small synthetic corpus in every NSRR layout, written once per test session."""

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="session")
def synth_corpus(tmp_path_factory):
    """All seven datasets, two 1-h nights each, plus the fault corpus: (root, records)."""
    from wav2sleep.synth import write_corpus

    root = tmp_path_factory.mktemp("synth")
    records = write_corpus(root, nights=2, hours=1.0, seed=7, broken=True)
    return root, records


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real recorded data in ../shared/data (read-only)."""
    return SHARED / "data"


@pytest.fixture(scope="session")
def ingested(synth_corpus, tmp_path_factory):
    """The synthetic corpus ingested with every signal, one store for all seven datasets: (corpus root, store)."""
    from wav2sleep.ingest.runner import ingest_folder

    root, _ = synth_corpus
    store = tmp_path_factory.mktemp("store")
    for dataset in ("shhs", "mesa", "wsc", "ccshs", "cfs", "chat", "mros"):
        ingest_folder(root / dataset, store, signals="ECG,PPG,ABD,THX,EOG-L,EOG-R", workers=2, progress=False)
    return root, store


@pytest.fixture(scope="session")
def small_model_folder(tmp_path_factory) -> Path:
    """A small untrained Wav2Sleep for ECG and THX (seed 0), saved as a model folder: for staging tests."""
    import torch

    from wav2sleep.models import create_model, save_model

    torch.manual_seed(0)
    net = create_model("wav2sleep", signals=("ECG", "THX"), feature_dim=16, epoch_mixer={"nhead": 2, "dim_ff": 32})
    return save_model(net, tmp_path_factory.mktemp("model") / "m")
