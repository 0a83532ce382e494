"""DeepSets embedding of persistence pairs, grouped into sets by graph.

``phi`` is a per-pair MLP; the equivariant layer
``out_i = Gamma(h_i) - Lambda(mean_{j in graph(i)} h_j)`` mixes every pair with the
mean of its graph's set (Zaheer et al., 2017), computed for all graphs at once
with one scatter.
"""
from __future__ import annotations

import math

import torch
from torch import Tensor, nn
from torch_geometric.utils import scatter

from topograph.core._deprecation import renamed_kwargs

__all__ = ["DeepSetLayer", "DeepSet", "FiltrationwiseDeepSet", "graph_pool"]


@renamed_kwargs(num_graphs="num_samples")
def graph_pool(src: Tensor, index: Tensor, num_samples: int, reduce: str = "mean") -> Tensor:
    """``[M, D]`` rows grouped by ``index`` -> ``[num_samples, D]`` (empty graphs give 0)."""
    return scatter(src, index, dim=0, dim_size=num_samples, reduce=reduce)


class DeepSetLayer(nn.Module):
    """Permutation-equivariant layer ``Gamma(x_i) - Lambda(mean_{set(i)} x)``."""

    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        self.gamma = nn.Linear(in_features, out_features)
        self.lam = nn.Linear(in_features, out_features, bias=False)

    def reset_parameters(self) -> None:
        self.gamma.reset_parameters()
        self.lam.reset_parameters()

    def forward(self, x: Tensor, index: Tensor, num_sets: int) -> Tensor:
        """``x [M, in]``, ``index [M]`` set id of each row -> ``[M, out]``."""
        mean = graph_pool(x, index, num_sets, "mean")
        # index_select: its backward (index_add) sums in a fixed order; the backward of
        # advanced indexing (index_put with accumulate) does not with several threads
        return self.gamma(x) - self.lam(mean).index_select(0, index)


class DeepSet(nn.Module):
    """Per-pair MLP ``phi`` followed by an equivariant :class:`DeepSetLayer`.

    ``forward(x [M, in], index [M], num_sets) -> [M, out]``; pool with
    :func:`graph_pool` for one vector per set.
    """

    def __init__(self, in_features: int, hidden: int, out_features: int) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.phi = nn.Sequential(nn.Linear(in_features, hidden), nn.ReLU(),
                                 nn.Linear(hidden, hidden), nn.ReLU())
        self.equivariant = DeepSetLayer(hidden, out_features)

    def reset_parameters(self) -> None:
        for m in self.phi:
            if isinstance(m, nn.Linear):
                m.reset_parameters()
        self.equivariant.reset_parameters()

    def forward(self, x: Tensor, index: Tensor, num_sets: int) -> Tensor:
        return self.equivariant(self.phi(x), index, num_sets)

    def __repr__(self) -> str:
        return f"DeepSet({self.in_features}, {self.out_features})"


class FiltrationwiseDeepSet(nn.Module):
    """Invariant DeepSet of the pairs of each filtration separately.

    ``forward(pairs [M, k, c], index [M], num_sets) -> [num_sets, out]``:
    ``rho(concat_f pool_{i in set} relu(W_f pairs[i, f] + b_f))`` with per-filtration
    weights ``W_f`` (``c -> hidden``) and ``rho`` a linear map. Used for dim-1 pairs,
    whose rows are *not* aligned across filtrations (a graph's cycle edges differ
    between filtrations), so rows must not mix filtrations before pooling.
    """

    def __init__(self, num_filtrations: int, in_features: int, hidden: int,
                 out_features: int, reduce: str = "sum") -> None:
        super().__init__()
        k = num_filtrations
        self.reduce = reduce
        self.out_features = out_features
        self.weight = nn.Parameter(torch.empty(k, in_features, hidden))
        self.bias = nn.Parameter(torch.empty(k, hidden))
        self.rho = nn.Linear(k * hidden, out_features)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.weight.shape[1])
        nn.init.uniform_(self.weight, -bound, bound)
        nn.init.uniform_(self.bias, -bound, bound)
        self.rho.reset_parameters()

    def forward(self, pairs: Tensor, index: Tensor, num_sets: int) -> Tensor:
        # one matmul with the block-diagonal [k*c, k*h] weight = k separate maps
        h = pairs.flatten(1) @ torch.block_diag(*self.weight) + self.bias.flatten()
        return self.rho(graph_pool(torch.relu(h), index, num_sets, self.reduce))
