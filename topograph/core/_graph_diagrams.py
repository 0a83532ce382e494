"""Gathering graph diagrams from a pairing (shared by lower-star and edge filtrations).

The pairing (``core.pairing.graph``) names, per filtration, the edge that kills
every vertex's class and the cycle-closing edges. This module turns those indices
into :class:`~topograph.core.diagram.Diagram` objects by gathering values:

* lower-star: an edge's value is gathered from its later endpoint (the arg-max
  vertex), so gradients reach vertex values exactly as before;
* edge filtrations: from the given edge values, so gradients reach the edges.
"""
from __future__ import annotations

import torch
from torch import Tensor

from topograph.core.complex import GraphBatch
from topograph.core.diagram import Diagram, Essential, apply_essential, check_essential_births
from topograph.core.kernels import numba_pairing
from topograph.core.pairing.graph import pair_graphs


def _take(x: Tensor, index: Tensor) -> Tensor:
    """``x[index]`` for a 1-D ``x`` and an index of any shape (``index_select``: the
    CPU's advanced indexing is several times slower)."""
    return x.index_select(0, index.reshape(-1)).view(index.shape)


def group_argmax(values: Tensor, batch: Tensor, num_groups: int) -> Tensor:
    """Row ``[num_groups, k]`` of the largest value of every group and column of
    ``values [N, k]`` (ties to the largest row; ``-1`` for an empty group). No gradient."""
    values = values.detach()
    if values.device.type == "cpu" and values.dtype in (torch.float32, torch.float64) \
            and batch.dtype == torch.int64:  # one numba pass instead of ~8 torch ops
        return torch.from_numpy(numba_pairing().group_argmax(
            values.contiguous().numpy(), batch.contiguous().numpy(), num_groups))
    return _group_argmax_torch(values, batch, num_groups)


def group_max(values: Tensor, batch: Tensor, num_groups: int) -> Tensor:
    """Differentiable per-group maximum ``[num_groups, k]`` of ``values [N, k]``
    (gathered from the largest row among ties; empty groups gather row 0)."""
    return values.gather(0, group_argmax(values, batch, num_groups).clamp_min(0))


def _group_argmax_torch(values: Tensor, batch: Tensor, num_groups: int) -> Tensor:
    """:func:`group_argmax` in torch ops (any device; the reference of the numba pass)."""
    k = values.shape[1]
    init = torch.full((num_groups, k), float("-inf"), dtype=values.dtype, device=values.device)
    mx = init.scatter_reduce(0, batch[:, None].expand(-1, k), values, reduce="amax")
    hit = values == mx.index_select(0, batch)
    ar = torch.arange(values.shape[0], device=values.device)[:, None].expand(-1, k)
    arg = torch.full((num_groups, k), -1, dtype=torch.long, device=values.device)
    return arg.scatter_reduce(0, batch[:, None].expand(-1, k), torch.where(hit, ar, -1),
                              reduce="amax")


def graph_diagrams(vals: Tensor, cx: GraphBatch, essential: Essential, backend: str,
                   edge_vals: Tensor | None = None, edge_source: Tensor | None = None,
                   validate: bool = True) -> tuple[Diagram, Diagram]:
    """Dimension 0 and 1 diagrams of ``vals [N, k]`` on the canonical complex ``cx``.

    ``edge_vals [E_in, k]`` (the caller's edge values, one row per input column) gives
    an edge filtration; ``edge_source [E]`` is the row each canonical edge of ``cx``
    reads (stored as the death / birth index of the edge rows). Values are gathered
    straight from ``edge_vals``, so no ``[E, k]`` copy sits in the autograd graph.
    ``None``: lower-star. ``validate``: a float ``essential`` cap may not precede an
    essential birth.
    """
    n, k = vals.shape
    edge_batch = cx.edge_batch  # [E], computed once
    pairing = pair_graphs(vals, cx.edge_index, edge_batch, n, backend=backend,
                          num_samples=cx.num_samples, edge_values=edge_vals,
                          edge_rows=edge_source)
    ess0 = pairing.death_edge < 0
    birth_vertex = torch.arange(n, device=vals.device)[:, None].expand(n, k)
    need_max = essential == "max"
    if edge_vals is None:
        # lower-star: the death value of a vertex's class is the value of the later
        # vertex of its killing edge; a cycle is born at its edge's later vertex.
        death_index = pairing.death_vertex
        death0 = vals.gather(0, death_index.clamp_min(0))
        birth1_index = pairing.cycle_vertex
        birth1 = vals.gather(0, birth1_index)
        gmax = group_max(vals, cx.batch, cx.num_samples) if need_max else None
    else:
        num_edges = cx.edge_index.shape[1]
        birth1_index = _take(edge_source, pairing.cycle_edges)
        gmax = group_max(vals, cx.batch, cx.num_samples) if need_max else None
        if num_edges:
            de = _take(edge_source, pairing.death_edge.clamp_min(0))
            death_index = torch.where(ess0, -1, de)
            # one gather for every value read from the edges: a single scatter (and
            # no [E_in, k] accumulations) in the backward
            rows = [de, birth1_index]
            if need_max:  # the largest value of the graph is an edge's unless it has none
                ecan = edge_vals.detach().index_select(0, edge_source)
                arg = group_argmax(ecan, edge_batch, cx.num_samples)  # -1: no edges
                rows.append(_take(edge_source, arg.clamp_min(0)))
            got = edge_vals.gather(0, torch.cat(rows)).split([r.shape[0] for r in rows])
            death0, birth1 = got[0], got[1]
            if need_max:
                gmax = torch.where(arg >= 0, torch.maximum(gmax, got[2]), gmax)
        else:
            death0, death_index = vals, pairing.death_edge
            birth1 = edge_vals.gather(0, birth1_index)
    # index_select, not gmax[...]: the backward of advanced indexing (index_put with
    # accumulate) sums in a thread-dependent order on the CPU; index_add does not
    death0 = apply_essential(death0, ess0, essential,
                             gmax.index_select(0, cx.batch) if need_max else None)
    if validate:
        check_essential_births(essential, vals, ess0)
    dim0 = Diagram(0, vals, death0, ess0, cx.batch, birth_vertex, death_index,
                   cx.num_samples, essential)
    ce = pairing.cycle_edges  # [C, k]
    ess1 = torch.ones_like(ce, dtype=torch.bool)
    if validate:
        check_essential_births(essential, birth1, ess1)
    death1 = apply_essential(birth1, ess1, essential,
                             gmax.index_select(0, pairing.cycle_batch) if need_max else None)
    dim1 = Diagram(1, birth1, death1, ess1, pairing.cycle_batch, birth1_index,
                   torch.full_like(ce, -1), cx.num_samples, essential)
    return dim0, dim1
