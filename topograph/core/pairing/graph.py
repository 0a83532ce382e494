"""Persistence pairing of graph filtrations on batched graphs (no gradients).

Output is integer indices only; values are gathered later (``core.diagram``).
Conventions (docs/conventions.md, "Filtrations and pairing"): vertices enter in the
order of ``(value, index)``, edges in the order of ``(edge value, rank of the later
endpoint, edge index)``, vertices before edges of equal value. For lower-star
filtrations the edge value is the max of the endpoint values, and the order is that
of the later endpoint. Elder rule: a merging edge kills the younger of the two
components' oldest vertices. Edges joining a component to itself close a cycle
and create an essential 1-class.

Two kernels compute the same pairing, chosen by :func:`topograph.core.kernels.resolve`:

* ``"numba"``: union-find kernels on the CPU (one device round trip for tensors
  elsewhere when Triton is not available);
* ``"triton"``: one global sort in torch, then one Triton program per (graph,
  filtration) (:mod:`topograph.core.kernels.triton_graph`), for CUDA tensors.

(The former torch lock-step union-find is gone: one Python-level step per edge of
the largest graph; 36,834 aten dispatches and ~100x slower than numba on 128
PROTEINS graphs, never faster in any case measured; see docs/conventions.md.)
"""
from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import torch
from torch import Tensor

from topograph.core._deprecation import keyword_only
from topograph.core.kernels import kernel_float, numba_pairing, resolve, triton_kernels


