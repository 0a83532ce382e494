"""Robustness sweep: every public entry point fed bad input.

Each case either raises a ``ValueError`` / ``TypeError`` whose message names the
problem, or returns a correct, finite result. Never a crash from deep inside a
kernel, a hang, or a silent NaN. The "other" device of the mismatched-device
cases is ``cuda`` when present, else ``meta`` (a device without data).
"""
from __future__ import annotations

import signal
from typing import Any, Callable

import matplotlib
import numpy as np
import pytest
import torch

import topograph
from topograph.cli import main
from topograph.core import GraphBatch
from topograph.nn import TOGL, ECTLayer, TopologicalSignatureLoss

matplotlib.use("Agg")

OTHER = "cuda" if torch.cuda.is_available() else "meta"
INF = float("inf")
BACKENDS = ["numba", "torch"]
lsp = topograph.lower_star_persistence
rips = topograph.rips_persistence
ect = topograph.ect


@pytest.fixture(autouse=True)
def _no_hang():
    """Fail (instead of hanging the suite) if one case takes more than 60 s."""
    def boom(*_):
        raise TimeoutError("robustness case did not finish in 60 s")
    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def V(n: int = 5, dtype=torch.float32) -> torch.Tensor:
    return torch.tensor([0.3, 0.1, 0.4, 0.2, 0.5, 0.7, 0.6, 0.0][:n], dtype=dtype)


def E() -> torch.Tensor:  # path 0-1-2-3-4
    return torch.tensor([[0, 1, 2, 3], [1, 2, 3, 4]])


def NAN(t: torch.Tensor, value: float = float("nan")) -> torch.Tensor:
    t = t.clone()
    t.view(-1)[1] = value
    return t


def P(n: int = 6, d: int = 3) -> torch.Tensor:
    return torch.rand(n, d, generator=torch.Generator().manual_seed(0))


def check_error(fn: Callable[[], Any], exc: type, match: str) -> None:
    with pytest.raises(exc, match=match):
        fn()


def all_finite(*tensors: torch.Tensor) -> bool:
    return all(bool(torch.isfinite(t).all()) for t in tensors)


def ls_multiset(res, dim: int = 0) -> list[list[tuple[float, float]]]:
    return [sorted(map(tuple, d.tolist())) for d in res.as_list(dim)]


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
    ("triangles in complex", lambda: lsp(V(3), GraphBatch.from_edge_index(
        torch.zeros(2, 0, dtype=torch.long), 3, faces=torch.tensor([[0], [1], [2]]))), ValueError, "triangles"),
]


@pytest.mark.parametrize("fn, exc, match", [c[1:] for c in LOWER_STAR_ERRORS],
                         ids=[c[0] for c in LOWER_STAR_ERRORS])
def test_lower_star_errors(fn, exc, match):
    check_error(fn, exc, match)


@pytest.mark.parametrize("backend", BACKENDS)
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


@pytest.mark.parametrize("backend", BACKENDS)
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


