"""Extended persistence of lower-star graph filtrations, batched and differentiable.

In a sublevel filtration of a graph every cycle and one class per component never
die. Extended persistence sweeps up through the sublevel sets and then down
through the superlevel sets (relative homology), so every class gets a finite
death: one kernel call pairs all graphs and all ``k`` filtrations (numba on the
CPU, :mod:`topograph.core.pairing._extended_kernels`, which explains the
algorithm; Triton for CUDA tensors, :mod:`topograph.core.kernels.triton_extended`),
and values are gathered from the differentiable vertex values.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from topograph.core._deprecation import renamed_kwargs
from topograph.core.complex import GraphBatch
from topograph.core.diagram import Diagram
from topograph.core.kernels import kernel_float, numba_pairing, resolve, triton_kernels
from topograph.core.validation import check_finite, check_float, check_has_data, check_tensor

KINDS = ("ordinary", "relative", "extended")
_VALID = {("ordinary", 0): "ordinary0", ("relative", 1): "relative1",
          ("extended", 0): "extended0", ("extended", 1): "extended1"}


@dataclass
class ExtendedPersistence:
    """Extended persistence diagrams of a batch of graphs (``k`` filtrations at once).

    Four :class:`~topograph.core.Diagram` objects (no essential rows; rows grouped by
    graph and aligned across filtrations, because each graph has the same number of
    pairs of each kind in every filtration):

    * ``ordinary0``: ``n - c`` rows per graph (``n`` vertices, ``c`` components):
      sublevel dim-0 pairs, birth <= death;
    * ``relative1``: ``n - c`` rows: superlevel pairs (local maximum, merge value),
      birth >= death;
    * ``extended0``: ``c`` rows: (min, max) of each component;
    * ``extended1``: ``m - n + c`` rows (``m`` edges): one per independent cycle,
      (value of the edge closing it, the bottleneck value at which it is
      completed in the down sweep), birth >= death.

    gudhi's four lists map one to one: ordinary = ``("ordinary", 0)``, relative =
    ``("relative", 1)``, extended+ = ``("extended", 0)``, extended- = ``("extended", 1)``.
    The diagrams keep zero-length pairs (fixed shapes for learning); gudhi omits
    them, and so does :meth:`as_list` by default.
    """

    ordinary0: Diagram
    relative1: Diagram
    extended0: Diagram
    extended1: Diagram
    complex: GraphBatch

    def diagram(self, dim: int, kind: str) -> Diagram:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        name = _VALID.get((kind, dim))
        if name is None:
            raise ValueError(f"graphs have no {kind} pairs in dimension {dim}; use "
                             f"{sorted(_VALID)}")
        return getattr(self, name)

    def as_list(self, dim: int, kind: str, filtration: int = 0,
                drop_zero: bool = True) -> list[Tensor]:
        """Per graph, an ``[m, 2]`` tensor of (birth, death) of one kind and dimension.

        ``drop_zero=True`` omits pairs with birth == death, as gudhi does.
        """
        pairs = self.diagram(dim, kind).as_list(filtration)
        if not drop_zero:
            return pairs
        return [p[p[:, 0] != p[:, 1]] for p in pairs]


def _rows(*masks: Tensor, one_sync: bool) -> list[Tensor]:
    """``[k, M]`` bool masks with equal counts per row -> ``[P, k]`` column indices of
    each (sorted). ``one_sync``: read all sizes in one host synchronisation, then
    ``nonzero_static`` (no further sync; the Triton path); otherwise ``nonzero``
    (host tensors: about twice as fast on the CPU)."""
    if not one_sync:
        return [torch.nonzero(m)[:, 1].reshape(m.shape[0], -1).T.contiguous() for m in masks]
    sizes = torch.stack([m[0].sum() for m in masks]).tolist()
    return [torch.nonzero_static(m, size=m.shape[0] * c)[:, 1].reshape(m.shape[0], c).T.contiguous()
            for m, c in zip(masks, sizes)]


def _diagram(dim: int, vals: Tensor, b: Tensor, d: Tensor, batch: Tensor, B: int) -> Diagram:
    birth = vals.gather(0, b)
    death = vals.gather(0, d)
    return Diagram(dim, birth, death, torch.zeros_like(b, dtype=torch.bool), batch, b, d, B)


def _take(a: Tensor, rows: Tensor) -> Tensor:
    """``a [k, M]``, ``rows [P, k]`` -> ``a[f, rows[:, f]]`` as ``[P, k]``."""
    return a.gather(1, rows.T).T.contiguous()


@renamed_kwargs(num_graphs="num_samples", check="validate")
def extended_persistence(
    values: Tensor,
    edge_index: Tensor | GraphBatch,
    batch: Tensor | None = None,
    *,
    num_samples: int | None = None,
    validate: bool = True,
    backend: str = "auto",
) -> ExtendedPersistence:
    """Extended persistence (dims 0 and 1) of lower-star filtrations on a batch of graphs.

    Args:
        values: ``[N]`` or ``[N, k]`` vertex values (differentiable; an edge enters
            at the max of its endpoints).
        edge_index: ``[2, E]`` edges in any direction (duplicates and self-loops
            are dropped), or a prepared :class:`GraphBatch`.
        batch: ``[N]`` sorted graph id of every vertex; ``None`` = one graph.
        num_samples: number of graphs (avoids reading it from ``batch``; deprecated
            alias ``num_graphs``, the name in the issue).
        validate: check inputs (finite values, index ranges, sorted batch).
        backend: ``"auto"``, ``"numba"`` or ``"triton"`` (see
            :func:`topograph.core.kernels.resolve`): numba pairs on the CPU (parallel
            over filtrations; tensors elsewhere make one round trip), Triton runs one
            program per (graph, filtration) on CUDA tensors. Both give the same pairs.

    Returns:
        :class:`ExtendedPersistence`; every pair is finite, and gradients reach
        exactly the vertices whose values a pair reports.
    """
    check_float(values, "values")
    if values.dim() not in (1, 2):
        raise ValueError(f"values must have shape [N] or [N, k], got {list(values.shape)}")
    vals = values.unsqueeze(1) if values.dim() == 1 else values
    n, k = vals.shape
    if n == 0:
        raise ValueError("empty batch: values has no vertices")
    if k == 0:
        raise ValueError(f"values has shape {list(values.shape)}: no filtrations (k = 0)")
    check_has_data(values=values)
    if isinstance(edge_index, GraphBatch):
        cx = edge_index
        if cx.num_nodes != n:
            raise ValueError(f"values has {n} rows but the complex has {cx.num_nodes} vertices")
    else:
        check_tensor(edge_index, "edge_index")
        cx = GraphBatch.from_edge_index(edge_index, n, batch, num_samples=num_samples)
    if cx.faces is not None and cx.faces.shape[1]:
        raise ValueError("extended_persistence handles graphs (vertices and edges); this "
                         "complex has triangles")
    if cx.device != vals.device:
        raise ValueError(f"values on {vals.device} but the graph on {cx.device}")
    if validate:
        check_finite(vals, "values")
    kind = resolve(backend, vals.device)
    with torch.no_grad():
        if kind == "triton":
            u, v = cx.edge_index
            vt = vals.detach().T.contiguous()
            up, down, cmax, cb, cd = triton_kernels("extended").extended_pairs(
                u, v, vt, cx.batch, cx.edge_batch, cx.num_samples)
        else:  # numba on the host (one round trip for tensors elsewhere)
            up, down, cmax, cb, cd = _pair_numba(vals, cx)
        r_ord, r_rel, r_ext0, r_ext1 = _rows(up >= 0, down >= 0, cmax >= 0, cb >= 0,
                                              one_sync=kind == "triton")
        idx = {
            "ord": (r_ord, _take(up, r_ord)),
            "rel": (r_rel, _take(down, r_rel)),
            "ext0": (r_ext0, _take(cmax, r_ext0)),
            "ext1": (_take(cb, r_ext1), _take(cd, r_ext1)),
        }
        vb, eb = cx.batch.to(up.device), cx.edge_batch.to(up.device)
        rows_batch = {"ord": vb[r_ord[:, 0]], "rel": vb[r_rel[:, 0]], "ext0": vb[r_ext0[:, 0]],
                      "ext1": eb[r_ext1[:, 0]]}
    dev = vals.device
    B = cx.num_samples
    d = {key: _diagram(1 if key in ("rel", "ext1") else 0, vals, b.to(dev), dd.to(dev),
                       rows_batch[key].to(dev), B)
         for key, (b, dd) in idx.items()}
    return ExtendedPersistence(d["ord"], d["rel"], d["ext0"], d["ext1"], cx)


def _pair_numba(vals: Tensor, cx: GraphBatch) -> tuple[Tensor, ...]:
    """The numba kernel's five index arrays (``[k, N]`` x 3, ``[k, E]`` x 2) as CPU tensors."""
    vt = kernel_float(vals.detach().T.contiguous().cpu())
    ei = cx.edge_index.cpu()
    keys, packed = numba_pairing().sort_keys(vt.numpy())
    out = _kernel()(ei[0].contiguous().numpy(), ei[1].contiguous().numpy(), keys, packed)
    return tuple(torch.from_numpy(a) for a in out[1:])


def _kernel():
    """The numba kernel, after the seam's first-use set-up (threading layer; its disk
    cache flushed once if the kernels it compiles in from ``pairing/_graph_kernels.py``
    changed: numba keys its cache on one file)."""
    from topograph.core import kernels as seam
    from topograph.core.pairing import _extended_kernels as k
    from topograph.core.pairing import _graph_kernels

    seam.numba_ready((k.extended_pairs_kernel, k._extended_one), _graph_kernels,
                     "topograph_extended")
    return k.extended_pairs_kernel
