"""The Spheres data set of the topological autoencoder paper (Moor et al., 2020).

Ten small 100-spheres of radius 5 in R^101, each shifted by a Gaussian vector,
all enclosed by one large 100-sphere of radius 25 centred at the origin.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from topograph.data.splits import ArraySplit, split_indices


def _sample_sphere(rng: np.random.Generator, n: int, dim: int, radius: float) -> np.ndarray:
    """``n`` points uniform on the sphere S^dim of ``radius`` in R^(dim+1)."""
    v = rng.standard_normal((n, dim + 1))
    return radius * v / np.linalg.norm(v, axis=1, keepdims=True)


def make_spheres(
    n_samples: int = 500,
    dim: int = 100,
    n_spheres: int = 10,
    radius: float = 5.0,
    big_radius: float = 25.0,
    n_big: int | None = None,
    seed: int = 42,
) -> tuple[np.ndarray, np.ndarray]:
    """Generate the raw (un-normalised) Spheres points and labels.

    Returns ``X`` float32 ``[n_spheres * n_samples + n_big, dim + 1]`` and labels
    int64 (``0..n_spheres-1`` small spheres, ``n_spheres`` the enclosing one).
    Each small sphere is shifted by ``N(0, (10 / sqrt(dim))^2)`` per coordinate;
    ``n_big`` defaults to the number of small-sphere points (5000), so the
    default set has 10,000 points in R^101 with 11 labels.
    """
    if n_samples < 1 or dim < 1 or n_spheres < 1:
        raise ValueError("n_samples, dim and n_spheres must be positive")
    if n_big is not None and n_big < 0:
        raise ValueError(f"n_big must be >= 0, got {n_big}")
    for name, r in (("radius", radius), ("big_radius", big_radius)):
        if not np.isfinite(r) or r <= 0:
            raise ValueError(f"{name} must be a finite number > 0, got {r!r}")
    rng = np.random.default_rng(seed)
    n_big = n_spheres * n_samples if n_big is None else n_big
    shifts = rng.normal(0.0, 10.0 / np.sqrt(dim), size=(n_spheres, dim + 1))
    parts = [_sample_sphere(rng, n_samples, dim, radius) + shifts[i] for i in range(n_spheres)]
    parts.append(_sample_sphere(rng, n_big, dim, big_radius))
    labels = [np.full(n_samples, i) for i in range(n_spheres)] + [np.full(n_big, n_spheres)]
    return np.concatenate(parts).astype(np.float32), np.concatenate(labels).astype(np.int64)


@lru_cache(maxsize=4)
def _spheres_splits(seed: int, split_seed: int, kwargs: tuple) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    X, y = make_spheres(seed=seed, **dict(kwargs))
    idx = split_indices(len(X), seed=split_seed, test_fraction=0.1, val_fraction=0.15)
    mean = X[idx["train_full"]].mean(axis=0)
    std = X[idx["train_full"]].std(axis=0)
    Xn = ((X - mean) / np.where(std > 0, std, 1.0)).astype(np.float32)
    out = {name: (Xn[i], y[i]) for name, i in idx.items()}
    out["all"] = (Xn, y)
    return out


class Spheres(ArraySplit):
    """Seeded, z-scored Spheres split as a map-style dataset of ``(x, label)``.

    ``split`` is ``train`` (85% of the 90% training part), ``validation`` (15% of
    it), ``test`` (10%), ``train_full`` or ``all``. Z-scoring uses the statistics
    of the 90% training part, so every split of one seed lives in one coordinate
    system. ``data`` (float32 ``[N, 101]``) and ``targets`` (int64) are tensors.
    """

    def __init__(self, split: str = "train", seed: int = 42, split_seed: int = 42, **kwargs) -> None:
        self.check_split(split)
        X, y = _spheres_splits(seed, split_seed, tuple(sorted(kwargs.items())))[split]
        super().__init__(split, X.copy(), y.copy())  # the cached arrays stay untouched