# --------------------------------------------------------------------------- ECT
ECT_ERRORS = [
    ("nan coordinates", lambda: ect(NAN(P()), torch.eye(3)), ValueError, "NaN"),
    ("inf coordinates", lambda: ect(NAN(P(), float("inf")), torch.eye(3)), ValueError, "inf"),
    ("integer coordinates", lambda: ect(torch.ones(4, 3, dtype=torch.long), torch.eye(3)), TypeError,
     "floating point"),
    ("integer directions", lambda: ect(P(), torch.eye(3, dtype=torch.long)), TypeError, "floating point"),
    ("1-d coordinates", lambda: ect(torch.rand(3), torch.eye(3)), ValueError, r"\[N, d\]"),
    ("directions of wrong dimension", lambda: ect(P(), torch.eye(2)), ValueError, "dimension"),
    ("no directions", lambda: ect(P(), torch.zeros(0, 3)), ValueError, "T >= 1"),
    ("zero-length direction", lambda: ect(P(), torch.zeros(2, 3)), ValueError, "zero-length"),
    ("nan direction", lambda: ect(P(), NAN(torch.eye(3))), ValueError, "NaN"),
    ("edge out of range", lambda: ect(P(), torch.eye(3), edge_index=torch.tensor([[0], [6]])), ValueError,
     "outside"),
    ("face out of range", lambda: ect(P(), torch.eye(3), faces=torch.tensor([[0], [1], [9]])), ValueError,
     "outside"),
    ("float edges", lambda: ect(P(), torch.eye(3), edge_index=torch.tensor([[0.0], [1.0]])), TypeError,
     "integer"),
    ("faces [2, F]", lambda: ect(P(), torch.eye(3), faces=torch.tensor([[0], [1]])), ValueError, r"\[3, K\]"),
    ("batch wrong length", lambda: ect(P(), torch.eye(3), batch=torch.zeros(3, dtype=torch.long)), ValueError,
     "batch has length"),
    ("float batch", lambda: ect(P(), torch.eye(3), batch=torch.zeros(6)), TypeError, "integer"),
    ("negative batch", lambda: ect(P(), torch.eye(3), batch=torch.tensor([-1, 0, 0, 0, 0, 0])), ValueError,
     "negative"),
    ("num_samples too small", lambda: ect(P(), torch.eye(3), batch=torch.tensor([0, 0, 1, 1, 2, 2]),
                                          num_samples=2), ValueError, "num_samples"),
    ("edge across samples", lambda: ect(P(), torch.eye(3), edge_index=torch.tensor([[0], [5]]),
                                        batch=torch.tensor([0, 0, 0, 1, 1, 1])), ValueError, "different samples"),
    ("resolution 1", lambda: ect(P(), torch.eye(3), resolution=1), ValueError, "resolution"),
    ("float resolution", lambda: ect(P(), torch.eye(3), resolution=8.0), TypeError, "resolution"),
    ("radius 0", lambda: ect(P(), torch.eye(3), radius=0.0), ValueError, "radius"),
    ("radius nan", lambda: ect(P(), torch.eye(3), radius=float("nan")), ValueError, "radius"),
    ("scale inf", lambda: ect(P(), torch.eye(3), scale=float("inf")), ValueError, "scale"),
    ("directions on other device", lambda: ect(P(), torch.eye(3, device=OTHER)), ValueError, "device"),
    ("batch on other device", lambda: ect(P(), torch.eye(3), batch=torch.zeros(6, dtype=torch.long,
                                                                              device=OTHER)),
     ValueError, "device"),
    ("coordinates on meta", lambda: ect(P().to("meta"), torch.eye(3, device="meta")), ValueError, "meta device"),
    ("list coordinates", lambda: ect([[0.0, 0.0, 0.0]], torch.eye(3)), TypeError, "torch.Tensor"),
]


@pytest.mark.parametrize("fn, exc, match", [c[1:] for c in ECT_ERRORS], ids=[c[0] for c in ECT_ERRORS])
def test_ect_errors(fn, exc, match):
    check_error(fn, exc, match)


@pytest.mark.parametrize("scale", [None, 20.0])
def test_ect_valid_edge_cases(scale):
    dirs = torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.6, 0.8]])
    x = P()
    # unsorted batch = the same samples sorted
    batch = torch.tensor([1, 0, 1, 0, 1, 0])
    order = torch.tensor([1, 3, 5, 0, 2, 4])
    a = ect(x, dirs, batch=batch, resolution=8, scale=scale)
    b = ect(x[order], dirs, batch=torch.tensor([0, 0, 0, 1, 1, 1]), resolution=8, scale=scale)
    torch.testing.assert_close(a, b)
    # self-loops and duplicate edges are ignored; an isolated vertex counts +1 at large t
    e_dirty = torch.tensor([[0, 1, 1, 2, 2], [1, 0, 1, 2, 3]])
    e_clean = torch.tensor([[0, 2], [1, 3]])
    torch.testing.assert_close(ect(x, dirs, edge_index=e_dirty, resolution=8, scale=scale),
                               ect(x, dirs, edge_index=e_clean, resolution=8, scale=scale))
    if scale is None:  # 6 vertices - 2 edges = 4 components at the last threshold
        assert ect(x, dirs, edge_index=e_clean, resolution=8, radius=2.0)[0, -1].tolist() == [4.0, 4.0]
    # empty input and a single vertex
    assert ect(torch.zeros(0, 3), dirs, resolution=8, scale=scale).abs().sum() == 0
    single = ect(torch.zeros(1, 3), dirs, resolution=8, scale=scale)
    assert all_finite(single) and float(single[0, -1, 0]) == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize("scale", [None, 10.0, 1e30])
