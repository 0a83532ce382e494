"""Lower-star persistence of 2-complexes (dims 0-2) against gudhi, Betti checks, gradients."""
from __future__ import annotations

import gudhi
import numpy as np
import pytest
import torch
import trimesh
from hypothesis import given, settings
from hypothesis import strategies as st

from topograph import lower_star_persistence
from topograph.core.mesh_persistence import ComplexPersistence


def gudhi_complex(values: np.ndarray, edges, faces) -> dict[int, list]:
    """All pairs (zero-length too) of one lower-star 2-complex; death inf if essential.

    The full multiset, zero-length pairs included, does not depend on how ties
    are ordered (the number of positive d-simplices of every sublevel set is
    the dimension of its d-cycles), so it is compared exactly.
    """
    stree = gudhi.SimplexTree()
    for i, f in enumerate(values):
        stree.insert([int(i)], filtration=float(f))
    faces = [t for t in faces if len(set(t)) == 3]  # degenerate triangles are dropped whole
    tri_edges = [(t[i], t[j]) for t in faces for i, j in ((0, 1), (1, 2), (0, 2))]
    for a, b in list(edges) + tri_edges:  # faces first with their own values (insert would
        if a != b:                        # give missing faces the triangle's value)
            stree.insert([int(a), int(b)], filtration=float(max(values[a], values[b])))
    for tri in faces:
        stree.insert([int(v) for v in tri], filtration=float(max(values[list(tri)])))
    out = {0: [], 1: [], 2: []}
    for dim, (b, d) in stree.persistence(homology_coeff_field=2, min_persistence=-1.0,
                                         persistence_dim_max=True):
        out[dim].append((float(b), float(d)))
    return {k: sorted(v) for k, v in out.items()}


def ours(res: ComplexPersistence, dim: int, sample: int, j: int) -> list:
    return sorted((float(b), float(d)) for b, d in res.as_list(dim, j)[sample].tolist())


def check_against_gudhi(vals: torch.Tensor, edges: np.ndarray, faces: np.ndarray,
                        batch: np.ndarray, backend: str = "auto") -> ComplexPersistence:
    """Runs lower_star_persistence on the batch and compares every sample / filtration."""
    res = lower_star_persistence(vals, torch.as_tensor(edges, dtype=torch.long).reshape(2, -1),
                                 torch.as_tensor(batch, dtype=torch.long),
                                 faces=torch.as_tensor(faces, dtype=torch.long).reshape(3, -1),
                                 num_samples=int(batch.max()) + 1 if len(batch) else 1, backend=backend)
    v = vals.detach().numpy()
    for s in range(res.dim0.num_samples):
        idx = np.nonzero(batch == s)[0]
        lo = idx[0] if len(idx) else 0
        e = [(a - lo, b - lo) for a, b in edges.T if batch[a] == s]
        f = [tuple(int(q) - lo for q in t) for t in faces.T if batch[t[0]] == s]
        for j in range(v.shape[1]):
            ref = gudhi_complex(v[idx, j], e, f)
            for dim in range(3):
                assert np.allclose(np.array(ours(res, dim, s, j)).reshape(-1, 2), np.array(ref[dim]).reshape(-1, 2)) \
                    and len(ours(res, dim, s, j)) == len(ref[dim]), (s, j, dim, ours(res, dim, s, j), ref[dim])
    return res


@st.composite
def complexes(draw):
    """Random small batched 2-complexes: ties, duplicates, degenerate triangles, isolated parts."""
    sizes = draw(st.lists(st.integers(1, 7), min_size=1, max_size=3))
    edges, faces, batch, off = [], [], [], 0
    for s, n in enumerate(sizes):
        batch += [s] * n
        vid = st.integers(off, off + n - 1)
        faces += draw(st.lists(st.tuples(vid, vid, vid), max_size=8))
        edges += draw(st.lists(st.tuples(vid, vid), max_size=5))
        off += n
    k = draw(st.integers(1, 2))
    vals = draw(st.lists(st.integers(0, 4), min_size=off * k, max_size=off * k))
    return (torch.tensor(vals, dtype=torch.float64).reshape(off, k),
            np.array(edges, dtype=np.int64).reshape(-1, 2).T,
            np.array(faces, dtype=np.int64).reshape(-1, 3).T, np.array(batch))


