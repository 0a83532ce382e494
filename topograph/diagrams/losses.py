"""Topological losses on diagrams, as ``torch.nn.Module`` s (re-exported by ``topograph.nn``).

Both take the diagrams produced by ``rips_persistence``, ``lower_star_persistence``
(graphs and meshes) or any ``[m, 2]`` tensors, so they work on point clouds,
vertex functions and TopoAE latents alike: the gradient reaches the coordinates
or values the paired points were gathered from.
"""
from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import Tensor, nn

from topograph.diagrams._inputs import DiagramLike, check_essential_mode, to_padded
from topograph.diagrams.distances import _check_exponent, wasserstein_distance


def _reduce(x: Tensor, reduction: str) -> Tensor:
    return x.mean() if reduction == "mean" else x.sum() if reduction == "sum" else x


def _check_reduction(reduction: str) -> None:
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


class DiagramMatchingLoss(nn.Module):
    r"""Wasserstein distance to a target diagram (or a batch of targets), to the power p.

    ``loss = reduce(W_p(diagram, target)^p)`` with the ``internal_p`` ground metric
    (:func:`~topograph.diagrams.wasserstein_distance`; the p-th power has no root, so
    its gradient is well behaved at zero). ``order=math.inf`` uses the bottleneck
    distance itself. The target is given at construction (fixed, stored as a buffer
    when it is one ``[m, 2]`` tensor) or per call.

    Args:
        target: an optional fixed ``[m, 2]`` target diagram.
        order: p >= 1, or ``math.inf``.
        internal_p: ground metric q >= 1.
        essential: ``"match"``, ``"drop"`` (default: a loss usually ignores the one
            essential class of a connected cloud) or a float cap.
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"`` over the batch.
    """

    def __init__(self, target: Tensor | None = None, *, order: float = 2.0,
                 internal_p: float = 2.0, essential: str | float = "drop",
                 reduction: str = "mean") -> None:
        super().__init__()
        self.order = _check_exponent(order, "order")
        self.internal_p = _check_exponent(internal_p, "internal_p")
        check_essential_mode(essential, ("match", "drop"))
        _check_reduction(reduction)
        self.essential, self.reduction = essential, reduction
        if target is not None and not isinstance(target, Tensor):
            raise TypeError("target must be a [m, 2] tensor; pass batches to forward()")
        self.register_buffer("target", None if target is None else target.detach().clone())

    def forward(self, diagram: DiagramLike, target: DiagramLike | None = None) -> Tensor:
        tgt = self.target if target is None else target
        if tgt is None:
            raise ValueError("no target: pass one to the constructor or to forward()")
        d = wasserstein_distance(diagram, tgt, order=self.order, internal_p=self.internal_p,
                                 essential=self.essential)
        if self.order != math.inf:
            d = torch.where(d > 0, d.clamp_min(1e-30) ** self.order, torch.zeros_like(d))
        return _reduce(d, self.reduction)

    def extra_repr(self) -> str:
        return f"order={self.order}, internal_p={self.internal_p}, essential={self.essential!r}"


class PersistenceShapingLoss(nn.Module):
    r"""Push the ``keep`` most persistent points of each diagram up and the rest down.

    Per diagram, with persistences sorted ``p_1 >= p_2 >= ...``:
    ``loss = sum_{i > keep} p_i^order - sum_{i <= keep} p_i^order`` (``target=None``), or
    ``sum_{i > keep} p_i^order + sum_{i <= keep} (p_i - target)^2`` with a target
    persistence (bounded: the top features settle at ``target``).
    Several dimensions at once: pass one diagram per dimension to ``forward`` and one
    ``keep`` per dimension (e.g. ``keep=(1, 1)``: one component, one loop). Essential
    points are dropped. The loss is reduced over the batch.
    """

    def __init__(self, keep: int | Sequence[int] = 1, *, order: float = 1.0,
                 target: float | None = None, reduction: str = "mean") -> None:
        super().__init__()
        keeps = (keep,) if isinstance(keep, int) else tuple(keep)
        if not keeps or any(isinstance(k, bool) or not isinstance(k, int) or k < 0 for k in keeps):
            raise ValueError(f"keep must be a non-negative int or a sequence of them, got {keep!r}")
        if isinstance(order, bool) or not isinstance(order, (int, float)) or not order > 0:
            raise ValueError(f"order must be a positive float, got {order!r}")
        _check_reduction(reduction)
        self.keep, self.order, self.target, self.reduction = keeps, float(order), target, reduction

    def _one(self, diagram: DiagramLike, keep: int) -> Tensor:
        pad = to_padded(diagram, essential="drop", name="diagram")
        pers = (pad.points[..., 1] - pad.points[..., 0]).clamp_min(0)
        pers = torch.where(pad.mask, pers, torch.zeros_like(pers))
        pers = pers.sort(dim=1, descending=True).values
        rank = torch.arange(pers.shape[1], device=pers.device)
        powd = torch.where(pers > 0, pers.clamp_min(1e-30) ** self.order, torch.zeros_like(pers))
        top = rank < keep
        rest = torch.where(top, torch.zeros_like(powd), powd).sum(1)
        if self.target is None:
            up = -torch.where(top, powd, torch.zeros_like(powd)).sum(1)
        else:
            up = torch.where(top, (pers - self.target) ** 2, torch.zeros_like(pers)).sum(1)
            short = (keep - pad.mask.sum(1)).clamp_min(0)  # missing features: full penalty
            up = up + short.to(pers.dtype) * self.target ** 2
        return (rest + up).reshape(pad.shape)

    def forward(self, *diagrams: DiagramLike) -> Tensor:
        if len(diagrams) != len(self.keep):
            raise ValueError(f"got {len(diagrams)} diagrams but keep has {len(self.keep)} "
                             f"entries ({self.keep}); pass one diagram per dimension")
        loss = sum(self._one(d, k) for d, k in zip(diagrams, self.keep))
        return _reduce(loss, self.reduction)

    def extra_repr(self) -> str:
        return f"keep={self.keep}, order={self.order}, target={self.target}"
