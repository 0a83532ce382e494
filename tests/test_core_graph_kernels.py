"""The numba helpers of the graph pairing against plain numpy / torch references:
order-preserving sort keys, the fused input pass (canonical edges, column map,
checks, keys, per-graph maxima), group maxima."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import Tensor

from topograph.core._graph_diagrams import _group_argmax_torch, group_argmax, group_max
from topograph.core.complex import GraphBatch, canonical_edge_map
from topograph.core.graph_persistence import edge_columns
from topograph.core.kernels import numba_pairing
from topograph.core.pairing._graph_kernels import _radix_sort


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
                                True, packed, False, np.empty(0, np.int64))[0]
    for f in range(3):
        order = np.argsort(x[f] + dtype(0.0), kind="stable")  # ties (and -0.0 == 0.0) by index
        np.testing.assert_array_equal(rank[f][order], np.arange(500))


def _packed_cases() -> list[np.ndarray]:
    """float32 values that take every branch of the packed sort: wide and tiny spreads,
    short and long runs of equal top bits, ties, signed zeros, infinities and NaN."""
    rng = np.random.default_rng(3)
    cases = []
    for n in (0, 1, 2, 17, 1000, 20000):
        cases += [
            rng.random(n),
            rng.standard_normal(n) * 1e30,
            1.0 + rng.random(n) * 1e-6,  # spread under 2^24 codes: exact radix, no finish
            np.concatenate([rng.random(n // 2), 1.0 + np.arange(n - n // 2) * 1e-7]),  # long runs
            rng.choice(np.array([-np.inf, -0.0, 0.0, 1.0, np.inf, np.nan, 3e-38, -3e-38]), n),
            np.full(n, 2.5),
            np.concatenate([[-3e38, 3e38], 1 + rng.integers(0, 300, max(n - 2, 0)) * 2.0**-23])[:n],
        ]
    return [np.asarray(c, dtype=np.float32) for c in cases]


def test_packed_radix_sort_matches_stable_argsort():
    k = numba_pairing()
    rng = np.random.default_rng(4)
    for x in _packed_cases():
        keys, packed = k.sort_keys(x[None])
        assert packed
        perm = rng.permutation(x.size)  # shuffled: ties keep index order
        key = np.ascontiguousarray(keys[0][perm])
        sk = np.empty(x.size, np.uint64)
        got = _radix_sort(key, True, sk)
        ref = np.argsort(key >> np.uint64(32), kind="stable")
        np.testing.assert_array_equal(got, ref)
        np.testing.assert_array_equal(sk >> np.uint64(32), key[ref] >> np.uint64(32))


def _hub_graph(n: int = 40, m: int = 300) -> tuple[Tensor, Tensor]:
    """Random columns with a hub (a row longer than the insertion-sort limit, listed
    in reverse), both directions of some edges, repeats and self-loops."""
    rng = np.random.default_rng(1)
    ei = torch.from_numpy(rng.integers(0, n, size=(2, m)))
    ei[0, :60] = 3
    ei[1, :60] = torch.arange(60) % (n - 4) + 4
    ei[:, :60] = ei[:, :60].flip(1)
    ei[:, 250:260] = ei[:, 10:20].flip(0)
    ei[:, 260:265] = 7
    return ei, torch.from_numpy(np.repeat(np.arange(4), n // 4))


def test_canonical_edge_map_matches_numpy():
    ei, _ = _hub_graph()
    n = 40
    cu, cv, canon, source = canonical_edge_map(ei[0].numpy(), ei[1].numpy(), n)
    lo, hi = torch.minimum(ei[0], ei[1]), torch.maximum(ei[0], ei[1])
    key = (lo * n + hi)[lo != hi].unique()  # numpy-free reference: torch's unique
    np.testing.assert_array_equal(cu, (key // n).numpy())
    np.testing.assert_array_equal(cv, (key % n).numpy())
    cx = GraphBatch(torch.zeros(n, dtype=torch.long), torch.from_numpy(np.stack([cu, cv])), 1)
    canon_t, source_t = edge_columns(ei, cx)  # the torch map (any device)
    np.testing.assert_array_equal(canon, canon_t.numpy())
    np.testing.assert_array_equal(source, source_t.numpy())
    assert cu.dtype == np.int64 and canon[260] == -1
    with pytest.raises(ValueError, match="outside 0..39"):
        canonical_edge_map(np.array([0, 1]), np.array([1, 40]), n)
    with pytest.raises(ValueError, match="outside"):
        canonical_edge_map(np.array([-1]), np.array([1]), n)
    empty = canonical_edge_map(np.zeros(0, np.int64), np.zeros(0, np.int64), n)
    assert all(x.shape == (0,) for x in empty)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_edge_values_pass_matches_references(dtype):
    """Keys against sort_keys, the per-graph maxima against the torch group arg-max,
    and both checks, each on its own and off."""
    k = numba_pairing()
    rng = np.random.default_rng(2)
    ei, batch = _hub_graph()
    n = 40
    cu, cv, canon, source = canonical_edge_map(ei[0].numpy(), ei[1].numpy(), n)
    vals = rng.random((n, 2)).astype(dtype)
    good = (np.maximum(vals[cu], vals[cv]) + rng.random((cu.size, 2)) * 0.5).astype(dtype)
    good[5] = good[6]  # a tie for the maxima
    ev = good[np.maximum(canon, 0)]  # consistent: every column its edge's value
    packed = dtype == np.float32

    def run(ev, dup=True, valid=True, keys=True, mx=True):
        return k.edge_values_pass(canon, source, cu, cv, batch.numpy(), 4, ev, ev, vals, dup,
                                  valid, keys, mx, packed)

    keys, argmax, bad_col, bad_edge = run(ev)
    assert not bad_col and not bad_edge
    np.testing.assert_array_equal(keys, k.sort_keys(np.ascontiguousarray(ev[source].T))[0])
    ebatch = batch[torch.from_numpy(cu)]
    ref = _group_argmax_torch(torch.from_numpy(ev[source]), ebatch, 4)
    np.testing.assert_array_equal(argmax, np.where(ref.numpy() >= 0, source[ref.numpy()], -1))
    assert run(ev, keys=False, mx=False)[0].shape == (2, 0)
    assert run(ev, keys=False, mx=False)[1].shape == (0, 2)
    j = int(np.nonzero((canon >= 0) & (np.arange(len(canon)) != source[np.maximum(canon, 0)]))[0][3])
    ev_dup = ev.copy()
    ev_dup[j, 1] += 1
    assert run(ev_dup)[2:] == (True, False)
    assert run(ev_dup, dup=False)[2:] == (False, False)
    ev_bad = ev.copy()
    ev_bad[canon == 7, 0] = -1  # every column of canonical edge 7, still consistent
    assert run(ev_bad)[2:] == (False, True)
    assert run(ev_bad, valid=False)[2:] == (False, False)


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
        out = k.graph_pairs_kernel(u, v, vk, ek, False, vp, ep, np.empty(0, np.int64))
        for f in range(2):
            death, cycles = _reference_edge_pairing(u, v, vals[f], ev[f])
            np.testing.assert_array_equal(out[1][f], death)
            np.testing.assert_array_equal(out[3][f][:out[5][f]], cycles)