def test_ect_huge_values(scale):
    dirs = torch.tensor([[1.0, 0.0, 0.0], [0.6, 0.8, 0.0]])
    x = (P() * 1e38).requires_grad_(scale is not None)
    img = ect(x, dirs, resolution=8, scale=scale)
    assert all_finite(img)
    # every point lies far beyond the threshold range: nothing is counted
    assert float(img.detach().abs().max()) < 1e-3
    if scale is not None:
        img.sum().backward()
        assert all_finite(x.grad)
    # a huge but representable radius: everything sits at the middle threshold
    wide = ect(P(), dirs, resolution=9, radius=1e38, scale=scale)
    assert all_finite(wide) and wide[0, -1].tolist() == pytest.approx([6.0, 6.0], abs=1e-3)
    # heights or thresholds that would overflow float32: a clear error, never garbage
    with pytest.raises(ValueError, match="too large"):
        ect(P() * 3e38, dirs, resolution=8, scale=scale)
    with pytest.raises(ValueError, match="radius"):
        ect(P(), dirs, resolution=8, radius=3e38, scale=scale)
    assert all_finite(ect(P().double() * 3e38, dirs.double(), resolution=8, radius=3e38, scale=scale))


LAYER_ERRORS = [
    ("resolution 1", lambda: ECTLayer(4, 3, resolution=1), ValueError, "resolution"),
    ("learnable exact", lambda: ECTLayer(4, 3, learnable=True, scale=None), ValueError, "scale"),
    ("list directions", lambda: ECTLayer(directions=[[1.0, 0.0, 0.0]]), TypeError, "directions"),
    ("1-d directions", lambda: ECTLayer(directions=torch.rand(3)), ValueError, "directions"),
    ("zero directions", lambda: ECTLayer(0, 3), ValueError, "positive"),
    ("dimension mismatch", lambda: ECTLayer(4, 2, resolution=8)(P()), ValueError, "dimension"),
    ("integer coordinates", lambda: ECTLayer(4, 3, resolution=8)(torch.ones(4, 3, dtype=torch.long)), TypeError,
     "floating point"),
    ("nan coordinates", lambda: ECTLayer(4, 3, resolution=8)(NAN(P())), ValueError, "NaN"),
    ("coordinates on meta", lambda: ECTLayer(4, 3, resolution=8)(P().to("meta")), ValueError, "meta device"),
    ("edges on other device",
     lambda: ECTLayer(4, 3, resolution=8)(P(), edge_index=torch.tensor([[0], [1]], device=OTHER)),
     ValueError, "device"),
    ("data without coordinates", lambda: ECTLayer(4, 3, resolution=8)(_data_without_pos()), ValueError,
     "coordinates"),
]


def _data_without_pos():
    from torch_geometric.data import Data

    return Data(edge_index=torch.tensor([[0], [1]]), num_nodes=2)


@pytest.mark.parametrize("fn, exc, match", [c[1:] for c in LAYER_ERRORS], ids=[c[0] for c in LAYER_ERRORS])
def test_ect_layer_errors(fn, exc, match):
    check_error(fn, exc, match)


def test_ect_layer_valid_edge_cases():
    layer = ECTLayer(4, 3, resolution=8, scale=50.0, learnable=True)
    assert layer(torch.zeros(0, 3)).shape == (1, 8, 4)
    x = P().double().requires_grad_()
    out = layer(x)
    assert out.dtype == torch.float64 and all_finite(out)
    out.sum().backward()
    assert all_finite(x.grad, *(p.grad for p in layer.parameters()))


