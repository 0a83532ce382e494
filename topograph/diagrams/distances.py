"""Wasserstein and bottleneck distances between batches of persistence diagrams.

Conventions (those of gudhi, checked against it in the tests):

* ground metric: the ``internal_p``-norm on the plane; the distance of (b, d) to the
  diagonal is ``(d - b) * 2^(1/q - 1)`` (q = ``internal_p``; q = inf gives (d - b) / 2);
* ``W_p = (min over matchings of sum of cost^p)^(1/p)``; ``order=inf`` is the
  bottleneck distance (the largest cost of the best matching);
* essential points (death +inf) with ``essential="match"`` (the default, gudhi's
  ``keep_essential_parts=True``) are matched among themselves by birth (sorted order,
  the optimal 1-D matching) and the distance is +inf when their counts differ;
  ``"drop"`` ignores them; a float caps their death, after which they are ordinary points.

Differentiability: the matching is computed without gradient (integer indices, a
numba kernel on the host); the distance is then gathered from the input tensors, so
gradients reach exactly the matched points (and their diagonal projections).
"""
from __future__ import annotations

import math

import torch
from torch import Tensor

from topograph.diagrams._inputs import (
    DiagramLike,
    EssentialMode,
    Padded,
    check_essential_mode,
    pair_up,
    to_padded,
)
from topograph.diagrams._matching import bottleneck_matching, ready, wasserstein_matching

_MODES = ("match", "drop", "as_is")


