"""The persistent homology transform (Turner, Mukherjee & Boyer 2014).

For a shape with vertex coordinates ``x`` and a set of directions ``v_1..v_T``,
the PHT is the family of lower-star persistence diagrams of the height functions
``h_j(p) = <x_p, v_j>``, one per direction. It is the persistence analogue of the
Euler characteristic transform (:func:`topograph.ect.ect`), which counts the same
sublevel sets instead of pairing their simplices. All directions are computed at
once as ``T`` filtrations of one call to :func:`~topograph.core.lower_star_persistence`.
Birth and death values are gathered from ``x @ directions.T``, so gradients reach
both the coordinates and the directions.
"""
from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor

from topograph.core.complex import GraphBatch
from topograph.core.diagram import Essential
from topograph.core.mesh_persistence import ComplexPersistence
from topograph.core.persistence import lower_star_persistence
from topograph.core.validation import check_finite, check_float


def pht(
    x: Tensor,
    directions: Tensor,
    *,
    edge_index: Tensor | None = None,
    faces: Tensor | None = None,
    simplices: Sequence[Tensor] | None = None,
    batch: Tensor | None = None,
    num_samples: int | None = None,
    complex: GraphBatch | None = None,
    essential_death: Essential = "inf",
    backend: str = "auto",
    validate: bool = True,
) -> ComplexPersistence:
    """Persistence diagrams (dims 0-2) of the height filtrations of every direction.

    Args:
        x: ``[N, d]`` vertex coordinates (all samples stacked; differentiable).
        directions: ``[T, d]`` directions, one per row (differentiable; used as
            given, unit rows are usual).
        edge_index: optional ``[2, E]`` edges (any orientation; cleaned).
        faces: optional ``[3, F]`` triangles (their edges are added; cleaned).
        simplices: higher simplices are not supported by the pairing (clear error).
        batch: optional ``[N]`` sorted PyG-style sample id of each vertex.
        num_samples: number of samples (avoids reading it from ``batch``).
        complex: a prepared :class:`~topograph.core.complex.GraphBatch` instead of
            the keyword tensors.
        essential_death: death of essential classes: ``"inf"``, ``"max"`` or a float.
        backend: pairing kernels: ``"auto"`` (numba on the CPU, Triton for CUDA
            tensors), ``"numba"`` or ``"triton"`` (see :mod:`topograph.core.kernels`).
        validate: check the inputs (finite values, index ranges, one sample per simplex).

    Returns:
        :class:`~topograph.core.mesh_persistence.ComplexPersistence` whose
        filtration axis is the direction: ``res.as_list(dim, filtration=j)`` are
        the diagrams of direction ``j``, per sample.
    """
    check_float(x, "x")
    check_float(directions, "directions")
    if x.dim() != 2:
        raise ValueError(f"x must have shape [N, d], got {list(x.shape)}")
    if directions.dim() != 2 or directions.shape[0] < 1 or directions.shape[1] != x.shape[1]:
        raise ValueError(f"directions must have shape [T, d] with T >= 1 and d = {x.shape[1]} "
                         f"(the coordinates' dimension), got {list(directions.shape)}")
    if validate:
        check_finite(x, "x")
        check_finite(directions, "directions")
    heights = x @ directions.T.to(x.dtype)  # [N, T]
    if validate:
        check_finite(heights, "heights x @ directions.T (rescale x or use float64)")
    if complex is not None:
        if edge_index is not None or faces is not None or batch is not None:
            raise ValueError("pass either complex= or the keyword tensors (edge_index, faces, "
                             "batch), not both")
        if complex.faces is None:
            complex = GraphBatch(complex.batch, complex.edge_index, complex.num_samples,
                                 complex.edge_index.new_zeros((3, 0)))
        return lower_star_persistence(heights, complex, essential_death=essential_death, backend=backend,
                                      validate=validate)
    if faces is None:  # always a 2-complex result (dims 0-2), also for graphs and clouds
        faces = torch.zeros((3, 0), dtype=torch.long, device=x.device)
    return lower_star_persistence(heights, edge_index, batch, faces=faces, simplices=simplices,
                                  num_samples=num_samples, essential_death=essential_death,
                                  backend=backend, validate=validate)
