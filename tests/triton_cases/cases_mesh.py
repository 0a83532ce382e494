"""Triton mesh pairing (dims 0-2) through the interpreter, against numba and gudhi.

Small inputs only: the interpreter runs every scalar of the sequential programs
in Python.
"""
import itertools

import numpy as np
import pytest
import torch
import trimesh
from hypothesis import given, settings
from interp import interpreted  # noqa: F401  (module fixture)
from test_core_mesh_persistence import _mesh, check_against_gudhi, complexes

from topograph import lower_star_persistence, pht
from topograph.core import kernels

FIELDS = ("birth", "death", "essential", "batch", "birth_index", "death_index")


def _both(vals, faces, edge_index=None, batch=None, num_samples=None, **kw):
    """Triton and numba results; asserts they are equal field by field in every dim."""
    res = [lower_star_persistence(vals, edge_index, batch, faces=faces, num_samples=num_samples,
                                  backend=b, **kw) for b in ("triton", "numba")]
    _same(*res)
    return res[0]


def _same(ra, rb):
    for d in range(3):
        a, b = ra.diagram(d), rb.diagram(d)
        for f in FIELDS:
            x, y = getattr(a, f), getattr(b, f)
            assert x.shape == y.shape and torch.equal(x, y), (d, f, x, y)


def _ints(data):
    vals, edges, faces, batch = data
    return vals, torch.as_tensor(edges).reshape(2, -1), torch.as_tensor(faces).reshape(3, -1), \
        torch.as_tensor(batch)


@settings(max_examples=15, deadline=None)
@given(data=complexes())
def test_random_complexes_equal_numba(data):
    """Ties, duplicate and degenerate triangles, non-manifold edges, isolated vertices,
    several samples, k in {1, 2}."""
    vals, ei, faces, batch = _ints(data)
    _both(vals, faces, ei, batch, int(batch.max()) + 1)


def _skeleton(n):
    """The 2-skeleton of the (n-1)-simplex: every edge in n - 2 triangles."""
    return np.array(list(itertools.combinations(range(n), 3))).T


def _bowtie_and_book():
    """Sample 0: a book of three triangles on edge (0, 1); sample 1: a bowtie (two
    triangles sharing vertex 5 only); sample 2: an isolated vertex; sample 3:
    a square with both diagonal triangles (a closed fan) plus a loose edge."""
    faces = np.array([[0, 1, 2], [0, 1, 3], [0, 1, 4], [5, 6, 7], [5, 8, 9],
                      [11, 12, 13], [11, 13, 14], [11, 12, 14], [12, 13, 14]]).T
    edges = np.array([[14, 15]]).T
    batch = np.array([0] * 5 + [1] * 5 + [2] + [3] * 5)
    return edges, faces, batch


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_non_manifold_against_gudhi_and_numba(seed):
    g = torch.Generator().manual_seed(seed)
    edges, faces, batch = _bowtie_and_book()
    vals = torch.randint(0, 3, (len(batch), 2), generator=g).double()  # many ties
    check_against_gudhi(vals, edges, faces, batch, backend="triton")
    _both(vals, torch.as_tensor(faces), torch.as_tensor(edges), torch.as_tensor(batch), 4)
    f6 = _skeleton(6)  # every edge in 4 triangles: long reductions, ten 2-classes
    v6 = torch.randint(0, 3, (6, 3), generator=g).double()
    res = check_against_gudhi(v6, np.zeros((2, 0), dtype=np.int64), f6, np.zeros(6, dtype=np.int64),
                              backend="triton")
    assert [int(res.diagram(d).essential[:, 0].sum()) for d in range(3)] == [1, 0, 10]
    _both(v6, torch.as_tensor(f6))


