"""Extended persistence of graphs: against gudhi (random graphs, MUTAG, PROTEINS), gradients."""
import gudhi
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from references import as_sorted_pairs, assert_same_multiset, tied_graph_batch
from topograph.core.extended import extended_persistence

KINDS = [("ordinary", 0), ("relative", 1), ("extended", 0), ("extended", 1)]


def gudhi_extended(values, edges):
    """gudhi's four lists for one graph (zero-length pairs are omitted by gudhi)."""
    s = gudhi.SimplexTree()
    for i, f in enumerate(values):
        s.insert([i], float(f))
    for a, b in edges:
        if a != b:
            s.insert([a, b], float(max(values[a], values[b])))
    s.extend_filtration()
    return [sorted((float(b), float(d)) for _, (b, d) in part) for part in s.extended_persistence()]


def _check(res, values, edges, batch, sizes, tol=1e-9):
    for f in range(values.shape[1]):
        offset = 0
        for g, n in enumerate(sizes):
            local = [(a - offset, b - offset) for a, b in edges if batch[a] == g]
            ref = gudhi_extended(values[offset:offset + n, f], local)
            for (kind, dim), r in zip(KINDS, ref):
                ours = as_sorted_pairs(res.as_list(dim, kind, filtration=f)[g])
                assert_same_multiset(ours, r, tol)
            offset += n


@st.composite
def graph_batches(draw):
    k = draw(st.integers(1, 3))
    sizes = draw(st.lists(st.integers(1, 9), min_size=1, max_size=4))
    integer = draw(st.booleans())
    edges, offset = [], 0
    for n in sizes:
        for _ in range(draw(st.integers(0, 2 * n + 2))):
            a, b = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
            edges.append((a + offset, b + offset))
            if draw(st.booleans()):
                edges.append((b + offset, a + offset))
        offset += n
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    values = rng.integers(-2, 3, (offset, k)).astype(float) if integer \
        else rng.normal(size=(offset, k))
    return values, edges, np.repeat(np.arange(len(sizes)), sizes), sizes


@given(data=graph_batches())
def test_matches_gudhi(data):
    values, edges, batch, sizes = data
    ei = torch.tensor(edges, dtype=torch.long).reshape(-1, 2).T
    res = extended_persistence(torch.from_numpy(values), ei, torch.from_numpy(batch))
    _check(res, values, edges, batch, sizes)
    # fixed row counts per graph: n - c, n - c, c, m - n + c (aligned across filtrations)
    d = res.extended0.counts() + res.extended1.counts()
    assert torch.equal(res.ordinary0.counts() + res.extended0.counts(), torch.tensor(sizes))
    assert torch.equal(res.relative1.counts(), res.ordinary0.counts())
    assert torch.equal(d - res.extended0.counts(), res.extended1.counts())
    for diag in (res.ordinary0, res.relative1, res.extended0, res.extended1):
        assert torch.isfinite(diag.death).all() and not diag.essential.any()


@pytest.mark.parametrize("name", ["mutag", "proteins"])
def test_matches_gudhi_on_tu(name):
    from topograph.data.tu import find_tu_folder, read_tu

    try:
        data = read_tu(find_tu_folder(name))[:40 if name == "proteins" else 60]
    except (FileNotFoundError, OSError) as exc:  # pragma: no cover
        pytest.skip(str(exc))
    from torch_geometric.data import Batch

    b = Batch.from_data_list(data)
    rng = np.random.default_rng(0)
    values = rng.normal(size=(b.num_nodes, 2))
    values[:, 1] = np.round(values[:, 1])  # ties
    res = extended_persistence(torch.from_numpy(values), b.edge_index, b.batch)
    edges = [tuple(e) for e in b.edge_index.T.tolist()]
    _check(res, values, edges, b.batch.numpy(), [d.num_nodes for d in data])


