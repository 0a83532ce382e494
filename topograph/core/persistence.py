"""Public entry points: persistence of lower-star graph filtrations and of Rips complexes.

Both compute the pairing without gradient (integer indices, ``core.pairing``), then
gather birth and death values from the differentiable inputs (``core.diagram``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch
from torch import Tensor

from topograph.core._deprecation import keyword_only, renamed_kwargs
from topograph.core._graph_diagrams import graph_diagrams
from topograph.core.complex import GraphBatch
from topograph.core.diagram import (
    Diagram,
    Essential,
    apply_essential,
    check_essential,
    check_essential_births,
)
from topograph.core.filtration import edge_lengths, pairwise_distances
from topograph.core.kernels import resolve
from topograph.core.mesh_persistence import ComplexPersistence, complex_persistence
from topograph.core.pairing.rips import (
    farthest_pair,
    rips_dim1_pairs,
    rips_pairs,
    rips_pairs_from_points,
)
from topograph.core.validation import (
    all_finite,
    check_finite,
    check_float,
    check_has_data,
    check_same_device,
    check_tensor,
)


@dataclass
class GraphPersistence:
    """Diagrams of a batch of lower-star graph filtrations (``k`` filtrations at once).

    ``dim0`` has one row per vertex (the class born there); ``dim1`` one row per
    cycle-closing edge, grouped by graph.
    """

    dim0: Diagram
    dim1: Diagram
    complex: GraphBatch

    def __getitem__(self, dim: int) -> Diagram:
        return self.diagram(dim)

    def diagram(self, dim: int) -> Diagram:
        if dim == 0:
            return self.dim0
        if dim == 1:
            return self.dim1
        raise ValueError(f"graphs have persistence in dimensions 0 and 1, not {dim}")

    def as_list(self, dim: int, filtration: int = 0) -> list[Tensor]:
        """Per graph, ``[m, 2]`` (birth, death) with death = +inf for essential classes."""
        return self.diagram(dim).as_list(filtration)


@dataclass
class RipsPersistence:
    """Diagrams of Vietoris-Rips filtrations of a batch of point clouds.

    ``dim0`` has ``n`` rows per sample: the ``n - 1`` MST edges (birth 0) and one
    essential class. ``dim1`` (if computed) is gathered from giotto-ph's pairs.
    ``distances`` is the ``[B, n, n]`` matrix the pairing used (the caller's tensor if
    distances were given, else computed without gradient; ``None`` when the CPU path
    paired the coordinates directly); ``mst_edges`` ``[B, n-1, 2]``.
    """

    dim0: Diagram
    dim1: Diagram | None
    distances: Tensor | None
    mst_edges: Tensor

    def diagram(self, dim: int) -> Diagram:
        if dim == 0:
            return self.dim0
        if dim == 1 and self.dim1 is not None:
            return self.dim1
        raise ValueError(f"dimension {dim} was not computed (max_dim too small)")

    def as_list(self, dim: int, filtration: int = 0) -> list[Tensor]:
        return self.diagram(dim).as_list(filtration)


@renamed_kwargs(num_graphs="num_samples", essential="essential_death", check="validate")
def lower_star_persistence(
    values: Tensor,
    edge_index: Tensor | GraphBatch | None = None,
    batch: Tensor | None = None,
    *,
    faces: Tensor | None = None,
    simplices: Sequence[Tensor] | None = None,
    num_samples: int | None = None,
    essential_death: Essential = "inf",
    backend: str = "auto",
    validate: bool = True,
) -> GraphPersistence | ComplexPersistence:
    """Persistence diagrams (dims 0 and 1) of lower-star filtrations on a batch of graphs.

    With ``faces`` (or a complex with triangles) the complex is a 2-complex and
    the result is a :class:`~topograph.core.mesh_persistence.ComplexPersistence`
    with ``dim0``, ``dim1`` and ``dim2`` (see its docstring for the rows).

    Args:
        values: ``[N]`` or ``[N, k]`` vertex values, ``k`` filtrations at once
            (differentiable; gradients reach exactly the paired vertices).
        edge_index: ``[2, E]`` edges in any direction (duplicates and self-loops are
            dropped), or a prepared :class:`GraphBatch`; may be omitted with ``faces``.
        batch: ``[N]`` sorted graph id of every vertex (PyG style); ``None`` = one graph.
        faces: ``[3, F]`` triangles (their edges are added; duplicate and degenerate
            triangles are dropped): the diagrams of dimensions 0, 1 and 2.
        simplices: higher simplices are not supported here (a clear error).
        num_samples: number of graphs B (avoids reading it from ``batch``; keeps
            trailing empty graphs). Deprecated alias: ``num_graphs``.
        essential_death: death convention for essential classes: ``"inf"``, ``"max"``
            (the graph's largest value for that filtration, differentiable) or a float.
            Deprecated alias: ``essential``.
        backend: ``"auto"`` (numba on CPU, Triton for CUDA tensors), ``"numba"`` or
            ``"triton"`` (see :mod:`topograph.core.kernels`).
        validate: check inputs (finite values, index ranges, sorted batch).
            Deprecated alias: ``check``.

    Returns:
        :class:`GraphPersistence` with ``dim0`` (one row per vertex: birth ``f(v)``,
        death at the merging edge, essential for the oldest vertex of each
        component) and ``dim1`` (one row per cycle-closing edge, all essential).
    """
    check_float(values, "values")
    if values.dim() not in (1, 2):
        raise ValueError(f"values must have shape [N] or [N, k], got {list(values.shape)}")
    squeeze = values.dim() == 1
    vals = values.unsqueeze(1) if squeeze else values
    n = vals.shape[0]
    if n == 0:
        raise ValueError("empty batch: values has no vertices")
    if vals.shape[1] == 0:
        raise ValueError(f"values has shape {list(values.shape)}: no filtrations (k = 0)")
    check_essential(essential_death)
    if simplices is not None and len(simplices):
        raise ValueError("lower_star_persistence computes dimensions 0-2 of 2-complexes; "
                         "simplices of dimension >= 3 (e.g. tetrahedra) are not supported, "
                         "pass only edge_index and faces")
    if edge_index is None and faces is None:
        raise ValueError("lower_star_persistence needs edge_index [2, E] and/or faces [3, F]")
    if isinstance(edge_index, GraphBatch):
        cx = edge_index
        if cx.num_nodes != n:
            raise ValueError(f"values has {n} rows but the complex has {cx.num_nodes} vertices")
    else:
        if edge_index is None:
            edge_index = torch.zeros((2, 0), dtype=torch.long, device=values.device)
        check_tensor(edge_index, "edge_index")
        if faces is not None:
            check_tensor(faces, "faces")
        if batch is not None:
            check_tensor(batch, "batch")
        check_same_device(values=values, edge_index=edge_index, batch=batch, faces=faces)
        check_has_data(values=values)
        cx = GraphBatch.from_edge_index(edge_index, n, batch, faces=faces, num_samples=num_samples)
    check_same_device(values=values, edge_index=cx.edge_index)
    check_has_data(values=values)
    if validate:
        check_finite(vals, "values")
    if cx.faces is not None:  # a 2-complex: dimensions 0-2 (topograph.core.mesh_persistence)
        return complex_persistence(vals, cx, essential_death, validate, backend)
    dim0, dim1 = graph_diagrams(vals, cx, essential_death, backend, validate=validate)
    return GraphPersistence(dim0, dim1, cx)


def _gather_lengths(pts: Tensor | None, dist: Tensor, edges: Tensor) -> Tensor:
    """Differentiable lengths ``[B, m]`` of index pairs ``edges [B, m, 2]``.

    From coordinates when we have them (O(m d) backward), else from the given matrices.
    """
    if pts is not None:
        return edge_lengths(pts, edges)
    n = dist.shape[-1]
    return dist.reshape(dist.shape[0], n * n).gather(1, edges[..., 0] * n + edges[..., 1])


def _check_distance_matrix(d: Tensor) -> None:
    """Rips needs non-negative, symmetric matrices (up to rounding)."""
    if not d.numel():
        return
    scale = d.abs().amax()
    asym = (d - d.transpose(-1, -2)).abs().amax()
    neg, bad_sym = (d.amin() < 0), asym > 1e-5 * scale
    if bool(neg):
        raise ValueError("distances contain negative entries; a Rips filtration needs "
                         "non-negative distances")
    if bool(bad_sym):
        raise ValueError(f"distances are not symmetric (largest |d[i, j] - d[j, i]| = "
                         f"{float(asym):.3g}); pass a distance matrix")


@keyword_only(1, ("max_dim",))
@renamed_kwargs(essential="essential_death", check="validate")
def rips_persistence(
    points: Tensor | None,
    *,
    max_dim: int = 0,
    distances: Tensor | None = None,
    essential_death: Essential = "inf",
    backend: str = "auto",
    validate: bool = True,
) -> RipsPersistence:
    """Persistence of Vietoris-Rips filtrations of point clouds ``[n, d]`` or ``[B, n, d]``.

    Args:
        points: coordinates (differentiable); ignored if ``distances`` is given.
        max_dim: 0 (MST, batched, any device) or 1 (adds giotto-ph's dimension 1 on the
            CPU: host copy and a loop over samples).
        distances: precomputed ``[n, n]`` / ``[B, n, n]`` distance matrices (differentiable).
        essential_death: death convention for the one essential class of each sample
            (``"inf"``, ``"max"``: the sample's largest distance, or a float).
            Deprecated alias: ``essential``.
        backend: pairing backend for dimension 0 (``"auto"``, ``"numba"``, ``"triton"``,
            ``"torch"``; see :mod:`topograph.core.kernels`).
        validate: check inputs (finite values). Deprecated alias: ``check``.

    ``max_dim`` is keyword-only (passing it by position still works, with a
    ``DeprecationWarning``).

    Returns:
        :class:`RipsPersistence`. A single cloud is a batch of one sample. Values are
        gathered from ``points`` (only the paired coordinates take part in backward)
        or from ``distances``.
    """
    pts = None
    dist = None
    if distances is None:
        check_float(points, "points")
        if points.dim() not in (2, 3):
            raise ValueError(f"points must have shape [n, d] or [B, n, d], got {list(points.shape)}")
        if points.shape[-1] == 0:
            raise ValueError("points have dimension 0")
        check_has_data(points=points)
        if validate:
            check_finite(points, "points")
        pts = points.unsqueeze(0) if points.dim() == 2 else points
        B, n = pts.shape[0], pts.shape[1]
        # The full distance matrix is only needed for dimension 1, the "max" convention,
        # or the torch backend; numba and Triton run Prim on the coordinates.
        if max_dim >= 1 or resolve(backend, pts.device, extra=("torch",)) == "torch":
            with torch.no_grad():  # dimension 1 (giotto-ph, CPU-bound anyway) gets exact distances
                dist = pairwise_distances(pts.detach(), exact=True if max_dim >= 1 else None)
            if validate and not all_finite(dist):
                raise ValueError(f"pairwise distances overflow {points.dtype}: the coordinates are "
                                 "too large, rescale the points or use float64")
    else:
        check_float(distances, "distances")
        if distances.dim() not in (2, 3) or distances.shape[-1] != distances.shape[-2]:
            raise ValueError(f"distances must be [n, n] or [B, n, n], got {list(distances.shape)}")
        check_has_data(distances=distances)
        if validate:
            check_finite(distances, "distances")
            _check_distance_matrix(distances)
        dist = distances.unsqueeze(0) if distances.dim() == 2 else distances
        B, n = dist.shape[0], dist.shape[1]
    if max_dim not in (0, 1):
        raise ValueError(f"max_dim must be 0 or 1, got {max_dim}")
    check_essential(essential_death)
    if n == 0 or B == 0:
        raise ValueError("empty point cloud")
    device = (dist if dist is not None else pts).device
    if dist is not None:
        mst = rips_pairs(dist, backend=backend)  # [B, n-1, 2]
        far = None
    else:
        mst, far = rips_pairs_from_points(pts, backend=backend, return_farthest=True)
    # Row layout per sample: the n-1 MST edges, then the essential class.
    lengths = _gather_lengths(pts, dist, mst)
    if validate and pts is not None and not all_finite(lengths):
        raise ValueError(f"distances overflow {pts.dtype}: the coordinates are too large, "
                         "rescale the points or use float64")
    deaths = torch.cat([lengths, lengths.new_zeros(B, 1)], 1)
    death_idx = torch.cat([mst[..., 0] * n + mst[..., 1],
                           torch.full((B, 1), -1, dtype=torch.long, device=device)], 1)
    ess = death_idx < 0
    smax = None
    if essential_death == "max":
        if far is None:
            far = farthest_pair(dist)
        smax = _gather_lengths(pts, dist, far[:, None, :]).expand(B, n)
    check_essential_births(essential_death, deaths.new_zeros(()), ess.new_ones(()))  # births are 0
    deaths = apply_essential(deaths, ess, essential_death, smax)
    births = torch.zeros_like(deaths)
    batch = torch.arange(B, device=device).repeat_interleave(n)
    zero_idx = torch.zeros((B * n, 1), dtype=torch.long, device=device)
    dim0 = Diagram(0, births.reshape(-1, 1), deaths.reshape(-1, 1), ess.reshape(-1, 1), batch,
                   zero_idx, death_idx.reshape(-1, 1), B, essential_death)
    dim1 = None
    if max_dim >= 1:
        pairs = rips_dim1_pairs(dist)
        sizes = torch.tensor([p[0].shape[0] for p in pairs], device=device)
        m = int(sizes.max()) if B else 0
        # pad to [B, m, 2] so that values are gathered in one call, then drop the padding
        be = torch.zeros((B, m, 2), dtype=torch.long, device=device)
        de = torch.zeros((B, m, 2), dtype=torch.long, device=device)
        for s, (b_e, d_e) in enumerate(pairs):
            be[s, : len(b_e)] = b_e
            de[s, : len(d_e)] = d_e
        keep = torch.arange(m, device=device)[None, :] < sizes[:, None]
        b1 = _gather_lengths(pts, dist, be)[keep][:, None]
        d1 = _gather_lengths(pts, dist, de)[keep][:, None]
        # giotto-ph paired the rounded matrix (birth <= death there); lengths gathered from
        # the coordinates may differ from it by an ulp at a near-tie: never let a death
        # precede its birth (the pair then has zero persistence)
        d1 = torch.maximum(d1, b1)
        dim1 = Diagram(1, b1, d1, torch.zeros_like(b1, dtype=torch.bool),
                       torch.arange(B, device=device).repeat_interleave(sizes),
                       (be[..., 0] * n + be[..., 1])[keep][:, None],
                       (de[..., 0] * n + de[..., 1])[keep][:, None], B, essential_death)
    return RipsPersistence(dim0, dim1, dist, mst)