def test_meshes_batched_with_several_filtrations():
    """Sphere, torus and a holed sphere in one batch, 2 directions, rounded (ties)."""
    meshes = [trimesh.creation.icosphere(1), trimesh.creation.torus(1.0, 0.4, 8, 6)]
    holed = meshes[0].copy()
    holed.update_faces(np.r_[0:20, 25:60, 63:80])
    x, faces, batch, off = [], [], [], 0
    for s, m in enumerate(meshes + [holed]):
        xs, fs = _mesh(m)
        x.append(xs)
        faces.append(fs + off)
        batch += [s] * len(xs)
        off += len(xs)
    dirs = torch.randn(3, 2, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    vals = torch.round(torch.as_tensor(np.concatenate(x)) @ dirs, decimals=1)
    faces, batch = np.concatenate(faces, 1), np.array(batch)
    res = check_against_gudhi(vals, np.zeros((2, 0), dtype=np.int64), faces, batch, backend="triton")
    _same(res, lower_star_persistence(vals, None, torch.as_tensor(batch), faces=torch.as_tensor(faces),
                                      num_samples=3, backend="numba"))
    ess = [[int(res.diagram(d).essential[res.diagram(d).batch == s, 0].sum()) for d in range(3)]
           for s in range(2)]
    assert ess == [[1, 0, 1], [1, 2, 1]]


def test_empty_samples_and_no_triangles():
    """Empty samples in the middle and at the end; a sample of edges only; one without edges."""
    faces = torch.tensor([[0, 1, 2], [5, 6, 7]]).T
    ei = torch.tensor([[3, 4], [4, 3]]).T
    batch = torch.tensor([0, 0, 0, 2, 2, 3, 3, 3, 4])
    vals = torch.tensor([[0.0, 2.0], [1.0, 1.0], [2.0, 0.0], [1.0, 1.0], [0.0, 0.0], [3.0, 3.0], [3.0, 3.0],
                         [3.0, 1.0], [7.0, 7.0]])
    res = _both(vals, faces, ei, batch, 7)
    assert [len(x) for x in res.as_list(0)] == [3, 0, 2, 3, 1, 0, 0]
    none = _both(vals[:3], torch.zeros((3, 0), dtype=torch.long), torch.tensor([[0, 1], [1, 2], [0, 2]]).T)
    assert none.dim1.essential.all() and len(none.dim1) == 1 and len(none.dim2) == 0


def test_pool_reruns_when_out_of_room(interpreted, monkeypatch):  # noqa: F811
    """A pool of one entry per sample: the reduction reruns with more room, same result."""
    mod = interpreted["topograph.core.kernels.triton_mesh"]
    monkeypatch.setattr(mod, "ROOM", (0, 1))
    rooms, dims12 = [], mod._dims12
    monkeypatch.setattr(mod, "_dims12", lambda *a: rooms.append(a[-1]) or dims12(*a))
    g = torch.Generator().manual_seed(5)
    f6 = torch.as_tensor(_skeleton(6))
    _both(torch.randint(0, 4, (6, 2), generator=g).double(), f6)
    edges, faces, batch = _bowtie_and_book()
    _both(torch.rand(len(batch), 2, generator=g), torch.as_tensor(faces), torch.as_tensor(edges),
          torch.as_tensor(batch), 4)
    assert max(rooms) > 1  # the rerun happened


def test_gradients_and_pht_equal_numba():
    x, f = _mesh(trimesh.creation.torus(1.0, 0.4, 8, 6))
    x = torch.as_tensor(x) + 0.01 * torch.randn(len(x), 3, generator=torch.Generator().manual_seed(1),
                                                dtype=torch.float64)
    dirs = torch.tensor([[0.2, 0.3], [0.1, -0.4], [0.9, 0.5]], dtype=torch.float64)
    faces = torch.as_tensor(f)
    grads = []
    for backend in ("triton", "numba"):
        v = (x @ dirs).requires_grad_(True)
        r = lower_star_persistence(v, faces=faces, backend=backend, essential_death="max")
        sum(((r.diagram(d).death - r.diagram(d).birth) ** 2).sum() + r.diagram(d).birth.sum()
            for d in range(3)).backward()
        grads.append(v.grad)
    assert torch.equal(grads[0], grads[1]) and grads[0].abs().sum() > 0
    d = dirs.T.contiguous()
    a, b = (pht(x, d, faces=faces, backend=bk) for bk in ("triton", "numba"))
    for dim in range(3):
        assert torch.equal(a.diagram(dim).death_index, b.diagram(dim).death_index)


def test_float32_signed_zeros_equal_numba():
    m = trimesh.creation.icosphere(1)
    base = np.random.default_rng(3).choice(np.array([-0.0, 0.0, -1.5, 1.5, 1e30]), size=(len(m.vertices), 2))
    _both(torch.tensor(base, dtype=torch.float32), torch.as_tensor(np.asarray(m.faces).T))


def test_auto_picks_numba_on_the_cpu():
    assert kernels.resolve("auto", torch.device("cpu")) == "numba"