# --------------------------------------------------------------------------- TopoAE loss
LOSS_ERRORS = [
    ("batch sizes differ", lambda: TopologicalSignatureLoss()(P(8), P(4, 2)), ValueError, "agree"),
    ("one point", lambda: TopologicalSignatureLoss()(P(1), P(1, 2)), ValueError, "at least 2"),
    ("empty", lambda: TopologicalSignatureLoss()(P(0), P(0, 2)), ValueError, "at least 2"),
    ("empty batched", lambda: TopologicalSignatureLoss()(torch.rand(0, 4, 3), torch.rand(0, 4, 2)), ValueError,
     "empty"),
    ("nan in x", lambda: TopologicalSignatureLoss()(NAN(P()), P(6, 2)), ValueError, "x contains NaN"),
    ("inf in z", lambda: TopologicalSignatureLoss()(P(), NAN(P(6, 2), float("inf"))), ValueError,
     "z contains NaN or inf"),
    ("latent dimension 0", lambda: TopologicalSignatureLoss()(P(), torch.zeros(6, 0)), ValueError, "latent"),
    ("1-d z", lambda: TopologicalSignatureLoss()(P(), torch.rand(6)), ValueError, r"\[n, m\]"),
    ("integer x", lambda: TopologicalSignatureLoss()(torch.ones(6, 3, dtype=torch.long), P(6, 2)), TypeError,
     "floating-point"),
    ("list x", lambda: TopologicalSignatureLoss()(P().tolist(), P(6, 2)), TypeError, "tensors"),
    ("float32 overflow in x", lambda: TopologicalSignatureLoss()(P() * 1e38, P(6, 2)), ValueError, "too large"),
    ("float32 overflow in z", lambda: TopologicalSignatureLoss()(P(), P(6, 2) * 3e38), ValueError, "too large"),
    ("z on other device", lambda: TopologicalSignatureLoss()(P(), P(6, 2).to(OTHER)), ValueError, "device"),
    ("both on meta", lambda: TopologicalSignatureLoss()(P().to("meta"), P(6, 2).to("meta")), ValueError,
     "meta device"),
    ("nan normalization", lambda: TopologicalSignatureLoss(normalization=float("nan")), ValueError,
     "finite and positive"),
    ("three constants", lambda: TopologicalSignatureLoss(normalization=(1.0, 2.0, 3.0)), ValueError, "pair"),
    ("dims (0, 2)", lambda: TopologicalSignatureLoss(dims=(0, 2)), ValueError, "dims"),
    ("bad backend", lambda: TopologicalSignatureLoss(backend="nope")(P(), P(6, 2)), ValueError, "backend"),
]


@pytest.mark.parametrize("fn, exc, match", [c[1:] for c in LOSS_ERRORS], ids=[c[0] for c in LOSS_ERRORS])
def test_topological_loss_errors(fn, exc, match):
    check_error(fn, exc, match)


@pytest.mark.parametrize("kwargs", [{}, {"normalization": "learnable"}, {"normalization": "none"},
                                    {"dims": (0, 1)}, {"matching": "sorted_deaths"}])
@pytest.mark.parametrize("case", ["duplicates", "huge", "tiny", "float16"])
def test_topological_loss_finite(kwargs, case):
    x, z = P(8, 5), P(8, 2) * 2 - 1
    if case == "duplicates":
        x, z = torch.cat([x[:4], x[:4]]), torch.zeros(8, 2)
    elif case == "huge":
        x, z = x * 1e17, z * 1e17
    elif case == "tiny":
        x, z = x * 1e-30, z * 1e-30
    elif case == "float16":
        x, z = x.half(), z.half()
    z = z.requires_grad_()
    loss = TopologicalSignatureLoss(**kwargs)(x, z)
    loss.backward()
    assert all_finite(loss, z.grad)


# --------------------------------------------------------------------------- TOGL
def _togl() -> TOGL:
    torch.manual_seed(0)
    return TOGL(3, 4, num_filtrations=2, hidden=4)


def XG(n: int = 6) -> torch.Tensor:
    return torch.rand(n, 3, generator=torch.Generator().manual_seed(1))


TOGL_XFAIL: dict[str, str] = {}

