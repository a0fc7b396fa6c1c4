"""Training of ``HRVSequence`` ensembles (``models.hrv_sequence``) on the IBI nights of a store, and the command
that builds the shipped ``builtin:ibi-slpdb`` model from SLPDB:

    python -m wav2sleep.training.hrv_sequence STORE OUT [--members 3 --epochs 20 --dim 32 --layers 1
                                                         --tree-weight 0.5]

(``make builtin-models`` runs it on ``../shared/data/slpdb`` with the card ``docs/model-cards/ibi-slpdb.md``.)

Each member is trained on every night of the store that has IBI and expert stages: the night's HRV features
computed once, then ``epochs`` passes over the nights in random order, each a random crop of 4 h or more
(whole night if shorter), Gaussian feature noise (SD 0.1), AdamW (lr 1e-3, weight decay 1e-2), class-balanced
cross-entropy; member k uses seed ``seed + k``. No Lightning: the networks are tiny (~25k parameters), a member
takes about half a minute on 2 CPU cores, and the recipe is the one cross-validated in ``benchmarks/
slpdb_hrv_sequence.py``, which calls ``fit_member`` too. Beside the members, the HRV baseline's gradient
boosting is fitted on the same features and nights (``fit_forest``, kept as ``BoostedTrees`` tensors) and blended
with the members' mean probabilities (``--tree-weight``, 0.5: an equal blend, fixed before it was cross-validated).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from wav2sleep.errors import ConfigError
from wav2sleep.models.boosted_trees import BoostedTrees, from_sklearn
from wav2sleep.models.folder import spec_contract
from wav2sleep.models.hrv_sequence import FeatureSequenceNet, HRVSequence, night_features
from wav2sleep.models.registry import create_model, model_spec

__all__ = ["CONTRACT", "fit_member", "fit_forest", "store_nights", "train_ensemble", "main"]

# The IBI grid as ingested (soxr, grid start), in seconds: the model computes its own per-night features.
CONTRACT = spec_contract(model_spec("hrv-sequence"))
MIN_CROP_EPOCHS = 480  # 4 h


def fit_member(nights: Sequence[tuple[np.ndarray, np.ndarray]], num_classes: int, seed: int, *, dim: int = 32,
               layers: int = 1, dropout: float = 0.3, epochs: int = 20, balanced: bool = True,
               noise: float = 0.1, init: Mapping[str, torch.Tensor] | None = None) -> FeatureSequenceNet:  # fmt: skip
    """One member trained on ``nights`` [(features [E, 28], labels [E] in ``num_classes`` classes, -1 unscored)],
    starting from the weights ``init`` if given (a pretrained network's: ``benchmarks/slpdb_hrv_sequence.py``)."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    net = FeatureSequenceNet(num_classes, dim, layers, dropout)
    if init is not None:
        net.load_state_dict(init)
    opt = torch.optim.AdamW(net.parameters(), 1e-3, weight_decay=1e-2)
    y_all = np.concatenate([y for _, y in nights])
    counts = np.bincount(y_all[y_all >= 0], minlength=num_classes).clip(1)
    weight = torch.tensor(counts.sum() / (num_classes * counts), dtype=torch.float32) if balanced else None
    loss_fn = nn.CrossEntropyLoss(weight=weight, ignore_index=-1)
    net.train()
    for _ in range(epochs):
        for i in rng.permutation(len(nights)):
            x, y = nights[i]
            length = int(rng.integers(min(len(y), MIN_CROP_EPOCHS), len(y) + 1))
            a = int(rng.integers(0, len(y) - length + 1))
            xb = torch.tensor(x[a : a + length], dtype=torch.float32)[None]
            loss = loss_fn(net(xb + noise * torch.randn_like(xb))[0], torch.tensor(y[a : a + length]))
            opt.zero_grad()
            loss.backward()
            opt.step()
    return net.eval()


def store_nights(root: Path, num_classes: int = 4) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """session -> (HRV features, expert labels) of every store night with IBI and stages."""
    from wav2sleep.data.dataset import NightDataset
    from wav2sleep.store import read_manifest

    rows = [r for r in read_manifest(root) if "IBI" in r["signals"].split(",")]
    out = {}
    for item in NightDataset(root, rows, ("IBI",), num_classes, normalisation=None):
        labels = item["labels"].numpy()
        if (labels >= 0).any():
            out[item["session"]] = (night_features(item["signals"]["IBI"].numpy()), labels)
    return out


def fit_forest(nights: Sequence[tuple[np.ndarray, np.ndarray]], num_classes: int, seed: int) -> BoostedTrees:
    """The HRV baseline's gradient boosting (``baselines.hrv.make_classifier``, settings fixed in advance) fitted on
    the scored epochs of ``nights``, as ``BoostedTrees``. Needs scikit-learn (``wav2sleep[baseline]``)."""
    from wav2sleep.baselines.hrv import make_classifier

    x = np.concatenate([f for f, _ in nights])
    y = np.concatenate([labels for _, labels in nights])
    scored = y >= 0
    if set(np.unique(y[scored]).tolist()) != set(range(num_classes)):
        raise ConfigError(f"boosted trees need epochs of every one of the {num_classes} classes in the training "
                          f"nights; found {sorted(np.unique(y[scored]).tolist())}")  # fmt: skip
    return from_sklearn(make_classifier("boosting", seed).fit(x[scored], y[scored]))


def train_ensemble(nights: Sequence[tuple[np.ndarray, np.ndarray]], num_classes: int = 4, members: int = 3,
                   seed: int = 0, tree_weight: float = 0.0, **settings) -> HRVSequence:  # fmt: skip
    """An ``HRVSequence`` whose members are trained by ``fit_member`` with seeds ``seed``, ``seed + 1``, ..., and,
    when ``tree_weight`` > 0, boosted trees (``fit_forest``, seed ``seed``) blended in with that weight."""
    params = {k: settings[k] for k in ("dim", "layers", "dropout") if k in settings}
    forest = fit_forest(nights, num_classes, seed) if tree_weight > 0 else None
    if forest is not None:
        classes, trees, nodes = forest.feature.shape
        params |= {"trees": trees, "tree_nodes": nodes, "tree_depth": forest.depth, "tree_weight": tree_weight}
    model = create_model("hrv-sequence", num_classes=num_classes, members=members, **params)  # its contract too
    for k in range(members):  # load_state_dict checks that the member fits the ensemble's shape
        model.members[k].load_state_dict(fit_member(nights, num_classes, seed + k, **settings).state_dict())
    if forest is not None:
        model.forest.load_state_dict(forest.state_dict())
    return model.eval()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", type=Path, help="a store with IBI nights and expert stages (wav2sleep ingest)")
    parser.add_argument("out", type=Path, help="model folder to write")
    parser.add_argument("--members", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--dim", type=int, default=32)
    parser.add_argument("--layers", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--tree-weight",
        type=float,
        default=0.5,
        help="weight of the boosted trees blended with the networks (0: networks only)",
    )
    parser.add_argument("--name", default="hrv-sequence", help="the model's name (its card's title)")
    parser.add_argument("--card", type=Path, help="Markdown appended to the model card (README.md)")
    parser.add_argument("--training-data", default="", help="one line naming the training data, for the card")
    args = parser.parse_args(argv)
    from wav2sleep.models.loading import save_model

    torch.set_num_threads(min(2, torch.get_num_threads()))  # the tiny networks gain nothing from more
    try:
        nights = store_nights(args.store)
    except ConfigError as exc:  # not a store
        print(f"wav2sleep: {exc}", file=sys.stderr)
        return 1
    if not nights:
        print(f"wav2sleep: {args.store}: no nights with IBI and expert stages", file=sys.stderr)
        return 1
    try:
        model = train_ensemble(list(nights.values()), members=args.members, seed=args.seed, epochs=args.epochs,
                               dim=args.dim, layers=args.layers, tree_weight=args.tree_weight)  # fmt: skip
    except ConfigError as exc:  # a training set without every class
        print(f"wav2sleep: {exc}", file=sys.stderr)
        return 1
    except ImportError as exc:  # the trees need scikit-learn
        print(f"wav2sleep: boosted trees need scikit-learn ({exc}): pip install 'wav2sleep[baseline]', or train "
              "the networks alone with --tree-weight 0", file=sys.stderr)  # fmt: skip
        return 1
    model.variant = args.name
    card = args.card.read_text() if args.card else ""
    save_model(model, args.out, training_data=args.training_data or f"{len(nights)} nights of {args.store}",
               card=card)  # fmt: skip
    trees = f" and boosted trees (weight {args.tree_weight:g})" if model.forest is not None else ""
    print(f"{args.out}: {args.members} members{trees} trained on {len(nights)} nights ({', '.join(sorted(nights))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
