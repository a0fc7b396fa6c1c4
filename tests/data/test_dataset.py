import numpy as np
import torch

from wav2sleep.data.dataset import EpochSampler, NightDataset, collate_nights
from wav2sleep.data.transforms import polarity_flip, zscore
from wav2sleep.store import read_manifest


def test_items_are_normalised_with_labels_in_model_classes(ingested):
    _, store = ingested
    rows = [r for r in read_manifest(store) if r["dataset"] in ("mesa", "shhs")]
    data = NightDataset(store, rows, ("ECG", "PPG", "THX"), num_classes=4)
    for item in data:
        n = len(item["labels"])
        assert item["labels"].dtype == torch.int64 and set(item["labels"].unique().tolist()) <= {-1, 0, 1, 2, 3}
        for name, x in item["signals"].items():
            assert x.shape[0] == n * (1024 if name != "THX" else 256)
            assert abs(x.mean().item()) < 1e-3 and abs(x.std().item() - 1) < 1e-2


def test_crops_are_seeded_windows(ingested):
    _, store = ingested
    rows = read_manifest(store)[:2]
    data = NightDataset(store, rows, ("ECG",), 5, crop_epochs=10, seed=3)
    a, b = data[(0, 0)], data[(0, 0)]
    assert len(a["labels"]) == 10 and torch.equal(a["signals"]["ECG"], b["signals"]["ECG"])
    assert not torch.equal(data[(0, 1)]["signals"]["ECG"], a["signals"]["ECG"])


def test_epoch_sampler_orders_depend_on_epoch_only():
    sampler = EpochSampler(20, seed=1)
    first = list(sampler)
    sampler.set_epoch(1)
    second = list(sampler)
    assert sorted(i for i, _ in first) == list(range(20)) and {e for _, e in second} == {1}
    assert [i for i, _ in first] != [i for i, _ in second]
    sampler.set_epoch(0)
    assert list(sampler) == first
    assert [i for i, _ in EpochSampler(5, shuffle=False)] == [0, 1, 2, 3, 4]


def test_collate_pads_and_marks_presence():
    items = [
        {"signals": {"ECG": torch.ones(2 * 1024)}, "labels": torch.tensor([0, 1]), "dataset": "a", "session": "1"},
        {"signals": {"THX": torch.ones(3 * 256)}, "labels": torch.tensor([2, 2, 3]), "dataset": "b", "session": "2"},
    ]
    batch = collate_nights(items)
    assert batch["signals"]["ECG"].shape == (2, 3 * 1024) and batch["signals"]["THX"].shape == (2, 3 * 256)
    assert batch["present"]["ECG"].tolist() == [True, False] and batch["present"]["THX"].tolist() == [False, True]
    assert batch["labels"].tolist() == [[0, 1, -1], [2, 2, 3]]
    assert batch["signals"]["ECG"][0, 2 * 1024 :].abs().sum() == 0


def test_zscore_excludes_padding_and_flip_is_per_element():
    x = np.r_[np.random.default_rng(0).normal(5, 2, 1000), np.zeros(500)].astype(np.float32)
    y = zscore(x, valid=1000)
    assert abs(y[:1000].mean()) < 1e-5 and abs(y[:1000].std() - 1) < 1e-4 and not y[1000:].any()
    signals = {"ECG": torch.ones(2000, 4)}
    flipped = polarity_flip(signals, torch.Generator().manual_seed(0))["ECG"]
    share = (flipped[:, 0] < 0).float().mean().item()
    assert 0.45 < share < 0.55 and ((flipped == 1) | (flipped == -1)).all()
    assert (flipped == flipped[:, :1]).all()  # one sign per element
    intervals = torch.rand(50, 8) + 0.5
    assert torch.equal(polarity_flip({"IBI": intervals})["IBI"], intervals)  # beat intervals have no polarity
