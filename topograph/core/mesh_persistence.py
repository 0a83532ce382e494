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
                        validate: bool = True) -> ComplexPersistence:
    """Diagrams of dims 0-2 of ``vals [N, k]`` (checked) on the canonical complex ``cx``."""
    n, k = vals.shape
    faces = cx.faces if cx.faces is not None else cx.edge_index.new_zeros((3, 0))
    pr = pair_complexes(vals, cx.edge_index, faces, cx.batch, cx.num_samples)
    need_max = essential == "max"
    gmax = group_max(vals, cx.batch, cx.num_samples) if need_max else None

    def diagram(dim: int, bv: Tensor, dv: Tensor, rows: Tensor) -> Diagram:
        ess = dv < 0
        birth = vals.gather(0, bv) if bv.numel() else vals.new_zeros(bv.shape)
        death = vals.gather(0, dv.clamp_min(0)) if dv.numel() else vals.new_zeros(dv.shape)
        if validate:
            check_essential_births(essential, birth, ess)
        death = apply_essential(death, ess, essential, gmax.index_select(0, rows) if need_max else None)
        return Diagram(dim, birth, death, ess, rows, bv, dv, cx.num_samples, essential)

    ar = torch.arange(n, device=vals.device)[:, None].expand(n, k)
    dim0 = diagram(0, ar, pr.death_vertex, cx.batch)
    dim1 = diagram(1, pr.birth1, pr.death1, pr.batch1)
    dim2 = diagram(2, pr.birth2, torch.full_like(pr.birth2, -1), pr.batch2)
    return ComplexPersistence(dim0, dim1, dim2, cx)
