"""Quality measures of a low-dimensional embedding (as reported by Moor et al., 2020).

All measures compare the data ``X [n, D]`` with its embedding ``Z [n, m]``:

* ``kl_<sigma>``: KL divergence between the density estimates of both spaces,
  ``f(x_i) ~ sum_j exp(-(d(i, j) / max d)^2 / sigma)`` normalised to sum 1 (self
  term included), ``KL(f^X || f^Z)``, for sigma in {0.01, 0.1, 1};
* ``trustworthiness`` / ``continuity`` (rank based; Venna & Kaski) and
  ``mrre_zx`` / ``mrre_xz`` (mean relative rank errors; Lee & Verleysen): each
  averaged over k = 10, 20, ..., 200 (only k < n / 2 are used);
* ``rmse``: root mean square difference of the two distance matrices (raw
  distances, all ordered pairs i != j);
* ``recon_mse``: mean squared reconstruction error when ``X_hat`` is given.

Ranks are 1-based (the nearest other point has rank 1; ties by index). Rank
matrices are built in row chunks, so memory is ``O(chunk * n)``: 10,000 points
fit easily.

Inputs and limits (every function): ``X`` ``[n, D]`` and ``Z`` ``[n, m]`` (or
``[n, ...]``, flattened per point), torch tensors or numpy arrays, finite, same
``n >= 3``; computed in float64 on the CPU, no gradient. The rank measures only
use ``k < n / 2``: with the default ``ks = (10, 20, ..., 200)`` they need
**n > 20** points (all of ``ks`` from n > 400); pass smaller ``ks`` for small
sets, e.g. ``ks=(2, 5)``. Public import path: ``from topograph.topoae import
quality_measures`` (also ``kl_divergences``, ``rank_measures``,
``trustworthiness``, ``continuity``, ``distance_rmse``, ``reconstruction_mse``).
"""
from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np
import torch
from torch import Tensor

DEFAULT_KS: tuple[int, ...] = tuple(range(10, 201, 10))
DEFAULT_SIGMAS: tuple[float, ...] = (0.01, 0.1, 1.0)


def _as_tensor(a) -> Tensor:
    t = torch.as_tensor(np.asarray(a) if not isinstance(a, Tensor) else a.detach().cpu())
    t = t.to(torch.float64)
    return t.reshape(len(t), -1)


def _centred(A: Tensor) -> Tensor:
    """``A`` minus its mean row: distances are unchanged, but the matrix-product form
    of :func:`_dist_rows` no longer cancels when the data lie far from the origin."""
    return A - A.mean(0, keepdim=True)


def _check(X: Tensor, Z: Tensor) -> None:
    if len(X) != len(Z):
        raise ValueError(f"X and Z must have the same number of points, got {len(X)} and {len(Z)}")
    if len(X) < 3:
        raise ValueError("need at least 3 points")
    if not (torch.isfinite(X).all() and torch.isfinite(Z).all()):
        raise ValueError("X or Z contains NaN or inf")


def _chunks(n: int, chunk: int) -> Iterable[slice]:
    for s in range(0, n, chunk):
        yield slice(s, min(s + chunk, n))


def _dist_rows(A: Tensor, rows: slice) -> Tensor:
    """Euclidean distances ``[len(rows), n]`` of ``A[rows]`` to all of ``A`` (float64, matrix
    product formula like scikit-learn's ``euclidean_distances``; callers centre ``A``)."""
    return torch.cdist(A[rows], A)


def _max_distance(A: Tensor, chunk: int) -> float:
    return max(float(_dist_rows(A, r).max()) for r in _chunks(len(A), chunk))


