"""TOGL: the topological graph layer (Horn et al., ICLR 2022) for PyTorch Geometric."""
from __future__ import annotations

from typing import Union

import torch
from torch import Tensor, nn
from torch_geometric.nn.norm import BatchNorm

from topograph.core import (
    GraphBatch,
    GraphPersistence,
    extended_persistence,
    graph_persistence,
    lower_star_persistence,
)
from topograph.core._deprecation import keyword_only, renamed_kwargs
from topograph.core.extended import ExtendedPersistence
from topograph.core.validation import all_finite, check_float, check_matches_parameters
from topograph.togl.coordinates import COORDINATE_FUNCTIONS, make_coordinate_function
from topograph.togl.deepset import DeepSet, FiltrationwiseDeepSet, graph_pool

__all__ = ["TOGL", "EMBEDDINGS", "PERSISTENCE"]

EMBEDDINGS = ("deepset",) + tuple(COORDINATE_FUNCTIONS)
PERSISTENCE = ("ordinary", "extended")


class _VertexEmbedding(nn.Module):
    """Dim-0 rows (one per vertex, aligned across filtrations): ``[N, k, 3] -> [N, D]``."""

    def __init__(self, kind: str, k: int, num_functions: int, hidden: int) -> None:
        super().__init__()
        self.kind = kind
        if kind == "deepset":
            self.net: nn.Module = DeepSet(3 * k, hidden, hidden)
            self.out_features = hidden
        else:
            self.net = make_coordinate_function(kind, k, num_functions)
            self.out_features = k * num_functions

    def reset_parameters(self) -> None:
        self.net.reset_parameters()

    def forward(self, pairs: Tensor, index: Tensor, num_sets: int) -> Tensor:
        if self.kind == "deepset":
            return self.net(pairs.flatten(1), index, num_sets)
        return self.net(pairs[..., :2]).flatten(1)


