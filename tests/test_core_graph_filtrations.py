"""Edge filtrations (graph_persistence): against gudhi, lower-star special case, errors."""
import gudhi
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from references import as_sorted_pairs, assert_same_multiset
from topograph import lower_star_persistence
from topograph.core.graph_persistence import graph_persistence


@pytest.fixture(scope="module")
def backend() -> str:
    """One CPU kernel (numba); the Triton kernel runs in tests/test_triton.py."""
    return "numba"


@st.composite
def edge_filtrations(draw):
    """Random graph batches (ties, isolated vertices, self-loops, both directions) with
    vertex values and valid edge values (edge = max of endpoints + a drawn increment)."""
    k = draw(st.integers(1, 2))
    sizes = draw(st.lists(st.integers(1, 8), min_size=1, max_size=3))
    integer = draw(st.booleans())
    edges, offset = [], 0
    for n in sizes:
        for _ in range(draw(st.integers(0, 2 * n))):
            a, b = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
            edges.append((a + offset, b + offset))
            if draw(st.booleans()):
                edges.append((b + offset, a + offset))
        offset += n
    N = offset
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    vals = rng.integers(-2, 3, (N, k)).astype(float) if integer else rng.normal(size=(N, k))
    key = {}
    for a, b in edges:
        if (min(a, b), max(a, b)) not in key:
            inc = rng.integers(0, 3, k).astype(float) if integer else rng.exponential(size=k)
            key[min(a, b), max(a, b)] = np.maximum(vals[a], vals[b]) + inc * (rng.random(k) < .7)
    ev = np.array([key[min(a, b), max(a, b)] for a, b in edges]).reshape(-1, k)
    return vals, ev, edges, np.repeat(np.arange(len(sizes)), sizes), sizes


def _gudhi(vals, ev_of, n):
    st_ = gudhi.SimplexTree()
    for i in range(n):
        st_.insert([i], float(vals[i]))
    for (a, b), w in ev_of.items():
        if a != b:
            st_.insert([a, b], float(w))
    out = {0: [], 1: []}
    for dim, (b, d) in st_.persistence(min_persistence=-1.0, persistence_dim_max=True):
        out[dim].append((float(b), float(d)))
    return {k: sorted(v) for k, v in out.items()}


@given(data=edge_filtrations())
def test_matches_gudhi(backend, data):
    vals, ev, edges, batch, sizes = data
    ei = torch.tensor(edges, dtype=torch.long).reshape(-1, 2).T
    res = graph_persistence(torch.from_numpy(vals), torch.from_numpy(ev), ei,
                            torch.from_numpy(batch), backend=backend)
    for f in range(vals.shape[1]):
        offset = 0
        for g, n in enumerate(sizes):
            local = {(a - offset, b - offset): ev[j, f] for j, (a, b) in enumerate(edges)
                     if batch[a] == g}
            ref = _gudhi(vals[offset:offset + n, f], local, n)
            for dim in (0, 1):
                assert_same_multiset(as_sorted_pairs(res.as_list(dim, f)[g]), ref[dim])
            offset += n


@given(data=edge_filtrations())
def test_lower_star_is_the_special_case(backend, data):
    vals, _, edges, batch, _ = data
    v = torch.from_numpy(vals)
    ei = torch.tensor(edges, dtype=torch.long).reshape(-1, 2).T
    ev = v[ei].amax(0) if ei.numel() else v[:0]
    a = graph_persistence(v, ev, ei, torch.from_numpy(batch), backend=backend,
                          essential_death="max")
    b = lower_star_persistence(v, ei, torch.from_numpy(batch), backend=backend,
                               essential_death="max")
    for dim in (0, 1):
        da, db = a.diagram(dim), b.diagram(dim)
        assert torch.equal(da.birth, db.birth) and torch.equal(da.death, db.death)
        assert torch.equal(da.essential, db.essential) and torch.equal(da.batch, db.batch)


def test_hand_made_edge_values_change_the_pairing():
    # path 0 - 1 - 2, vertex values 0, 1, 0; edge (0, 1) enters late at 5
    v = torch.tensor([0.0, 1.0, 0.0])
    ei = torch.tensor([[0, 1], [1, 2]])
    ev = torch.tensor([5.0, 1.0])
    r = graph_persistence(v, ev, ei)
    assert sorted(r.as_list(0)[0].tolist()) == [[0.0, 5.0], [0.0, float("inf")], [1.0, 1.0]]
    # a square whose closing edge enters at 7: one cycle born at 7
    ei = torch.tensor([[0, 1, 2, 3], [1, 2, 3, 0]])
    r = graph_persistence(torch.zeros(4), torch.tensor([1.0, 2.0, 3.0, 7.0]), ei)
    assert r.as_list(1)[0].tolist() == [[7.0, float("inf")]]
    assert r.dim1.birth_index.tolist() == [[3]]


