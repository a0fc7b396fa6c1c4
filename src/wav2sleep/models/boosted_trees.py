"""Gradient-boosted decision trees as a torch module: a multiclass boosted forest kept as tensors, so that it is
saved in a model folder's safetensors beside the networks (no pickled estimator in a model folder, no
scikit-learn at inference).

A forest is ``classes x trees`` trees of at most ``nodes`` nodes, padded to that size; node ``k`` of a tree sends a
sample left when ``x[feature[k]] <= threshold[k]``, else right, until a leaf, whose ``value`` it adds to its class's
raw score; the raw scores start at ``baseline`` and their softmax is the forest's probabilities, as in
scikit-learn's ``HistGradientBoostingClassifier`` (``from_sklearn`` copies a fitted one; its probabilities are
reproduced to float64 rounding). Inputs must be finite: the forest has no rule for missing values.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

__all__ = ["BoostedTrees", "from_sklearn"]


class BoostedTrees(nn.Module):
    """``forward(x)``: [..., features] -> [..., classes] probabilities (float32)."""

    def __init__(self, num_classes: int, trees: int, nodes: int, depth: int) -> None:
        super().__init__()
        shape = (num_classes, trees, nodes)
        self.depth = depth
        self.register_buffer("baseline", torch.zeros(num_classes, dtype=torch.float64))
        self.register_buffer("feature", torch.zeros(shape, dtype=torch.int64))
        self.register_buffer("threshold", torch.zeros(shape, dtype=torch.float64))
        self.register_buffer("left", torch.zeros(shape, dtype=torch.int64))
        self.register_buffer("right", torch.zeros(shape, dtype=torch.int64))
        self.register_buffer("is_leaf", torch.ones(shape, dtype=torch.bool))
        self.register_buffer("value", torch.zeros(shape, dtype=torch.float64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rows = x.reshape(-1, x.shape[-1]).double().T  # [features, N]
        classes, trees, _ = self.feature.shape
        samples = torch.arange(rows.shape[1], device=x.device)
        node = torch.zeros((classes, trees, rows.shape[1]), dtype=torch.int64, device=x.device)
        for _ in range(self.depth):  # every sample reaches its leaf within ``depth`` steps
            go_left = rows[self.feature.gather(2, node), samples] <= self.threshold.gather(2, node)
            step = torch.where(go_left, self.left.gather(2, node), self.right.gather(2, node))
            node = torch.where(self.is_leaf.gather(2, node), node, step)
        raw = self.baseline[:, None] + self.value.gather(2, node).sum(1)  # [classes, N]
        return raw.T.softmax(-1).float().reshape(*x.shape[:-1], classes)


def forest_shape(model) -> dict[str, int]:
    """The ``BoostedTrees`` sizes that hold a fitted ``HistGradientBoostingClassifier``: trees per class, the most
    nodes of any tree, and the deepest leaf's depth."""
    trees = [tree.nodes for iteration in model._predictors for tree in iteration]
    return {"trees": len(model._predictors), "nodes": max(t.size for t in trees),
            "depth": int(max(t["depth"].max() for t in trees))}  # fmt: skip


def from_sklearn(model) -> BoostedTrees:
    """The forest of a fitted multiclass scikit-learn ``HistGradientBoostingClassifier`` (numeric features, no
    categorical ones) as ``BoostedTrees``."""
    labels = np.asarray(model.classes_).tolist()
    classes = len(labels)
    if classes < 3 or labels != list(range(classes)):
        raise ValueError(f"expected a multiclass model of classes 0..K-1, got classes {labels}")
    shape = forest_shape(model)
    forest = BoostedTrees(classes, shape["trees"], shape["nodes"], shape["depth"])
    arrays = {name: getattr(forest, name).numpy().copy() for name in ("feature", "threshold", "left", "right",
                                                                      "is_leaf", "value")}  # fmt: skip
    for t, iteration in enumerate(model._predictors):
        for c, tree in enumerate(iteration):
            nodes = tree.nodes
            if nodes["is_categorical"].any():
                raise ValueError("categorical splits are not supported")
            n = nodes.size
            arrays["feature"][c, t, :n] = nodes["feature_idx"]
            arrays["threshold"][c, t, :n] = nodes["num_threshold"]
            arrays["left"][c, t, :n] = nodes["left"]
            arrays["right"][c, t, :n] = nodes["right"]
            arrays["is_leaf"][c, t, :n] = nodes["is_leaf"].astype(bool)
            arrays["value"][c, t, :n] = nodes["value"]
    for name, array in arrays.items():
        getattr(forest, name).copy_(torch.from_numpy(array))
    forest.baseline.copy_(torch.from_numpy(np.asarray(model._baseline_prediction, dtype=np.float64).reshape(-1)))
    return forest