class _CycleEmbedding(nn.Module):
    """Dim-1 rows pooled per graph: ``[C, k, 2] -> [B, D]``.

    Rows are not aligned across filtrations (each filtration has its own cycle
    edges), so every filtration is embedded on its own before pooling.
    """

    def __init__(self, kind: str, k: int, num_functions: int, hidden: int,
                 reduce: str) -> None:
        super().__init__()
        self.kind, self.reduce = kind, reduce
        if kind == "deepset":
            self.net: nn.Module = FiltrationwiseDeepSet(k, 2, max(hidden // 2, 4), hidden,
                                                        reduce)
            self.out_features = hidden
        else:
            self.net = make_coordinate_function(kind, k, num_functions)
            self.out_features = k * num_functions

    def reset_parameters(self) -> None:
        self.net.reset_parameters()

    def forward(self, pairs: Tensor, index: Tensor, num_sets: int) -> Tensor:
        if self.kind == "deepset":
            return self.net(pairs[..., :2], index, num_sets)
        return graph_pool(self.net(pairs[..., :2]).flatten(1), index, num_sets, self.reduce)


class TOGL(nn.Module):
    r"""Topological graph layer: learnable filtrations, persistence, residual update.

    For node features :math:`X \in \mathbb{R}^{N \times d}`:

    .. math::
        F &= \mathrm{Lin}(\mathrm{ReLU}(\mathrm{Lin}(X))) \in \mathbb{R}^{N \times k}
            \quad\text{(k vertex filtrations, edge value } \max(f_u, f_v))\\
        \mathcal{D}_0(v) &= \{(b_v^{(f)}, d_v^{(f)})\}_{f=1..k}
            \quad\text{one dim-0 pair per vertex (elder rule)}\\
        \mathcal{D}_1(G) &= \{(b_e^{(f)}, d_e^{(f)})\}
            \quad\text{one dim-1 pair per cycle-closing edge}\\
        X' &= R(X) + \mathrm{BN}\big(\mathrm{Lin}_0(\Psi_0(\mathcal{D}_0)_v)
              + [\mathrm{Lin}_1(\Psi_1(\mathcal{D}_1(G(v))))]\big)

    :math:`\Psi_0` maps the ``k`` pairs of a vertex (with their essential flags)
    either through a DeepSet (per-pair MLP, then an equivariant layer with the
    mean over the vertices of the graph) or through coordinate functions
    (triangle, Gaussian, line, rational hat; ``num_functions`` per filtration).
    :math:`\Psi_1` is invariant: per filtration, coordinate functions or a
    one-layer MLP of each cycle pair, summed (or averaged) over the graph's
    cycles, then (for DeepSets) a linear map. :math:`R` is the identity if
    ``in_channels == out_channels``, a linear map otherwise. The bracketed dim-1
    term is present when ``use_dim1`` and ``dim1_to_nodes``; the pooled dim-1
    embedding (``[B, graph_channels]``) is always available through
    ``forward(..., return_graph_features=True)``, e.g. to concatenate to a graph
    readout as in the paper.

    Persistence comes from :func:`topograph.core.lower_star_persistence`: one call
    for all graphs and all ``k`` filtrations; gradients reach the filtration MLP
    through the gathered birth/death values. Essential classes are marked by the
    core's boolean mask (never a sentinel value); their death is the largest
    filtration value of their graph (``essential_death="max"``, as in the paper).

    Args:
        in_channels: node feature size :math:`d`.
        out_channels: output size; defaults to ``in_channels``.
        num_filtrations: :math:`k` (paper: 8).
        hidden: width :math:`h` of the filtration MLP ``Lin(d,h)-ReLU-Lin(h,k)``.
        embedding: ``"deepset"``, ``"triangle"``, ``"gaussian"``, ``"line"`` or
            ``"rational_hat"``.
        num_functions: coordinate functions per filtration (coordinate embeddings).
        deepset_hidden: width of the DeepSet embedding.
        use_dim1: also embed dimension-1 (cycle) pairs.
        dim1_to_nodes: add the pooled dim-1 embedding of a graph to its nodes.
        dim1_pool: ``"sum"`` or ``"mean"`` pooling of the dim-1 embeddings per graph.
        static: ablation without persistence: vertices get the pairs
            ``(f_v, f_v)`` and edges ``(w_e, w_e)`` (same embeddings and sizes).
        validate: raise a clear error on NaN / inf node features (one host sync).
        backend: pairing backend of the core (``"auto"``, ``"numba"``, ``"triton"``).
        persistence: ``"ordinary"`` (default, the paper's sublevel persistence) or
            ``"extended"``: extended persistence
            (:func:`topograph.core.extended_persistence`), so every class dies at a
            finite value. Every vertex gets two dim-0 pairs per filtration: from
            the up sweep its ordinary pair, or (min, max) of its component at the
            component's minimum; from the down sweep its relative pair, or (max,
            min) at the component's maximum (third channel 1 for the component
            pairs). The dim-1 rows are the extended cycle pairs (birth at the
            cycle's closing edge, finite death).
        edge_filtration: learn edge values too (RePHINE-style,
            :func:`topograph.core.graph_persistence`): ``w(u, v) = max(f_u, f_v) +
            softplus(Lin(ReLU(h_u + h_v)))`` with ``h = Lin(x)`` (sizes as in the
            vertex filtration MLP): symmetric in the endpoints and always a valid
            filtration. Not combinable with ``persistence="extended"``.

    Shapes:
        - **input:** node features ``[N, in_channels]``, edge indices ``[2, E]``
          (any direction; duplicates and self-loops ignored), batch vector ``[N]``
          (optional, sorted), keyword-only ``num_samples`` (optional int B, avoids
          reading ``batch``; deprecated alias ``num_graphs``).
        - **output:** node features ``[N, out_channels]``; with
          ``return_graph_features=True`` also ``[B, graph_channels]``.
    """

    @keyword_only(3, ("num_filtrations", "hidden", "embedding", "num_functions", "deepset_hidden",
                      "use_dim1", "dim1_to_nodes", "dim1_pool", "static", "validate", "backend"))
    def __init__(self, in_channels: int, out_channels: int | None = None, *,
                 num_filtrations: int = 8, hidden: int = 32,
                 embedding: str = "deepset", num_functions: int = 3,
                 deepset_hidden: int = 32, use_dim1: bool = True,
                 dim1_to_nodes: bool = True, dim1_pool: str = "sum",
                 static: bool = False, validate: bool = True, backend: str = "auto",
                 persistence: str = "ordinary", edge_filtration: bool = False) -> None:
        super().__init__()
        if persistence not in PERSISTENCE:
            raise ValueError(f"persistence must be one of {PERSISTENCE}, got {persistence!r}")
        if persistence == "extended" and edge_filtration:
            raise ValueError("persistence='extended' is computed for vertex (lower-star) "
                             "filtrations; use edge_filtration=False with it")
        out_channels = in_channels if out_channels is None else out_channels
        if embedding not in EMBEDDINGS:
            raise ValueError(f"embedding must be one of {EMBEDDINGS}, got {embedding!r}")
        if dim1_pool not in ("sum", "mean"):
            raise ValueError(f"dim1_pool must be 'sum' or 'mean', got {dim1_pool!r}")
        if min(in_channels, out_channels, num_filtrations, hidden) < 1:
            raise ValueError("in_channels, out_channels, num_filtrations, hidden must be >= 1")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.num_filtrations = num_filtrations
        self.embedding = embedding
        self.use_dim1 = use_dim1
        self.dim1_to_nodes = dim1_to_nodes
        self.dim1_pool = dim1_pool
        self.static = static
        self.validate = validate
        self.backend = backend
        self.persistence = persistence
        self.edge_filtration = edge_filtration

        k = num_filtrations
        self.filtration = nn.Sequential(nn.Linear(in_channels, hidden), nn.ReLU(),
                                        nn.Linear(hidden, k))
        self.edge_mlp: nn.Sequential | None = None
        if edge_filtration:
            self.edge_mlp = nn.Sequential(nn.Linear(in_channels, hidden), nn.ReLU(),
                                          nn.Linear(hidden, k))
        # extended persistence gives every vertex two pairs per filtration (up and down)
        k0 = 2 * k if persistence == "extended" else k
        self.embed0 = _VertexEmbedding(embedding, k0, num_functions, deepset_hidden)
        # no bias: the BatchNorm that follows removes it (its gradient is rounding noise)
        self.lin0 = nn.Linear(self.embed0.out_features, out_channels, bias=False)
        self.embed1: _CycleEmbedding | None = None
        self.lin1: nn.Linear | None = None
        if use_dim1:
            self.embed1 = _CycleEmbedding(embedding, k, num_functions, deepset_hidden,
                                          dim1_pool)
            if dim1_to_nodes:
                self.lin1 = nn.Linear(self.embed1.out_features, out_channels, bias=False)
        self.residual: nn.Module = (nn.Identity() if in_channels == out_channels
                                    else nn.Linear(in_channels, out_channels, bias=False))
        self.norm = BatchNorm(out_channels, allow_single_element=True)
        self.reset_parameters()

    @property
    def graph_channels(self) -> int:
        """Size of the pooled dim-1 graph features (0 without ``use_dim1``)."""
        return self.embed1.out_features if self.embed1 is not None else 0

    def reset_parameters(self) -> None:
        for m in list(self.filtration) + list(self.edge_mlp or []):
            if isinstance(m, nn.Linear):
                m.reset_parameters()
        for m in (self.embed0, self.lin0, self.embed1, self.lin1, self.norm):
            if m is not None:
                m.reset_parameters()
        if isinstance(self.residual, nn.Linear):
            self.residual.reset_parameters()

    def _check(self, x: Tensor, edge_index: Tensor, batch: Tensor | None) -> None:
        if not isinstance(x, Tensor) or x.dim() != 2:
            raise ValueError(f"TOGL expects node features x of shape [N, {self.in_channels}], "
                             f"got {getattr(x, 'shape', type(x).__name__)}")
        if not torch.is_floating_point(x):
            raise TypeError(f"TOGL expects floating point node features, got dtype {x.dtype}; "
                            "use x.float()")
        check_float(x, "x")  # sparse layouts, float8: a clear TypeError
        if x.device.type == "meta":
            raise ValueError("x is on the meta device, which holds no data; move it to the cpu "
                             "or a cuda device")
        if x.size(1) != self.in_channels:
            raise ValueError(f"TOGL was built with in_channels={self.in_channels} but x has "
                             f"{x.size(1)} features per node")
        if x.size(0) == 0:
            raise ValueError("TOGL got an empty batch (x has no rows)")
        check_matches_parameters(x, self)
        if batch is not None and (batch.dim() != 1 or batch.numel() != x.size(0)):
            raise ValueError(f"batch vector must have one entry per node ({x.size(0)}), got "
                             f"shape {list(batch.shape)}")
        if self.validate and not all_finite(x):
            bad = "NaN" if bool(torch.isnan(x).any()) else "infinite"
            raise ValueError(f"TOGL input x contains {bad} values")

    @keyword_only(4, ("num_samples",))
    @renamed_kwargs(num_graphs="num_samples")
    def diagrams(self, x: Tensor, edge_index: Tensor, batch: Tensor | None = None, *,
                 num_samples: int | None = None) -> GraphPersistence | ExtendedPersistence:
        """The core's diagrams of the learned filtrations: a
        :class:`~topograph.core.GraphPersistence`, or an
        :class:`~topograph.core.ExtendedPersistence` with ``persistence="extended"``."""
        self._check(x, edge_index, batch)
        values = self.filtration(x)
        if self.persistence == "extended":
            return extended_persistence(values, edge_index, batch, num_samples=num_samples,
                                        backend=self.backend)
        if self.edge_mlp is not None:
            cx = GraphBatch.from_edge_index(edge_index, x.size(0), batch, num_samples=num_samples)
            return graph_persistence(values, self._edge_values(x, values, cx), cx,
                                     essential_death="max", backend=self.backend)
        return lower_star_persistence(values, edge_index, batch,
                                      num_samples=num_samples, essential_death="max",
                                      backend=self.backend)

    def _edge_values(self, x: Tensor, values: Tensor, cx: GraphBatch) -> Tensor:
        """Learned edge values ``[E, k]`` on the canonical edges of ``cx``: ``max(f_u, f_v)
        + softplus(Lin(ReLU(h_u + h_v)))`` with ``h = Lin(x)`` per vertex (valid by
        construction; the first layer runs on vertices, so only ``hidden``-wide rows
        are gathered per edge)."""
        u, v = cx.edge_index
        first, act, second = self.edge_mlp
        h = first(x)
        inc = nn.functional.softplus(second(act(h.index_select(0, u) + h.index_select(0, v))))
        return torch.maximum(values.index_select(0, u), values.index_select(0, v)) + inc

    def _pairs(self, x: Tensor, edge_index: Tensor, batch: Tensor | None,
               num_samples: int | None) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, int]:
        """``(pairs0 [N,k,3], batch0, pairs1 [C,k,3], batch1, batch, B)``."""
        values = self.filtration(x)  # [N, k]
        if self.static:
            cx = GraphBatch.from_edge_index(edge_index, x.size(0), batch, num_samples=num_samples)
            zero = torch.zeros_like(values)
            p0 = torch.stack([values, values, zero], -1)
            w = values[cx.edge_index].amax(0)  # [E, k]
            if self.edge_mlp is not None:
                w = self._edge_values(x, values, cx)
            p1 = torch.stack([w, w, torch.zeros_like(w)], -1)
            return p0, cx.batch, p1, cx.edge_batch, cx.batch, cx.num_samples
        if self.persistence == "extended":
            return self._extended_pairs(values, edge_index, batch, num_samples)
        if self.edge_mlp is not None:
            cx = GraphBatch.from_edge_index(edge_index, x.size(0), batch, num_samples=num_samples)
            res = graph_persistence(values, self._edge_values(x, values, cx), cx,
                                    essential_death="max", backend=self.backend,
                                    validate=False)
        else:
            res = lower_star_persistence(values, edge_index, batch, num_samples=num_samples,
                                         essential_death="max", backend=self.backend)
        d0, d1 = res.dim0, res.dim1
        p0 = torch.stack([d0.birth, d0.death, d0.essential.to(values.dtype)], -1)
        p1 = torch.stack([d1.birth, d1.death, d1.essential.to(values.dtype)], -1)
        return p0, d0.batch, p1, d1.batch, d0.batch, d0.num_samples

    def _extended_pairs(self, values: Tensor, edge_index: Tensor, batch: Tensor | None,
                        num_samples: int | None
                        ) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, int]:
        """Extended diagrams as TOGL rows: two dim-0 pairs per vertex and filtration
        (``[N, 2k, 3]``: the up sweep's, then the down sweep's), the extended cycle
        pairs as dim-1 rows."""
        res = extended_persistence(values, edge_index, batch, num_samples=num_samples,
                                   validate=False, backend=self.backend)
        o, r1, e0 = res.ordinary0, res.relative1, res.extended0
        # up: a vertex's ordinary pair, or (min, max) of its component at the minimum
        up = values.scatter(0, torch.cat([o.birth_index, e0.birth_index]),
                            torch.cat([o.death, e0.death]))
        # down: a vertex's relative pair, or (max, min) of its component at the maximum
        down = values.scatter(0, torch.cat([r1.birth_index, e0.death_index]),
                              torch.cat([r1.death, e0.birth]))
        zero = torch.zeros_like(values)
        p0 = torch.cat([torch.stack([values, up, zero.scatter(0, e0.birth_index, 1.0)], -1),
                        torch.stack([values, down, zero.scatter(0, e0.death_index, 1.0)], -1)],
                       1)
        e1 = res.extended1
        p1 = torch.stack([e1.birth, e1.death, torch.zeros_like(e1.birth)], -1)
        cx = res.complex
        return p0, cx.batch, p1, e1.batch, cx.batch, cx.num_samples

    @keyword_only(4, ("num_samples", "return_graph_features"))
    @renamed_kwargs(num_graphs="num_samples")
    def forward(self, x: Tensor, edge_index: Tensor, batch: Tensor | None = None, *,
                num_samples: int | None = None, return_graph_features: bool = False
                ) -> Union[Tensor, tuple[Tensor, Tensor]]:
        """``x [N, in] -> [N, out]`` (and ``[B, graph_channels]`` if requested)."""
        self._check(x, edge_index, batch)
        p0, b0, p1, b1, node_batch, num_b = self._pairs(x, edge_index, batch, num_samples)
        h = self.lin0(self.embed0(p0, b0, num_b))
        graph = x.new_zeros(num_b, 0)
        if self.embed1 is not None:
            graph = self.embed1(p1, b1, num_b)
            if self.lin1 is not None:
                h = h + self.lin1(graph).index_select(0, node_batch)  # backward: index_add
        out = self.residual(x) + self.norm(h)
        return (out, graph) if return_graph_features else out

    def __repr__(self) -> str:
        extra = ", static=True" if self.static else ""
        if self.persistence != "ordinary":
            extra += f", persistence={self.persistence!r}"
        if self.edge_filtration:
            extra += ", edge_filtration=True"
        return (f"{type(self).__name__}({self.in_channels}, {self.out_channels}, "
                f"num_filtrations={self.num_filtrations}, embedding={self.embedding!r}, "
                f"use_dim1={self.use_dim1}{extra})")