def test_gradients_reach_vertex_and_edge_values():
    v = torch.tensor([0.0, 1.0, 0.5, 2.0], dtype=torch.float64, requires_grad=True)
    ei = torch.tensor([[0, 1, 2, 1, 0], [1, 2, 0, 0, 3]])  # column 3 repeats (0, 1)
    ev = torch.tensor([1.5, 1.2, 0.9, 1.5, 3.0], dtype=torch.float64, requires_grad=True)
    r = graph_persistence(v, ev, ei)
    d0 = r.dim0
    (d0.death[~d0.essential].sum() + 10 * r.dim1.birth.sum() + d0.birth.sum()).backward()
    assert v.grad.tolist() == [1.0, 1.0, 1.0, 1.0]
    # deaths: vertex 2 at edge (0, 2) = 0.9, vertex 1 at (1, 2) = 1.2, vertex 3 at 3.0;
    # the cycle closes at (0, 1) = 1.5, read from its first column (0)
    assert ev.grad.tolist() == [10.0, 1.0, 1.0, 0.0, 1.0]


def test_gradcheck_generic_values():
    torch.manual_seed(0)
    v = torch.rand(7, 2, dtype=torch.float64)
    ei = torch.tensor([[0, 1, 2, 3, 4, 5, 0, 2], [1, 2, 3, 4, 5, 6, 3, 6]])
    ev = (v[ei].amax(0) + torch.rand(8, 2, dtype=torch.float64)).requires_grad_()
    v.requires_grad_()

    def fn(a, b):
        r = graph_persistence(a, b, ei, essential_death="max")
        return r.dim0.death.sum() + r.dim1.birth.sum() + r.dim1.death.sum()

    assert torch.autograd.gradcheck(fn, (v, ev), eps=1e-6, atol=1e-6)


def test_clamp_option_repairs_invalid_edges():
    v = torch.tensor([0.0, 2.0, 1.0], requires_grad=True)
    ei = torch.tensor([[0, 1], [1, 2]])
    ev = torch.tensor([1.0, 3.0])
    with pytest.raises(ValueError, match=r"edge column 0 \(0, 1\) has value 1 .*invalid_edges"):
        graph_persistence(v, ev, ei)
    r = graph_persistence(v, ev, ei, invalid_edges="clamp")
    assert sorted(r.as_list(0)[0].tolist()) == [[0.0, float("inf")], [1.0, 3.0], [2.0, 2.0]]
    r.dim0.death[~r.dim0.essential].sum().backward()
    assert v.grad.tolist() == [0.0, 1.0, 0.0]  # the clamped edge reads vertex 1


E2 = torch.tensor([[0, 1], [1, 2]])


@pytest.mark.parametrize("args, kwargs, err, match", [
    ((torch.zeros(3), torch.ones(1), E2), {}, ValueError, "1 rows but edge_index has 2"),
    ((torch.zeros(3), torch.tensor([1.0, float("nan")]), E2), {}, ValueError, "NaN"),
    ((torch.zeros(3, 2), torch.ones(2), E2), {}, ValueError, "1 filtrations"),
    ((torch.zeros(4), torch.ones(2), torch.tensor([[0, 1], [1, 2]])), {"batch": None},
     None, None),
    ((torch.zeros(4), torch.ones(2), torch.tensor([[0, 1], [1, 2]]), torch.tensor([0, 0, 1, 1])),
     {}, ValueError, "different graphs"),
    ((torch.zeros(3), torch.ones(3), torch.tensor([[0, 1, 1], [1, 2, 0]])), {}, None, None),
    ((torch.zeros(3), torch.tensor([1.0, 1.0, 2.0]), torch.tensor([[0, 1, 1], [1, 2, 0]])), {},
     ValueError, r"columns 0 and 2 .*same undirected edge"),
    ((torch.zeros(3), torch.ones(2), E2), {"invalid_edges": "fix"}, ValueError, "'raise' or"),
    ((torch.zeros(3), torch.ones(2, dtype=torch.long), E2), {}, TypeError, "floating"),
    ((torch.zeros(3), torch.ones(2), E2[0]), {}, ValueError, r"shape \[2, E\]"),
    ((torch.zeros(3), torch.ones(2), E2), {"essential_death": -1.0}, ValueError, "below the birth"),
])
def test_bad_input_gives_clear_errors(args, kwargs, err, match):
    if err is None:
        graph_persistence(*args, **kwargs)
        return
    with pytest.raises(err, match=match):
        graph_persistence(*args, **kwargs)


