"""Lower-star persistence of batched 2-complexes (meshes): diagrams in dimensions 0, 1, 2.

The pairing (:mod:`topograph.core.pairing.mesh`) gives, for every row, the vertex
whose value is the birth and the one whose value is the death (the last vertex
of the simplex that creates / destroys the class: "gradient to the arg-max
vertex"). The values are gathered here from the differentiable ``values``.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from topograph.core.complex import GraphBatch
from topograph.core._graph_diagrams import group_max
from topograph.core.diagram import Diagram, Essential, apply_essential, check_essential_births
from topograph.core.pairing.mesh import pair_complexes


@dataclass
class ComplexPersistence:
    """Diagrams of ``k`` lower-star filtrations of a batch of 2-complexes.

    Rows are grouped by sample and aligned across filtrations (their number does
    not depend on the filtration):

    * ``dim0``: one row per vertex (the class born there; essential for the
      oldest vertex of each connected component);
    * ``dim1``: one row per positive edge (an edge closing a cycle when it enters),
      in the order the edges enter: finite pairs (edge, triangle) and the
      essential 1-classes;
    * ``dim2``: one row per positive triangle, all essential (a 2-complex has no
      tetrahedra to kill them).

    Zero-length pairs (birth = death) are kept, as for graphs; gudhi drops them.
    """

    dim0: Diagram
    dim1: Diagram
    dim2: Diagram
    complex: GraphBatch

    def __getitem__(self, dim: int) -> Diagram:
        return self.diagram(dim)

    def diagram(self, dim: int) -> Diagram:
        if dim in (0, 1, 2):
            return (self.dim0, self.dim1, self.dim2)[dim]
        raise ValueError(f"2-complexes have persistence in dimensions 0, 1 and 2, not {dim}")

    def as_list(self, dim: int, filtration: int = 0) -> list[Tensor]:
        """Per sample, ``[m, 2]`` (birth, death) with death = +inf for essential classes."""
        return self.diagram(dim).as_list(filtration)


def complex_persistence(vals: Tensor, cx: GraphBatch, essential: Essential,
                        validate: bool = True, backend: str = "auto") -> ComplexPersistence:
    """Diagrams of dims 0-2 of ``vals [N, k]`` (checked) on the canonical complex ``cx``
    (``backend``: the pairing kernels, see :func:`topograph.core.kernels.resolve`)."""
    n, k = vals.shape
    faces = cx.faces if cx.faces is not None else cx.edge_index.new_zeros((3, 0))
    pr = pair_complexes(vals, cx.edge_index, faces, cx.batch, cx.num_samples, backend)
    need_max = essential == "max"
    gmax = group_max(vals, cx.batch, cx.num_samples) if need_max else None

    def fill(rows: Tensor) -> Tensor | None:
        # index_select, not gmax[...]: deterministic backward (index_add) on the CPU
        return gmax.index_select(0, rows) if need_max else None

    def diagram(dim: int, birth: Tensor, bv: Tensor, dv: Tensor, ess: Tensor, rows: Tensor,
                death: Tensor) -> Diagram:
        if validate:
            check_essential_births(essential, birth, ess)
        death = apply_essential(death, ess, essential, fill(rows))
        return Diagram(dim, birth, death, ess, rows, bv, dv, cx.num_samples, essential)

    def gather(idx: Tensor) -> Tensor:
        return vals.gather(0, idx) if idx.numel() else vals.new_zeros(idx.shape)

    # dimension 0: the birth of a vertex's class is its own value (no gather)
    ar = torch.arange(n, device=vals.device)[:, None].expand(n, k)
    dv0 = pr.death_vertex
    dim0 = diagram(0, vals, ar, dv0, dv0 < 0, cx.batch, gather(dv0.clamp_min(0)))
    birth1 = gather(pr.birth1)
    dim1 = diagram(1, birth1, pr.birth1, pr.death1, pr.death1 < 0, pr.batch1,
                   gather(pr.death1.clamp_min(0)))
    # dimension 2: every row essential; its death is the essential convention's value
    birth2 = gather(pr.birth2)
    ess2 = torch.ones_like(pr.birth2, dtype=torch.bool)
    dim2 = diagram(2, birth2, pr.birth2, torch.full_like(pr.birth2, -1), ess2, pr.batch2, birth2)
    return ComplexPersistence(dim0, dim1, dim2, cx)
