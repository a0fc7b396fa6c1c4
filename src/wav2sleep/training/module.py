"""The LightningModule: cross-entropy ignoring unscored epochs, masking and polarity flips in training, AdamW with
linear warm-up and exponential decay per optimiser step; validation loss, kappa and accuracy pooled over all
validation nights, per dataset and per signal subset."""

from __future__ import annotations

import contextlib
import math
import tempfile
from collections.abc import Sequence
from pathlib import Path

import lightning as L
import numpy as np
import torch
from torch import nn

from wav2sleep.data.masking import ModalityMasker, epoch_dropout
from wav2sleep.data.transforms import polarity_flip
from wav2sleep.evaluation.metrics import accuracy, cohens_kappa, confusion_matrix, f1_scores
from wav2sleep.models.allocator import large_buffers_kept
from wav2sleep.signals import parse_signals
from wav2sleep.stages import UNSCORED, class_labels

__all__ = ["LargeBuffersKeptDuringFit", "StagingModule", "lr_factor"]


def lr_factor(step: int, warmup_steps: int, decay_tau: float) -> float:
    """Linear warm-up to 1 over ``warmup_steps``, then exp(-(step - warmup) / tau)."""
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    return math.exp(-(step - warmup_steps) / decay_tau)


class LargeBuffersKeptDuringFit(L.Callback):
    """A step on CPU allocates and frees night-long activations many times; kept in the heap they are not
    page-faulted in afresh each time (the default step on two 10-h nights 2.25x faster, under 4 GB: docs/models.md).
    A callback, not module hooks, because only callbacks hear of a fit that raises (``on_exception``): the setting
    must not outlive the fit either way."""

    def __init__(self) -> None:
        self._heap = contextlib.ExitStack()

    def on_fit_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if pl_module.device.type == "cpu":
            self._heap.enter_context(large_buffers_kept())

    def on_fit_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._heap.close()

    def on_exception(self, trainer: L.Trainer, pl_module: L.LightningModule, exception: BaseException) -> None:
        self._heap.close()