def test_self_loop_values_are_ignored_and_graphs_without_edges_work():
    v = torch.tensor([0.0, 1.0, 2.0])
    ei = torch.tensor([[0, 1], [0, 1]])  # self-loops only
    r = graph_persistence(v, torch.tensor([-5.0, 9.0]), ei, essential_death="max")
    assert r.dim0.essential.all() and r.dim0.death[:, 0].tolist() == [2.0, 2.0, 2.0]
    assert len(r.dim1) == 0
    ev = torch.zeros(0, requires_grad=True)  # no edge columns at all: an empty gradient
    r = graph_persistence(v, ev, torch.zeros(2, 0, dtype=torch.long), essential_death="max")
    (r.dim0.death.sum() + r.dim1.birth.sum()).backward()
    assert ev.grad is not None and ev.grad.shape == (0,)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_takes_the_torch_input_path(dtype):
    """Half-precision values skip the numba input pass; with essential_death="max" and a
    graph without edges, the per-graph maximum falls back to torch ops (a -1 "no edge"
    must not reach an index_select)."""
    ei = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])
    batch = torch.tensor([0, 0, 0, 1])  # graph 1: a lone vertex
    v = torch.tensor([0.125, 0.5, 0.25, 0.75])
    e = torch.tensor([0.625, 0.625, 0.875, 0.875])  # exact in both half formats
    ref = graph_persistence(v, e, ei, batch, essential_death="max")
    vh, eh = v.to(dtype).requires_grad_(), e.to(dtype).requires_grad_()
    got = graph_persistence(vh, eh, ei, batch, essential_death="max")
    for dim in (0, 1):
        a, b = got.diagram(dim), ref.diagram(dim)
        assert torch.equal(a.birth.float(), b.birth) and torch.equal(a.death.float(), b.death)
        assert torch.equal(a.death_index, b.death_index)
    assert got.dim0.death[:, 0].tolist() == [0.875, 0.625, 0.875, 0.75]
    got.dim0.death.float().sum().backward()
    assert eh.grad[2].item() == 2.0 and eh.grad[0].item() == 1.0  # the max edge, twice


def test_float32_and_float64_keys_agree(backend):
    """The kernel sorts float32 and float64 edge values by different integer keys."""
    rng = np.random.default_rng(1)
    n, m = 60, 150
    ei = torch.from_numpy(rng.integers(0, n, (2, m)))
    v = torch.from_numpy(rng.integers(-3, 3, (n, 3)).astype(np.float32))
    v[v == 0] = -0.0  # signed zeros tie with zeros
    lo, hi = ei.min(0).values, ei.max(0).values
    inc = torch.from_numpy(rng.integers(0, 3, (n * n, 3)).astype(np.float32))[lo * n + hi]
    ev = v[ei].amax(0) + inc - 0.0
    a = graph_persistence(v, ev, ei, backend=backend)
    b = graph_persistence(v.double(), ev.double(), ei, backend=backend)
    for dim in (0, 1):
        da, db = a.diagram(dim), b.diagram(dim)
        assert torch.equal(da.birth.double(), db.birth) and torch.equal(da.death.double(), db.death)
        assert torch.equal(da.death_index, db.death_index)


def test_issue_names_are_deprecated_aliases():
    from topograph import extended_persistence

    v, ei = torch.tensor([0.0, 1.0]), torch.tensor([[0], [1]])
    with pytest.warns(DeprecationWarning, match="topograph: `num_graphs`"):
        graph_persistence(v, torch.tensor([1.0]), ei, num_graphs=1)
    with pytest.warns(DeprecationWarning, match="topograph: `essential`"):
        graph_persistence(v, torch.tensor([1.0]), ei, essential="max")
    with pytest.warns(DeprecationWarning, match="topograph: `num_graphs`"):
        extended_persistence(v, ei, num_graphs=1)
