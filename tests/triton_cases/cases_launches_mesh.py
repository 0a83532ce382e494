"""Constant kernel count of the Triton mesh path (dims 0-2): aten dispatches plus Triton
launches per call, forward and backward, do not grow with the number of meshes, their
size or the number of filtrations.

As in ``cases_launches.py``, the kernels are replaced by counting stand-ins that
compute the same outputs in plain Python (the mesh stand-in is the duality path of
the kernel's contract: closed meshes only); ``cases_mesh.py`` checks the real kernels.
"""
import numpy as np
import pytest
import torch
import trimesh
from cases_launches import Counter, Stub, _union_find
from interp import interpreted  # noqa: F401  (module fixture)

from topograph import lower_star_persistence


def _root(parent, x):
    while parent[x] != x:
        x = parent[x]
    return x


def _mesh_dual(grid, order_e, order_t, seg_e, seg_t, posord, last_t, te, cof, manifold, *rest):
    """Dims 1-2 of every (sample, filtration) by duality: edges in decreasing order
    run a union-find over the triangles (and one virtual node); a joining edge kills
    the earlier of the two components' latest triangles; the others create 2-classes."""
    d1, b2, n2 = (t.numpy() for t in rest[6:9])  # after scr, pool, poff, pst, pln, wk
    oe, ot, se, st, po, lt, cf = (t.numpy() for t in (order_e, order_t, seg_e, seg_t, posord, last_t, cof))
    assert manifold.numpy()[:grid[0]].all(), "the stand-in covers the duality path only"
    for f in range(grid[1]):
        for g in range(grid[0]):
            e0, e1, t0, t1 = se[g], se[g + 1], st[g], st[g + 1]
            virtual = t1 - t0
            parent, latest = list(range(virtual + 1)), list(range(virtual + 1))
            pos = [0] * (virtual + 1)
            for s in range(virtual):
                pos[ot[f, t0 + s] - t0] = s
            pos[virtual] = virtual
            for i in range(e1 - 1, e0 - 1, -1):
                e = oe[f, i]
                if cf[0, e] < 0:
                    continue
                a = _root(parent, cf[0, e] - t0)
                b = _root(parent, cf[1, e] - t0 if cf[1, e] >= 0 else virtual)
                if a == b:
                    continue
                (dead, root, other) = (a, b, a) if pos[latest[a]] < pos[latest[b]] else (b, a, b)
                d1[f, e0 + po[f, e]] = lt[f, t0 + latest[dead]]
                pos[latest[dead]] = -1
                parent[other] = root
            alive = [ot[f, t0 + s] for s in range(virtual) if pos[ot[f, t0 + s] - t0] >= 0]
            b2[f, t0:t0 + len(alive)] = lt[f, alive]
            n2[f, g] = len(alive)


@pytest.fixture
def counter(interpreted, monkeypatch):  # noqa: F811
    ref = [None]
    monkeypatch.setattr(interpreted["topograph.core.kernels.triton_graph"], "_union_find_kernel",
                        Stub(_union_find, ref))
    mesh = interpreted["topograph.core.kernels.triton_mesh"]
    monkeypatch.setattr(mesh, "_union_find_kernel", Stub(_union_find, ref))
    monkeypatch.setattr(mesh, "_mesh_kernel", Stub(_mesh_dual, ref))
    return ref


def _tori(num_samples: int, a: int, b: int):
    """``num_samples`` copies of a torus with ``a * b`` vertices (faces grouped by mesh)."""
    m = trimesh.creation.torus(1.0, 0.4, a, b)
    n = len(m.vertices)
    f = torch.as_tensor(np.asarray(m.faces).T)
    faces = torch.cat([f + s * n for s in range(num_samples)], 1)
    x = torch.as_tensor(np.asarray(m.vertices), dtype=torch.float32).repeat(num_samples, 1)
    return x, faces, torch.arange(num_samples).repeat_interleave(n)


def _count(counter, num_samples, a, b, k):
    x, faces, batch = _tori(num_samples, a, b)
    values = (x @ torch.randn(3, k)).requires_grad_(True)
    c = Counter()
    counter[0] = c
    with c:
        r = lower_star_persistence(values, None, batch, faces=faces, num_samples=num_samples, backend="triton")
        loss = sum((r.diagram(d).death - r.diagram(d).birth)[~r.diagram(d).essential].sum() for d in (0, 1))
        (loss + r.dim2.birth.sum()).backward()
    counter[0] = None
    assert c.launches == 2
    assert len(r.dim2) == num_samples and len(r.dim1) >= 2 * num_samples  # one H2 and two H1 classes each
    return c.aten + c.launches


@pytest.mark.parametrize("vary", ["meshes", "size", "filtrations"])
def test_mesh_count_constant(counter, vary):
    cases = {"meshes": [(g, 6, 4, 2) for g in (4, 32, 256)],
             "size": [(1, a, b, 2) for a, b in ((6, 4), (24, 12), (96, 48))],
             "filtrations": [(4, 6, 4, k) for k in (2, 5, 16)]}[vary]
    counts = [_count(counter, *case) for case in cases]
    print("mesh counts", vary, counts)
    assert counts[0] == counts[1] == counts[2], counts


def test_mesh_stub_matches_kernel(interpreted):  # noqa: F811
    """The stand-in of the count tests gives the kernel's pairing (small closed meshes)."""
    x, faces, batch = _tori(2, 6, 4)
    values = torch.round(x @ torch.randn(3, 2, generator=torch.Generator().manual_seed(0)), decimals=1)
    real = lower_star_persistence(values, None, batch, faces=faces, num_samples=2, backend="triton")
    mod = interpreted["topograph.core.kernels.triton_mesh"]
    kernel = mod._mesh_kernel
    mod._mesh_kernel = Stub(_mesh_dual, [None])
    try:
        stub = lower_star_persistence(values, None, batch, faces=faces, num_samples=2, backend="triton")
    finally:
        mod._mesh_kernel = kernel
    for d in range(3):
        assert torch.equal(real.diagram(d).death_index, stub.diagram(d).death_index)
        assert torch.equal(real.diagram(d).birth_index, stub.diagram(d).birth_index)
