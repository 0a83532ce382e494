"""Persistence pairing of graph filtrations on batched graphs (no gradients).

Output is integer indices only; values are gathered later (``core.diagram``).
Conventions (docs/conventions.md, "Filtrations and pairing"): vertices enter in the
order of ``(value, index)``, edges in the order of ``(edge value, rank of the later
endpoint, edge index)``, vertices before edges of equal value. For lower-star
filtrations the edge value is the max of the endpoint values, and the order is that
of the later endpoint. Elder rule: a merging edge kills the younger of the two
components' oldest vertices. Edges joining a component to itself close a cycle
and create an essential 1-class.

Two backends compute the same pairing:

* ``"numba"``: union-find kernels on the CPU (the fast path for CPU tensors).
* ``"torch"``: a device-resident, tensorized union-find that processes, in lock
  step, the j-th edge of every (graph, filtration) problem. It dispatches a
  constant number of operations per step and ``max edges per graph`` steps,
  independent of the number of graphs. This is the path used for CUDA tensors;
  it can be selected on the CPU so that CI exercises it against the references.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from topograph.core._deprecation import keyword_only
from topograph.core.filtration import lower_star_argmax


@dataclass
class GraphPairing:
    """Index pairs of a batch of lower-star filtrations.

    Attributes:
        death_edge: ``[N, k]`` edge killing the class born at each vertex, -1 if essential.
        death_vertex: ``[N, k]`` last vertex of that edge (its value is the death), -1 if
            essential.
        cycle_edges: ``[C, k]`` cycle-closing edges of each filtration, grouped by graph
            (each graph has m - n + c of them, for every filtration).
        cycle_vertex: ``[C, k]`` last vertex of each cycle edge (its value is the birth).
        cycle_batch: ``[C]`` graph id of each cycle row.
    """

    death_edge: Tensor
    death_vertex: Tensor
    cycle_edges: Tensor
    cycle_vertex: Tensor
    cycle_batch: Tensor


def vertex_rank(values: Tensor) -> Tensor:
    """``[N, k]`` rank of each vertex in the order ``(value, index)`` per filtration."""
    vt = values.T.contiguous()  # sort along contiguous rows: much faster than dim 0
    order = torch.sort(vt, dim=1, stable=True).indices
    ar = torch.arange(vt.shape[1], device=values.device).expand_as(order)
    return torch.empty_like(order).scatter_(1, order, ar).T


def edge_order(rank: Tensor, edge_index: Tensor, edge_values: Tensor | None = None) -> Tensor:
    """``[k, E]`` processing order of edges per filtration.

    Edges are sorted by the rank of their last vertex (equivalent to sorting by
    the lower-star edge value with ties broken by vertex order), then by index;
    with ``edge_values [E, k]`` a stable sort by edge value refines that order.
    """
    rt = rank.T.contiguous()
    key = torch.maximum(rt[:, edge_index[0]], rt[:, edge_index[1]])  # [k, E]
    order = torch.sort(key, dim=1, stable=True).indices
    if edge_values is None:
        return order
    ev = edge_values.T.contiguous().gather(1, order)
    return order.gather(1, torch.sort(ev, dim=1, stable=True).indices)


@keyword_only(4, ("backend",))
def pair_graphs(values: Tensor, edge_index: Tensor, edge_batch: Tensor, num_nodes: int, *,
                backend: str = "auto", edge_values: Tensor | None = None) -> GraphPairing:
    """Dimension 0 and 1 pairing of graph filtrations with vertex values ``values [N, k]``.

    ``edge_index`` must be canonical (see :func:`topograph.core.complex.canonical_edges`).
    ``edge_values [E, k]`` (aligned with ``edge_index``, each ``>=`` its endpoints'
    values) gives an edge filtration; ``None`` is the lower-star filtration. The
    ``death_vertex`` / ``cycle_vertex`` fields are the later endpoints of the edges
    (the vertex that gives a lower-star edge its value).
    """
    if backend == "auto":
        backend = "numba" if values.device.type == "cpu" else "torch"
    if backend not in ("numba", "torch"):
        raise ValueError(f"unknown backend {backend!r}; use 'auto', 'numba' or 'torch'")
    with torch.no_grad():
        values = values.detach()
        if edge_values is not None:
            edge_values = edge_values.detach()
        if backend == "numba":
            return _pair_numba(values, edge_index, edge_batch, edge_values)
        rank = vertex_rank(values)
        order = edge_order(rank, edge_index, edge_values)
        death_edge, cycle = _pair_torch(edge_index, edge_batch, order, rank)
        last = lower_star_argmax(values, edge_index, rank)  # [E, k]
        death_vertex = torch.where(death_edge < 0, -1, last.gather(0, death_edge.clamp_min(0))) \
            if edge_index.shape[1] else torch.full_like(death_edge, -1)
        # Cycle edges per filtration, in edge order (= grouped by graph). Every filtration
        # has the same number of cycle edges per graph, so rows align across filtrations.
        k = values.shape[1]
        idx = torch.nonzero(cycle.T.contiguous(), as_tuple=False)  # rows (f, e), sorted by f
        cycle_edges = idx[:, 1].reshape(k, -1).T.contiguous()
        cycle_vertex = last.gather(0, cycle_edges) if cycle_edges.numel() else cycle_edges
        cycle_batch = edge_batch[cycle_edges[:, 0]] if k else edge_batch[:0]
    return GraphPairing(death_edge, death_vertex, cycle_edges, cycle_vertex, cycle_batch)


def _as_kernel_rows(x: Tensor) -> np.ndarray:
    """``[n, k]`` -> contiguous ``[k, n]`` float32/64 numpy (half types widened exactly)."""
    xt = x.T.contiguous()
    if xt.dtype not in (torch.float32, torch.float64):
        xt = xt.float()  # exact, order-preserving for float16 / bfloat16
    return xt.numpy()


def _pair_numba(values: Tensor, edge_index: Tensor, edge_batch: Tensor,
                edge_values: Tensor | None = None) -> GraphPairing:
    from topograph.core.pairing._graph_kernels import edge_sort_keys, graph_pairs_kernel

    vt = _as_kernel_rows(values)
    packed = False
    if edge_values is None:
        et = np.empty((vt.shape[0], 0), dtype=np.uint64)
    else:
        et, packed = edge_sort_keys(_as_kernel_rows(edge_values))
    u = edge_index[0].contiguous().numpy()
    v = edge_index[1].contiguous().numpy()
    _, death_edge, death_vertex, cyc, cycv, count = graph_pairs_kernel(
        u, v, vt, et, edge_values is None, packed)
    c = int(count[0]) if len(count) else 0
    cycle_edges = torch.from_numpy(np.ascontiguousarray(cyc[:, :c].T))
    cycle_batch = edge_batch[cycle_edges[:, 0]] if c else edge_batch[:0]
    return GraphPairing(torch.from_numpy(death_edge).T,
                        torch.from_numpy(death_vertex).T, cycle_edges,
                        torch.from_numpy(np.ascontiguousarray(cycv[:, :c].T)), cycle_batch)


def _pair_torch(edge_index: Tensor, edge_batch: Tensor, order: Tensor,
                rank: Tensor) -> tuple[Tensor, Tensor]:
    """Lock-step union-find over all (graph, filtration) problems at once."""
    device = edge_index.device
    k, E = order.shape
    N = rank.shape[0]
    death_edge = torch.full((k, N + 1), -1, dtype=torch.long, device=device)  # col N: dump
    cycle = torch.zeros((k, E + 1), dtype=torch.bool, device=device)
    if E == 0 or k == 0:
        return death_edge[:, :N].T, cycle[:, :E].T
    # Table [k, G', L] of edge ids: the j-th edge (in filtration order) of each graph.
    graph_of_pos = edge_batch  # edges are grouped by graph, so position i belongs to edge_batch[i]
    graphs, counts = torch.unique_consecutive(graph_of_pos, return_counts=True)
    G = graphs.numel()
    local = torch.repeat_interleave(torch.arange(G, device=device), counts)
    start = torch.cumsum(counts, 0) - counts
    slot = torch.arange(E, device=device) - start[local]
    L = int(counts.max())  # the one host sync of this path: the loop bound
    sorted_by_graph = torch.sort(edge_batch[order], dim=1, stable=True).indices  # [k, E]
    eid = order.gather(1, sorted_by_graph)  # edges grouped by graph, in filtration order
    table = torch.full((k, G, L), -1, dtype=torch.long, device=device)
    table[:, local, slot] = eid
    u, v = edge_index
    vgraph_local = torch.full((N,), G, dtype=torch.long, device=device)
    # local graph id of every vertex that has an edge (vertices without edges never change)
    vgraph_local[u] = local
    vgraph_local[v] = local
    rank_t = rank.T.contiguous()  # [k, N]
    label = torch.arange(N, device=device).repeat(k, 1)  # component root of each vertex
    oldest = label.clone()  # oldest vertex of each root's component
    rows = torch.arange(k, device=device).unsqueeze(1)
    for j in range(L):
        e = table[:, :, j]  # [k, G]
        valid = e >= 0
        ec = e.clamp_min(0)
        a = label.gather(1, u[ec])
        b = label.gather(1, v[ec])
        same = a == b
        cycle[rows, torch.where(valid & same, ec, E)] = True
        merge = valid & ~same
        ma = oldest.gather(1, a)
        mb = oldest.gather(1, b)
        a_older = rank_t.gather(1, ma) < rank_t.gather(1, mb)
        young = torch.where(a_older, mb, ma)
        death_edge[rows, torch.where(merge, young, N)] = ec
        keep_root = torch.where(a_older, a, b)
        drop_root = torch.where(merge, torch.where(a_older, b, a), -1)
        pad = torch.full((k, 1), -1, dtype=torch.long, device=device)
        drop_v = torch.cat([drop_root, pad], 1)[:, vgraph_local]
        keep_v = torch.cat([keep_root, pad], 1)[:, vgraph_local]
        label = torch.where(label == drop_v, keep_v, label)
    return death_edge[:, :N].T.contiguous(), cycle[:, :E].T.contiguous()