TOGL_ERRORS = [
    ("nan features", lambda: _togl()(NAN(XG()), E()), ValueError, "NaN"),
    ("inf features", lambda: _togl()(NAN(XG(), float("inf")), E()), ValueError, "infinite"),
    ("integer features", lambda: _togl()(torch.ones(6, 3, dtype=torch.long), E()), TypeError, "dtype"),
    ("wrong channels", lambda: _togl()(torch.rand(6, 2), E()), ValueError, "in_channels"),
    ("1-d features", lambda: _togl()(torch.rand(6), E()), ValueError, "shape"),
    ("empty batch", lambda: _togl()(torch.rand(0, 3), torch.zeros(2, 0, dtype=torch.long)), ValueError, "empty"),
    ("edge out of range", lambda: _togl()(XG(), torch.tensor([[0], [9]])), ValueError, "outside"),
    ("float edges", lambda: _togl()(XG(), E().float()), TypeError, "integer"),
    ("edge_index [3, E]", lambda: _togl()(XG(), torch.zeros(3, 2, dtype=torch.long)), ValueError, r"\[2, M\]"),
    ("batch wrong length", lambda: _togl()(XG(), E(), torch.zeros(3, dtype=torch.long)), ValueError,
     "one entry per node"),
    ("unsorted batch", lambda: _togl()(XG(), E(), torch.tensor([1, 1, 0, 0, 1, 1])), ValueError, "sorted"),
    ("float batch", lambda: _togl()(XG(), E(), torch.zeros(6)), TypeError, "integer"),
    ("edge across graphs", lambda: _togl()(XG(), E(), torch.tensor([0, 0, 0, 1, 1, 1])), ValueError,
     "different graphs"),
    ("edges on other device", lambda: _togl()(XG(), E().to(OTHER)), ValueError, "device"),
    ("batch on other device", lambda: _togl()(XG(), E(), torch.zeros(6, dtype=torch.long, device=OTHER)),
     ValueError, "device"),
    ("features on meta", lambda: _togl()(XG().to("meta"), E().to("meta")), ValueError, "meta device"),
]


def _maybe_xfail(cases, xfails):
    return [pytest.param(*c[1:], id=c[0], marks=pytest.mark.xfail(strict=True, reason=xfails[c[0]]))
            if c[0] in xfails else pytest.param(*c[1:], id=c[0]) for c in cases]


@pytest.mark.parametrize("fn, exc, match", _maybe_xfail(TOGL_ERRORS, TOGL_XFAIL))
def test_togl_errors(fn, exc, match):
    check_error(fn, exc, match)


@pytest.mark.parametrize("train", [True, False])
def test_togl_valid_graphs(train):
    layer = _togl().train(train)
    no_edges = torch.zeros(2, 0, dtype=torch.long)
    cases = [
        (XG(1), no_edges, None),  # a single vertex
        (XG(), torch.tensor([[3, 4], [4, 5]]), torch.tensor([0, 0, 0, 1, 1, 1])),  # edgeless first graph
        (XG(), no_edges, None),  # only isolated vertices
        (torch.zeros(6, 3), E(), None),  # all filtration inputs exactly 0
        (XG() * 1e30, E(), None),  # huge features
    ]
    for x, e, b in cases:
        x = x.clone().requires_grad_()
        out = layer(x, e, b)
        assert out.shape == (x.shape[0], 4) and all_finite(out)
        out.sum().backward()
        assert all_finite(x.grad)
    # self-loops and duplicate edges change nothing
    layer.eval()
    dirty = torch.tensor([[0, 1, 1, 2, 3, 4], [1, 0, 1, 3, 2, 4]])
    clean = torch.tensor([[0, 2], [1, 3]])
    torch.testing.assert_close(layer(XG(), dirty), layer(XG(), clean))


# --------------------------------------------------------------------------- plotting
def _plot(*args, **kwargs):
    import matplotlib.pyplot as plt

    from topograph.plotting import plot_diagrams

    try:
        return plot_diagrams(*args, **kwargs)
    finally:
        plt.close("all")


