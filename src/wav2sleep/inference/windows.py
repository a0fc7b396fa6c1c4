"""Model-rate signals of a whole night -> logits per epoch, following the model's input contract.

Windows: a model with ``window_epochs`` sees at most that many epochs at once. A longer night is cut into windows
of that length, starting every ``window - overlap`` epochs, the last one ending with the night; each window is
normalised and run on its own, and every epoch takes its logits from the window in which it lies farthest from
a window edge (ties: the earlier window), so that no epoch is scored near the edge of its window when another
window holds it more centrally. With ``pad``, a night (or window) shorter than the window is zero-padded to the
full window before normalisation, and the padded epochs are dropped from the output.

Quality gating: with ``usable`` (bool per epoch and signal), a signal is left out of the epoch mixer exactly in the
epochs where it is unusable (padded epochs count as usable, as the model saw them in training). A window in which no
signal is usable anywhere is not run; its logits are NaN.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from wav2sleep.contract import InputContract
from wav2sleep.data.transforms import normalise
from wav2sleep.signals import EPOCH_SECONDS, signal_spec

__all__ = ["window_spans", "window_owners", "predict_logits"]


def window_spans(n_epochs: int, window: int | None, overlap: int = 0) -> list[tuple[int, int]]:
    """``[(first, stop), ...]`` epoch ranges of the windows that cover ``n_epochs``."""
    if window is None or n_epochs <= window:
        return [(0, n_epochs)]
    stride = window - overlap
    starts = list(range(0, n_epochs - window, stride)) + [n_epochs - window]
    return [(a, a + window) for a in starts]


def window_owners(n_epochs: int, spans: list[tuple[int, int]]) -> np.ndarray:
    """For each epoch, the index of the span in which it lies farthest from an edge (ties: the earlier span)."""
    epochs = np.arange(n_epochs)
    margin = np.full((len(spans), n_epochs), -1, dtype=np.int64)
    for i, (a, b) in enumerate(spans):
        inside = (epochs >= a) & (epochs < b)
        margin[i, inside] = np.minimum(epochs[inside] - a, b - 1 - epochs[inside])
    return margin.argmax(axis=0)  # argmax takes the first of equal margins


def predict_logits(net: nn.Module, signals: dict[str, np.ndarray], n_epochs: int, contract: InputContract,
                   device: str | torch.device = "cpu", usable: dict[str, np.ndarray] | None = None) -> torch.Tensor:  # fmt: skip
    """``signals`` {name: un-normalised float32 samples at the model rate, ``n_epochs`` epochs} -> logits [E, C]
    (``usable``: {name: bool [E]} for quality gating)."""
    spans = window_spans(n_epochs, contract.window_epochs, contract.overlap_epochs)
    owners = window_owners(n_epochs, spans)
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
        for name, x in signals.items():
            spe = signal_spec(name).samples_per_epoch
            piece = np.zeros(padded * spe, dtype=np.float32)
            piece[: length * spe] = x[a * spe : b * spe]
            valid = length * spe
            inputs[name] = torch.from_numpy(normalise(piece, contract.normalisation, spe / EPOCH_SECONDS, valid))
        with torch.inference_mode():
            logits = net({k: v[None].to(device) for k, v in inputs.items()}, present)[0, :length].float().cpu()
        take = np.nonzero(owners[a:b] == i)[0]
        out[a + take] = logits[take]
    return out
