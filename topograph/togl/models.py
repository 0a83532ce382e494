"""Graph classifiers: GCN / GIN / GAT stacks with an optional TOGL layer.

``GraphClassifier(conv="gcn", depth=3, togl_position=1)`` is "GCN-3-TOGL-1":
GCN, TOGL, GCN, GCN (TOGL after ``togl_position`` message-passing layers), then
mean (or sum) pooling, the pooled dim-1 TOGL features concatenated, and an MLP
head. ``togl_position=None`` gives the plain baseline "GCN-``depth``".
"""
from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn
from torch_geometric.nn import GATConv, GCNConv, GINConv, global_add_pool, global_mean_pool

from topograph.core._deprecation import keyword_only, renamed_kwargs
from topograph.core.validation import check_matches_parameters
from topograph.togl.layer import TOGL

__all__ = ["GraphClassifier", "CONVS", "model_name"]

CONVS = ("gcn", "gin", "gat")


def _conv(kind: str, cin: int, cout: int, heads: int) -> nn.Module:
    if kind == "gcn":
        return GCNConv(cin, cout)
    if kind == "gin":
        mlp = nn.Sequential(nn.Linear(cin, cout), nn.BatchNorm1d(cout), nn.ReLU(),
                            nn.Linear(cout, cout))
        return GINConv(mlp, train_eps=True)
    if kind == "gat":
        if cout % heads:
            raise ValueError(f"GAT hidden size {cout} must be divisible by heads={heads}")
        return GATConv(cin, cout // heads, heads=heads)
    raise ValueError(f"conv must be one of {CONVS}, got {kind!r}")


def model_name(conv: str, depth: int, togl_position: int | None, static: bool = False) -> str:
    """Paper-style name, e.g. ``GCN-3-TOGL-1`` or ``GIN-4``."""
    name = f"{conv.upper()}-{depth}"
    if togl_position is not None:
        name += f"-{'STATIC' if static else 'TOGL'}-1"
    return name


class GraphClassifier(nn.Module):
    """A message-passing stack of ``depth`` layers with an optional TOGL layer.

    Args:
        in_channels: node feature size.
        num_classes: number of graph classes.
        conv: ``"gcn"``, ``"gin"`` or ``"gat"``.
        depth: number of message-passing layers ``L``.
        togl_position: TOGL is inserted after this many message-passing layers
            (``0..depth``); ``None`` for the plain baseline.
        hidden: width of every layer (paper: ~140).
        pooling: ``"mean"`` or ``"sum"`` graph readout.
        dropout: dropout after every layer and in the head.
        heads: attention heads for GAT (``hidden`` must be divisible).
        dim1_readout: concatenate the pooled dim-1 TOGL features to the readout
            (the paper's choice; otherwise dim 1 is broadcast to nodes in TOGL).
        togl_kwargs: further :class:`~topograph.togl.layer.TOGL` arguments
            (``num_filtrations``, ``embedding``, ``static``, ...).

    ``forward(x, edge_index, batch=None, *, num_samples=None) -> logits [B, num_classes]``;
    a PyG ``Batch`` can be passed as ``model(data)`` too.
    """

    def __init__(self, in_channels: int, num_classes: int, conv: str = "gcn", depth: int = 4,
                 togl_position: int | None = None, hidden: int = 140, pooling: str = "mean",
                 dropout: float = 0.0, heads: int = 4, dim1_readout: bool = True,
                 **togl_kwargs: Any) -> None:
        super().__init__()
        if depth < 0:
            raise ValueError(f"depth must be >= 0, got {depth}")
        if togl_position is not None and not 0 <= togl_position <= depth:
            raise ValueError(f"togl_position must be in [0, depth={depth}], got {togl_position}")
        if pooling not in ("mean", "sum"):
            raise ValueError(f"pooling must be 'mean' or 'sum', got {pooling!r}")
        if conv not in CONVS:
            raise ValueError(f"conv must be one of {CONVS}, got {conv!r}")
        self.conv_kind, self.depth, self.togl_position = conv, depth, togl_position
        self.pooling, self.dropout = pooling, dropout
        self.embed = nn.Linear(in_channels, hidden)
        self.convs = nn.ModuleList(_conv(conv, hidden, hidden, heads) for _ in range(depth))
        self.togl: TOGL | None = None
        graph_extra = 0
        if togl_position is not None:
            use_dim1 = togl_kwargs.pop("use_dim1", True)
            self.togl = TOGL(hidden, hidden, use_dim1=use_dim1,
                             dim1_to_nodes=use_dim1 and not dim1_readout, **togl_kwargs)
            graph_extra = self.togl.graph_channels if dim1_readout else 0
        self.dim1_readout = dim1_readout and graph_extra > 0
        self.head = nn.Sequential(nn.Linear(hidden + graph_extra, hidden), nn.ReLU(),
                                  nn.Dropout(dropout), nn.Linear(hidden, num_classes))
        self.name = model_name(conv, depth, togl_position,
                               bool(togl_kwargs.get("static", False)))

    def reset_parameters(self) -> None:
        for m in self.modules():
            if m is not self and hasattr(m, "reset_parameters"):
                m.reset_parameters()

    @keyword_only(4, ("num_samples",))
    @renamed_kwargs(num_graphs="num_samples")
    def forward(self, x: Any, edge_index: Tensor | None = None, batch: Tensor | None = None, *,
                num_samples: int | None = None) -> Tensor:
        if edge_index is None:  # a PyG Data / Batch
            data = x
            x, edge_index = data.x, data.edge_index
            batch = getattr(data, "batch", None)
            num_samples = int(getattr(data, "num_graphs", 1)) if batch is not None else 1
        if batch is None:
            batch = torch.zeros(x.size(0), dtype=torch.long, device=x.device)
            num_samples = 1
        check_matches_parameters(x, self)
        h = self.embed(x)
        graph_feats = None
        for i in range(self.depth + 1):
            if self.togl is not None and i == self.togl_position:
                h, graph_feats = self.togl(h, edge_index, batch, num_samples=num_samples,
                                           return_graph_features=True)
            if i < self.depth:
                h = torch.relu(self.convs[i](h, edge_index))
                h = nn.functional.dropout(h, self.dropout, self.training)
        pool = global_mean_pool if self.pooling == "mean" else global_add_pool
        g = pool(h, batch, size=num_samples)
        if self.dim1_readout and graph_feats is not None:
            g = torch.cat([g, graph_feats], dim=1)
        return self.head(g)

    def __repr__(self) -> str:
        return f"GraphClassifier({self.name}, hidden={self.embed.out_features})"
