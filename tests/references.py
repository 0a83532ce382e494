"""Independent references for the pairing tests (test-only dependencies)."""
from __future__ import annotations

import gudhi
import numpy as np


def gudhi_lower_star(values: np.ndarray, edges: list[tuple[int, int]]) -> dict[int, list]:
    """Lower-star persistence of one graph with gudhi, all pairs (zero-length too).

    Returns {dim: sorted list of (birth, death)} with death = inf for essential classes.
    """
    st = gudhi.SimplexTree()
    for i, f in enumerate(values):
        st.insert([i], filtration=float(f))
    for a, b in edges:
        if a != b:
            st.insert([a, b], filtration=float(max(values[a], values[b])))
    out = {0: [], 1: []}
    # persistence_dim_max: also the top dimension (0 for an edgeless graph, 1 for cycles)
    for dim, (b, d) in st.persistence(homology_coeff_field=2, min_persistence=-1.0,
                                      persistence_dim_max=True):
        out[dim].append((float(b), float(d)))
    return {k: sorted(v) for k, v in out.items()}


def mst_weight(dist: np.ndarray) -> float:
    """Weight of a minimum spanning tree of a dense distance matrix (scipy).

    scipy drops zero-weight edges: they are lifted by 1 so duplicates stay in the tree.
    """
    from scipy.sparse.csgraph import minimum_spanning_tree

    n = len(dist)
    return float(minimum_spanning_tree(dist + 1.0).sum() - (n - 1)) if n > 1 else 0.0


def as_sorted_pairs(t) -> list:
    return sorted((float(b), float(d)) for b, d in t.detach().cpu().tolist())


def assert_same_multiset(ours: list, ref: list, tol: float = 1e-6) -> None:
    assert len(ours) == len(ref), f"{len(ours)} pairs vs reference {len(ref)}: {ours} vs {ref}"
    for (b1, d1), (b2, d2) in zip(ours, ref):
        assert abs(b1 - b2) <= tol, (ours, ref)
        assert (d1 == d2) or abs(d1 - d2) <= tol, (ours, ref)


def tied_graph_batch(n: int, g: int, gen, k: int = 4):
    """``g`` random graphs of ``n`` vertices (``3n`` edge columns each, self-loops and
    repeats included) with integer vertex values in ``[0, 5)``: many ties, drawn from
    the torch generator ``gen``. Returns ``(edge_index [2, 3ng], batch [ng], values
    [ng, k] float64)`` on the CPU."""
    import torch

    ei = torch.randint(0, n, (2, 3 * n * g), generator=gen)
    ei = ei % n + (torch.arange(ei.shape[1]) % g) * n  # edges inside each of g graphs
    batch = torch.arange(g).repeat_interleave(n)
    vals = torch.randint(0, 5, (n * g, k), generator=gen).double()
    return ei, batch, vals
