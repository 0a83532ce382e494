"""A TOGL variant whose diagram embedding is a persistence landscape, against TOGL's DeepSets.

Both models: one GCN layer, then k = 4 learned vertex filtrations and their lower-star
persistence (dims 0 and 1, one call for the batch). The DeepSets model is the
library's ``GraphClassifier`` (GCN-1-TOGL-1). The landscape model embeds each
graph's diagrams with ``topograph.diagrams.persistence_landscape`` (3 landscapes x 16
samples per filtration and dimension; essential classes die at the graph's largest
value, ``essential_death="max"`` read ``"as_is"``) and classifies the concatenation
with the mean-pooled node features. Synthetic CYCLES data, a few epochs.
This example is at the edge of the library, so it may use both ``togl`` and ``diagrams``.

Run:  python examples/diagrams_togl_landscape.py [--graphs 400] [--epochs 8]   (~1-2 min)
"""
from __future__ import annotations

import argparse

import torch
from sklearn.model_selection import train_test_split
from torch import nn
from torch_geometric.nn import GCNConv, global_mean_pool

from topograph import lower_star_persistence
from topograph.data import cycles_dataset
from topograph.diagrams import persistence_landscape
from topograph.togl import GraphClassifier, TOGLTrainConfig, train_fold


class LandscapeTOGL(nn.Module):
    """GCN -> k filtrations (sigmoid, in [0, 1]) -> landscapes of dims 0 and 1 -> MLP."""

    def __init__(self, in_channels: int, num_classes: int, hidden: int = 32, k: int = 4,
                 num_landscapes: int = 3, resolution: int = 16) -> None:
        super().__init__()
        self.conv = GCNConv(in_channels, hidden)
        self.filtration = nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, k))
        self.land = dict(num_landscapes=num_landscapes, resolution=resolution,
                         sample_range=(0.0, 1.0), essential="as_is")
        feats = 2 * k * num_landscapes * resolution
        self.head = nn.Sequential(nn.Linear(hidden + feats, hidden), nn.ReLU(),
                                  nn.Linear(hidden, num_classes))

    def forward(self, data) -> torch.Tensor:
        h = torch.relu(self.conv(data.x, data.edge_index))
        f = torch.sigmoid(self.filtration(h))  # [N, k]
        per = lower_star_persistence(f, data.edge_index, data.batch,
                                     num_samples=data.num_graphs, essential_death="max")
        B = data.num_graphs
        emb = [persistence_landscape(d, **self.land).reshape(B, -1) for d in (per.dim0, per.dim1)]
        return self.head(torch.cat([global_mean_pool(h, data.batch, size=B)] + emb, 1))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--graphs", type=int, default=400)
    p.add_argument("--epochs", type=int, default=8)
    args = p.parse_args()
    torch.manual_seed(0)
    graphs = cycles_dataset(num_samples=args.graphs, seed=0)
    labels = [int(g.y) for g in graphs]
    idx = list(range(len(graphs)))
    train_idx, test_idx = train_test_split(idx, test_size=0.2, stratify=labels, random_state=0)
    train_idx, val_idx = train_test_split(train_idx, test_size=0.1,
                                          stratify=[labels[i] for i in train_idx], random_state=0)
    split = [[graphs[i] for i in part] for part in (train_idx, val_idx, test_idx)]
    cfg = TOGLTrainConfig(epochs=args.epochs, batch_size=32, lr=3e-3)
    models = {
        "GCN-1-TOGL-1 (DeepSets)": GraphClassifier(in_channels=3, num_classes=2, conv="gcn",
                                                   depth=1, togl_position=1, hidden=32,
                                                   num_filtrations=4),
        "GCN-1 + landscapes": LandscapeTOGL(3, 2),
    }
    for name, model in models.items():
        torch.manual_seed(0)
        result = train_fold(model, *split, cfg, desc=name)
        print(f"{name:26s} test accuracy {100 * result['test_acc']:.1f}%")


if __name__ == "__main__":
    main()
