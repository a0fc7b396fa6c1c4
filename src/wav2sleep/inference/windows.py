"""Model-rate signals of a whole night -> logits per epoch, following the model's input contract.

Windows: a model with ``window_epochs`` sees at most that many epochs at once. A longer night is cut into windows
of that length, starting every ``window - overlap`` epochs, the last one ending with the night; each window is
normalised and run on its own, and every epoch takes its logits from the window in which it lies farthest from
a window edge (ties: the earlier window), so that no epoch is scored near the edge of its window when another
window holds it more centrally. With ``pad``, a night (or window) shorter than the window is zero-padded to the
full window before normalisation, and the padded epochs are dropped from the output.
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
                   device: str | torch.device = "cpu") -> torch.Tensor:  # fmt: skip
    """``signals`` {name: un-normalised float32 samples at the model rate, ``n_epochs`` epochs} -> logits [E, C]."""
    spans = window_spans(n_epochs, contract.window_epochs, contract.overlap_epochs)
    owners = window_owners(n_epochs, spans)
    out = None
    for i, (a, b) in enumerate(spans):
        length = b - a
        padded = max(length, contract.window_epochs or 0) if contract.pad else length
        inputs = {}
        for name, x in signals.items():
            spe = signal_spec(name).samples_per_epoch
            piece = np.zeros(padded * spe, dtype=np.float32)
            piece[: length * spe] = x[a * spe : b * spe]
            valid = length * spe
            inputs[name] = torch.from_numpy(normalise(piece, contract.normalisation, spe / EPOCH_SECONDS, valid))
        with torch.inference_mode():
            logits = net({k: v[None].to(device) for k, v in inputs.items()})[0, :length].float().cpu()
        if out is None:
            out = torch.empty(n_epochs, logits.shape[-1])
        take = np.nonzero(owners[a:b] == i)[0]
        out[a + take] = logits[take]
    return out