@given(complexes())
def test_random_complexes_match_gudhi(data) -> None:
    check_against_gudhi(*data)


def _mesh(m: trimesh.Trimesh) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(m.vertices), np.asarray(m.faces).T


def _meshes() -> dict[str, trimesh.Trimesh]:
    sphere = trimesh.creation.icosphere(subdivisions=1)
    holed = sphere.copy()
    holed.update_faces(np.r_[0:20, 25:60, 63:80])  # three holes punched out
    return {"sphere": sphere, "torus": trimesh.creation.torus(1.0, 0.4, 12, 8),
            "box": trimesh.creation.box(), "annulus": trimesh.creation.annulus(0.5, 1.0, 0.3),
            "holed": holed}


@pytest.mark.parametrize("name", ["sphere", "torus", "box", "annulus", "holed"])
def test_meshes_match_gudhi(name: str) -> None:
    x, f = _mesh(_meshes()[name])
    dirs = torch.randn(3, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    vals = torch.as_tensor(x) @ dirs
    check_against_gudhi(vals, np.zeros((2, 0), dtype=np.int64), f, np.zeros(len(x), dtype=np.int64))


@pytest.mark.parametrize("name, betti", [("sphere", (1, 0, 1)), ("torus", (1, 2, 1)),
                                         ("disc", (1, 0, 0))])
def test_betti_numbers_as_essential_classes(name: str, betti) -> None:
    if name == "disc":  # the cap of a sphere above z = 0.2
        m = trimesh.creation.icosphere(2)
        m.update_faces((m.vertices[m.faces][:, :, 2] > 0.2).all(1))
        m.remove_unreferenced_vertices()
    else:
        m = _meshes()[name]
    x, f = _mesh(m)
    vals = torch.as_tensor(x) @ torch.tensor([[0.3], [0.5], [0.8]], dtype=torch.float64)
    res = lower_star_persistence(vals, faces=torch.as_tensor(f))
    assert tuple(int(res.diagram(d).essential.sum()) for d in range(3)) == betti


def test_graph_rows_without_faces_unchanged() -> None:
    """No faces: the graph path (one essential row per cycle edge, no dim 2)."""
    ei = torch.tensor([[0, 1, 2, 0], [1, 2, 0, 3]])
    res = lower_star_persistence(torch.tensor([0.0, 1.0, 2.0, 3.0]), ei)
    assert not hasattr(res, "dim2") and res.dim1.essential.all() and len(res.dim1) == 1


def test_triangle_kills_its_cycle_and_batch_of_two() -> None:
    vals = torch.tensor([0.0, 1.0, 2.0, 0.0, 1.0, 2.0, 3.0])
    faces = torch.tensor([[0, 3, 3], [1, 4, 4], [2, 5, 6]])
    ei = torch.tensor([[5], [6]])
    batch = torch.tensor([0, 0, 0, 1, 1, 1, 1])
    res = lower_star_persistence(vals, ei, batch, faces=faces)
    assert res.as_list(1)[0].tolist() == [[2.0, 2.0]]
    assert sorted(res.as_list(1)[1].tolist()) == [[2.0, 2.0], [3.0, 3.0], [3.0, float("inf")]]
    assert [len(d) for d in res.as_list(2)] == [0, 0]


def test_gradients_finite_differences() -> None:
    x, f = _mesh(trimesh.creation.torus(1.0, 0.4, 8, 6))
    x = torch.as_tensor(x) + 0.01 * torch.randn(len(x), 3, generator=torch.Generator().manual_seed(1),
                                                dtype=torch.float64)
    dirs = torch.tensor([[0.2, 0.3], [0.1, -0.4], [0.9, 0.5]], dtype=torch.float64)
    faces = torch.as_tensor(f)

    def fn(v: torch.Tensor) -> torch.Tensor:
        r = lower_star_persistence(v, faces=faces)
        fin = [~r.diagram(d).essential for d in range(3)]
        return sum(((r.diagram(d).death - r.diagram(d).birth)[fin[d]] ** 2).sum() +
                   r.diagram(d).birth.pow(2).sum() for d in range(3))

    vals = (x @ dirs).requires_grad_(True)
    assert torch.autograd.gradcheck(fn, (vals,), eps=1e-7, atol=1e-5)


def test_essential_max_convention() -> None:
    x, f = _mesh(trimesh.creation.icosphere(1))
    vals = torch.as_tensor(x[:, 2:3]).requires_grad_(True)
    res = lower_star_persistence(vals, faces=torch.as_tensor(f), essential_death="max")
    top = vals.max()
    assert torch.allclose(res.dim2.death, top.expand_as(res.dim2.death))
    res.dim2.death.sum().backward()
    assert vals.grad.sum() == 1.0


@settings(max_examples=25)
@given(st.lists(st.booleans(), min_size=96, max_size=96), st.integers(0, 3))
def test_meshes_with_random_holes_match_gudhi(keep, seed) -> None:
    """A small torus (96 triangles) with random triangles deleted: boundary, pinches, pieces."""
    x, f = _mesh(trimesh.creation.torus(1.0, 0.4, 8, 6))
    f = f[:, np.array(keep)]
    dirs = torch.randn(3, 2, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    vals = torch.round(torch.as_tensor(x) @ dirs, decimals=1)  # rounding makes ties
    check_against_gudhi(vals, np.zeros((2, 0), dtype=np.int64), f, np.zeros(len(x), dtype=np.int64))


def test_backends_for_meshes() -> None:
    faces = torch.tensor([[0], [1], [2]])
    vals = torch.tensor([0.0, 1.0, 2.0])
    ok = lower_star_persistence(vals, faces=faces, backend="numba")
    assert ok.as_list(1)[0].tolist() == [[2.0, 2.0]]
    with pytest.raises((ValueError, ImportError), match="backend='triton'"):  # CPU tensors, no interpreter
        lower_star_persistence(vals, faces=faces, backend="triton")
    with pytest.raises(ValueError, match="backend"):
        lower_star_persistence(vals, faces=faces, backend="cuda-kernels")


def test_essential_cap_below_a_birth_is_refused() -> None:
    faces = torch.tensor([[0], [1], [2]])
    vals = torch.tensor([0.0, 1.0, 2.0, 5.0])  # vertex 3 is isolated: essential born at 5
    with pytest.raises(ValueError, match="essential_death"):
        lower_star_persistence(vals, faces=faces, essential_death=3.0)
    capped = lower_star_persistence(vals, faces=faces, essential_death=6.0)
    assert sorted(capped.as_list(0)[0].tolist())[-1] == [5.0, float("inf")]
    assert capped.dim0.death[capped.dim0.essential].tolist() == [6.0, 6.0]


def test_signed_zeros_and_special_values_order_like_numbers():
    """The kernel's radix sort of float bits: -0.0 ties with +0.0 (then by index),
    negatives order before positives, huge magnitudes keep their order."""
    mesh = trimesh.creation.icosphere(subdivisions=1)
    faces = np.asarray(mesh.faces).T
    n = len(mesh.vertices)
    g = np.random.default_rng(3)
    base = g.choice(np.array([-0.0, 0.0, -1e30, 1e30, -1.5, 1.5, -1e-30, 1e-30]), size=(n, 3))
    vals = torch.tensor(base, dtype=torch.float32)
    check_against_gudhi(vals, np.zeros((2, 0), dtype=np.int64), faces, np.zeros(n, dtype=np.int64))
    check_against_gudhi(vals.double(), np.zeros((2, 0), dtype=np.int64), faces,
                        np.zeros(n, dtype=np.int64))
