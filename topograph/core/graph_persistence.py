"""Persistence of graph filtrations with separate vertex and edge values (RePHINE-style).

A graph filtration gives every vertex a value ``f(v)`` and every edge a value
``g(e)``; it is a valid filtration (every sublevel set a subgraph) iff
``g(u, v) >= max(f(u), f(v))``. The lower-star filtration is the special case
``g = max(f(u), f(v))`` (:func:`topograph.core.lower_star_persistence` shares the
code). Learning ``g`` separately is strictly more expressive than vertex values
alone (Immonen, Souza & Garg, NeurIPS 2023).
"""
from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from topograph.core._deprecation import renamed_kwargs
from topograph.core._graph_diagrams import EdgeInputs, graph_diagrams
from topograph.core.complex import GraphBatch, canonical_edge_map
from topograph.core.complex_checks import check_complex
from topograph.core.diagram import Essential, check_essential
from topograph.core.kernels import numba_pairing, numba_ready, resolve
from topograph.core.persistence import GraphPersistence
from topograph.core.validation import (
    check_float,
    check_has_data,
    check_same_device,
    check_tensor,
    check_finite,
)

INVALID_EDGES = ("raise", "clamp")


def _as_2d(x: Tensor, name: str, first: str) -> Tensor:
    check_float(x, name)
    if x.dim() not in (1, 2):
        raise ValueError(f"{name} must have shape [{first}] or [{first}, k], got {list(x.shape)}")
    return x.unsqueeze(1) if x.dim() == 1 else x


def edge_columns(edge_index: Tensor, cx: GraphBatch) -> tuple[Tensor, Tensor]:
    """Map the caller's edge columns to the canonical edges of ``cx`` (torch ops, any
    device; the CPU path of :func:`graph_persistence` does this in numba together
    with the input checks).

    Returns ``canon [E_in]`` (canonical edge of every input column, -1 for self-loops)
    and ``source [E]`` (the first input column of every canonical edge).
    """
    n = cx.num_nodes
    ei = edge_index.long()
    lo, hi = torch.minimum(ei[0], ei[1]), torch.maximum(ei[0], ei[1])
    key = lo * n + hi
    ckey = cx.edge_index[0] * n + cx.edge_index[1]
    loop = lo == hi
    canon = torch.searchsorted(ckey, key).clamp_max(max(ckey.numel() - 1, 0))
    canon = torch.where(loop, -1, canon)
    cols = torch.arange(ei.shape[1], device=ei.device)
    source = torch.full((ckey.numel(),), ei.shape[1], dtype=torch.long, device=ei.device)
    keep = ~loop
    source = source.scatter_reduce(0, canon[keep], cols[keep], reduce="amin")
    return canon, source


def _edge_inputs(edge_index: Tensor, cx: GraphBatch | None, batch: Tensor | None,
                 num_samples: int | None, vals: Tensor, ev: Tensor, ev_sorted: Tensor,
                 check_dup: bool, check_valid: bool, want_max: bool,
                 backend: str) -> tuple[GraphBatch, EdgeInputs]:
    """The canonical complex (``cx``, or built from ``edge_index``) and the caller's
    edge values ``ev_sorted`` (differentiable: ``ev`` itself, or clamped) as the
    pairing reads them, after the checks of ``ev`` (detached):
    equal values on all columns of an edge, and edge values >= endpoint values.

    CPU float tensors: two numba passes (canonical edges with the column map; checks,
    sort keys and per-graph maxima); else torch ops."""
    n = vals.shape[0]
    small = max(edge_index.shape[1], n) < 2**32  # the kernels pack both in 32 bits
    if edge_index.device.type == "cpu" and _numba_ok(vals, ev) and small:
        if cx is None:
            num_samples = check_complex(n, edge_index.device, edge_index=edge_index,
                                        batch=batch, num_samples=num_samples)
        ei = edge_index.long()
        cu, cv, canon, source = canonical_edge_map(ei[0].contiguous().numpy(),
                                                   ei[1].contiguous().numpy(), n)
        if cx is None:
            batch = batch.long() if batch is not None else torch.zeros(n, dtype=torch.long)
            cx = GraphBatch(batch, torch.from_numpy(np.stack([cu, cv])), int(num_samples))
        from topograph.core.pairing import _sort_keys  # numba: imported at first use

        kernels = numba_pairing()
        numba_ready((kernels.edge_values_pass,), _sort_keys, "topograph_graph_inputs")
        want_keys = resolve(backend, vals.device) == "numba"  # other kernels sort values
        keys, argmax, bad_column, bad_edge = kernels.edge_values_pass(
            canon, source, cu, cv, cx.batch.contiguous().numpy(), cx.num_samples,
            ev_sorted.detach().contiguous().numpy(), ev.contiguous().numpy(),
            vals.contiguous().numpy(), check_dup, check_valid, want_keys, want_max,
            ev_sorted.dtype == torch.float32)
        canon, source = torch.from_numpy(canon), torch.from_numpy(source)
        inputs = EdgeInputs(ev_sorted, source, keys if want_keys else None,
                            torch.from_numpy(argmax) if want_max else None)
        check_dup, check_valid = bad_column, bad_edge  # only to word the error
    else:
        if cx is None:
            cx = GraphBatch.from_edge_index(edge_index, n, batch, num_samples=num_samples)
        canon, source = edge_columns(edge_index, cx)
        inputs = EdgeInputs(ev_sorted, source)
    if check_dup and source.numel():
        _check_duplicates(ev, canon, source, edge_index)
    if check_valid:
        _check_valid(vals, ev, cx, source)
    return cx, inputs


