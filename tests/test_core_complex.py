"""The one batched complex: constructors, closure, validation; the ECT and the PHT on it."""
from __future__ import annotations

import itertools

import networkx as nx
import pytest
import torch
import trimesh
from torch_geometric.data import Batch, Data

import topograph
from topograph import GraphBatch, lower_star_persistence, pht
from topograph.ect import ECTLayer, ect
from topograph.ect.pyg_transform import ECTTransform


def tetrahedra(n_points: int = 12, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Random points and a few random tetrahedra on them (shared faces, duplicates)."""
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n_points, 3, generator=g, dtype=torch.float64) - 0.5
    tets = torch.stack([torch.randperm(n_points, generator=g)[:4] for _ in range(7)], 1)
    return x, torch.cat([tets, tets[:, :2].flip(0)], 1)  # flipped duplicates are cleaned


def brute_force_ect(x: torch.Tensor, dirs: torch.Tensor, simplices: list, thr: torch.Tensor):
    """Every face of every given simplex, counted once, with sign (-1)^dim."""
    faces = set()
    for s in simplices:
        s = sorted(set(s))
        for q in range(1, len(s) + 1):
            faces.update(itertools.combinations(s, q))
    h = x @ dirs.T
    img = torch.zeros(len(thr), dirs.shape[0], dtype=x.dtype)
    for f in faces:
        hf = h[list(f)].amax(0)
        img += (-1) ** (len(f) - 1) * (thr[:, None] >= hf[None, :]).to(x.dtype)
    return img


def test_ect_counts_tetrahedra() -> None:
    x, tets = tetrahedra()
    dirs = topograph.ect.sphere_directions(6).double()
    img = ect(x, dirs, simplices=[tets], resolution=17, radius=1.0)[0]
    ref = brute_force_ect(x, dirs, [tuple(c) for c in tets.T.tolist()],
                          topograph.ect.thresholds(17, 1.0, dtype=torch.float64))
    torch.testing.assert_close(img, ref)
    # the same through a prepared complex and through a PyG Data with [4, F] `face`
    cx = GraphBatch.from_edge_index(None, len(x), simplices=[tets])
    torch.testing.assert_close(ect(x, dirs, complex=cx, resolution=17), img[None])
    layer = ECTLayer(directions=dirs, resolution=17, scale=None)
    torch.testing.assert_close(layer(Data(pos=x, face=tets)), img[None])
    data = ECTTransform(dirs, resolution=17)(Data(pos=x, face=tets))
    torch.testing.assert_close(data.ect, img[None])
    # a single tetrahedron is contractible: Euler characteristic 1 at the top
    one = ect(x[:4], dirs, simplices=[torch.tensor([[0], [1], [2], [3]])], radius=2.0, resolution=4)
    assert one[0, -1].tolist() == [1.0] * 6


def test_closure_and_canonical_form() -> None:
    tet = torch.tensor([[3], [0], [2], [1]])
    cx = GraphBatch.from_edge_index(None, 4, simplices=[tet, tet.flip(0)])
    assert cx.simplices[0].tolist() == [[0], [1], [2], [3]]
    assert cx.faces.shape == (3, 4) and cx.edge_index.shape == (2, 6)
    degenerate = GraphBatch.from_edge_index(None, 4, simplices=[torch.tensor([[0], [1], [1], [2]])])
    assert degenerate.simplices[0].shape == (4, 0) and degenerate.faces.shape == (3, 0)
    five = GraphBatch.from_edge_index(None, 5, simplices=[torch.arange(5)[:, None]])  # a 4-simplex
    assert [s.shape[1] for s in five.simplices] == [5, 1] and five.faces.shape[1] == 10
    assert [d for d, _ in five.groups()] == [0, 1, 2, 3, 4]


def test_constructors_agree() -> None:
    meshes = [trimesh.creation.icosphere(1), trimesh.creation.box()]
    a = GraphBatch.from_trimesh(meshes)
    faces = torch.cat([torch.as_tensor(meshes[0].faces).T,
                       torch.as_tensor(meshes[1].faces).T + len(meshes[0].vertices)], 1)
    data = Batch.from_data_list([Data(pos=torch.as_tensor(m.vertices), face=torch.as_tensor(m.faces).T,
                                      num_nodes=len(m.vertices)) for m in meshes])
    b = GraphBatch.from_pyg(data)
    c = GraphBatch.from_edge_index(None, a.num_nodes, a.batch, faces=faces)
    for other in (b, c):
        assert torch.equal(a.faces, other.faces) and torch.equal(a.edge_index, other.edge_index)
    g = nx.cycle_graph(4)
    assert GraphBatch.from_networkx([g, g]).edge_index.shape == (2, 8)


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(simplices=[torch.tensor([[0], [1], [2], [9]])]), ValueError, "outside"),
    (dict(simplices=[torch.tensor([[0], [1], [2], [-1]])]), ValueError, "outside"),
    (dict(simplices=[torch.tensor([[0], [1], [2]])]), ValueError, r"d >= 3"),
    (dict(simplices=[torch.tensor([[0.0], [1], [2], [3]])]), TypeError, "integer"),
    (dict(simplices=[torch.tensor([[0], [1], [2], [4]])], batch=torch.tensor([0, 0, 0, 0, 1, 1])),
     ValueError, "different samples"),
    (dict(faces=torch.tensor([[0], [1], [4]]), batch=torch.tensor([0, 0, 0, 0, 1, 1])),
     ValueError, "different samples"),
    (dict(faces=torch.tensor([[0, 1], [1, 2], [2, 3]]).T), ValueError, r"\[3, M\]"),
])
def test_bad_complexes(kwargs, exc, match) -> None:
    with pytest.raises(exc, match=match):
        GraphBatch.from_edge_index(None, 6, kwargs.get("batch"), faces=kwargs.get("faces"),
                                   simplices=kwargs.get("simplices"))
    x = torch.rand(6, 3)
    with pytest.raises(exc, match=match):
        ect(x, torch.eye(3), **kwargs) if "simplices" in kwargs else pht(x, torch.eye(3), **kwargs)


def test_pht_equals_lower_star_of_heights_and_gradients() -> None:
    mesh = trimesh.creation.torus(1.0, 0.4, 8, 6)
    x = torch.as_tensor(mesh.vertices) + 0.01 * torch.randn(len(mesh.vertices), 3,
                                                            generator=torch.Generator().manual_seed(0),
                                                            dtype=torch.float64)
    faces = torch.as_tensor(mesh.faces).T
    dirs = torch.tensor([[0.3, 0.5, 0.8], [1.0, 0.0, 0.1]], dtype=torch.float64)
    res = pht(x, dirs, faces=faces)
    ref = lower_star_persistence(x @ dirs.T, faces=faces)
    for d in range(3):
        for j in range(2):
            torch.testing.assert_close(res.as_list(d, j)[0], ref.as_list(d, j)[0])
    assert [int(res.diagram(d).essential[:, 0].sum()) for d in range(3)] == [1, 2, 1]

    def total(xx: torch.Tensor, vv: torch.Tensor) -> torch.Tensor:
        r = pht(xx, vv, faces=faces)
        return sum((r.diagram(d).death - r.diagram(d).birth)[~r.diagram(d).essential].pow(2).sum()
                   + r.diagram(d).birth.sum() for d in range(3))

    assert torch.autograd.gradcheck(total, (x.clone().requires_grad_(), dirs.clone().requires_grad_()),
                                    eps=1e-7, atol=1e-5)


def test_pht_point_cloud_and_batch() -> None:
    x = torch.rand(7, 2, dtype=torch.float64)
    res = pht(x, torch.eye(2, dtype=torch.float64), batch=torch.tensor([0, 0, 0, 1, 1, 1, 1]))
    assert [len(d) for d in res.as_list(0)] == [3, 4] and len(res.dim1) == len(res.dim2) == 0
    with pytest.raises(ValueError, match="directions"):
        pht(x, torch.eye(3, dtype=torch.float64))
    with pytest.raises(ValueError, match="NaN"):
        pht(x * float("nan"), torch.eye(2, dtype=torch.float64))


def test_togl_takes_the_core_complex() -> None:
    from topograph.nn import TOGL

    x = torch.randn(5, 4, generator=torch.Generator().manual_seed(0))
    ei, b = torch.tensor([[0, 1, 2, 3], [1, 2, 0, 4]]), torch.tensor([0, 0, 0, 1, 1])
    layer = TOGL(4, 8)
    torch.testing.assert_close(layer(x, GraphBatch.from_edge_index(ei, 5, b), b), layer(x, ei, b))
