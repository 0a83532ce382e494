"""Sliced Wasserstein distance (Carriere, Cuturi & Oudot, ICML 2017), batched.

Matches ``gudhi.representations.SlicedWassersteinDistance(num_directions)`` exactly,
including its direction set: the angles ``linspace(-pi/2, pi/2, num_directions,
endpoint=False)`` **without the last one**, so ``num_directions - 1`` lines are used.
On each line, the points of ``a`` together with the diagonal projections of ``b``'s
points are compared, sorted, with ``b``'s points plus ``a``'s projections (an exact
1-D optimal transport); the L1 costs are averaged over the lines.
"""
from __future__ import annotations

import math

import torch
from torch import Tensor

from topograph.diagrams._inputs import (
    DiagramLike,
    EssentialMode,
    check_essential_mode,
    pair_up,
    to_padded,
)


def sliced_wasserstein(
    a: DiagramLike,
    b: DiagramLike,
    num_directions: int = 10,
    *,
    essential: EssentialMode = "drop",
    validate: bool = True,
) -> Tensor:
    """Sliced Wasserstein distance between paired diagrams, shaped like the batch.

    Args:
        a: diagrams (a Diagram, ``[m, 2]`` tensors or lists; a single ``[m, 2]``
            tensor is compared with every diagram of the other side).
        b: the other side, in any of the same forms.
        num_directions: gudhi's parameter (>= 2); ``num_directions - 1`` lines are used.
        essential: ``"drop"`` or a float cap for essential deaths.
        validate: check the inputs.
    """
    check_essential_mode(essential, ("drop", "as_is"))
    if isinstance(num_directions, bool) or not isinstance(num_directions, int) or num_directions < 2:
        raise ValueError(f"num_directions must be an int >= 2 (gudhi uses num_directions - 1 "
                         f"lines), got {num_directions!r}")
    pa = to_padded(a, essential=essential, validate=validate, name="a")
    pb = to_padded(b, essential=essential, validate=validate, name="b")
    pa, pb, shape = pair_up(pa, pb)
    like = pa.points
    theta = torch.linspace(-math.pi / 2, math.pi / 2, num_directions + 1, dtype=torch.float64)
    theta = theta[:num_directions - 1].to(like.device, like.dtype)
    lines = torch.stack([torch.cos(theta), torch.sin(theta)])  # [2, L]

    def proj(p):
        on = p.points @ lines  # [B, M, L]
        mid = p.points.sum(-1, keepdim=True) / 2
        diag = (mid * lines.sum(0)).expand_as(on)
        return on, diag

    a_on, a_diag = proj(pa)
    b_on, b_diag = proj(pb)
    big = torch.finfo(like.dtype).max
    fill = lambda x, m: torch.where(m[..., None], x, torch.full_like(x, big))  # noqa: E731
    A = torch.cat([fill(a_on, pa.mask), fill(b_diag, pb.mask)], 1).sort(1).values
    B = torch.cat([fill(b_on, pb.mask), fill(a_diag, pa.mask)], 1).sort(1).values
    n = (pa.mask.sum(1) + pb.mask.sum(1))[:, None, None]
    valid = torch.arange(A.shape[1], device=A.device)[None, :, None] < n
    diff = torch.where(valid, A - torch.where(valid, B, A), torch.zeros_like(A)).abs()
    return diff.sum(1).mean(-1).reshape(shape)
