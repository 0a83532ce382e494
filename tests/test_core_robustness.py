"""Bad-input sweep of the core: lower-star persistence, GraphBatch, Rips, input checks.

See tests/bad_inputs.py for the conventions of these sweeps."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import topograph
from topograph.core import GraphBatch

from bad_inputs import BACKENDS, E, INF, NAN, OTHER, P, V, all_finite, check_error, ls_multiset, no_hang  # noqa: F401

lsp = topograph.lower_star_persistence
rips = topograph.rips_persistence


# --------------------------------------------------------------------------- lower-star
LOWER_STAR_ERRORS = [
    ("nan values", lambda: lsp(NAN(V()), E()), ValueError, "NaN"),
    ("inf values", lambda: lsp(NAN(V(), float("inf")), E()), ValueError, "inf"),
    ("-inf values", lambda: lsp(NAN(V(), float("-inf")), E()), ValueError, "inf"),
    ("integer values", lambda: lsp(torch.arange(5), E()), TypeError, "floating point"),
    ("bool values", lambda: lsp(V() > 0.2, E()), TypeError, "floating point"),
    ("list values", lambda: lsp([0.1, 0.2], E()), TypeError, "torch.Tensor"),
    ("3-d values", lambda: lsp(torch.rand(5, 2, 1), E()), ValueError, r"\[N\] or \[N, k\]"),
    ("zero filtrations", lambda: lsp(torch.rand(5, 0), E()), ValueError, "no filtrations"),
    ("empty values", lambda: lsp(torch.zeros(0), torch.zeros(2, 0, dtype=torch.long)), ValueError, "empty"),
    ("edge out of range", lambda: lsp(V(), torch.tensor([[0], [5]])), ValueError, "outside"),
    ("negative edge", lambda: lsp(V(), torch.tensor([[-1], [2]])), ValueError, "outside"),
    ("float edge_index", lambda: lsp(V(), E().float()), TypeError, "integer"),
    ("edge_index [3, E]", lambda: lsp(V(), torch.zeros(3, 2, dtype=torch.long)), ValueError, r"\[2, M\]"),
    ("edge_index 1-d", lambda: lsp(V(), torch.tensor([0, 1])), ValueError, r"\[2, M\]"),
    ("batch wrong length", lambda: lsp(V(), E(), torch.zeros(4, dtype=torch.long)), ValueError, "one entry per vertex"),
    ("batch unsorted", lambda: lsp(V(), torch.zeros(2, 0, dtype=torch.long), torch.tensor([1, 0, 0, 1, 1])),
     ValueError, "sorted"),
    ("batch negative", lambda: lsp(V(), E(), torch.tensor([-1, 0, 0, 0, 0])), ValueError, "negative"),
    ("float batch", lambda: lsp(V(), E(), torch.zeros(5)), TypeError, "integer"),
    ("edge across graphs", lambda: lsp(V(), E(), torch.tensor([0, 0, 0, 1, 1])), ValueError, "different graphs"),
    ("num_samples too small", lambda: lsp(V(), E(), torch.tensor([0, 0, 1, 1, 2]), num_samples=2), ValueError,
     "num_samples"),
    ("num_samples float", lambda: lsp(V(), E(), torch.zeros(5, dtype=torch.long), num_samples=1.5), TypeError,
     "num_samples"),
    ("essential nan", lambda: lsp(V(), E(), essential_death=float("nan")), ValueError, "NaN"),
    ("essential unknown", lambda: lsp(V(), E(), essential_death="never"), ValueError, "essential_death"),
    ("bad backend", lambda: lsp(V(), E(), backend="cuda-kernels"), ValueError, "backend"),
    ("edge_index on other device", lambda: lsp(V(), E().to(OTHER)), ValueError, "device"),
    ("batch on other device", lambda: lsp(V(), E(), torch.zeros(5, dtype=torch.long, device=OTHER)), ValueError,
     "device"),
    ("values on meta", lambda: lsp(V().to("meta"), E().to("meta")), ValueError, "meta device"),
    ("tetrahedra", lambda: lsp(V(4), faces=torch.tensor([[0], [1], [2]]),
                               simplices=[torch.tensor([[0], [1], [2], [3]])]), ValueError, "dimension >= 3"),
    ("face out of range", lambda: lsp(V(), faces=torch.tensor([[0], [1], [5]])), ValueError, "outside"),
    ("face across graphs", lambda: lsp(V(), E()[:, :1], torch.tensor([0, 0, 0, 1, 1]),
                                       faces=torch.tensor([[0], [1], [3]])), ValueError, "different"),
    ("float faces", lambda: lsp(V(), faces=torch.tensor([[0.0], [1.0], [2.0]])), TypeError, "integer"),
    ("faces [2, F]", lambda: lsp(V(), faces=torch.tensor([[0], [1]])), ValueError, r"\[3, M\]"),
    ("no simplices", lambda: lsp(V()), ValueError, "edge_index"),
]


@pytest.mark.parametrize("fn, exc, match", [c[1:] for c in LOWER_STAR_ERRORS],
                         ids=[c[0] for c in LOWER_STAR_ERRORS])
def test_lower_star_errors(fn, exc, match):
    check_error(fn, exc, match)


@pytest.mark.parametrize("backend", ["numba"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_lower_star_huge_values(backend, dtype):
    big = torch.finfo(dtype).max
    v = torch.tensor([1e38, -0.9 * big, 0.9 * big, 0.0, big], dtype=dtype)
    res = lsp(v, E(), backend=backend, essential_death="max")
    assert all_finite(res.dim0.birth, res.dim0.death)
    # elder rule by hand: path 0-1-2-3-4, values 1e38, -0.9M, 0.9M, 0, M
    deaths = res.dim0.death[:, 0].tolist()
    assert deaths[0] == pytest.approx(1e38) and deaths[3] == pytest.approx(0.9 * big)
    assert res.dim0.essential[:, 0].tolist() == [False, True, False, False, False]
    res_inf = lsp(v, E(), backend=backend)
    assert torch.isinf(res_inf.dim0.death[1, 0]) and all_finite(res_inf.dim0.death[[0, 2, 3, 4]])


@pytest.mark.parametrize("backend", ["numba"])
def test_lower_star_graph_shapes(backend):
    # self-loops and duplicate edges, in both directions: same diagrams as the clean graph
    dirty = torch.tensor([[0, 1, 1, 1, 2, 3, 3, 4], [1, 0, 1, 2, 1, 4, 3, 3]])
    clean = torch.tensor([[0, 1, 3], [1, 2, 4]])
    a, b = lsp(V(), dirty, backend=backend), lsp(V(), clean, backend=backend)
    assert ls_multiset(a) == ls_multiset(b) and a.dim1.birth.shape[0] == b.dim1.birth.shape[0] == 0
    # isolated vertex 2 and a second component: three essential classes
    assert int(a.dim0.essential.sum()) == 2 and int(lsp(V(), clean[:, :1]).dim0.essential.sum()) == 4
    # a single vertex, an edgeless first graph, trailing empty graphs
    one = lsp(torch.tensor([0.5]), torch.zeros(2, 0, dtype=torch.long), backend=backend)
    assert one.as_list(0)[0].tolist() == [[0.5, float("inf")]] and one.as_list(1)[0].shape == (0, 2)
    batch = torch.tensor([0, 0, 1, 1, 1])
    edges = torch.tensor([[2, 3], [3, 4]])
    res = lsp(V(), edges, batch, num_samples=4, backend=backend)
    assert [len(d) for d in res.as_list(0)] == [2, 3, 0, 0]
    first = sorted(map(tuple, res.as_list(0)[0].tolist()))  # edgeless: two essential classes
    assert first == [(pytest.approx(0.1), INF), (pytest.approx(0.3), INF)]
    # a triangle closes exactly one cycle, counted once despite duplicates
    tri = lsp(V(3), torch.tensor([[0, 1, 2, 0, 2], [1, 2, 0, 1, 0]]), backend=backend)
    assert tri.dim1.birth.shape == (1, 1) and float(tri.dim1.birth) == pytest.approx(0.4)


def test_lower_star_low_precision_and_int_edges():
    for dtype in (torch.float16, torch.bfloat16):
        res = lsp(V(dtype=dtype), E().int())
        assert res.dim0.death.dtype == dtype and all_finite(res.dim0.birth)


# --------------------------------------------------------------------------- GraphBatch
GRAPH_BATCH_ERRORS = [
    ("negative num_nodes", lambda: GraphBatch.from_edge_index(E(), -1), ValueError, "num_nodes"),
    ("float num_nodes", lambda: GraphBatch.from_edge_index(E(), 5.0), TypeError, "num_nodes"),
    ("edge out of range", lambda: GraphBatch.from_edge_index(E(), 4), ValueError, "outside"),
    ("face out of range", lambda: GraphBatch.from_edge_index(E(), 5, faces=torch.tensor([[0], [1], [7]])),
     ValueError, "faces"),
    ("float faces", lambda: GraphBatch.from_edge_index(E(), 5, faces=torch.tensor([[0.0], [1], [2]])),
     TypeError, "faces"),
    ("faces on other device", lambda: GraphBatch.from_edge_index(E(), 5, faces=torch.tensor([[0], [1], [2]],
                                                                                               device=OTHER)),
     ValueError, "device"),
    ("batch wrong length", lambda: GraphBatch.from_edge_index(E(), 5, torch.zeros(6, dtype=torch.long)),
     ValueError, "one entry per vertex"),
    ("unsorted batch", lambda: GraphBatch.from_edge_index(torch.zeros(2, 0, dtype=torch.long), 3,
                                                          torch.tensor([1, 0, 1])), ValueError, "sorted"),
    ("edge across graphs", lambda: GraphBatch.from_edge_index(E(), 5, torch.tensor([0, 0, 1, 1, 1])),
     ValueError, "different graphs"),
    ("face across graphs", lambda: GraphBatch.from_edge_index(torch.zeros(2, 0, dtype=torch.long), 4,
                                                              torch.tensor([0, 0, 1, 1]),
                                                              faces=torch.tensor([[0], [1], [2]])),
     ValueError, "different graphs"),
    ("list edge_index", lambda: GraphBatch.from_edge_index([[0], [1]], 2), TypeError, "torch.Tensor"),
]


@pytest.mark.parametrize("fn, exc, match", [c[1:] for c in GRAPH_BATCH_ERRORS],
                         ids=[c[0] for c in GRAPH_BATCH_ERRORS])
def test_graph_batch_errors(fn, exc, match):
    check_error(fn, exc, match)


def test_graph_batch_cleans_edges():
    gb = GraphBatch.from_edge_index(torch.tensor([[0, 1, 1, 2, 2], [1, 0, 1, 2, 0]]), 4,
                                    num_samples=torch.tensor(1).item())
    assert gb.edge_index.tolist() == [[0, 0], [1, 2]] and gb.num_nodes == 4 and gb.num_samples == 1
    empty = GraphBatch.from_edge_index(torch.zeros(2, 0, dtype=torch.long), 0)
    assert empty.num_nodes == 0 and empty.edge_index.shape == (2, 0)


# --------------------------------------------------------------------------- Rips
RIPS_ERRORS = [
    ("nan points", lambda: rips(NAN(P())), ValueError, "NaN"),
    ("inf points", lambda: rips(NAN(P(), float("inf"))), ValueError, "inf"),
    ("integer points", lambda: rips(torch.ones(4, 2, dtype=torch.long)), TypeError, "floating point"),
    ("list points", lambda: rips([[0.0, 1.0]]), TypeError, "torch.Tensor"),
    ("None points", lambda: rips(None), TypeError, "torch.Tensor"),
    ("1-d points", lambda: rips(torch.rand(4)), ValueError, r"\[n, d\]"),
    ("4-d points", lambda: rips(torch.rand(2, 2, 2, 2)), ValueError, r"\[n, d\]"),
    ("empty cloud", lambda: rips(torch.zeros(0, 3)), ValueError, "empty"),
    ("empty batch", lambda: rips(torch.zeros(0, 4, 3)), ValueError, "empty"),
    ("zero-dimensional points", lambda: rips(torch.zeros(4, 0)), ValueError, "dimension 0"),
    ("max_dim 2", lambda: rips(P(), max_dim=2), ValueError, "max_dim"),
    ("float32 overflow (dim 0)", lambda: rips(P() * 3e38), ValueError, "too large"),
    ("float32 overflow (dim 1)", lambda: rips(P() * 3e38, max_dim=1), ValueError, "too large"),
    ("float32 overflow (torch)", lambda: rips(P() * 3e38, backend="torch"), ValueError, "too large"),
    ("points on meta", lambda: rips(P().to("meta")), ValueError, "meta device"),
    ("non-square distances", lambda: rips(None, distances=torch.rand(4, 3)), ValueError, r"\[n, n\]"),
    ("negative distances", lambda: rips(None, distances=-torch.ones(3, 3)), ValueError, "negative"),
    ("asymmetric distances", lambda: rips(None, distances=torch.tensor([[0.0, 1.0], [2.0, 0.0]])), ValueError,
     "symmetric"),
    ("integer distances", lambda: rips(None, distances=torch.ones(3, 3, dtype=torch.long)), TypeError,
     "floating point"),
    ("nan distances", lambda: rips(None, distances=NAN(torch.zeros(3, 3))), ValueError, "NaN"),
    ("bad essential", lambda: rips(P(), essential_death=float("nan")), ValueError, "NaN"),
]


@pytest.mark.parametrize("fn, exc, match", [c[1:] for c in RIPS_ERRORS], ids=[c[0] for c in RIPS_ERRORS])
def test_rips_errors(fn, exc, match):
    check_error(fn, exc, match)


@pytest.mark.parametrize("backend", BACKENDS)
def test_rips_valid_edge_cases(backend):
    from scipy.sparse.csgraph import minimum_spanning_tree
    from scipy.spatial.distance import cdist

    # huge but representable coordinates: finite and equal to scipy's MST
    pts = P() * 1e18
    res = rips(pts, backend=backend)
    mst = minimum_spanning_tree(cdist(pts.double().numpy(), pts.double().numpy())).data
    got = res.dim0.death[~res.dim0.essential].double().numpy()
    np.testing.assert_allclose(np.sort(got), np.sort(mst), rtol=1e-5)
    # a single point, two points, duplicate points, low precision
    one = rips(torch.rand(1, 3), max_dim=1, backend=backend)
    assert one.as_list(0)[0].tolist() == [[0.0, float("inf")]] and one.as_list(1)[0].shape == (0, 2)
    dup = rips(torch.zeros(5, 2), max_dim=1, backend=backend)
    assert (dup.as_list(0)[0][:-1] == 0).all() and dup.as_list(1)[0].shape == (0, 2)
    for dtype in (torch.float16, torch.bfloat16):
        low = rips(P().to(dtype), backend=backend)
        assert low.dim0.death.dtype == dtype and all_finite(low.dim0.death[~low.dim0.essential])
    # gradients through duplicate points are finite (0), never NaN
    x = torch.zeros(4, 2, requires_grad=True)
    rips(x, backend=backend).dim0.death[:3].sum().backward()
    assert all_finite(x.grad)



def test_check_finite_sum_shortcut():
    """The one-sum shortcut: an overflowing sum of finite values is not an error,
    any NaN or inf is (even where the sum would cancel or hide it)."""
    from topograph.core.validation import check_finite

    check_finite(torch.tensor([3e38, 3e38, 3e38]), "v")  # sum overflows, values finite
    for bad in ([1.0, float("nan")], [float("inf"), -float("inf")], [3e38, float("inf")]):
        with pytest.raises(ValueError, match="NaN|inf"):
            check_finite(torch.tensor(bad), "v")
