"""Model-rate signals of a whole night -> logits per epoch, following the model's input contract.

Windows: a model with ``window_epochs`` sees at most that many epochs at once. A longer night is cut into windows
of that length, starting every ``window - overlap`` epochs, the last one ending with the night; each window is
normalised and run on its own, and every epoch takes its logits from the window in which it lies farthest from
a window edge (ties: the earlier window), so that no epoch is scored near the edge of its window when another
window holds it more centrally; with ``contract.stitching == "first"`` (published checkpoints) the first window
keeps all its epochs, which then equal what the original computes for the first 10 h of a longer night. With
``pad``, a night (or window) shorter than the window is zero-padded to the full window before normalisation, and
the padded epochs are dropped from the output.

Quality gating: with ``usable`` (bool per epoch and signal), a signal is left out of the epoch mixer exactly in the
epochs where it is unusable (padded epochs count as usable, as the model saw them in training). A window in which no
signal is usable anywhere is not run; its logits are NaN.

Sample order (``contract.sample_order``): ``original-predict`` reorders each window's samples as the original's
prediction path delivers them (``original_predict_order``), only to reproduce its outputs.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from wav2sleep.contract import InputContract
from wav2sleep.data.transforms import normalise
from wav2sleep.models.allocator import large_buffers_kept
from wav2sleep.signals import EPOCH_SECONDS, signal_spec

__all__ = ["window_spans", "window_owners", "original_predict_order", "predict_logits"]


def window_spans(n_epochs: int, window: int | None, overlap: int = 0) -> list[tuple[int, int]]:
    """``[(first, stop), ...]`` epoch ranges of the windows that cover ``n_epochs``."""
    if window is None or n_epochs <= window:
        return [(0, n_epochs)]
    stride = window - overlap
    starts = list(range(0, n_epochs - window, stride)) + [n_epochs - window]
    return [(a, a + window) for a in starts]


def window_owners(n_epochs: int, spans: list[tuple[int, int]], stitching: str = "central") -> np.ndarray:
    """For each epoch, the index of the span in which it lies farthest from an edge (ties: the earlier span); with
    ``stitching="first"`` the first span owns all its epochs (as the original scores the first window alone)."""
    epochs = np.arange(n_epochs)
    margin = np.full((len(spans), n_epochs), -1, dtype=np.int64)
    for i, (a, b) in enumerate(spans):
        inside = (epochs >= a) & (epochs < b)
        margin[i, inside] = np.minimum(epochs[inside] - a, b - 1 - epochs[inside])
    if stitching == "first":
        margin[0, : spans[0][1]] = n_epochs  # beyond any other window's margin
    return margin.argmax(axis=0)  # argmax takes the first of equal margins


def original_predict_order(samples_per_epoch: list[int], n_epochs: int) -> list[np.ndarray]:
    """For signals asked for in this order (their samples per epoch), the sample indices in the order the
    original's prediction path gives them to the model.

    It resamples each signal onto its grid (sample j at (j + 1) / fs) and joins the grids with pandas in the order
    asked for, without sorting: the union holds the first signal's sample times, then each later signal's times not
    yet in it. Each signal is then read back in the union's order, so a signal on a finer grid than an earlier one
    comes out of time order (the times it shares with the earlier grid first).
    """
    finest = max(samples_per_epoch)
    seen = np.zeros(n_epochs * finest + 1, dtype=bool)  # times as multiples of 30 s / finest
    blocks = []
    for spe in samples_per_epoch:
        times = np.arange(finest // spe, n_epochs * finest + 1, finest // spe)
        new = times[~seen[times]]
        seen[new] = True
        blocks.append(new)
    union = np.concatenate(blocks)
    return [union[union % (finest // spe) == 0] // (finest // spe) - 1 for spe in samples_per_epoch]


def predict_logits(net: nn.Module, signals: dict[str, np.ndarray], n_epochs: int, contract: InputContract,
                   device: str | torch.device = "cpu", usable: dict[str, np.ndarray] | None = None) -> torch.Tensor:  # fmt: skip
    """``signals`` {name: un-normalised float32 samples at the model rate, ``n_epochs`` epochs} -> logits [E, C]
    (``usable``: {name: bool [E]} for quality gating). The forward passes keep their buffers in the heap
    (``models.allocator``)."""
    spans = window_spans(n_epochs, contract.window_epochs, contract.overlap_epochs)
    owners = window_owners(n_epochs, spans, contract.stitching)
    out = torch.full((n_epochs, net.num_classes), float("nan"))
    for i, (a, b) in enumerate(spans):
        length = b - a
        padded = max(length, contract.window_epochs or 0) if contract.pad else length
        present = None
        if usable is not None:
            present = {}
            for name in signals:
                mask = np.ones(padded, dtype=bool)
                mask[:length] = usable[name][a:b]
                present[name] = torch.from_numpy(mask)[None].to(device)
            if not any(bool(m[0, :length].any()) for m in present.values()):
                continue  # nothing usable in this window: its epochs stay NaN (unscored)
        inputs = {}
        spes = [signal_spec(name).samples_per_epoch for name in signals]
        orders = original_predict_order(spes, padded) if contract.sample_order == "original-predict" else None
        for k, (name, x) in enumerate(signals.items()):
            spe = spes[k]
            piece = np.zeros(padded * spe, dtype=np.float32)
            piece[: length * spe] = x[a * spe : b * spe]
            if orders is not None:
                piece = piece[orders[k]]
            valid = length * spe
            inputs[name] = torch.from_numpy(normalise(piece, contract.normalisation, spe / EPOCH_SECONDS, valid))
        with torch.inference_mode(), large_buffers_kept():
            logits = net({k: v[None].to(device) for k, v in inputs.items()}, present)[0, :length].float().cpu()
        take = np.nonzero(owners[a:b] == i)[0]
        out[a + take] = logits[take]
    return out