def _check_duplicates(ev: Tensor, canon: Tensor, source: Tensor, edge_index: Tensor) -> None:
    """Both directions (and repeats) of an edge must carry the same value."""
    keep = canon >= 0
    ref = ev.index_select(0, source.index_select(0, canon.clamp_min(0)))
    bad = keep & (ev != ref).any(1)
    if bool(bad.any()):
        j = int(bad.nonzero()[0, 0])
        i = int(source[canon[j]])
        raise ValueError(
            f"edge_values differ between columns {i} and {j} of edge_index, which are the "
            f"same undirected edge {tuple(edge_index[:, j].tolist())}: "
            f"{ev[i].tolist()} vs {ev[j].tolist()}; give both directions the same value")


def _numba_ok(*xs: Tensor) -> bool:
    return all(x.device.type == "cpu" and x.dtype in (torch.float32, torch.float64) for x in xs)


def _check_valid(vals: Tensor, ev_in: Tensor, cx: GraphBatch, source: Tensor) -> None:
    """Every canonical edge value ``ev_in[source[c]]`` must be >= its endpoints' values."""
    u, v = cx.edge_index
    ev = ev_in.index_select(0, source)
    low = torch.maximum(vals.index_select(0, u), vals.index_select(0, v))
    bad = (ev < low).any(1)
    if bool(bad.any()):
        c = int(bad.nonzero()[0, 0])
        j = int(source[c])
        f = int((ev[c] < low[c]).nonzero()[0, 0])
        raise ValueError(
            f"invalid filtration: edge column {j} ({int(u[c])}, {int(v[c])}) has value "
            f"{float(ev[c, f]):.6g} in filtration {f}, below its endpoint values "
            f"({float(vals[u[c], f]):.6g}, {float(vals[v[c], f]):.6g}); an edge must not "
            "enter before its vertices. Pass invalid_edges='clamp' to raise such edges to "
            "the max of their endpoint values")


