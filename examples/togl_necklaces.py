"""NECKLACES with and without TOGL: a one-layer GCN cannot tell the classes apart,
the same GCN followed by a TOGL layer can (about a minute on a laptop CPU).

    python examples/togl_necklaces.py
"""
from __future__ import annotations

import torch
from sklearn.model_selection import train_test_split

from topograph.data import necklaces_dataset
from topograph.togl import GraphClassifier, TOGLTrainConfig, train_fold


def main() -> None:
    torch.manual_seed(0)
    graphs = necklaces_dataset(num_samples=600, seed=0)  # list of PyG Data, 2 classes
    labels = [int(g.y) for g in graphs]
    idx = list(range(len(graphs)))
    train_idx, test_idx = train_test_split(idx, test_size=0.2, stratify=labels, random_state=0)
    train_idx, val_idx = train_test_split(train_idx, test_size=0.1,
                                          stratify=[labels[i] for i in train_idx],
                                          random_state=0)
    split = [[graphs[i] for i in part] for part in (train_idx, val_idx, test_idx)]
    cfg = TOGLTrainConfig(epochs=15, batch_size=32, lr=1e-3)

    for togl_position in (None, 1):
        # GCN-1 (baseline) and GCN-1-TOGL-1: one GCN layer, then TOGL (k = 8 filtrations)
        model = GraphClassifier(in_channels=3, num_classes=2, conv="gcn", depth=1,
                                togl_position=togl_position, hidden=32, num_filtrations=8)
        result = train_fold(model, *split, cfg, desc=model.name)
        print(f"{model.name:14s} test accuracy {100 * result['test_acc']:.1f}%")


if __name__ == "__main__":
    main()
