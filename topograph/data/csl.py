"""CSL: the circular skip link graphs (Murphy et al., ICML 2019), generated exactly.

Each graph is the circulant graph ``C_41(1, s)``: 41 vertices on a cycle
(``i ~ i +- 1``) plus skip links ``i ~ i +- s`` (mod 41), for the skip lengths
``s in {2, 3, 4, 5, 6, 9, 11, 12, 13, 16}`` (one class each). All are 4-regular
on 41 vertices with 82 edges, so message passing with constant features cannot
separate the classes; the classes are pairwise non-isomorphic. The data set has
15 copies of each graph with vertices relabelled by seeded random permutations
(150 graphs). Node features are Laplacian positional encodings: the eigenvectors
of the symmetric normalised Laplacian for the ``pe_dim`` smallest non-zero
eigenvalues (as in Dwivedi et al.'s benchmark). Their signs, and within repeated
eigenvalues their basis, are not canonical; they are computed from the relabelled
graph, so each copy gets its own choice (models should not rely on them).
"""
from __future__ import annotations

import contextlib

import numpy as np
import torch
from torch_geometric.data import Data

__all__ = ["CSL_SKIPS", "csl_dataset", "circulant_edges", "laplacian_pe"]

CSL_SKIPS = (2, 3, 4, 5, 6, 9, 11, 12, 13, 16)
CSL_NODES = 41


def circulant_edges(n: int, skips: tuple[int, ...]) -> np.ndarray:
    """Undirected edges ``[m, 2]`` (``u < v``, unique) of the circulant graph ``C_n(skips)``."""
    i = np.arange(n)
    e = np.concatenate([np.stack([i, (i + s) % n], 1) for s in skips])
    e = np.sort(e, axis=1)
    return np.unique(e[e[:, 0] != e[:, 1]], axis=0)


def _one_blas_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        return contextlib.nullcontext()
    return threadpool_limits(1)


def laplacian_pe(edges: np.ndarray, n: int, pe_dim: int) -> np.ndarray:
    """``[n, pe_dim]`` eigenvectors of ``I - D^-1/2 A D^-1/2`` after the first one
    (float64 ``eigh``; zero-padded if the graph has fewer eigenvectors)."""
    a = np.zeros((n, n))
    a[edges[:, 0], edges[:, 1]] = a[edges[:, 1], edges[:, 0]] = 1.0
    deg = a.sum(1)
    inv = np.where(deg > 0, deg, 1.0) ** -0.5
    lap = np.eye(n) - inv[:, None] * a * inv[None, :]
    with _one_blas_thread():  # tiny matrices: BLAS threads only add contention
        _, vec = np.linalg.eigh(lap)
    pe = vec[:, 1:pe_dim + 1]
    return np.pad(pe, ((0, 0), (0, pe_dim - pe.shape[1])))


def csl_dataset(copies: int = 15, seed: int = 0, pe_dim: int = 20) -> list[Data]:
    """The CSL graphs: ``10 * copies`` PyG ``Data`` objects (both edge directions).

    Args:
        copies: relabelled copies per class (the standard data set: 15).
        seed: seed of the vertex permutations (numpy ``default_rng``).
        pe_dim: Laplacian positional encoding size (node features ``[41, pe_dim]``).

    Returns:
        Graphs in class order (``y = class index``, ``copies`` per class); each also
        stores its skip length as ``skip``.
    """
    if copies < 1:
        raise ValueError(f"copies must be >= 1, got {copies}")
    if pe_dim < 1:
        raise ValueError(f"pe_dim must be >= 1, got {pe_dim}")
    rng = np.random.default_rng(seed)
    n = CSL_NODES
    out = []
    for label, s in enumerate(CSL_SKIPS):
        base = circulant_edges(n, (1, s))
        for _ in range(copies):
            perm = rng.permutation(n)
            e = perm[base]
            x = laplacian_pe(e, n, pe_dim).astype(np.float32)
            ei = torch.from_numpy(np.concatenate([e, e[:, ::-1]]).T.copy())
            out.append(Data(x=torch.from_numpy(x), edge_index=ei, y=torch.tensor([label]),
                            num_nodes=n, skip=s))
    return out