@renamed_kwargs(num_graphs="num_samples", essential="essential_death", check="validate")
def graph_persistence(
    vertex_values: Tensor,
    edge_values: Tensor,
    edge_index: Tensor | GraphBatch,
    batch: Tensor | None = None,
    *,
    num_samples: int | None = None,
    essential_death: Essential = "inf",
    invalid_edges: str = "raise",
    validate: bool = True,
    backend: str = "auto",
) -> GraphPersistence:
    """Persistence diagrams (dims 0 and 1) of graph filtrations with learnable edge values.

    Args:
        vertex_values: ``[N]`` or ``[N, k]`` vertex values (``k`` filtrations at once).
        edge_values: ``[E]`` or ``[E, k]`` edge values aligned with the columns of
            ``edge_index``. Both directions of an undirected edge (and repeated
            columns) may be given; they must carry the same value (the first column
            is the one gathered from). Self-loop columns are ignored.
        edge_index: ``[2, E]`` edges in any direction, or a prepared
            :class:`~topograph.core.GraphBatch` (then ``edge_values`` is aligned with its
            canonical ``edge_index``).
        batch: ``[N]`` sorted graph id of every vertex (PyG style); ``None`` = one graph.
        num_samples: number of graphs (avoids reading it from ``batch``; deprecated
            alias ``num_graphs``, the name in the issue).
        essential_death: death of essential classes: ``"inf"``, ``"max"`` (the
            graph's largest vertex or edge value, differentiable) or a float
            (deprecated alias ``essential``).
        invalid_edges: what to do with an edge whose value is below one of its
            endpoints' values (not a filtration): ``"raise"`` a ``ValueError``
            naming the first such edge, or ``"clamp"`` it to the max of its endpoint
            values (``torch.maximum``: the gradient then goes to that vertex).
        validate: check inputs (finite values, shapes, equal directions, validity).
            ``validate=False`` skips the checks (and the ``"raise"`` test).
        backend: ``"auto"`` (numba for CPU tensors, Triton for CUDA tensors),
            ``"numba"`` or ``"triton"`` (see :func:`topograph.core.kernels.resolve`); both
            kernels follow the same contract and give identical pairings.

    Returns:
        :class:`~topograph.core.GraphPersistence`: ``dim0`` one row per vertex (birth
        ``f(v)``, death = value of the merging edge, elder rule), ``dim1`` one row per
        cycle-closing edge (born at its edge value, essential), grouped by graph.
        Gradients reach the paired vertex and edge values. Rows that come from an
        edge store the caller's ``edge_index`` column in ``death_index`` (dim 0) and
        ``birth_index`` (dim 1).
    """
    vals = _as_2d(vertex_values, "vertex_values", "N")
    ev = _as_2d(edge_values, "edge_values", "E")
    prepared = isinstance(edge_index, GraphBatch)
    if prepared:
        cx = edge_index
        edge_index = cx.edge_index
    check_tensor(edge_index, "edge_index")
    if invalid_edges not in INVALID_EDGES:
        raise ValueError(f"invalid_edges must be 'raise' or 'clamp', got {invalid_edges!r}")
    check_essential(essential_death)
    n, k = vals.shape
    if n == 0:
        raise ValueError("empty batch: vertex_values has no vertices")
    if k == 0:
        raise ValueError(f"vertex_values has shape {list(vertex_values.shape)}: no filtrations")
    if edge_index.dim() != 2 or edge_index.shape[0] != 2:
        raise ValueError(f"edge_index must have shape [2, E], got {list(edge_index.shape)}")
    if ev.shape[0] != edge_index.shape[1]:
        raise ValueError(f"edge_values has {ev.shape[0]} rows but edge_index has "
                         f"{edge_index.shape[1]} columns; give one value per column")
    if ev.shape[1] != k:
        raise ValueError(f"edge_values has {ev.shape[1]} filtrations but vertex_values has {k}; "
                         "give both as [N]/[E] or both as [N, k]/[E, k]")
    check_same_device(vertex_values=vals, edge_values=ev, edge_index=edge_index, batch=batch)
    check_has_data(vertex_values=vals, edge_values=ev)
    if validate:
        check_finite(vals, "vertex_values")
        check_finite(ev, "edge_values")
    dtype = torch.promote_types(vals.dtype, ev.dtype)
    vals, ev = vals.to(dtype), ev.to(dtype)
    if prepared:
        if cx.num_nodes != n:
            raise ValueError(f"vertex_values has {n} rows but the complex has {cx.num_nodes} "
                             "vertices")
    else:
        cx = None
    ev_sorted = ev
    if invalid_edges == "clamp":  # in the caller's columns (a self-loop clamps to its vertex)
        a, b = edge_index.long()
        ev_sorted = torch.maximum(ev, torch.maximum(vals.index_select(0, a),
                                                    vals.index_select(0, b)))
    cx, edges = _edge_inputs(edge_index, cx, batch, num_samples, vals.detach(), ev.detach(),
                             ev_sorted, check_dup=validate and not prepared,
                             check_valid=validate and invalid_edges == "raise",
                             want_max=essential_death == "max", backend=backend)
    dim0, dim1 = graph_diagrams(vals, cx, essential_death, backend, edges, validate=validate)
    return GraphPersistence(dim0, dim1, cx)
