"""The numba helpers of the graph pairing against plain numpy / torch references:
order-preserving sort keys, the edge-column map, the fused input checks, group maxima."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from topograph.core._graph_diagrams import _group_argmax_torch, group_argmax, group_max
from topograph.core.complex import GraphBatch
from topograph.core.kernels import numba_pairing


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_radix_order_matches_stable_argsort(dtype):
    k = numba_pairing()
    rng = np.random.default_rng(0)
    x = rng.choice(np.array([-np.inf, -2.5, -0.0, 0.0, 1e-30, 1.0, 3.0, np.inf, np.nan]),
                   size=(3, 500)).astype(dtype)
    x[1] = rng.standard_normal(500).astype(dtype)
    keys, packed = k.sort_keys(x)
    assert packed == (dtype == np.float32)
    empty = np.empty((3, 0), dtype=np.uint64)
    rank = k.graph_pairs_kernel(np.zeros(0, np.int64), np.zeros(0, np.int64), keys, empty,
                                True, packed, False)[0]
    for f in range(3):
        order = np.argsort(x[f] + dtype(0.0), kind="stable")  # ties (and -0.0 == 0.0) by index
        np.testing.assert_array_equal(rank[f][order], np.arange(500))


def test_edge_columns_and_checks_match_torch():
    k = numba_pairing()
    rng = np.random.default_rng(1)
    n = 40
    ei = torch.from_numpy(rng.integers(0, n, size=(2, 300)))
    cx = GraphBatch.from_edge_index(ei, n)
    a, b = ei[0].numpy(), ei[1].numpy()
    u, v = cx.edge_index[0].numpy(), cx.edge_index[1].numpy()
    vals = rng.random((n, 2))

    def run(ev, dup=True, valid=True):
        return k.edge_columns_kernel(a, b, u, v, n, ev, vals, dup, valid)

    canon, source, bad_col, bad_edge = run(np.zeros((300, 2)), False, False)
    assert bad_col == bad_edge == -1
    key = torch.minimum(ei[0], ei[1]) * n + torch.maximum(ei[0], ei[1])
    ckey = cx.edge_index[0] * n + cx.edge_index[1]
    loop = ei[0] == ei[1]
    assert (canon[loop.numpy()] == -1).all()
    np.testing.assert_array_equal(ckey[canon[~loop.numpy()]].numpy(), key[~loop].numpy())
    for c in range(ckey.numel()):  # the first column of each canonical edge
        assert source[c] == int(((key == ckey[c]) & ~loop).nonzero()[0, 0])
    good = np.maximum(vals[u], vals[v]) + 0.5  # valid, one value per canonical edge
    ev = good[np.maximum(canon, 0)]  # consistent: every column its edge's value
    assert run(ev)[2:] == (-1, -1)
    j = int(np.nonzero((canon >= 0) & (np.arange(300) != source[np.maximum(canon, 0)]))[0][3])
    ev_dup = ev.copy()
    ev_dup[j, 1] += 1.0
    assert run(ev_dup)[2:] == (j, -1)
    assert run(ev_dup, dup=False)[2:] == (-1, -1)
    ev_bad = ev.copy()
    ev_bad[canon == 7, 0] = -1.0  # every column of canonical edge 7, still consistent
    assert run(ev_bad)[2:] == (-1, 7)
    assert run(ev_bad, valid=False)[2:] == (-1, -1)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_group_max_numba_matches_torch(dtype):
    torch.manual_seed(0)
    vals = torch.randint(0, 4, (60, 3)).to(dtype)  # many ties
    vals[5:9] = float("-inf")
    batch = torch.sort(torch.randint(0, 7, (60,))).values  # some groups empty
    a = vals.clone().requires_grad_()
    b = vals.clone().requires_grad_()
    arg = _group_argmax_torch(b.detach(), batch, 9)  # the reference of the numba pass
    assert torch.equal(group_argmax(a, batch, 9), arg)
    ga, gb = group_max(a, batch, 9), b.gather(0, arg.clamp_min(0))
    torch.testing.assert_close(ga, gb)
    w = torch.randn(9, 3, dtype=dtype)
    (ga * w).sum().backward()
    (gb * w).sum().backward()
    torch.testing.assert_close(a.grad, b.grad)  # the same row of each group gets the gradient


def _reference_edge_pairing(u, v, vals, ev):
    """Plain-Python elder-rule union-find in the contract's order: vertices by (value,
    index); edges by (edge value, rank of the later endpoint, edge index)."""
    n = len(vals)
    rank = np.empty(n, np.int64)
    rank[np.lexsort((np.arange(n), vals))] = np.arange(n)
    last = np.where(rank[u] > rank[v], u, v)
    order = np.lexsort((np.arange(len(u)), rank[last], ev))
    parent, oldest = list(range(n)), list(range(n))

    def find(x):
        while parent[x] != x:
            x = parent[x]
        return x
    death = np.full(n, -1)
    cycles = []
    for e in order:
        a, b = find(u[e]), find(v[e])
        if a == b:
            cycles.append(e)
            continue
        if rank[oldest[a]] < rank[oldest[b]]:
            death[oldest[b]], parent[b] = e, a
        else:
            death[oldest[a]], parent[a] = e, b
    return death, sorted(cycles)


@pytest.mark.parametrize("levels", [2, 3, 50, 10_000])
def test_edge_order_ties_follow_the_contract(levels):
    """Edge values with many ties (long runs of equal values, and short ones) are
    ordered by later rank, then index, exactly as the contract says."""
    k = numba_pairing()
    rng = np.random.default_rng(levels)
    n = 60
    cx = GraphBatch.from_edge_index(torch.from_numpy(rng.integers(0, n, size=(2, 400))), n)
    u, v = cx.edge_index[0].numpy(), cx.edge_index[1].numpy()
    for dtype in (np.float32, np.float64):
        vals = rng.integers(0, 3, size=(2, n)).astype(dtype)
        ev = np.maximum(vals[:, u], vals[:, v]) + rng.integers(0, levels, size=(2, len(u)))
        ev = ev.astype(dtype)
        vk, vp = k.sort_keys(vals)
        ek, ep = k.sort_keys(ev)
        out = k.graph_pairs_kernel(u, v, vk, ek, False, vp, ep)
        for f in range(2):
            death, cycles = _reference_edge_pairing(u, v, vals[f], ev[f])
            np.testing.assert_array_equal(out[1][f], death)
            np.testing.assert_array_equal(out[3][f][:out[5][f]], cycles)