def test_measured_example_and_zero_length_pairs():
    # triangle 0-1-2 (values 0, 1, 2) and a pendant vertex 3 (value 3) on vertex 2
    v = torch.tensor([0.0, 1.0, 2.0, 3.0])
    ei = torch.tensor([[0, 1, 0, 2], [1, 2, 2, 3]])
    r = extended_persistence(v, ei)
    assert r.as_list(0, "ordinary")[0].tolist() == []
    assert r.as_list(1, "relative")[0].tolist() == []
    assert r.as_list(0, "extended")[0].tolist() == [[0.0, 3.0]]
    assert r.as_list(1, "extended")[0].tolist() == [[2.0, 0.0]]
    # the diagrams keep the zero-length pairs (fixed shapes): n - c = 3 rows
    assert sorted(r.as_list(0, "ordinary", drop_zero=False)[0].tolist()) == \
        [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]


def test_gradients_reach_the_reported_vertices():
    v = torch.tensor([0.0, 1.0, 2.0, 3.0, 0.5], dtype=torch.float64, requires_grad=True)
    ei = torch.tensor([[0, 1, 0, 2, 4], [1, 2, 2, 3, 4]])  # vertex 4 isolated (self-loop)
    r = extended_persistence(v, ei)
    loss = r.extended1.death.sum() + 2 * r.extended1.birth.sum() + 4 * r.extended0.death.sum()
    loss.backward()
    assert v.grad.tolist() == [1.0, 0.0, 2.0, 4.0, 4.0]


def test_gradcheck():
    torch.manual_seed(0)
    v = torch.rand(9, 2, dtype=torch.float64, requires_grad=True)
    ei = torch.tensor([[0, 1, 2, 3, 4, 0, 2, 5, 6, 7], [1, 2, 3, 4, 0, 2, 4, 6, 7, 5]])
    batch = torch.tensor([0, 0, 0, 0, 0, 1, 1, 1, 2])

    def fn(x):
        r = extended_persistence(x, ei, batch)
        return sum((d.birth * 1.3 + d.death * 0.7).sum() for d in
                   (r.ordinary0, r.relative1, r.extended0, r.extended1))

    assert torch.autograd.gradcheck(fn, (v,), eps=1e-6, atol=1e-6)


@pytest.mark.parametrize("kwargs, err, match", [
    (dict(values=torch.tensor([0.0, float("nan")])), ValueError, "NaN"),
    (dict(batch=torch.tensor([0, 1])), ValueError, "different graphs"),
    (dict(backend="cuda"), ValueError, "'auto', 'numba', 'triton'"),
    (dict(values=torch.zeros(2, 2, 2)), ValueError, r"\[N\] or \[N, k\]"),
    (dict(edge_index=torch.tensor([[0], [5]])), ValueError, "outside"),
])
def test_bad_input(kwargs, err, match):
    args = dict(values=torch.zeros(2), edge_index=torch.tensor([[0], [1]]))
    args.update(kwargs)
    with pytest.raises(err, match=match):
        extended_persistence(args.pop("values"), args.pop("edge_index"), **args)


def test_kind_errors():
    r = extended_persistence(torch.zeros(2), torch.tensor([[0], [1]]))
    with pytest.raises(ValueError, match="no ordinary pairs in dimension 1"):
        r.as_list(1, "ordinary")
    with pytest.raises(ValueError, match="kind must be"):
        r.diagram(0, "essential")


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_triton_on_the_gpu_equals_numba():
    """The compiled Triton kernel (no interpreter) gives the numba kernel's pairs."""
    pytest.importorskip("triton", reason="Triton is not installed (pip install triton, Linux only)")
    g = 7
    ei, batch, vals = tied_graph_batch(30, g, torch.Generator().manual_seed(0))
    a = extended_persistence(vals.cuda(), ei.cuda(), batch.cuda(), num_samples=g + 1, backend="triton")
    b = extended_persistence(vals, ei, batch, num_samples=g + 1, backend="numba")
    for name in ("ordinary0", "relative1", "extended0", "extended1"):
        da, db = getattr(a, name), getattr(b, name)
        for f in ("birth_index", "death_index", "batch"):
            assert torch.equal(getattr(da, f).cpu(), getattr(db, f)), (name, f)