def kl_divergences(X, Z, sigmas: Sequence[float] = DEFAULT_SIGMAS, chunk: int = 512) -> dict[str, float]:
    """``KL(f^X || f^Z)`` for each sigma; keys ``kl_<sigma>`` (e.g. ``kl_0.01``)."""
    X, Z = _as_tensor(X), _as_tensor(Z)
    _check(X, Z)
    X, Z = _centred(X), _centred(Z)
    mx, mz = _max_distance(X, chunk), _max_distance(Z, chunk)
    mx, mz = (mx if mx > 0 else 1.0), (mz if mz > 0 else 1.0)
    fx = torch.zeros(len(sigmas), len(X), dtype=torch.float64)
    fz = torch.zeros_like(fx)
    for r in _chunks(len(X), chunk):
        dx = (_dist_rows(X, r) / mx).pow(2)
        dz = (_dist_rows(Z, r) / mz).pow(2)
        for i, s in enumerate(sigmas):  # one [chunk, n] buffer at a time
            fx[i, r] = torch.exp(dx / -s).sum(-1)
            fz[i, r] = torch.exp(dz / -s).sum(-1)
    fx = fx / fx.sum(1, keepdim=True)
    fz = fz / fz.sum(1, keepdim=True)
    kl = (fx * (fx.log() - fz.log())).sum(1)
    return {f"kl_{s:g}": float(v) for s, v in zip(sigmas, kl)}


def distance_rmse(X, Z, chunk: int = 512) -> float:
    """Root mean square difference of the (raw) distance matrices over pairs i != j."""
    X, Z = _as_tensor(X), _as_tensor(Z)
    _check(X, Z)
    X, Z = _centred(X), _centred(Z)
    total = 0.0
    for r in _chunks(len(X), chunk):
        total += float((_dist_rows(X, r) - _dist_rows(Z, r)).pow(2).sum())
    n = len(X)
    return (total / (n * (n - 1))) ** 0.5


def _ranks(D: Tensor, rows: slice) -> tuple[Tensor, Tensor]:
    """Neighbour order and 1-based ranks ``[len(rows), n]`` from distance rows (self last)."""
    D = D.clone()
    idx = torch.arange(rows.start, rows.stop)
    D[torch.arange(len(idx)), idx] = float("inf")
    order = torch.sort(D, dim=1, stable=True).indices
    ranks = torch.empty_like(order)
    ar = torch.arange(1, D.shape[1] + 1).expand_as(order)
    ranks.scatter_(1, order, ar)
    return order, ranks


def rank_measures(X, Z, ks: Sequence[int] = DEFAULT_KS, chunk: int = 256) -> dict[str, Tensor]:
    """Per-k trustworthiness, continuity, MRRE_ZX and MRRE_XZ (tensors of shape ``[len(ks)]``).

    Only k with ``k < n / 2`` are kept (``ks`` of the result). Work and memory are
    ``O(chunk * n)`` per step.
    """
    X, Z = _as_tensor(X), _as_tensor(Z)
    _check(X, Z)
    X, Z = _centred(X), _centred(Z)
    n = len(X)
    ks_t = torch.tensor([k for k in ks if 0 < k < n / 2], dtype=torch.long)
    if len(ks_t) == 0:
        smallest = min((k for k in ks if k > 0), default=None)
        need = f"more than {2 * smallest} points" if smallest else "a positive k"
        raise ValueError(
            f"the rank measures need k < n/2 for some k in ks={tuple(ks)}, i.e. {need}; "
            f"got n={n} points. Evaluate on more points or pass smaller ks=, e.g. "
            f"ks={tuple(k for k in (1, 2, 5) if k < n / 2) or (1,)}")
    kmax = int(ks_t.max())
    K = ks_t.view(1, 1, -1).double()
    l_pos = torch.arange(1, kmax + 1, dtype=torch.float64).view(1, -1, 1)  # neighbour position l
    within = (l_pos <= K).double()  # [1, kmax, len(ks)]
    sums = torch.zeros(4, len(ks_t), dtype=torch.float64)
    for r in _chunks(n, chunk):
        order_x, rx = _ranks(_dist_rows(X, r), r)
        order_z, rz = _ranks(_dist_rows(Z, r), r)
        nn_x, nn_z = order_x[:, :kmax], order_z[:, :kmax]  # neighbours in order: rank = position
        rx_at_z = rx.gather(1, nn_z).double().unsqueeze(-1)  # [c, kmax, 1] X-rank of l-th Z-neighbour
        rz_at_x = rz.gather(1, nn_x).double().unsqueeze(-1)
        sums[0] += (torch.relu(rx_at_z - K) * within).sum((0, 1))  # trustworthiness penalty
        sums[1] += (torch.relu(rz_at_x - K) * within).sum((0, 1))  # continuity penalty
        sums[2] += ((rx_at_z - l_pos).abs() / l_pos * within).sum((0, 1))  # MRRE_ZX
        sums[3] += ((rz_at_x - l_pos).abs() / l_pos * within).sum((0, 1))  # MRRE_XZ
    kf = ks_t.double()
    norm_tc = 2.0 / (n * kf * (2 * n - 3 * kf - 1))
    lsum = torch.arange(1, kmax + 1, dtype=torch.float64)
    h = torch.stack([(torch.abs(n - 2 * lsum[:k]) / lsum[:k]).sum() for k in ks_t.tolist()])
    return {
        "ks": ks_t,
        "trustworthiness": 1 - norm_tc * sums[0],
        "continuity": 1 - norm_tc * sums[1],
        "mrre_zx": sums[2] / (n * h),
        "mrre_xz": sums[3] / (n * h),
    }