PLOT_ERRORS = [
    ("nan death", lambda: _plot(torch.tensor([[0.0, float("nan")]])), ValueError, "NaN"),
    ("inf birth", lambda: _plot(torch.tensor([[-INF, 1.0]])), ValueError, "births"),
    ("-inf death", lambda: _plot(torch.tensor([[0.0, -INF]])), ValueError, "-inf"),
    ("shape [m, 3]", lambda: _plot(torch.rand(4, 3)), ValueError, r"\[m, 2\]"),
    ("1-d diagram", lambda: _plot(torch.rand(4)), ValueError, r"\[m, 2\]"),
    ("no diagrams", lambda: _plot([]), ValueError, "no diagrams"),
    ("None", lambda: _plot(None), TypeError, "diagrams"),
    ("string", lambda: _plot("abc"), TypeError, "diagrams"),
    ("labels mismatch", lambda: _plot([torch.rand(2, 2)], labels=["a", "b"]), ValueError, "labels"),
    ("meta tensor", lambda: _plot(torch.rand(3, 2, device="meta")), ValueError, "meta"),
]


@pytest.mark.parametrize("fn, exc, match", [c[1:] for c in PLOT_ERRORS], ids=[c[0] for c in PLOT_ERRORS])
def test_plot_errors(fn, exc, match):
    check_error(fn, exc, match)


def test_plot_valid_edge_cases():
    res = lsp(V(), E()[:, :2])
    assert _plot([res.as_list(0)[0], res.as_list(1)[0]]) is not None  # essential classes + an empty H1
    assert _plot(torch.zeros(0, 2)) is not None
    assert _plot(torch.tensor([[0.0, INF]])) is not None
    assert _plot(torch.tensor([[0.0, 3e38], [1e38, INF]])) is not None
    assert _plot(torch.rand(3, 2, requires_grad=True).half()) is not None


# --------------------------------------------------------------------------- data loaders
def _write(path, data: bytes | str):
    path.parent.mkdir(parents=True, exist_ok=True)
    (path.write_bytes if isinstance(data, bytes) else path.write_text)(data)
    return path


IDX_LABELS = b"\x00\x00\x08\x01\x00\x00\x00\x02\x01\x02"


