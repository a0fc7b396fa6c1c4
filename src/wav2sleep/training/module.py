"""The LightningModule: cross-entropy ignoring unscored epochs, masking and polarity flips in training, AdamW with
linear warm-up and exponential decay per optimiser step, validation loss and kappa."""

from __future__ import annotations

import math

import lightning as L
import torch
from torch import nn

from wav2sleep.data.masking import ModalityMasker
from wav2sleep.data.transforms import polarity_flip
from wav2sleep.evaluation.metrics import accuracy, cohens_kappa, confusion_matrix
from wav2sleep.stages import UNSCORED

__all__ = ["StagingModule", "lr_factor"]


def lr_factor(step: int, warmup_steps: int, decay_tau: float) -> float:
    """Linear warm-up to 1 over ``warmup_steps``, then exp(-(step - warmup) / tau)."""
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    return math.exp(-(step - warmup_steps) / decay_tau)


class StagingModule(L.LightningModule):
    def __init__(self, model: nn.Module, lr: float = 1e-3, weight_decay: float = 1e-4, warmup_steps: int = 2000,
                 decay_tau: float = 10000, masker: ModalityMasker | None = None, flip_p: float = 0.5,
                 seed: int = 42) -> None:  # fmt: skip
        super().__init__()
        self.model = model
        self.lr, self.weight_decay = lr, weight_decay
        self.warmup_steps, self.decay_tau = warmup_steps, decay_tau
        self.masker = masker if len(model.signals) > 1 else None
        self.flip_p = flip_p
        self.seed = seed
        self.loss_fn = nn.CrossEntropyLoss(ignore_index=UNSCORED)
        self._val_cm = None

    def forward(self, signals, present=None):
        return self.model(signals, present)

    def _loss(self, batch, present) -> tuple[torch.Tensor, torch.Tensor]:
        logits = self.model(batch["signals"], present)
        return self.loss_fn(logits.flatten(0, 1), batch["labels"].flatten()), logits

    def training_step(self, batch, batch_idx):
        # Randomness (flips, masking, dropout) is a function of (seed, step), so a resumed run repeats exactly
        # what an uninterrupted one does.
        torch.manual_seed(self.seed * 1_000_003 + self.global_step)
        signals = polarity_flip(batch["signals"], p=self.flip_p) if self.flip_p else batch["signals"]
        present = {k: v.cpu() for k, v in batch["present"].items()}
        if self.masker is not None:
            present = self.masker(present)
        present = {k: v.to(self.device) for k, v in present.items()}
        loss, _ = self._loss({**batch, "signals": signals}, present)
        self.log("train_loss", loss, on_step=True, on_epoch=True, batch_size=len(batch["labels"]), sync_dist=True)
        return loss

    def on_validation_epoch_start(self) -> None:
        self._val_cm = torch.zeros(self.model.num_classes, self.model.num_classes, dtype=torch.long)

    def validation_step(self, batch, batch_idx):
        loss, logits = self._loss(batch, batch["present"])
        labels = batch["labels"].cpu().numpy()
        cm = confusion_matrix(labels, logits.argmax(-1).cpu().numpy(), self.model.num_classes)
        self._val_cm += torch.from_numpy(cm)
        self.log("val_loss", loss, on_epoch=True, batch_size=len(labels), sync_dist=True)
        return loss

    def on_validation_epoch_end(self) -> None:
        cm = self._val_cm
        if self.trainer.world_size > 1:  # pool the confusion matrices of all processes
            cm = self.all_gather(cm).sum(0)
        cm = cm.cpu().numpy()
        self.log("val_kappa", cohens_kappa(cm), sync_dist=False)
        self.log("val_acc", accuracy(cm), sync_dist=False)

    def configure_optimizers(self):
        opt = torch.optim.AdamW(self.model.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        schedule = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda step: lr_factor(step, self.warmup_steps, self.decay_tau)
        )
        return {"optimizer": opt, "lr_scheduler": {"scheduler": schedule, "interval": "step"}}
