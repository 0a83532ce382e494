"""The numba helpers of the graph pairing against plain numpy / torch references:
order-preserving sort keys, the fused input pass (canonical edges, column map,
checks, keys, per-graph maxima), group maxima."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from topograph.core._graph_diagrams import _group_argmax_torch, group_argmax, group_max
from topograph.core.complex import GraphBatch, canonical_edges
from topograph.core.graph_persistence import edge_columns
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


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_edge_inputs_match_torch(dtype):
    """The fused input pass against canonical_edges, the torch column map, sort_keys,
    the torch group arg-max and the two checks; hubs, repeats and self-loops."""
    k = numba_pairing()
    rng = np.random.default_rng(1)
    n, m = 40, 300
    ei = torch.from_numpy(rng.integers(0, n, size=(2, m)))
    ei[0, :60] = 3  # a hub: one long row of the canonical edges
    ei[:, 250:260] = ei[:, 10:20].flip(0)  # both directions
    ei[:, 260:265] = 7  # self-loops
    batch = torch.from_numpy(np.repeat(np.arange(4), 10))
    ei = ei[:, (batch[ei[0]] == batch[ei[1]]) | (ei[0] == 3)]  # hub's edges cross graphs: fine here
    a, b = ei[0].numpy(), ei[1].numpy()
    cx = GraphBatch(batch, canonical_edges(ei, n), 4)
    vals = rng.random((n, 2)).astype(dtype)
    u, v = cx.edge_index

    def run(ev, dup=True, valid=True, keys=True, mx=True):
        return k.edge_inputs_kernel(a, b, n, batch.numpy(), 4, ev, ev, vals, dup, valid, keys,
                                    mx, dtype == np.float32)

    good = (np.maximum(vals[u], vals[v]) + rng.random((u.numel(), 2)) * 0.5).astype(dtype)
    canon_t, source_t = edge_columns(ei, cx)
    ev = good[np.maximum(canon_t.numpy(), 0)]  # consistent: every column its edge's value
    cu, cv, canon, source, keys, argmax, bad_col, bad_edge = run(ev)
    assert not bad_col and not bad_edge
    np.testing.assert_array_equal(np.stack([cu, cv]), cx.edge_index.numpy())
    np.testing.assert_array_equal(canon, canon_t.numpy())
    np.testing.assert_array_equal(source, source_t.numpy())
    np.testing.assert_array_equal(keys, k.sort_keys(np.ascontiguousarray(ev[source].T))[0])
    ref = _group_argmax_torch(torch.from_numpy(ev[source]), cx.edge_batch, 4)
    np.testing.assert_array_equal(argmax, source[ref.numpy()])
    assert run(ev, keys=False, mx=False)[4].shape == (2, 0)
    assert run(ev, keys=False, mx=False)[5].shape == (0, 2)
    j = int(np.nonzero((canon >= 0) & (np.arange(len(a)) != source[np.maximum(canon, 0)]))[0][3])
    ev_dup = ev.copy()
    ev_dup[j, 1] += 1
    assert run(ev_dup)[6:] == (True, False)
    assert run(ev_dup, dup=False)[6:] == (False, False)
    ev_bad = ev.copy()
    ev_bad[canon == 7, 0] = -1  # every column of canonical edge 7, still consistent
    assert run(ev_bad)[6:] == (False, True)
    assert run(ev_bad, valid=False)[6:] == (False, False)
    none = k.edge_inputs_kernel(a[:0], b[:0], n, batch.numpy(), 4, ev[:0], ev[:0], vals, True,
                                True, True, True, dtype == np.float32)
    assert none[0].shape == (0,) and none[4].shape == (2, 0) and (none[5] == -1).all()


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
