"""TOGL layer: diagrams against gudhi, gradients, edge cases, errors, devices."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch_geometric.data import Batch, Data

from topograph.nn import TOGL
from topograph.togl.layer import EMBEDDINGS

gudhi = pytest.importorskip("gudhi")


def _random_batch(seed: int, num_graphs: int = 6, d: int = 4) -> Batch:
    rng = np.random.default_rng(seed)
    graphs = []
    for g in range(num_graphs):
        n = int(rng.integers(1, 12))
        m = int(rng.integers(0, 2 * n + 1))
        e = rng.integers(0, n, size=(2, m))  # self-loops, duplicates, one direction
        graphs.append(Data(x=torch.randn(n, d, generator=torch.Generator().manual_seed(seed + g)),
                           edge_index=torch.from_numpy(e).long(), num_nodes=n))
    return Batch.from_data_list(graphs)


def _gudhi_diagrams(f: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """dim-0 and dim-1 multisets of one lower-star graph filtration (inf = essential)."""
    st = gudhi.SimplexTree()
    for v, val in enumerate(f):
        st.insert([v], filtration=float(val))
    for u, v in edges.T:
        if u != v:
            st.insert([int(u), int(v)], filtration=float(max(f[u], f[v])))
    st.compute_persistence(min_persistence=-1.0, persistence_dim_max=True)
    d0 = st.persistence_intervals_in_dimension(0).reshape(-1, 2)
    d1 = st.persistence_intervals_in_dimension(1).reshape(-1, 2)
    return d0, d1


def _sorted(a: np.ndarray) -> np.ndarray:
    a = np.where(np.isinf(a), 1e9, a)
    return a[np.lexsort((a[:, 1], a[:, 0]))] if len(a) else a.reshape(0, 2)


def _compare_with_gudhi(layer: TOGL, data: Batch) -> None:
    with torch.no_grad():
        res = layer.diagrams(data.x, data.edge_index, data.batch, num_samples=data.num_graphs)
        f = layer.filtration(data.x).numpy()
    ptr = data.ptr.numpy()
    ei = data.edge_index.numpy()
    for j in range(layer.num_filtrations):
        ours0, ours1 = res.as_list(0, j), res.as_list(1, j)
        for g in range(data.num_graphs):
            lo, hi = ptr[g], ptr[g + 1]
            mask = (ei[0] >= lo) & (ei[0] < hi)
            d0, d1 = _gudhi_diagrams(f[lo:hi, j], ei[:, mask] - lo)
            np.testing.assert_allclose(_sorted(ours0[g].numpy()), _sorted(d0), rtol=1e-6)
            np.testing.assert_allclose(_sorted(ours1[g].numpy()), _sorted(d1), rtol=1e-6)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_diagrams_equal_gudhi_random_graphs(seed: int) -> None:
    torch.manual_seed(seed)
    data = _random_batch(seed)
    _compare_with_gudhi(TOGL(4, 8), data)


def test_diagrams_equal_gudhi_mutag() -> None:
    from topograph.data import TUGraphs

    torch.manual_seed(0)
    ds = TUGraphs("mutag")
    data = Batch.from_data_list(list(ds))
    _compare_with_gudhi(TOGL(ds.num_features, 8), data)


@pytest.mark.parametrize("embedding", EMBEDDINGS)
def test_gradients_reach_filtration_mlp(embedding: str) -> None:
    torch.manual_seed(0)
    data = _random_batch(3)
    layer = TOGL(4, 6, embedding=embedding)
    out, graph = layer(data.x, data.edge_index, data.batch, return_graph_features=True)
    assert out.shape == (data.num_nodes, 6) and graph.shape[0] == data.num_graphs
    (out.square().sum() + graph.square().sum()).backward()
    for p in layer.filtration.parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all()
        assert p.grad.abs().sum() > 0


@pytest.mark.parametrize("static", [False, True])
def test_gradcheck_float64(static: bool) -> None:
    torch.manual_seed(0)
    data = _random_batch(4, num_graphs=3, d=3)
    layer = TOGL(3, 3, num_filtrations=2, hidden=4, deepset_hidden=4, static=static).double()
    x = data.x.double().requires_grad_(True)
    fn = lambda x: layer(x, data.edge_index, data.batch, num_samples=3)  # noqa: E731
    assert torch.autograd.gradcheck(fn, (x,), eps=1e-6, atol=1e-5)


def _out(layer: TOGL, x, ei, batch=None, num_samples=None) -> torch.Tensor:
    layer.eval()
    with torch.no_grad():
        return layer(x, ei, batch, num_samples=num_samples)


def test_edge_cases_edgeless_first_single_vertex() -> None:
    torch.manual_seed(0)
    graphs = [Data(x=torch.randn(3, 4), edge_index=torch.zeros(2, 0, dtype=torch.long)),
              Data(x=torch.randn(1, 4), edge_index=torch.zeros(2, 0, dtype=torch.long)),
              Data(x=torch.randn(4, 4), edge_index=torch.tensor([[0, 1, 2, 3], [1, 2, 3, 0]])),
              Data(x=torch.randn(1, 4), edge_index=torch.tensor([[0], [0]]))]
    data = Batch.from_data_list(graphs)
    for emb in EMBEDDINGS:
        layer = TOGL(4, embedding=emb)
        out, graph = layer(data.x, data.edge_index, data.batch, return_graph_features=True)
        assert out.shape == (9, 4) and torch.isfinite(out).all()
        assert torch.isfinite(graph).all()
        out.sum().backward()
    res = layer.diagrams(data.x, data.edge_index, data.batch)
    # edgeless graph: every vertex essential; cycle graph: one essential, one cycle
    per_graph = torch.zeros(4, dtype=torch.long).index_add_(0, data.batch,
                                                            res.dim0.essential[:, 0].long())
    assert per_graph.tolist() == [3, 1, 1, 1]
    assert res.dim1.batch.tolist() == [2]
    # a single vertex graph alone (training mode, one row for batch norm)
    layer.train()
    assert layer(torch.randn(1, 4), torch.zeros(2, 0, dtype=torch.long)).shape == (1, 4)


def test_self_loops_duplicates_and_directions_do_not_matter() -> None:
    torch.manual_seed(0)
    x = torch.randn(5, 4)
    clean = torch.tensor([[0, 1, 2, 3, 1, 2, 3, 0], [1, 2, 3, 0, 0, 1, 2, 3]])
    one_dir = torch.tensor([[0, 2, 2, 0], [1, 1, 3, 3]])
    messy = torch.cat([one_dir, one_dir, torch.tensor([[4, 1, 1], [4, 1, 0]])], 1)
    layer = TOGL(4, 4)
    ref = _out(layer, x, clean)
    torch.testing.assert_close(_out(layer, x, one_dir), ref)
    torch.testing.assert_close(_out(layer, x, messy), ref)
    res = layer.diagrams(x, messy)
    assert len(res.dim1) == 1  # self-loops make no fake cycles
    static = TOGL(4, 4, static=True)
    torch.testing.assert_close(_out(static, x, messy), _out(static, x, clean))


@pytest.mark.parametrize("embedding", ["deepset", "line"])
def test_equivariant_to_vertex_relabelling(embedding: str) -> None:
    torch.manual_seed(0)
    data = _random_batch(8)
    ptr = data.ptr.tolist()
    perm = torch.cat([lo + torch.randperm(hi - lo) for lo, hi in zip(ptr[:-1], ptr[1:])])
    inv = torch.empty_like(perm)
    inv[perm] = torch.arange(len(perm))
    layer = TOGL(4, 4, embedding=embedding)
    ref = _out(layer, data.x, data.edge_index, data.batch)
    out = _out(layer, data.x[perm], inv[data.edge_index], data.batch)
    torch.testing.assert_close(out, ref[perm], rtol=1e-5, atol=1e-5)


def test_zero_filtration_values_keep_essential_mask() -> None:
    layer = TOGL(2, 2, embedding="triangle")
    with torch.no_grad():
        layer.filtration[2].weight.zero_()
        layer.filtration[2].bias.zero_()
    x = torch.randn(6, 2)
    ei = torch.tensor([[0, 1, 2, 3, 4], [1, 2, 0, 4, 5]])  # triangle + path, 2 components
    res = layer.diagrams(x, ei)
    assert (res.dim0.birth == 0).all() and (res.dim0.death == 0).all()
    assert res.dim0.essential.sum(0).tolist() == [2] * layer.num_filtrations
    assert len(res.dim1) == 1
    out = _out(layer, x, ei)
    assert torch.isfinite(out).all()


def test_sequential_and_repr() -> None:
    from torch_geometric.nn import GCNConv, Sequential

    model = Sequential("x, edge_index, batch", [
        (GCNConv(4, 16), "x, edge_index -> x"),
        torch.nn.ReLU(),
        (TOGL(16, 16, num_filtrations=4), "x, edge_index, batch -> x"),
    ])
    data = _random_batch(5)
    assert model(data.x, data.edge_index, data.batch).shape == (data.num_nodes, 16)
    assert "TOGL(16, 16, num_filtrations=4" in repr(model)
    model[2].reset_parameters()


def test_clear_errors() -> None:
    layer = TOGL(4, 4)
    ei = torch.tensor([[0, 1], [1, 2]])
    with pytest.raises(ValueError, match="in_channels=4"):
        layer(torch.randn(3, 5), ei)
    with pytest.raises(ValueError, match="batch vector"):
        layer(torch.randn(3, 4), ei, torch.zeros(2, dtype=torch.long))
    x = torch.randn(3, 4)
    x[1, 2] = math.nan
    with pytest.raises(ValueError, match="NaN"):
        layer(x, ei)
    with pytest.raises(ValueError, match="embedding"):
        TOGL(4, embedding="square")


def test_one_core_call_for_all_graphs(monkeypatch) -> None:
    import topograph.togl.layer as mod

    calls = []
    real = mod.lower_star_persistence

    def spy(values, *args, **kwargs):
        calls.append(values.shape)
        return real(values, *args, **kwargs)

    monkeypatch.setattr(mod, "lower_star_persistence", spy)
    data = _random_batch(6, num_graphs=10)
    TOGL(4, 4, num_filtrations=5)(data.x, data.edge_index, data.batch)
    assert calls == [torch.Size([data.num_nodes, 5])]


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_matches_cpu() -> None:
    torch.manual_seed(0)
    data = _random_batch(7, num_graphs=8)
    layer = TOGL(4, 4).eval()
    ref = _out(layer, data.x, data.edge_index, data.batch)
    layer = layer.cuda()
    out = _out(layer, data.x.cuda(), data.edge_index.cuda(), data.batch.cuda())
    torch.testing.assert_close(out.cpu(), ref, rtol=1e-4, atol=1e-5)
    layer.train()
    x = data.x.cuda().requires_grad_(True)
    layer(x, data.edge_index.cuda(), data.batch.cuda()).sum().backward()
    assert torch.isfinite(x.grad).all()