def _data_cases():
    from topograph import data as D

    def mnist_files(tmp, images: bytes, name="train-images-idx3-ubyte"):
        _write(tmp / name, images)
        _write(tmp / "train-labels-idx1-ubyte", IDX_LABELS)
        return lambda: D.load_mnist(tmp)

    def npz(tmp, arrays=None, raw=None):
        if raw is not None:
            _write(tmp / "mnist.npz", raw)
        else:
            np.savez(tmp / "mnist.npz", **arrays)
        return lambda: D.load_mnist(tmp)

    def mesh(tmp, name, text):
        return lambda: D.load_mesh(_write(tmp / name, text))

    header3 = b"\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00\x00\x02\x00\x00\x00\x02"
    return [
        ("mnist missing folder", lambda tmp: (lambda: D.load_mnist(tmp / "nope")), FileNotFoundError,
         "train-images-idx3-ubyte"),
        ("mnist garbage", lambda tmp: mnist_files(tmp, b"garbage"), ValueError, "train-images-idx3-ubyte"),
        ("mnist truncated data", lambda tmp: mnist_files(tmp, header3 + b"\x01"), ValueError, "header says"),
        ("mnist truncated header", lambda tmp: mnist_files(tmp, header3[:8]), ValueError, "truncated IDX header"),
        ("mnist bad gzip", lambda tmp: mnist_files(tmp, b"notgzip", "train-images-idx3-ubyte.gz"), ValueError,
         "idx3-ubyte.gz"),
        ("mnist images/labels mismatch", lambda tmp: mnist_files(
            tmp, b"\x00\x00\x08\x03\x00\x00\x00\x03\x00\x00\x00\x02\x00\x00\x00\x02" + bytes(12)), ValueError,
         "3 images but 2 labels"),
        ("mnist npz garbage", lambda tmp: npz(tmp, raw=b"junk"), ValueError, "mnist.npz"),
        ("mnist npz missing array", lambda tmp: npz(tmp, {"x_train": np.zeros((2, 4))}), ValueError,
         "mnist.npz: missing array y_train"),
        ("mesh missing", lambda tmp: (lambda: D.load_mesh(tmp / "x.off")), FileNotFoundError, "x.off"),
        ("mesh unsupported suffix", lambda tmp: mesh(tmp, "x.txt", "hi"), ValueError, "x.txt"),
        ("mesh corrupt", lambda tmp: mesh(tmp, "x.off", "garbage garbage"), ValueError, "x.off"),
        ("mesh empty file", lambda tmp: mesh(tmp, "e.off", ""), ValueError, "e.off"),
        ("mesh without faces", lambda tmp: mesh(tmp, "p.off", "OFF\n3 0 0\n0 0 0\n1 0 0\n0 1 0\n"), ValueError,
         "p.off contains no triangle"),
        ("mesh nan vertex", lambda tmp: mesh(tmp, "n.off", "OFF\n3 1 0\n0 0 0\nnan 0 0\n0 1 0\n3 0 1 2\n"),
         ValueError, "n.off has NaN"),
        ("mesh face out of range", lambda tmp: mesh(tmp, "o.off", "OFF\n3 1 0\n0 0 0\n1 0 0\n0 1 0\n3 0 1 7\n"),
         ValueError, "o.off"),
        ("mesh folder missing", lambda tmp: (lambda: D.load_mesh_folder(tmp / "nope")), FileNotFoundError, "nope"),
        ("mesh folder without classes", lambda tmp: (lambda: D.load_mesh_folder(tmp)), FileNotFoundError,
         "no class folders"),
        ("mesh folder without split", lambda tmp: (lambda: (tmp / "a").mkdir() or D.load_mesh_folder(tmp)),
         FileNotFoundError, "a/train"),
        ("mesh folder without files", lambda tmp: (lambda: (tmp / "a" / "test").mkdir(parents=True)
                                                   or D.load_mesh_folder(tmp, "test")),
         FileNotFoundError, "a/test"),
        ("tu missing folder", lambda tmp: (lambda: D.TUDataset(str(tmp / "NOPE"))), FileNotFoundError, "NOPE"),
        ("spheres bad split", lambda tmp: (lambda: D.Spheres("nope")), ValueError, "split"),
        ("spheres nan radius", lambda tmp: (lambda: D.make_spheres(3, dim=2, radius=float("nan"))), ValueError,
         "radius"),
        ("spheres negative n_big", lambda tmp: (lambda: D.make_spheres(3, dim=2, n_big=-1)), ValueError, "n_big"),
        ("digits bad split", lambda tmp: (lambda: D.Digits("nope")), ValueError, "split"),
        ("digits threshold 1", lambda tmp: (lambda: D.digits_point_clouds(threshold=1.0)), ValueError, "threshold"),
        ("digits limit 0", lambda tmp: (lambda: D.digits_grid_graphs(limit=0)), ValueError, "limit"),
        ("shapes unknown kind", lambda tmp: (lambda: D.make_shapes(1, kind="voxels")), ValueError, "kind"),
        ("shapes unknown class", lambda tmp: (lambda: D.make_shapes(1, classes=("blob",))), ValueError, "blob"),
        ("shapes zero points", lambda tmp: (lambda: D.make_shapes(1, kind="points", num_points=0)), ValueError,
         "num_points"),
        ("shapes nan noise", lambda tmp: (lambda: D.make_shapes(1, noise=float("nan"))), ValueError, "noise"),
    ]


DATA_CASES = _data_cases()


@pytest.mark.parametrize("make, exc, match", [c[1:] for c in DATA_CASES], ids=[c[0] for c in DATA_CASES])
def test_data_loader_errors(tmp_path, make, exc, match):
    check_error(make(tmp_path), exc, match)


def test_mesh_loader_valid_degenerate(tmp_path):
    from topograph import data as D

    # all three vertices coincide: a finite (collapsed) mesh, not a crash
    data = D.load_mesh(_write(tmp_path / "pt.off", "OFF\n3 1 0\n1 1 1\n1 1 1\n1 1 1\n3 0 1 2\n"))
    assert all_finite(data.pos)


