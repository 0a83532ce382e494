"""Complex constructors, op counts (no growth with the batch), devices."""
import networkx as nx
import pytest
import torch
import trimesh
from torch.utils._python_dispatch import TorchDispatchMode
from torch_geometric.data import Batch, Data

from topograph import GraphBatch, lower_star_persistence, rips_persistence
from topograph.core import canonical_edges


class OpCounter(TorchDispatchMode):
    def __init__(self):
        super().__init__()
        self.count = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.count += 1
        return func(*args, **(kwargs or {}))


def _ring_batch(num_graphs: int, n: int = 8):
    edges = torch.stack([torch.arange(n), (torch.arange(n) + 1) % n])
    data = [Data(edge_index=edges, num_nodes=n) for _ in range(num_graphs)]
    return Batch.from_data_list(data)


@pytest.mark.parametrize("backend", ["numba"])  # lower-star: Triton runs in tests/test_triton.py
def test_dispatch_count_does_not_grow_with_graphs(backend):
    counts = []
    for g in (16, 256):
        b = _ring_batch(g)
        values = torch.rand(b.num_nodes, 8, requires_grad=True)
        lower_star_persistence(values, b.edge_index, b.batch, num_samples=g, backend=backend)
        with OpCounter() as c:
            r = lower_star_persistence(values, b.edge_index, b.batch, num_samples=g, backend=backend)
            (r.dim0.death[~r.dim0.essential].sum() + r.dim1.birth.sum()).backward()
        counts.append(c.count)
    assert counts[0] == counts[1], counts


def test_rips_dispatch_count_does_not_grow_with_batch(backend):
    counts = []
    for b in (2, 32):
        x = torch.randn(b, 16, 3, requires_grad=True)
        with OpCounter() as c:
            d = rips_persistence(x, backend=backend).dim0
            d.death[~d.essential].sum().backward()
        counts.append(c.count)
    assert counts[0] == counts[1], counts


def test_canonical_edges():
    ei = torch.tensor([[1, 0, 2, 2, 1], [0, 1, 2, 1, 2]])
    assert canonical_edges(ei, 3).tolist() == [[0, 1], [1, 2]]
    assert canonical_edges(torch.zeros(2, 0, dtype=torch.long), 3).shape == (2, 0)


def test_from_pyg_networkx_trimesh():
    b = _ring_batch(3, 5)
    cx = GraphBatch.from_pyg(b)
    assert cx.num_samples == 3 and cx.edge_index.shape == (2, 15)
    assert torch.equal(cx.edge_batch, torch.arange(3).repeat_interleave(5))
    g = GraphBatch.from_networkx([nx.cycle_graph(4), nx.path_graph(3), nx.empty_graph(2)])
    assert g.num_samples == 3 and g.num_nodes == 9 and g.edge_index.shape[1] == 6
    mesh = trimesh.creation.icosphere(subdivisions=1)
    m = GraphBatch.from_trimesh([mesh, mesh])
    assert m.faces.shape == (3, 2 * len(mesh.faces))
    assert m.edge_index.shape[1] == 2 * len(mesh.edges_unique)
    # Euler characteristic of two spheres: 2 * (V - E + F) = 4
    assert m.num_nodes - m.edge_index.shape[1] + m.faces.shape[1] == 4


def test_single_graph_pyg_data():
    d = Data(edge_index=torch.tensor([[0, 1], [1, 0]]), num_nodes=3)
    cx = GraphBatch.from_pyg(d)
    res = lower_star_persistence(torch.tensor([0.0, 1.0, 2.0]), cx)
    assert [len(x) for x in res.as_list(0)] == [3]


def test_outputs_stay_on_device(device):
    values = torch.rand(6, 2, device=device)
    ei = torch.tensor([[0, 1, 2, 3], [1, 2, 0, 4]], device=device)
    r = lower_star_persistence(values, ei)
    assert r.dim0.death.device.type == device and r.dim1.batch.device.type == device
    x = torch.randn(3, 10, 2, device=device)
    assert rips_persistence(x).dim0.death.device.type == device


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_matches_cpu():
    torch.manual_seed(0)
    values = torch.rand(200, 4)
    ei = torch.randint(0, 200, (2, 400))
    batch = torch.arange(200) // 20
    a = lower_star_persistence(values, ei, batch)
    b = lower_star_persistence(values.cuda(), ei.cuda(), batch.cuda())
    assert torch.equal(a.dim0.death_index, b.dim0.death_index.cpu())
    x = torch.randn(4, 64, 3)
    da = rips_persistence(x).dim0.death
    db = rips_persistence(x.cuda()).dim0.death.cpu()
    assert torch.allclose(torch.sort(da, 0).values, torch.sort(db, 0).values)


def test_triangles_give_mesh_persistence():
    mesh = trimesh.creation.icosphere(subdivisions=0)
    cx = GraphBatch.from_trimesh(mesh)
    res = lower_star_persistence(torch.rand(cx.num_nodes), cx)  # dims 0-2 of the 2-complex
    assert [int(res.diagram(d).essential.sum()) for d in range(3)] == [1, 0, 1]


def test_plot_diagrams():
    import matplotlib

    matplotlib.use("Agg")
    from topograph.plotting import plot_diagrams

    r = rips_persistence(torch.randn(20, 2), max_dim=1)
    ax = plot_diagrams([r.as_list(0)[0], r.as_list(1)[0]], title="t")
    assert len(ax.collections) >= 2
    with pytest.raises(ValueError, match="labels"):
        plot_diagrams([r.as_list(0)[0]], labels=["a", "b"])


@pytest.mark.parametrize("n", [20, 2**21])  # integer-key and column-unique paths for faces
def test_cleaning_numpy_and_torch_paths_agree(monkeypatch, n):
    import itertools

    import topograph.core.complex as cplx
    from topograph.core import canonical_faces

    g = torch.Generator().manual_seed(0)
    e, f = torch.randint(0, 20, (2, 60), generator=g), torch.randint(0, 20, (3, 30), generator=g)
    fc, ec = canonical_faces(f, n), canonical_edges(e, n, canonical_faces(f, n))
    monkeypatch.setattr(cplx, "_use_numpy", lambda t: False)  # the device (torch) path
    ft, et = canonical_faces(f, n), canonical_edges(e, n, canonical_faces(f, n))
    assert torch.equal(fc, ft) and (fc[0] < fc[1]).all() and (fc[1] < fc[2]).all()
    assert torch.equal(ec, et) and (ec[0] < ec[1]).all()
    expected = ({tuple(sorted(p)) for p in e.T.tolist() if p[0] != p[1]}
                | {tuple(sorted(p)) for t in fc.T.tolist() for p in itertools.combinations(t, 2)})
    assert ec.shape[1] == len(expected)
    assert {tuple(sorted(t)) for t in f.T.tolist() if len(set(t)) == 3} == set(map(tuple, fc.T.tolist()))
