"""Lower-star pairing on batched graphs: against gudhi, hand cases, edge cases."""
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from references import as_sorted_pairs, assert_same_multiset, gudhi_lower_star
from topograph import GraphBatch, lower_star_persistence


@pytest.fixture(scope="module")
def backend() -> str:
    """Lower-star has one CPU kernel (numba); the Triton kernels run in tests/test_triton.py."""
    return "numba"


@st.composite
def graph_batches(draw):
    """Several random graphs with ties, zeros, negatives, isolated vertices,
    self-loops, duplicate and one-directional edges, and k filtrations."""
    k = draw(st.integers(1, 3))
    n_graphs = draw(st.integers(1, 4))
    sizes = draw(st.lists(st.integers(1, 9), min_size=n_graphs, max_size=n_graphs))
    integer = draw(st.booleans())  # integer values => many ties
    edges, values, offset = [], [], 0
    for n in sizes:
        m = draw(st.integers(0, 2 * n))
        for _ in range(m):
            a = draw(st.integers(0, n - 1))
            b = draw(st.integers(0, n - 1))
            edges.append((a + offset, b + offset))
            if draw(st.booleans()):
                edges.append((b + offset, a + offset))  # both directions (duplicate)
        for _ in range(n):
            if integer:
                values.append([float(draw(st.integers(-2, 2))) for _ in range(k)])
            else:
                values.append([draw(st.floats(-5, 5, allow_nan=False, width=32)) for _ in range(k)])
        offset += n
    batch = np.repeat(np.arange(n_graphs), sizes)
    return np.array(values, dtype=np.float64), edges, batch, sizes


def _reference(values, edges, batch, sizes, f):
    res, offset = [], 0
    for g, n in enumerate(sizes):
        local = [(a - offset, b - offset) for a, b in edges if batch[a] == g]
        res.append(gudhi_lower_star(values[offset:offset + n, f], local))
        offset += n
    return res


@given(data=graph_batches())
def test_matches_gudhi(backend, data):
    values, edges, batch, sizes = data
    ei = torch.tensor(edges, dtype=torch.long).reshape(-1, 2).T
    res = lower_star_persistence(torch.from_numpy(values), ei, torch.from_numpy(batch),
                                 backend=backend)
    for f in range(values.shape[1]):
        ref = _reference(values, edges, batch, sizes, f)
        for dim in (0, 1):
            ours = res.as_list(dim, f)
            assert len(ours) == len(sizes)
            for g in range(len(sizes)):
                assert_same_multiset(as_sorted_pairs(ours[g]), ref[g][dim])


def test_hand_made_triangle_with_tail(backend):
    # triangle 0-1-2 plus tail 2-3 and isolated vertex 4
    values = torch.tensor([0.0, 1.0, 2.0, 0.5, 7.0])
    ei = torch.tensor([[0, 1, 2, 2], [1, 2, 0, 3]])
    res = lower_star_persistence(values, ei, backend=backend)
    d0 = res.dim0
    # vertex 3 (0.5) is born before 1 and 2 and dies when edge 2-3 (value 2) joins it to 0
    assert d0.essential.squeeze(1).tolist() == [True, False, False, False, True]
    assert d0.death[1, 0].item() == 1.0 and d0.death[2, 0].item() == 2.0
    assert d0.death[3, 0].item() == 2.0
    assert res.as_list(1)[0].tolist() == [[2.0, float("inf")]]


def test_edgeless_first_graph_and_single_vertex(backend):
    values = torch.tensor([[0.3], [0.1], [0.0], [1.0], [2.0], [5.0]])
    batch = torch.tensor([0, 0, 1, 1, 1, 2])  # graph 0: no edges; graph 2: one vertex
    ei = torch.tensor([[2, 3], [3, 4]])
    res = lower_star_persistence(values, ei, batch, backend=backend)
    lists = res.as_list(0)
    assert [len(x) for x in lists] == [2, 3, 1]
    assert torch.isinf(lists[0][:, 1]).all()
    assert lists[2].tolist() == [[5.0, float("inf")]]
    assert [len(x) for x in res.as_list(1)] == [0, 0, 0]


def test_self_loops_and_duplicates_make_no_cycles(backend):
    values = torch.tensor([0.0, 1.0])
    ei = torch.tensor([[0, 0, 1, 1, 0], [0, 1, 0, 1, 1]])
    res = lower_star_persistence(values, ei, backend=backend)
    assert len(res.dim1) == 0
    assert res.as_list(0)[0].tolist() == [[0.0, float("inf")], [1.0, 1.0]]


def test_zero_values_are_kept():
    # the original TOGL masked pairs by `!= 0`; a genuine (0, 0) pair must survive
    values = torch.zeros(3)
    ei = torch.tensor([[0, 1], [1, 2]])
    d0 = lower_star_persistence(values, ei).dim0
    assert d0.essential.sum().item() == 1
    assert (d0.birth == 0).all() and (d0.death[~d0.essential] == 0).all()


