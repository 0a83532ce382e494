"""Triton pairing kernels (graphs, Rips) through the interpreter, against numba and gudhi/ripser."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings

from references import as_sorted_pairs, assert_same_multiset, gudhi_lower_star
from test_core_lower_star import graph_batches
from topograph import lower_star_persistence, rips_persistence
from topograph.core import kernels
from topograph.core.pairing.rips import rips_pairs, rips_pairs_from_points
from interp import interpreted  # noqa: F401  (module fixture)


def _same_diagrams(a, b):
    for dim in ("dim0", "dim1"):
        da, db = getattr(a, dim), getattr(b, dim)
        for f in ("birth", "death", "essential", "batch", "birth_index", "death_index"):
            assert torch.equal(getattr(da, f), getattr(db, f)), (dim, f)


def _run(values, edges, batch, backend, k_graphs=None):
    ei = torch.tensor(edges, dtype=torch.long).reshape(-1, 2).T
    return lower_star_persistence(torch.as_tensor(values), ei, torch.as_tensor(batch),
                                  num_samples=k_graphs, backend=backend)


@settings(max_examples=12)
@given(data=graph_batches())
def test_lower_star_equals_numba(data):
    """Ties, zeros, isolated vertices, self-loops, duplicates, several filtrations."""
    values, edges, batch, sizes = data
    _same_diagrams(_run(values, edges, batch, "triton", len(sizes)), _run(values, edges, batch, "numba", len(sizes)))


def test_lower_star_against_gudhi_with_ties():
    values = np.array([0.0, 1.0, 1.0, 0.0, 2.0, 1.0, 5.0])  # graph 0: square with a chord; 1: a path; 2: alone
    square = [(0, 1), (1, 2), (2, 3), (3, 0), (0, 2)]
    batch = np.array([0, 0, 0, 0, 1, 1, 2])
    res = _run(values[:, None], square + [(4, 5)], batch, "triton", 3)
    ref = gudhi_lower_star(values[:4], square)
    d0, d1 = res.dim0, res.dim1
    assert_same_multiset(as_sorted_pairs(torch.stack([d0.birth, d0.death], 1)[d0.batch == 0, :, 0]), ref[0])
    assert_same_multiset(as_sorted_pairs(torch.stack([d1.birth, d1.death], 1)[d1.batch == 0, :, 0]), ref[1])
    assert torch.isinf(d0.death[6, 0]) and d0.essential[6, 0]  # an isolated vertex lives forever


def test_empty_graphs_and_no_edges():
    values = torch.tensor([[1.0], [0.0], [2.0]])
    res = lower_star_persistence(values, torch.zeros(2, 0, dtype=torch.long), torch.tensor([0, 1, 1]),
                                 num_samples=2, backend="triton")
    assert res.dim0.essential.all() and res.dim1.birth.shape == (0, 1)


def test_gradients_equal_numba():
    torch.manual_seed(0)
    x = torch.rand(12, 2, dtype=torch.float64, requires_grad=True)
    ei = torch.tensor([[0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11], [1, 2, 3, 0, 5, 7, 8, 9, 10, 11, 6]])
    batch = torch.tensor([0] * 6 + [1] * 6)
    grads = []
    for backend in ("triton", "numba"):
        r = lower_star_persistence(x, ei, batch, num_samples=2, backend=backend, essential_death="max")
        (r.dim0.death.sum() + (r.dim0.death - r.dim0.birth).pow(2).sum() + r.dim1.birth.sum()).backward()
        grads.append(x.grad.clone())
        x.grad = None
    assert torch.equal(grads[0], grads[1]) and grads[0].abs().sum() > 0


def _reference_edge_filtration(u, v, fv, fe):
    """Plain-Python elder rule for one edge filtration (the kernel's documented contract)."""
    n = len(fv)
    vorder = sorted(range(n), key=lambda i: (fv[i], i))
    rank = {x: r for r, x in enumerate(vorder)}
    eorder = sorted(range(len(u)), key=lambda e: (fe[e], max(rank[u[e]], rank[v[e]]), e))
    parent = list(range(n))

    def find(x):
        while parent[x] != x:
            x = parent[x]
        return x
    death, cycles = [-1] * n, []
    for e in eorder:
        a, b = find(u[e]), find(v[e])
        if a == b:
            cycles.append(e)
            continue
        young, old = (b, a) if rank[a] < rank[b] else (a, b)
        death[young] = e
        parent[young] = old
    return death, sorted(cycles)


def test_general_edge_filtration_against_reference(interpreted):
    tg = interpreted["topograph.core.kernels.triton_graph"]
    gen = np.random.default_rng(3)
    u = torch.tensor([0, 0, 1, 2, 1, 4, 5, 4])
    v = torch.tensor([1, 2, 2, 3, 3, 5, 6, 6])
    eb = torch.tensor([0, 0, 0, 0, 0, 1, 1, 1])
    fv = torch.tensor(gen.integers(0, 3, (3, 8)), dtype=torch.float64)
    fe = torch.maximum(fv[:, u], fv[:, v]) + torch.tensor(gen.integers(0, 3, (3, 8)))  # ties on purpose
    rank, death, cyc, count = tg.pair_edge_filtration(u, v, fv, fe, eb, 2)
    for f in range(3):
        d_ref, c_ref = _reference_edge_filtration(u.tolist(), v.tolist(), fv[f].tolist(), fe[f].tolist())
        assert death[f].tolist() == d_ref
        assert cyc[f, :count[f]].tolist() == c_ref


@pytest.mark.parametrize("shape", [(3, 12, 2), (2, 1, 3), (2, 2, 1), (1, 9, 5)])
def test_prim_equals_numba(shape):
    torch.manual_seed(1)
    x = torch.randn(*shape, dtype=torch.float64)
    e1, f1 = rips_pairs_from_points(x, backend="numba", return_farthest=True)
    e2, f2 = rips_pairs_from_points(x, backend="triton", return_farthest=True)
    assert torch.equal(e1, e2) and torch.equal(f1, f2)
    d = torch.cdist(x, x)
    assert torch.equal(rips_pairs(d, backend="triton"), rips_pairs(d, backend="numba"))


def test_rips_against_ripser_ties_and_offset():
    ripser = pytest.importorskip("ripser").ripser
    grid = torch.tensor([[i, j] for i in range(3) for j in range(3)], dtype=torch.float32) + 1000.0
    ours = rips_persistence(grid, backend="triton").dim0.death[:, 0]
    ref = ripser(grid.double().numpy(), maxdim=0)["dgms"][0][:, 1]
    assert np.allclose(np.sort(ours.numpy()), np.sort(ref))


def test_rips_gradients_equal_numba():
    torch.manual_seed(2)
    x = torch.randn(2, 10, 3, requires_grad=True)
    grads = []
    for backend in ("triton", "numba"):
        d = rips_persistence(x, backend=backend, essential_death="max").dim0
        d.death.pow(2).sum().backward()
        grads.append(x.grad.clone())
        x.grad = None
    assert torch.allclose(grads[0], grads[1])


def test_missing_triton_message(monkeypatch):
    monkeypatch.setattr(kernels, "triton_available", lambda: False)
    with pytest.raises(ImportError, match="pip install triton"):
        lower_star_persistence(torch.rand(3), torch.tensor([[0], [1]]), backend="triton")


def test_cpu_tensors_need_the_interpreter(monkeypatch):
    monkeypatch.delenv("TRITON_INTERPRET")
    with pytest.raises(ValueError, match="CUDA tensors"):
        rips_persistence(torch.rand(5, 2), backend="triton")
    assert kernels.resolve("auto", torch.device("cpu")) == "numba"
    with pytest.raises(ValueError, match="backend='cuda'"):
        kernels.resolve("cuda", torch.device("cpu"))