def _check_exponent(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number >= 1 or math.inf, got {type(value).__name__}")
    if value != value or value < 1:
        raise ValueError(f"{name} must be >= 1 (or math.inf), got {value}")
    return float(value)


def _safe_pow(x: Tensor, e: float) -> Tensor:
    """``x ** e`` for ``x >= 0`` with a zero (not NaN) gradient at ``x == 0``."""
    if e == 1.0:
        return x
    pos = x > 0
    return torch.where(pos, torch.where(pos, x, torch.ones_like(x)) ** e, torch.zeros_like(x))


def _norm(dx: Tensor, dy: Tensor, q: float) -> Tensor:
    dx, dy = dx.abs(), dy.abs()
    if q == math.inf:
        return torch.maximum(dx, dy)
    if q == 1.0:
        return dx + dy
    return _safe_pow(_safe_pow(dx, q) + _safe_pow(dy, q), 1.0 / q)


def _diag(pts: Tensor, q: float) -> Tensor:
    return (pts[..., 1] - pts[..., 0]) * (0.5 if q == math.inf else 2.0 ** (1.0 / q - 1.0))


def _at_least_one_row(p: Padded) -> Padded:
    """Pads to one (masked) row so that gathers of index 0 are valid on empty batches."""
    if p.points.shape[1]:
        return p
    pts = torch.cat([p.points, p.points.new_zeros(p.size, 1, 2)], 1)  # keeps the autograd link
    return Padded(pts, torch.zeros(p.size, 1, dtype=torch.bool, device=pts.device), p.ess,
                  p.ess_mask, p.shape)


def _host(p: Padded) -> tuple:
    ready()  # numba's threading layer and kernel cache before the first kernel call
    pts = p.points.detach().to("cpu", torch.float64).contiguous().numpy()
    n = p.mask.sum(1).to("cpu").numpy()
    return pts, n


def _essential_costs(a: Padded, b: Padded) -> tuple[Tensor, Tensor]:
    """Per pair: ``[B, E]`` |sorted birth differences| of the essential parts, and a
    ``[B]`` bool, True where the counts differ (distance +inf)."""
    na, nb = a.ess_mask.sum(1), b.ess_mask.sum(1)
    E = max(a.ess.shape[1], b.ess.shape[1])
    if E == 0:
        z = a.points.new_zeros(a.size, 0)
        return z, torch.zeros(a.size, dtype=torch.bool, device=z.device)

    def sorted_births(p: Padded) -> Tensor:
        big = torch.full_like(p.ess, float("inf"))
        x = torch.where(p.ess_mask, p.ess, big)
        x = torch.nn.functional.pad(x, (0, E - x.shape[1]), value=float("inf"))
        order = torch.argsort(x.detach(), dim=1)
        return x.gather(1, order)

    sa, sb = sorted_births(a), sorted_births(b)
    valid = torch.arange(E, device=sa.device) < torch.minimum(na, nb)[:, None]
    diff = torch.where(valid, sa - torch.where(valid, sb, sa), torch.zeros_like(sa)).abs()
    return diff, na != nb


def _prepare(a: DiagramLike, b: DiagramLike, essential: EssentialMode, validate: bool):
    check_essential_mode(essential, _MODES)
    pa = to_padded(a, essential=essential, validate=validate, name="a")
    pb = to_padded(b, essential=essential, validate=validate, name="b")
    return pair_up(pa, pb)


def wasserstein_distance(
    a: DiagramLike,
    b: DiagramLike,
    *,
    order: float = 1.0,
    internal_p: float = math.inf,
    essential: EssentialMode = "match",
    validate: bool = True,
) -> Tensor:
    """Wasserstein distance ``W_order`` between diagrams, batched and differentiable.

    Equal to ``gudhi.wasserstein.wasserstein_distance(X, Y, order=order,
    internal_p=internal_p, keep_essential_parts=True)`` (the defaults ``order=1``,
    ``internal_p=inf`` are gudhi's too); ``order=math.inf`` gives the bottleneck distance
    with the ``internal_p`` ground metric (see :func:`bottleneck_distance`).

    Args:
        a: diagrams: a :class:`~topograph.core.diagram.Diagram`, a ``[m, 2]``
            (birth, death) tensor, or a list of them. Batches pair up element by
            element; a single ``[m, 2]`` tensor is compared with every diagram of the other.
        b: the other side, in any of the same forms.
        order: the exponent p >= 1 of the Wasserstein distance, or ``math.inf``.
        internal_p: the ground metric q >= 1 on the plane (``math.inf``: max-norm).
        essential: ``"match"`` (essential points matched among themselves by birth;
            +inf when their counts differ), ``"drop"`` or a float cap for their deaths.
        validate: check the inputs (finite births, no NaN, death >= birth).

    Returns:
        the distances, shaped like the input batch: ``[]`` for two ``[m, 2]`` tensors,
        ``[B]`` for lists, ``[num_samples, k]`` for Diagrams. Gradients flow to the
        matched points.
    """
    p = _check_exponent(order, "order")
    q = _check_exponent(internal_p, "internal_p")
    pa, pb, shape = _prepare(a, b, essential, validate)
    pa, pb = _at_least_one_row(pa), _at_least_one_row(pb)
    if p == math.inf:
        return _bottleneck(pa, pb, q).reshape(shape)
    A, na = _host(pa)
    B, nb = _host(pb)
    match = torch.from_numpy(wasserstein_matching(A, na, B, nb, p, q)).to(pa.points.device)
    # Matched pairs.
    hit = match >= 0
    y = pb.points.gather(1, match.clamp_min(0)[..., None].expand(-1, -1, 2))
    pair_cost = _safe_pow(_norm(pa.points[..., 0] - y[..., 0], pa.points[..., 1] - y[..., 1], q), p)
    # Unmatched points go to the diagonal.
    da = _safe_pow(_diag(pa.points, q).clamp_min(0), p)
    db = _safe_pow(_diag(pb.points, q).clamp_min(0), p)
    b_hit = torch.zeros(pb.mask.shape, dtype=torch.long, device=match.device)
    b_hit = b_hit.scatter_add_(1, match.clamp_min(0), hit.long()) > 0
    zero = torch.zeros_like(pair_cost)
    total = (torch.where(pa.mask & hit, pair_cost, zero).sum(1)
             + torch.where(pa.mask & ~hit, da, zero).sum(1)
             + torch.where(pb.mask & ~b_hit, db, torch.zeros_like(db)).sum(1))
    ess, inf = _essential_costs(pa, pb)
    total = total + _safe_pow(ess, p).sum(1)
    dist = _safe_pow(total, 1.0 / p)
    dist = torch.where(inf, torch.full_like(dist, math.inf), dist)
    return dist.reshape(shape)


def _bottleneck(pa: Padded, pb: Padded, q: float) -> Tensor:
    A, na = _host(pa)
    B, nb = _host(pb)
    crit = torch.from_numpy(bottleneck_matching(A, na, B, nb, q)).to(pa.points.device)
    kind, i, j = crit[:, 0], crit[:, 1], crit[:, 2]
    ar = torch.arange(pa.size, device=crit.device)
    pa, pb = _at_least_one_row(pa), _at_least_one_row(pb)
    x, y = pa.points[ar, i], pb.points[ar, j]
    pair = _norm(x[:, 0] - y[:, 0], x[:, 1] - y[:, 1], q)
    value = torch.where(kind == 0, pair, torch.where(kind == 1, _diag(x, q), _diag(y, q)))
    value = torch.where(kind < 0, torch.zeros_like(value), value)
    ess, inf = _essential_costs(pa, pb)
    if ess.shape[1]:
        value = torch.maximum(value, ess.amax(1))
    return torch.where(inf, torch.full_like(value, math.inf), value)


def bottleneck_distance(
    a: DiagramLike,
    b: DiagramLike,
    *,
    internal_p: float = math.inf,
    essential: EssentialMode = "match",
    validate: bool = True,
) -> Tensor:
    """Bottleneck distance between diagrams, exact, batched and differentiable.

    Equal to ``gudhi.bottleneck_distance(X, Y, e=0)`` (which uses the max-norm,
    ``internal_p=inf``). The value is one pair cost or one distance to the diagonal:
    the gradient reaches that pair's points only. Arguments and output shape as in
    :func:`wasserstein_distance`.
    """
    q = _check_exponent(internal_p, "internal_p")
    pa, pb, shape = _prepare(a, b, essential, validate)
    return _bottleneck(pa, pb, q).reshape(shape)