# --------------------------------------------------------------------------- command line
def _cli_cases():
    togl_small = ["--num-graphs", "20", "--no-progress"]
    return [
        ("topoae bad device", ["topoae", "--device", "nonsense"], "--device"),
        ("topoae missing cuda", ["topoae", "--device", "cuda:7"], "CUDA") if not torch.cuda.is_available()
        else ("topoae bad threads", ["topoae", "--threads", "-1"], "--threads"),
        ("topoae batch size 1", ["topoae", "--batch-size", "1"], "--batch-size"),
        ("topoae nan lambda", ["topoae", "--lam", "nan"], "--lam"),
        ("topoae inf lr", ["topoae", "--lr", "inf"], "--lr"),
        ("topoae unwritable out", ["topoae", "--model", "pca", "--out", "{file}/sub"], "file"),
        ("ect bad device", ["ect", "--device", "nonsense"], "--device"),
        ("ect meshes without root", ["ect", "--dataset", "meshes"], "--root"),
        ("ect missing mesh folder", ["ect", "--dataset", "meshes", "--root", "{tmp}/none"], "none"),
        ("ect nan radius", ["ect", "--radius", "nan"], "--radius"),
        ("ect inf scale", ["ect", "--scale", "inf"], "--scale"),
        ("ect nan lr", ["ect", "--lr", "nan"], "--lr"),
        ("ect nan test fraction", ["ect", "--test-fraction", "nan"], "--test-fraction"),
        ("ect limit too small", ["ect", "--dataset", "digits", "--limit", "5"], "--limit"),
        ("togl missing data set", ["togl", "--dataset", "{tmp}/NOPE"], "NOPE"),
        ("togl bad device", ["togl", "--device", "nonsense"], "nonsense"),
        ("togl epochs 0", ["togl", "--epochs", "0"], "--epochs"),
        ("togl zero graphs", ["togl", "--num-graphs", "0"], "num"),
        ("togl nan lr", ["togl", "--lr", "nan", *togl_small], "lr"),
        ("togl zero filtrations", ["togl", "--num-filtrations", "0", "--depth", "1", "--togl-position", "0",
                                   *togl_small], "filtrations"),
    ]


CLI_XFAIL: dict[str, str] = {}
CLI_CASES = _cli_cases()


@pytest.mark.parametrize("argv, needle", [
    pytest.param(argv, needle, id=name,
                 marks=[pytest.mark.xfail(strict=True, reason=CLI_XFAIL[name])] if name in CLI_XFAIL else [])
    for name, argv, needle in CLI_CASES])
def test_cli_user_errors(tmp_path, capsys, argv, needle):
    blocker = _write(tmp_path / "file", "not a folder")
    argv = [a.format(tmp=tmp_path, file=blocker) for a in argv]
    if "--out" not in argv:
        argv += ["--out", str(tmp_path / "out")]
    rc = main(argv)
    err = capsys.readouterr().err.strip()
    assert rc == 2
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"topograph {argv[0]}: error:")
    assert needle.lower() in lines[0].lower()


@pytest.mark.parametrize("argv", [[], ["nope"], ["topoae", "--epochs", "abc"], ["ect", "--dataset", "cubes"],
                                  ["togl", "--model", "mlp"]])
def test_cli_argparse_errors(capsys, argv):
    with pytest.raises(SystemExit) as info:
        main(argv)
    err = capsys.readouterr().err
    assert info.value.code == 2 and "error:" in err and "Traceback" not in err


def test_check_finite_sum_shortcut():
    """The one-sum shortcut: an overflowing sum of finite values is not an error,
    any NaN or inf is (even where the sum would cancel or hide it)."""
    from topograph.core.validation import check_finite

    check_finite(torch.tensor([3e38, 3e38, 3e38]), "v")  # sum overflows, values finite
    for bad in ([1.0, float("nan")], [float("inf"), -float("inf")], [3e38, float("inf")]):
        with pytest.raises(ValueError, match="NaN|inf"):
            check_finite(torch.tensor(bad), "v")
