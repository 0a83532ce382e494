"""Gathering graph diagrams from a pairing (shared by lower-star and edge filtrations).

The pairing (``core.pairing.graph``) names, per filtration, the edge that kills
every vertex's class and the cycle-closing edges. This module turns those indices
into :class:`~topograph.core.diagram.Diagram` objects by gathering values:

* lower-star: an edge's value is gathered from its later endpoint (the arg-max
  vertex), so gradients reach vertex values exactly as before;
* edge filtrations: from the given edge values, so gradients reach the edges.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from topograph.core.complex import GraphBatch
from topograph.core.gather import gather_columns
from topograph.core.diagram import Diagram, Essential, apply_essential, check_essential_births
from topograph.core.kernels import numba_pairing
from topograph.core.pairing.graph import _take, pair_edge_rows, pair_graphs


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


@dataclass
class EdgeInputs:
    """The caller's edge values as the edge-filtration pairing reads them.

    Attributes:
        values: ``[E_in, k]`` edge values, one row per input column.
        source: ``[E]`` the row every canonical edge reads (its first column).
        keys: ``[k, E]`` sort keys of those rows (CPU fast path), or ``None``.
        argmax: ``[B, k]`` row of every graph's largest edge value (-1: no edges),
            or ``None`` (computed here when ``essential_death="max"`` needs it).
    """

    values: Tensor
    source: Tensor
    keys: np.ndarray | None = None
    argmax: Tensor | None = None


def graph_diagrams(vals: Tensor, cx: GraphBatch, essential: Essential, backend: str,
                   edges: EdgeInputs | None = None,
                   validate: bool = True) -> tuple[Diagram, Diagram]:
    """Dimension 0 and 1 diagrams of ``vals [N, k]`` on the canonical complex ``cx``.

    ``edges`` gives an edge filtration (``None``: lower-star); its rows are stored as
    the death / birth index of the edge rows. Values are gathered straight from
    ``edges.values``, so no ``[E, k]`` copy sits in the autograd graph.
    ``validate``: a float ``essential`` cap may not precede an essential birth.
    """
    n, k = vals.shape
    edge_batch = cx.edge_batch  # [E], computed once
    birth_vertex = torch.arange(n, device=vals.device)[:, None].expand(n, k)
    need_max = essential == "max"
    gmax = group_max(vals, cx.batch, cx.num_samples) if need_max else None
    if edges is None:
        pairing = pair_graphs(vals, cx.edge_index, edge_batch, n, backend=backend,
                              num_samples=cx.num_samples)
        ess0 = pairing.death_edge < 0
        # lower-star: the death value of a vertex's class is the value of the later
        # vertex of its killing edge; a cycle is born at its edge's later vertex.
        death_index = pairing.death_vertex
        birth1_index = pairing.cycle_vertex
        death0, birth1 = gather_columns(vals, death_index.clamp_min(0), birth1_index)
        cycle_batch = pairing.cycle_batch
    else:
        ev, source = edges.values, edges.source
        pairing = pair_edge_rows(vals, cx.edge_index, edge_batch, ev, source, backend=backend,
                                 num_samples=cx.num_samples, keys=edges.keys)
        death_index, birth1_index = pairing.death_row, pairing.cycle_row
        ess0 = death_index < 0
        cycle_batch = pairing.cycle_batch
        # one gather for every value read from the edges: one [E_in, k] gradient
        # buffer in the backward
        rows = [death_index.clamp_min(0), birth1_index]
        if need_max and source.numel():  # the graph's largest value is an edge's unless it has none
            arg = edges.argmax
            if arg is None:  # canonical edge of each graph's maximum -> its row; -1: none
                ga = group_argmax(ev.detach().index_select(0, source), edge_batch, cx.num_samples)
                arg = torch.where(ga >= 0, _take(source, ga.clamp_min(0)), -1)
            rows.append(arg.clamp_min(0))
        if ev.shape[0]:
            got = gather_columns(ev, *rows)
            death0, birth1 = got[0], got[1]
            if len(got) > 2:
                gmax = torch.where(arg >= 0, torch.maximum(gmax, got[2]), gmax)
        else:  # no edges: every class is essential
            death0, birth1 = vals, ev[:0]  # a view: ev still gets its (empty) gradient
    # index_select, not gmax[...]: the backward of advanced indexing (index_put with
    # accumulate) sums in a thread-dependent order on the CPU; index_add does not
    death0 = apply_essential(death0, ess0, essential,
                             gmax.index_select(0, cx.batch) if need_max else None)
    if validate:
        check_essential_births(essential, vals, ess0)
    dim0 = Diagram(0, vals, death0, ess0, cx.batch, birth_vertex, death_index,
                   cx.num_samples, essential)
    ess1 = torch.ones_like(birth1_index, dtype=torch.bool)
    if validate:
        check_essential_births(essential, birth1, ess1)
    death1 = apply_essential(birth1, ess1, essential,
                             gmax.index_select(0, cycle_batch) if need_max else None)
    dim1 = Diagram(1, birth1, death1, ess1, cycle_batch, birth1_index,
                   torch.full_like(birth1_index, -1), cx.num_samples, essential)
    return dim0, dim1
