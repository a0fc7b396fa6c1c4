"""Data loaders for training: store rows of each partition -> NightDatasets -> padded batches."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import lightning as L
from torch.utils.data import DataLoader

from wav2sleep.data.dataset import EpochSampler, NightDataset, collate_nights
from wav2sleep.evaluation.evaluate import select_rows

__all__ = ["StoreDataModule"]


class StoreDataModule(L.LightningDataModule):
    """Train/val nights of several datasets at once; failed nights are never in the manifest's usable rows,
    flagged ones only with ``include_flagged``."""

    def __init__(self, root: str | Path, datasets: Sequence[str], signals: Sequence[str], num_classes: int,
                 scheme: str = "paper", batch_size: int = 16, crop_epochs: int | None = 1200, num_workers: int = 0,
                 seed: int = 42, include_flagged: bool = False, normalisation: str = "zscore") -> None:  # fmt: skip
        super().__init__()
        self.root, self.datasets, self.signals = Path(root), list(datasets), tuple(signals)
        self.num_classes, self.scheme, self.batch_size = num_classes, scheme, batch_size
        self.crop_epochs, self.num_workers, self.seed = crop_epochs, num_workers, seed
        self.include_flagged, self.normalisation = include_flagged, normalisation

    def _rows(self, partition: str) -> list[dict]:
        rows = select_rows(self.root, self.scheme, partition, self.datasets)
        return [r for r in rows if self.include_flagged or r["status"] == "ok"]

    def setup(self, stage: str | None = None) -> None:
        self.train_set = NightDataset(self.root, self._rows("train"), self.signals, self.num_classes,
                                      self.crop_epochs, self.seed, self.normalisation)  # fmt: skip
        self.val_set = NightDataset(self.root, self._rows("val"), self.signals, self.num_classes,
                                    normalisation=self.normalisation)  # fmt: skip
        if not len(self.train_set) or not len(self.val_set):
            from wav2sleep.errors import ConfigError

            raise ConfigError(f"{self.root}: {len(self.train_set)} train and {len(self.val_set)} val nights for "
                              f"{', '.join(self.datasets)} under split '{self.scheme}'; need both")  # fmt: skip

    def _loader(self, data, shuffle: bool, batch_size: int) -> DataLoader:
        return DataLoader(data, batch_size=batch_size, sampler=EpochSampler(len(data), self.seed, shuffle),
                          collate_fn=collate_nights, num_workers=self.num_workers,
                          persistent_workers=self.num_workers > 0)  # fmt: skip

    def train_dataloader(self) -> DataLoader:
        return self._loader(self.train_set, True, self.batch_size)

    def val_dataloader(self) -> DataLoader:
        return self._loader(self.val_set, False, max(1, min(self.batch_size, 4)))
