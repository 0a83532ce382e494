"""Extended persistence on the Triton kernel (interpreter) against the numba kernel and gudhi."""
import importlib

import numpy as np
import pytest
import torch
from hypothesis import given, settings

from interp import interpreted  # noqa: F401  (module fixture)
from test_core_extended import _check
from test_core_extended import graph_batches as extended_batches
from topograph.core.complex import GraphBatch
from topograph.core.extended import _pair_numba, extended_persistence

NAMES = ("ordinary0", "relative1", "extended0", "extended1")
FIELDS = ("birth", "death", "essential", "batch", "birth_index", "death_index")


def _same(a, b):
    for name in NAMES:
        da, db = getattr(a, name), getattr(b, name)
        assert da.num_samples == db.num_samples, name
        for f in FIELDS:
            assert torch.equal(getattr(da, f), getattr(db, f)), (name, f)


def _raw_triton(values, cx):
    """The Triton kernel's five index arrays (the numba kernel's contract)."""
    te = importlib.import_module("topograph.core.kernels.triton_extended")
    u, v = cx.edge_index
    return te.extended_pairs(u, v, values.T.contiguous(), cx.batch, cx.edge_batch, cx.num_samples)


def _both(values, ei, batch, num_samples=None):
    """Both backends on one input; the raw arrays and all four diagrams must agree."""
    cx = GraphBatch.from_edge_index(ei, values.shape[0], batch, num_samples=num_samples)
    vals = values if values.dim() == 2 else values[:, None]
    for x, y in zip(_raw_triton(vals, cx), _pair_numba(vals, cx)):
        assert torch.equal(x, y)
    a = extended_persistence(values, cx, backend="triton")
    _same(a, extended_persistence(values, cx, backend="numba"))
    return a


@settings(max_examples=20, deadline=None)
@given(data=extended_batches())
def test_equals_numba_and_gudhi(data):
    """Random batches: ties (integer values), isolated vertices, self-loops, both
    directions, duplicate edges, one to four graphs, k = 1 to 3 filtrations."""
    values, edges, batch, sizes = data
    ei = torch.tensor(edges, dtype=torch.long).reshape(-1, 2).T
    res = _both(torch.from_numpy(values), ei, torch.from_numpy(batch), len(sizes))
    _check(res, values, edges, batch, sizes)


def _dense_graph(n: int, m: int, seed: int):
    """``m`` random edges on ``n`` vertices (many cycles: the forest swaps edges)."""
    rng = np.random.default_rng(seed)
    return torch.from_numpy(rng.integers(0, n, (2, m))).long()


@pytest.mark.parametrize("integer", [True, False])
def test_many_cycles(integer):
    gen = np.random.default_rng(5)
    ei = _dense_graph(12, 40, 1)
    values = gen.integers(0, 4, (12, 3)).astype(float) if integer else gen.normal(size=(12, 3))
    res = _both(torch.from_numpy(values), ei, None)
    edges = [tuple(e) for e in ei.T.tolist()]
    _check(res, values, edges, np.zeros(12, dtype=int), [12])
    assert res.extended1.birth.shape[0] > 10


def test_hand_cases_ties_isolated_single_and_empty_graphs():
    # graph 0: square with a chord, all values equal (ties everywhere); graph 1: empty;
    # graph 2: one vertex; graph 3: a path plus an isolated vertex; graph 4: empty (at the end)
    values = torch.tensor([[1.0, 0.0], [1.0, 2.0], [1.0, 1.0], [1.0, 2.0], [7.0, 7.0],
                           [0.0, 3.0], [2.0, 1.0], [1.0, 1.0], [5.0, -1.0]])
    ei = torch.tensor([[0, 1, 2, 3, 0, 5, 6], [1, 2, 3, 0, 2, 6, 7]])
    batch = torch.tensor([0, 0, 0, 0, 2, 3, 3, 3, 3])
    res = _both(values, ei, batch, num_samples=5)
    assert res.extended0.counts().tolist() == [1, 0, 1, 2, 0]
    assert res.extended1.counts().tolist() == [2, 0, 0, 0, 0]
    assert res.ordinary0.counts().tolist() == res.relative1.counts().tolist() == [3, 0, 0, 2, 0]
    single = res.extended0.batch == 2
    assert torch.equal(res.extended0.birth_index[single], torch.tensor([[4, 4]]))
    edges = [tuple(e) for e in ei.T.tolist()]
    _check(res, values.numpy(), edges, batch.numpy(), [4, 0, 1, 4, 0])


def test_no_edges_at_all():
    values = torch.tensor([[0.5], [0.5], [2.0]])
    res = _both(values, torch.zeros(2, 0, dtype=torch.long), torch.tensor([0, 1, 1]), num_samples=3)
    assert res.ordinary0.birth.shape == (0, 1) and res.extended1.birth.shape == (0, 1)
    assert torch.equal(res.extended0.birth_index, res.extended0.death_index)
    assert res.extended0.counts().tolist() == [1, 2, 0]


def test_measured_example():
    # REFERENCE.md: triangle 0-1-2 (values 0, 1, 2), pendant vertex 3 (value 3) on vertex 2
    r = extended_persistence(torch.tensor([0.0, 1.0, 2.0, 3.0]), torch.tensor([[0, 1, 0, 2], [1, 2, 2, 3]]),
                             backend="triton")
    assert r.as_list(0, "ordinary")[0].tolist() == [] and r.as_list(1, "relative")[0].tolist() == []
    assert r.as_list(0, "extended")[0].tolist() == [[0.0, 3.0]]
    assert r.as_list(1, "extended")[0].tolist() == [[2.0, 0.0]]


def test_float32_and_half_values():
    gen = torch.Generator().manual_seed(3)
    ei = _dense_graph(9, 20, 2)
    for dtype in (torch.float32, torch.float16):
        _both(torch.randint(0, 3, (9, 2), generator=gen).to(dtype), ei, None)


def test_gradients_equal_numba():
    torch.manual_seed(0)
    x = torch.rand(14, 2, dtype=torch.float64, requires_grad=True)
    ei = torch.tensor([[0, 1, 2, 3, 4, 0, 2, 7, 8, 9, 10, 11, 7], [1, 2, 3, 4, 0, 2, 4, 8, 9, 10, 11, 7, 9]])
    batch = torch.tensor([0] * 7 + [1] * 6 + [2])
    grads = []
    for backend in ("triton", "numba"):
        r = extended_persistence(x, ei, batch, num_samples=3, backend=backend)
        loss = sum((d.birth * 1.3 + d.death.pow(2) * 0.7).sum() for d in
                   (r.ordinary0, r.relative1, r.extended0, r.extended1))
        loss.backward()
        grads.append(x.grad.clone())
        x.grad = None
    assert torch.equal(grads[0], grads[1]) and grads[0].abs().sum() > 0


def test_togl_extended_on_triton_equals_numba():
    from topograph.nn import TOGL

    torch.manual_seed(0)
    x = torch.randn(10, 3)
    ei = _dense_graph(10, 16, 4)
    outs = []
    for backend in ("triton", "numba"):
        torch.manual_seed(1)
        layer = TOGL(3, 4, persistence="extended", backend=backend)
        outs.append(layer(x, ei, torch.zeros(10, dtype=torch.long)))
    assert torch.equal(outs[0], outs[1])
