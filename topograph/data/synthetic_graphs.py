"""CYCLES and NECKLACES: seeded synthetic graph classification data sets (TOGL paper).

Both data sets are deterministic functions of ``seed``: the same seed gives the
same graphs, labels and node features on every platform (numpy ``default_rng``).

* CYCLES: class 1 is a set of disjoint triangles plus one more cycle through
  the remaining vertices; class 0 is one big cycle. Every vertex has degree 2
  in both classes, so only the cycle structure separates them.
* NECKLACES: a chain plus two 2-vertex side chains. In class 1 each side chain
  closes a triangle at its own chain vertex; in class 0 the side chains are
  cross-wired (the end of each goes to the other attachment vertex) into one
  6-cycle. Degrees, vertex and edge counts and the number of independent cycles
  (2) are identical in both classes.

Node features are 3-d standard normal. Labels are balanced (``num_samples // 2``
per class) and shuffled.
"""
from __future__ import annotations

import numpy as np
import torch
from torch_geometric.data import Data

from topograph.core._deprecation import renamed_kwargs

__all__ = ["cycles_dataset", "necklaces_dataset"]


def _to_data(edges: list[tuple[int, int]], n: int, label: int,
             rng: np.random.Generator, num_features: int) -> Data:
    """Both edge directions, vertices relabelled by a random permutation."""
    perm = rng.permutation(n)
    e = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    e = perm[e]
    edge_index = torch.from_numpy(np.concatenate([e, e[:, ::-1]], axis=0).T.copy())
    x = torch.from_numpy(rng.standard_normal((n, num_features)).astype(np.float32))
    return Data(x=x, edge_index=edge_index, y=torch.tensor([label]), num_nodes=n)


def _cycle(nodes: list[int]) -> list[tuple[int, int]]:
    return [(nodes[i], nodes[(i + 1) % len(nodes)]) for i in range(len(nodes))]


def _labels(num_samples: int, rng: np.random.Generator) -> np.ndarray:
    labels = np.zeros(num_samples, dtype=np.int64)
    labels[: num_samples // 2] = 1
    return rng.permutation(labels)


def _check(num_samples: int, min_nodes: int, max_nodes: int, smallest: int) -> None:
    if num_samples < 1:
        raise ValueError(f"num_samples must be >= 1, got {num_samples}")
    if not smallest <= min_nodes <= max_nodes:
        raise ValueError(f"need {smallest} <= min_nodes <= max_nodes, got "
                         f"min_nodes={min_nodes}, max_nodes={max_nodes}")


@renamed_kwargs(num_graphs="num_samples")
def cycles_dataset(num_samples: int = 1000, min_nodes: int = 10, max_nodes: int = 19,
                   seed: int = 0, num_features: int = 3) -> list[Data]:
    """CYCLES: ``num_samples`` graphs with ``min_nodes..max_nodes`` vertices, 2 classes.

    Class 1: ``t >= 1`` disjoint triangles plus one cycle on the remaining
    ``n - 3t >= 3`` vertices. Class 0: one Hamiltonian cycle.
    """
    _check(num_samples, min_nodes, max_nodes, 6)
    rng = np.random.default_rng(seed)
    out = []
    for label in _labels(num_samples, rng):
        n = int(rng.integers(min_nodes, max_nodes + 1))
        if label == 1:
            t = int(rng.integers(1, (n - 3) // 3 + 1))
            edges = [e for i in range(t) for e in _cycle([3 * i, 3 * i + 1, 3 * i + 2])]
            edges += _cycle(list(range(3 * t, n)))
        else:
            edges = _cycle(list(range(n)))
        out.append(_to_data(edges, n, int(label), rng, num_features))
    return out


@renamed_kwargs(num_graphs="num_samples")
def necklaces_dataset(num_samples: int = 1000, min_nodes: int = 10, max_nodes: int = 19,
                      seed: int = 0, num_features: int = 3) -> list[Data]:
    """NECKLACES: a chain of ``n - 4`` vertices with two 2-vertex side chains.

    Side chain ``(a_i, b_i)`` hangs at chain vertex ``v_i`` (``v_1 < v_2``, random).
    Class 1: ``v_i - a_i - b_i - v_i`` (two triangles). Class 0:
    ``v_1 - a_1 - b_1 - v_2 - a_2 - b_2 - v_1`` (one 6-cycle, cross-wired).
    """
    _check(num_samples, min_nodes, max_nodes, 6)
    rng = np.random.default_rng(seed)
    out = []
    for label in _labels(num_samples, rng):
        n = int(rng.integers(min_nodes, max_nodes + 1))
        chain = n - 4
        edges = [(i, i + 1) for i in range(chain - 1)]
        v1, v2 = sorted(int(v) for v in rng.choice(chain, size=2, replace=False))
        a1, b1, a2, b2 = chain, chain + 1, chain + 2, chain + 3
        edges += [(a1, b1), (a2, b2), (v1, a1), (v2, a2)]
        if label == 1:
            edges += [(b1, v1), (b2, v2)]
        else:
            edges += [(b1, v2), (b2, v1)]
        out.append(_to_data(edges, n, int(label), rng, num_features))
    return out