@pytest.mark.parametrize("essential", ["inf", "max", 10.0])
def test_essential_conventions(essential):
    values = torch.tensor([1.0, 3.0, 2.0, 0.0, 4.0], requires_grad=True)
    batch = torch.tensor([0, 0, 0, 1, 1])
    ei = torch.tensor([[0, 1, 2, 3], [1, 2, 0, 4]])
    res = lower_star_persistence(values, ei, batch, essential_death=essential)
    ess = res.dim0.death[res.dim0.essential]
    expected = {"inf": [float("inf")] * 2, "max": [3.0, 4.0], 10.0: [10.0, 10.0]}[essential]
    assert ess.tolist() == expected
    assert res.dim1.death.squeeze(1).tolist() == [expected[0]]
    # as_list always reports +inf for essential classes
    assert torch.isinf(res.as_list(0)[0][0, 1])
    if essential == "max":
        res.dim0.death[res.dim0.essential].sum().backward()
        assert values.grad.tolist() == [0.0, 1.0, 0.0, 0.0, 1.0]


def test_gradient_reaches_only_paired_entries():
    torch.manual_seed(0)
    n = 30
    values = torch.randn(n, 2, dtype=torch.float64, requires_grad=True)
    ei = torch.randint(0, n, (2, 40))
    res = lower_star_persistence(values, ei)
    d0 = res.dim0
    fin = ~d0.essential
    (d0.death[fin] - d0.birth[fin]).sum().backward()
    touched = torch.zeros(n, 2, dtype=torch.bool)
    for f in range(2):
        touched[d0.birth_index[fin[:, f], f], f] = True
        touched[d0.death_index[fin[:, f], f], f] = True
    zero_pairs = (d0.birth_index == d0.death_index) & fin  # zero-length pairs cancel
    assert (values.grad[~touched] == 0).all()
    assert (values.grad[touched & ~zero_pairs] != 0).any()


def test_gradcheck_generic_values():
    torch.manual_seed(1)
    n = 12
    ei = torch.randint(0, n, (2, 20))
    batch = torch.tensor([0] * 6 + [1] * 6)
    ei = ei[:, (batch[ei[0]] == batch[ei[1]])]
    values = torch.rand(n, 3, dtype=torch.float64, requires_grad=True)

    def fn(v):
        r = lower_star_persistence(v, ei, batch, essential_death="max")
        return torch.cat([r.dim0.birth.flatten(), r.dim0.death.flatten(), r.dim1.birth.flatten()])

    assert torch.autograd.gradcheck(fn, (values,), eps=1e-7, atol=1e-6)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_dtypes_are_preserved(dtype):
    values = torch.rand(5, 2, dtype=dtype)
    res = lower_star_persistence(values, torch.tensor([[0, 1, 2], [1, 2, 3]]))
    assert res.dim0.death.dtype == dtype and res.dim1.birth.dtype == dtype


def test_one_dimensional_values_and_graph_batch_input():
    values = torch.tensor([0.0, 2.0, 1.0])
    cx = GraphBatch.from_edge_index(torch.tensor([[0, 1], [1, 2]]), 3)
    res = lower_star_persistence(values, cx)
    assert res.dim0.birth.shape == (3, 1)
    assert res.as_list(0)[0].tolist() == [[0.0, float("inf")], [2.0, 2.0], [1.0, 2.0]]


@pytest.mark.parametrize(
    "kwargs, err, match",
    [
        (dict(values=torch.tensor([0.0, float("nan")])), ValueError, "NaN"),
        (dict(values=torch.tensor([0.0, float("inf")])), ValueError, "inf"),
        (dict(values=torch.tensor([0, 1])), TypeError, "floating"),
        (dict(values=torch.zeros(0)), ValueError, "empty"),
        (dict(values=torch.zeros(2, 2, 2)), ValueError, "shape"),
        (dict(edge_index=torch.tensor([[0], [5]])), ValueError, "outside"),
        (dict(edge_index=torch.tensor([[0], [-1]])), ValueError, "outside"),
        (dict(edge_index=torch.tensor([0, 1])), ValueError, "shape"),
        (dict(edge_index=torch.tensor([[0.0], [1.0]])), TypeError, "integer"),
        (dict(batch=torch.tensor([0])), ValueError, "one entry per vertex"),
        (dict(batch=torch.tensor([1, 0])), ValueError, "sorted"),
        (dict(edge_index=[[0], [1]]), TypeError, "torch.Tensor"),
        (dict(essential_death="zero"), ValueError, "essential_death"),
        (dict(backend="cuda-magic"), ValueError, "backend"),
    ],
)
def test_bad_input_gives_clear_errors(kwargs, err, match):
    args = dict(values=torch.tensor([0.0, 1.0]), edge_index=torch.tensor([[0], [1]]), batch=None)
    args.update(kwargs)
    extra = {k: args.pop(k) for k in ("essential_death", "backend") if k in args}
    with pytest.raises(err, match=match):
        lower_star_persistence(args["values"], args["edge_index"], args["batch"], **extra)


def test_mismatched_devices():
    with pytest.raises(ValueError, match="same device"):
        lower_star_persistence(torch.zeros(2, device="meta"), torch.tensor([[0], [1]]))
