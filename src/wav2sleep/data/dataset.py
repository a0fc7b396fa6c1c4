"""Torch dataset over store nights: normalised signals, labels in the model's classes, optional random crops."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset, Sampler

from wav2sleep.data.transforms import normalise
from wav2sleep.signals import EPOCH_SECONDS, signal_spec
from wav2sleep.stages import UNSCORED, to_num_classes
from wav2sleep.store import read_night

__all__ = ["NightDataset", "EpochSampler", "collate_nights"]


class NightDataset(Dataset):
    """Nights of the store (manifest rows) for ``signals``.

    Each item: ``signals`` {name: float32 tensor [E * spe]} (only the night's own signals), ``labels`` int64 [E]
    (-1 unscored), ``dataset``/``session`` names. ``crop_epochs`` takes a random window of that many epochs (the
    whole night if shorter), seeded by (seed, epoch, index): indexed with ``(index, epoch)`` pairs from
    ``EpochSampler``, crops are fresh every epoch yet identical when a run is resumed. ``normalisation``:
    ``zscore`` (per night) or ``causal`` (running; see ``transforms.causal_zscore``), applied to the crop; ``None``
    gives the stored samples as they are (inference normalises per window: ``inference.windows``).
    """

    def __init__(self, root: str | Path, rows: Sequence[dict], signals: Sequence[str], num_classes: int,
                 crop_epochs: int | None = None, seed: int = 0, normalisation: str | None = "zscore") -> None:  # fmt: skip
        self.root = Path(root)
        self.rows = [r for r in rows if set(r["signals"].split(",")) & set(signals)]
        self.signals = tuple(signals)
        self.num_classes = num_classes
        self.crop_epochs = crop_epochs
        self.seed = seed
        self.normalisation = normalisation

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, key: int | tuple[int, int]) -> dict:
        index, epoch = key if isinstance(key, tuple) else (key, 0)
        row = self.rows[index]
        night = read_night(self.root / row["path"], self.signals)
        n = night.n_epochs
        first, count = 0, n
        if self.crop_epochs and n > self.crop_epochs:
            rng = np.random.default_rng((self.seed, epoch, index))
            first, count = int(rng.integers(0, n - self.crop_epochs + 1)), self.crop_epochs
        signals = {}
        for name, x in night.signals.items():
            spe = signal_spec(name).samples_per_epoch
            crop = x[first * spe : (first + count) * spe]
            crop = np.array(crop, dtype=np.float32) if self.normalisation is None else \
                normalise(crop, self.normalisation, spe / EPOCH_SECONDS)  # fmt: skip
            signals[name] = torch.from_numpy(crop)
        stages = night.stages if night.stages is not None else np.full(n, UNSCORED, dtype=np.int8)
        labels = to_num_classes(stages[first : first + count], self.num_classes).astype(np.int64)
        return {"signals": signals, "labels": torch.from_numpy(labels), "dataset": row["dataset"],
                "session": row["session"]}  # fmt: skip


class EpochSampler(Sampler):
    """Yields ``(index, epoch)``: a permutation seeded by (seed, epoch) when shuffling.

    Lightning calls ``set_epoch`` at every epoch start (and wraps the sampler for DDP), so the order and the crops
    depend only on the epoch number, not on when the loader was built: a resumed run sees the same batches.
    """

    def __init__(self, size: int, seed: int = 0, shuffle: bool = True) -> None:
        self.size, self.seed, self.shuffle, self.epoch = size, seed, shuffle, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self.size

    def __iter__(self):
        order = np.random.default_rng((self.seed, self.epoch)).permutation(self.size) if self.shuffle \
            else np.arange(self.size)  # fmt: skip
        return iter([(int(i), self.epoch) for i in order])


def collate_nights(items: list[dict]) -> dict:
    """Pad nights to the longest: signals with 0, labels with -1; ``present`` marks which nights have each signal."""
    epochs = max(len(it["labels"]) for it in items)
    names = sorted({n for it in items for n in it["signals"]})
    batch = len(items)
    signals, present = {}, {}
    for name in names:
        spe = signal_spec(name).samples_per_epoch
        out = torch.zeros(batch, epochs * spe)
        mask = torch.zeros(batch, dtype=torch.bool)
        for b, it in enumerate(items):
            if name in it["signals"]:
                x = it["signals"][name]
                out[b, : x.shape[0]] = x
                mask[b] = True
        signals[name], present[name] = out, mask
    labels = torch.full((batch, epochs), UNSCORED, dtype=torch.long)
    for b, it in enumerate(items):
        labels[b, : len(it["labels"])] = it["labels"]
    return {"signals": signals, "present": present, "labels": labels,
            "dataset": [it["dataset"] for it in items], "session": [it["session"] for it in items]}  # fmt: skip