class StagingModule(L.LightningModule):
    def __init__(self, model: nn.Module, lr: float = 1e-3, weight_decay: float = 1e-4, warmup_steps: int = 2000,
                 decay_tau: float = 10000, masker: ModalityMasker | None = None, flip_p: float = 0.5,
                 seed: int = 42, val_datasets: Sequence[str] = (), val_subsets: Sequence[str] = (),
                 epoch_dropout: float = 0.0) -> None:  # fmt: skip
        """``val_datasets``: datasets reported one by one (besides pooled) when there are several.
        ``val_subsets`` (e.g. ``ECG+THX``): also validate with only those signals, on the nights that have them all;
        used for models with several inputs, like the reference's unified models. ``epoch_dropout``: probability of
        dropping a signal in one epoch (per-epoch presence), so that models learn what quality gating feeds them."""
        super().__init__()
        self.model = model
        self.lr, self.weight_decay = lr, weight_decay
        self.warmup_steps, self.decay_tau = warmup_steps, decay_tau
        self.masker = masker if len(model.signals) > 1 else None
        self.flip_p = flip_p
        self.epoch_dropout = epoch_dropout if len(model.signals) > 1 else 0.0
        self.seed = seed
        self.loss_fn = nn.CrossEntropyLoss(ignore_index=UNSCORED)
        subsets = [parse_signals(v) for v in val_subsets] if len(model.signals) > 1 else []
        # Validation groups: all the model's signals, then each subset it can take; datasets: pooled, then each.
        self.val_groups = [None, *(v for v in subsets if set(v) <= set(model.signals))]
        self.val_datasets = ["*", *val_datasets] if len(val_datasets) > 1 else ["*"]
        self._val = None

    def configure_callbacks(self) -> list[L.Callback]:
        return [LargeBuffersKeptDuringFit()]

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
        if self.epoch_dropout:
            present = epoch_dropout(present, batch["labels"].shape[1], self.epoch_dropout)
        present = {k: v.to(self.device) for k, v in present.items()}
        loss, _ = self._loss({**batch, "signals": signals}, present)
        self.log("train_loss", loss, on_step=True, on_epoch=True, batch_size=len(batch["labels"]), sync_dist=True)
        return loss

    def on_validation_epoch_start(self) -> None:
        groups, sets, c = len(self.val_groups), len(self.val_datasets), self.model.num_classes
        # Confusion matrices and summed cross-entropy / scored-epoch counts, pooled over the epoch (and processes).
        self._val = {"cm": torch.zeros(groups, sets, c, c, dtype=torch.long, device=self.device),
                     "loss": torch.zeros(groups, sets, 2, dtype=torch.float64, device=self.device)}  # fmt: skip

    def validation_step(self, batch, batch_idx):
        present = batch["present"]
        batch_size = len(batch["labels"])
        for g, subset in enumerate(self.val_groups):
            signals = list(batch["signals"]) if subset is None else list(subset)
            keep = torch.ones(batch_size, dtype=torch.bool)  # a subset is scored on the nights with all its signals
            for name in subset or ():
                keep &= present[name].cpu() if name in present else torch.zeros_like(keep)
            rows = keep.nonzero().flatten()
            if not len(rows):
                continue
            x = {k: batch["signals"][k][rows.to(self.device)] for k in signals}
            p = {k: present[k][rows.to(present[k].device)] for k in signals}
            logits = self.model(x, p)
            labels = batch["labels"][rows.to(self.device)]
            loss = nn.functional.cross_entropy(logits.transpose(1, 2), labels, ignore_index=UNSCORED, reduction="none")
            scored = labels != UNSCORED
            pred = logits.argmax(-1).cpu().numpy()
            for i, b in enumerate(rows.tolist()):
                cm = torch.from_numpy(confusion_matrix(labels[i].cpu().numpy(), pred[i], self.model.num_classes))
                stats = torch.stack([loss[i].sum().double(), scored[i].sum().double()])
                for d in self._dataset_slots(batch["dataset"][b]):
                    self._val["cm"][g, d] += cm.to(self.device)
                    self._val["loss"][g, d] += stats

    def _dataset_slots(self, dataset: str) -> list[int]:
        return [0] + ([self.val_datasets.index(dataset)] if dataset in self.val_datasets[1:] else [])

    def on_validation_epoch_end(self) -> None:
        stats = self._val
        if self.trainer.world_size > 1:  # pool the statistics of all processes
            stats = {k: self.all_gather(v).sum(0) for k, v in stats.items()}
        cms, losses = stats["cm"].cpu().numpy(), stats["loss"].cpu().numpy()
        for g, subset in enumerate(self.val_groups):
            for d, dataset in enumerate(self.val_datasets):
                if losses[g, d, 1] == 0:
                    continue
                tag = "" if subset is None else "_" + "_".join(subset)
                suffix = "" if dataset == "*" else f"_{dataset}"
                self.log(f"val{tag}_loss{suffix}", float(losses[g, d, 0] / losses[g, d, 1]), sync_dist=False)
                self.log(f"val{tag}{suffix}_kappa", cohens_kappa(cms[g, d]), sync_dist=False)
                self.log(f"val{tag}{suffix}_acc", accuracy(cms[g, d]), sync_dist=False)
        f1 = np.nan_to_num(f1_scores(cms[0, 0]))  # pooled, every signal: macro and per class
        self.log("val_macro_f1", float(f1.mean()), sync_dist=False)
        for label, value in zip(class_labels(self.model.num_classes), f1, strict=True):
            self.log(f"val_f1_{label}", float(value), sync_dist=False)
        self._log_confusion(cms[0, 0])

    def _log_confusion(self, cm) -> None:
        """The pooled validation confusion matrix of this epoch as a picture in the MLflow run."""
        from lightning.pytorch.loggers import MLFlowLogger

        if not isinstance(self.logger, MLFlowLogger) or self.trainer.sanity_checking or self.global_rank != 0:
            return
        from wav2sleep.evaluation.plots import plot_confusion

        with tempfile.TemporaryDirectory() as tmp:
            path = plot_confusion(cm, class_labels(self.model.num_classes), f"validation, epoch {self.current_epoch}",
                                  Path(tmp) / f"{self.current_epoch:04d}.png")  # fmt: skip
            self.logger.experiment.log_artifact(self.logger.run_id, str(path), "val_confusion")

    def configure_optimizers(self):
        opt = torch.optim.AdamW(self.model.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        schedule = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda step: lr_factor(step, self.warmup_steps, self.decay_tau)
        )
        return {"optimizer": opt, "lr_scheduler": {"scheduler": schedule, "interval": "step"}}
