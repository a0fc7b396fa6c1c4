import pytest

TINY = [
    "+model.params.feature_dim=16",
    "+model.params.epoch_mixer={nhead: 2, dim_ff: 32}",
    "+model.params.sequence_mixer={kernel_size: 3, num_dilations: 2}",
    "+model.params.encoder={initial_channels: 4, max_channels: 16}",
    "inputs.signals=[ECG,THX]",
    "inputs.masking.drop={ECG: 0.5, THX: 0.5}",
    "inputs.masking.backups=[ECG]",
    "datasets=shhs",
    "training.batch_size=4",
    "target_batch_size=4",
    "training.crop_epochs=60",
    "training.num_workers=0",
    "training.lr=3e-3",
    "training.warmup_steps=3",
    "training.decay_tau=500",
]


@pytest.fixture(scope="session")
def train_store(tmp_path_factory):
    """Ten 1-h SHHS-layout nights (6 train, 2 val, 2 test under the paper lists), ingested and split."""
    from wav2sleep.data.splits import write_split
    from wav2sleep.ingest.runner import ingest_folder
    from wav2sleep.synth import write_corpus

    root = tmp_path_factory.mktemp("train")
    write_corpus(root / "corpus", datasets=["shhs"], nights=10, hours=1.0, seed=11)
    ingest_folder(root / "corpus" / "shhs", root / "store", workers=2, progress=False)
    write_split(root / "store", "paper")
    return root / "store"


@pytest.fixture
def tiny_config(train_store, tmp_path):
    from wav2sleep.training.train import compose_config

    def make(*overrides):
        return compose_config([*TINY, f"data_root={train_store}", f"output_dir={tmp_path / 'run'}", *overrides])

    return make


@pytest.fixture
def tiny_overrides() -> list[str]:
    """The tiny model and training settings as command-line overrides."""
    return list(TINY)