@dataclass
class GraphPairing:
    """Index pairs of a batch of graph filtrations.

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


@keyword_only(4, ("backend",))
def pair_graphs(values: Tensor, edge_index: Tensor, edge_batch: Tensor, num_nodes: int, *,
                backend: str = "auto", num_samples: int | None = None,
                edge_values: Tensor | None = None) -> GraphPairing:
    """Dimension 0 and 1 pairing of graph filtrations with vertex values ``values [N, k]``.

    ``edge_index`` must be canonical (see :func:`topograph.core.complex.canonical_edges`).
    ``edge_values [E, k]`` (aligned with ``edge_index``, each ``>=`` its endpoints'
    values) gives an edge filtration; ``None`` is the lower-star filtration. With
    ``edge_rows [E]``, ``edge_values`` holds the caller's rows and canonical edge ``c``
    reads row ``edge_rows[c]`` (the numba path gathers while it builds the sort keys:
    no ``[E, k]`` copy). The
    ``death_vertex`` / ``cycle_vertex`` fields are the later endpoints of the edges
    (the vertex that gives a lower-star edge its value).
    ``backend`` is resolved by :func:`topograph.core.kernels.resolve` (numba on the CPU,
    Triton for CUDA tensors, numba with one device round trip otherwise);
    ``num_samples`` (the Triton grid) is read from ``edge_batch`` if not given.
    """
    kind = resolve(backend, values.device)
    with torch.no_grad():
        values = values.detach()
        if edge_values is not None:
            edge_values = edge_values.detach()
        if kind == "triton":
            return _pair_triton(values, edge_index, edge_batch, num_samples, edge_values)
        if values.device.type == "cpu":
            return _pair_numba(values, edge_index, edge_batch, edge_values)
        host = _pair_numba(values.cpu(), edge_index.cpu(), edge_batch.cpu(),  # one round trip
                           None if edge_values is None else edge_values.cpu())
        return GraphPairing(*(getattr(host, f.name).to(values.device) for f in fields(GraphPairing)))


def _pair_triton(values: Tensor, edge_index: Tensor, edge_batch: Tensor,
                 num_samples: int | None, edge_values: Tensor | None = None) -> GraphPairing:
    """The Triton kernel's edge-filtration contract; lower-star is the edge filtration
    ``g(e) = max(f(u), f(v))``."""
    tg = triton_kernels("graph")
    vt = values.T.contiguous()
    u, v = edge_index[0].contiguous(), edge_index[1].contiguous()
    if num_samples is None:  # host sync; callers that know the batch size pass it
        num_samples = int(edge_batch[-1]) + 1 if edge_batch.numel() else 0
    et = torch.maximum(vt[:, u], vt[:, v]) if edge_values is None \
        else edge_values.T.contiguous()
    rank, death_edge, cyc, count = tg.pair_edge_filtration(
        u, v, vt, et, edge_batch, num_samples)
    last = torch.where(rank[:, u] > rank[:, v], u, v)  # [k, E] the vertex giving the edge its value
    if edge_index.shape[1]:
        death_vertex = torch.where(death_edge < 0, -1, last.gather(1, death_edge.clamp_min(0)))
    else:
        death_vertex = torch.full_like(death_edge, -1)
    c = int(count[0]) if count.numel() else 0  # host sync: the output size (equal for every filtration)
    cycle_edges = cyc[:, :c]
    cycle_batch = edge_batch.index_select(0, cycle_edges[0]) if c else edge_batch[:0]
    return GraphPairing(death_edge.T, death_vertex.T, cycle_edges.T.contiguous(),
                        last.gather(1, cycle_edges).T.contiguous(), cycle_batch)


def _as_kernel_rows(x: Tensor) -> np.ndarray:
    """``[n, k]`` -> contiguous ``[k, n]`` float32/64 numpy."""
    return kernel_float(x.T.contiguous()).numpy()


def _pair_numba(values: Tensor, edge_index: Tensor, edge_batch: Tensor,
                edge_values: Tensor | None = None) -> GraphPairing:
    kernels = numba_pairing()
    vkeys, vpacked = kernels.sort_keys(_as_kernel_rows(values))
    epacked = False
    if edge_values is None:
        ekeys = np.empty((vkeys.shape[0], 0), dtype=np.uint64)
    else:
        ekeys, epacked = kernels.sort_keys(_as_kernel_rows(edge_values))
    u = edge_index[0].contiguous().numpy()
    v = edge_index[1].contiguous().numpy()
    _, death_edge, death_vertex, cyc, cycv, count = kernels.graph_pairs_kernel(
        u, v, vkeys, ekeys, edge_values is None, vpacked, epacked, np.empty(0, dtype=np.int64))
    cycle_edges, cycle_vertex, cycle_batch = _cycles(cyc, cycv, count, edge_batch)
    return GraphPairing(torch.from_numpy(death_edge).T,
                        torch.from_numpy(death_vertex).T, cycle_edges, cycle_vertex, cycle_batch)


def _cycles(cyc: np.ndarray, tag: np.ndarray, count: np.ndarray,
            edge_batch: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """The kernel's cycle edges and their tags ``[k, E]`` cut to their count: ``[C, k]``
    each, and the graph of every cycle row ``[C]``."""
    c = int(count[0]) if len(count) else 0
    cycle_edges = torch.from_numpy(np.ascontiguousarray(cyc[:, :c].T))
    cycle_batch = edge_batch.index_select(0, cycle_edges[:, 0]) if c else edge_batch[:0]
    return cycle_edges, torch.from_numpy(np.ascontiguousarray(tag[:, :c].T)), cycle_batch


@dataclass
class EdgeRowPairing:
    """The pairing of an edge filtration whose values are the caller's rows.

    Attributes:
        death_row: ``[N, k]`` row of the edge killing the class born at each vertex,
            -1 if essential.
        cycle_row: ``[C, k]`` rows of the cycle-closing edges, grouped by graph.
        cycle_batch: ``[C]`` graph id of each cycle row.
    """

    death_row: Tensor
    cycle_row: Tensor
    cycle_batch: Tensor


def pair_edge_rows(values: Tensor, edge_index: Tensor, edge_batch: Tensor,
                   edge_values: Tensor, rows: Tensor, *, backend: str = "auto",
                   num_samples: int | None = None,
                   keys: np.ndarray | None = None) -> EdgeRowPairing:
    """:func:`pair_graphs` of an edge filtration whose canonical edge ``c`` reads row
    ``rows[c]`` of ``edge_values [E_in, k]`` (the caller's edge columns), with the
    edges named by those rows: what :func:`topograph.graph_persistence` gathers from.

    The numba path sorts the rows' values in place (no ``[E, k]`` copy) and writes
    rows instead of later endpoints. ``keys [k, E]``: the rows' sort keys if the
    caller already has them (:func:`~topograph.core.pairing._graph_inputs.edge_values_pass`).
    Other backends pair the gathered values and map the edges to rows.
    """
    kind = resolve(backend, values.device)
    with torch.no_grad():
        values, edge_values = values.detach(), edge_values.detach()
        if kind == "numba" and values.device.type == "cpu":
            kernels = numba_pairing()
            vkeys, vpacked = kernels.sort_keys(_as_kernel_rows(values))
            if keys is None:
                keys, epacked = kernels.row_sort_keys(
                    kernel_float(edge_values).contiguous().numpy(), rows.numpy())
            else:
                epacked = edge_values.dtype == torch.float32
            _, _, death_row, cyc, cycr, count = kernels.graph_pairs_kernel(
                edge_index[0].contiguous().numpy(), edge_index[1].contiguous().numpy(),
                vkeys, keys, False, vpacked, epacked, rows.numpy())
            _, cycle_row, cycle_batch = _cycles(cyc, cycr, count, edge_batch)
            return EdgeRowPairing(torch.from_numpy(death_row).T, cycle_row, cycle_batch)
        p = pair_graphs(values, edge_index, edge_batch, values.shape[0], backend=backend,
                        num_samples=num_samples, edge_values=edge_values.index_select(0, rows))
        death_row = p.death_edge if not rows.numel() else torch.where(  # no edges: all -1
            p.death_edge < 0, -1, _take(rows, p.death_edge.clamp_min(0)))
        return EdgeRowPairing(death_row, _take(rows, p.cycle_edges), p.cycle_batch)


def _take(x: Tensor, index: Tensor) -> Tensor:
    """``x[index]`` for a 1-D ``x`` and an index of any shape (``index_select``: the
    CPU's advanced indexing is several times slower)."""
    return x.index_select(0, index.reshape(-1)).view(index.shape)