def trustworthiness(X, Z, k: int) -> float:
    """Trustworthiness at one ``k`` (matches ``sklearn.manifold.trustworthiness``)."""
    return float(rank_measures(X, Z, ks=(k,))["trustworthiness"][0])


def continuity(X, Z, k: int) -> float:
    """Continuity at one ``k`` (trustworthiness with the roles of X and Z swapped)."""
    return float(rank_measures(X, Z, ks=(k,))["continuity"][0])


def reconstruction_mse(X, X_hat) -> float:
    """Mean squared error between data and reconstruction."""
    X, X_hat = _as_tensor(X), _as_tensor(X_hat)
    if X.shape != X_hat.shape:
        raise ValueError(f"X and X_hat differ in shape: {tuple(X.shape)} vs {tuple(X_hat.shape)}")
    return float((X - X_hat).pow(2).mean())


def quality_measures(X: Tensor | np.ndarray, Z: Tensor | np.ndarray,
                     X_hat: Tensor | np.ndarray | None = None, ks: Sequence[int] = DEFAULT_KS,
                     sigmas: Sequence[float] = DEFAULT_SIGMAS) -> dict[str, float]:
    """Every measure in one dict (rank measures averaged over the usable ``ks``).

    Args:
        X: ``[n, D]`` data (tensor or array; extra dims are flattened per point).
        Z: ``[n, m]`` embedding of the same ``n`` points.
        X_hat: optional ``[n, D]`` reconstruction; adds ``recon_mse``.
        ks: neighbourhood sizes of the rank measures; only ``k < n / 2`` are
            used, so the default ``(10, ..., 200)`` needs ``n > 20`` (a clear
            ``ValueError`` below that: pass smaller ``ks``).
        sigmas: density bandwidths of the KL measures (distances are divided by
            each space's maximum first).

    Returns:
        ``{"kl_0.01", "kl_0.1", "kl_1", "trustworthiness", "continuity",
        "mrre_zx", "mrre_xz", "rmse"[, "recon_mse"]}`` as floats. Trustworthiness
        equals ``sklearn.manifold.trustworthiness``; lower is better for KL,
        MRRE, RMSE and MSE, higher for trustworthiness and continuity. Float64,
        CPU, no gradient: an evaluation tool, not a loss.
    """
    out = kl_divergences(X, Z, sigmas)
    ranks = rank_measures(X, Z, ks)
    for key in ("trustworthiness", "continuity", "mrre_zx", "mrre_xz"):
        out[key] = float(ranks[key].mean())
    out["rmse"] = distance_rmse(X, Z)
    if X_hat is not None:
        out["recon_mse"] = reconstruction_mse(X, X_hat)
    return out
