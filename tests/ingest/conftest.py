import pytest

from wav2sleep.ingest.runner import ingest_folder


@pytest.fixture(scope="session")
def ingested(synth_corpus, tmp_path_factory):
    """The synthetic corpus ingested with every signal, one store for all seven datasets: (corpus root, store)."""
    root, _ = synth_corpus
    store = tmp_path_factory.mktemp("store")
    for dataset in ("shhs", "mesa", "wsc", "ccshs", "cfs", "chat", "mros"):
        ingest_folder(root / dataset, store, signals="ECG,PPG,ABD,THX,EOG-L,EOG-R", workers=2, progress=False)
    return root, store
