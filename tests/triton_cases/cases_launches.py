"""Constant kernel count on the Triton path: aten dispatches plus Triton launches per
call (forward and backward) do not grow with the number of graphs, the size of a
graph or the number of samples.

The interpreter would take minutes on 1024 graphs or 100k vertices, so the Triton
kernels are replaced by counting stand-ins that compute the same outputs with
numpy (the graph stand-in is also a plain reference of the kernel's contract).
``tests/triton_cases/cases_pairing.py`` checks the real kernels.
"""
import numpy as np
import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from interp import interpreted  # noqa: F401  (module fixture)
from topograph import lower_star_persistence, rips_persistence


class Counter(TorchDispatchMode):
    def __init__(self):
        super().__init__()
        self.aten = 0
        self.launches = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.aten += 1
        return func(*args, **(kwargs or {}))


class Stub:
    """``kernel[grid](*args)`` that counts the launch and runs ``impl(grid, *args)``."""

    def __init__(self, impl, counter_ref):
        self.impl, self.ref = impl, counter_ref

    def __getitem__(self, grid):
        def launch(*args, **kwargs):
            if self.ref[0] is not None:
                self.ref[0].launches += 1
            with torch.utils._python_dispatch._disable_current_modes():
                self.impl(grid, *args)
        return launch


def _union_find(grid, u, v, order, seg, rank, parent, death, closes, N, E):
    u, v, order, seg, rank = (t.numpy() for t in (u, v, order, seg, rank))
    par, dth, cls = parent.numpy(), death.numpy(), closes.numpy()
    for f in range(grid[1]):
        p = par[f]
        for t in range(seg[0], seg[grid[0]]):
            e = order[f, t]
            a, b = u[e], v[e]
            while p[a] != a:
                a = p[a]
            while p[b] != b:
                b = p[b]
            if a == b:
                cls[f, e] = 1
                continue
            young, old = (b, a) if rank[f, a] < rank[f, b] else (a, b)
            dth[f, young] = e
            p[young] = old


def _prim_chain(grid, data, best, src, out, far, n, d, **_):
    o = out.numpy()
    o[:, :, 0] = np.arange(n - 1)
    o[:, :, 1] = np.arange(1, n)
    far.numpy()[:, 1] = n - 1


@pytest.fixture
def counter(interpreted, monkeypatch):  # noqa: F811
    ref = [None]
    monkeypatch.setattr(interpreted["topograph.core.kernels.triton_graph"], "_union_find_kernel",
                        Stub(_union_find, ref))
    monkeypatch.setattr(interpreted["topograph.core.kernels.triton_rips"], "_prim_kernel", Stub(_prim_chain, ref))
    return ref


def _graphs(num_samples: int, n: int):
    """``num_samples`` rings of ``n`` vertices with a chord (edges grouped by graph)."""
    ring = torch.stack([torch.arange(n), (torch.arange(n) + 1) % n])
    ring = torch.cat([ring, torch.tensor([[0], [n // 2]])], 1)
    off = (torch.arange(num_samples) * n).repeat_interleave(ring.shape[1])
    ei = ring.repeat(1, num_samples) + off
    return ei, torch.arange(num_samples).repeat_interleave(n)


def _count_lower_star(counter, num_samples, n, k):
    ei, batch = _graphs(num_samples, n)
    values = torch.rand(num_samples * n, k, requires_grad=True)
    c = Counter()
    counter[0] = c
    with c:
        r = lower_star_persistence(values, ei, batch, num_samples=num_samples, backend="triton")
        (r.dim0.death[~r.dim0.essential].sum() + r.dim1.birth.sum()).backward()
    counter[0] = None
    assert c.launches == 1
    return c.aten + c.launches


def test_lower_star_count_constant_in_graphs(counter):
    counts = [_count_lower_star(counter, g, 8, 3) for g in (16, 128, 1024)]
    print("counts", counts)
    assert counts[0] == counts[1] == counts[2], counts


def test_lower_star_count_constant_in_graph_size(counter):
    counts = [_count_lower_star(counter, 1, n, 2) for n in (10, 1000, 100_000)]
    print("counts", counts)
    assert counts[0] == counts[1] == counts[2], counts


def test_stub_matches_kernel(interpreted):  # noqa: F811
    """The stand-in of the count tests gives the kernel's pairing (small input)."""
    ei, batch = _graphs(3, 6)
    values = torch.rand(18, 2)
    real = lower_star_persistence(values, ei, batch, num_samples=3, backend="triton")
    mod = interpreted["topograph.core.kernels.triton_graph"]
    kernel = mod._union_find_kernel
    mod._union_find_kernel = Stub(_union_find, [None])
    try:
        stub = lower_star_persistence(values, ei, batch, num_samples=3, backend="triton")
    finally:
        mod._union_find_kernel = kernel
    assert torch.equal(real.dim0.death, stub.dim0.death) and torch.equal(real.dim1.birth, stub.dim1.birth)


@pytest.mark.parametrize("vary", ["samples", "points"])
def test_rips_count_constant(counter, vary):
    shapes = [(b, 8) for b in (16, 128, 1024)] if vary == "samples" else [(1, n) for n in (10, 1000, 100_000)]
    counts = []
    for b, n in shapes:
        x = torch.randn(b, n, 3, requires_grad=True)
        c = Counter()
        counter[0] = c
        with c:
            d = rips_persistence(x, backend="triton").dim0
            d.death[~d.essential].sum().backward()
        counter[0] = None
        assert c.launches == 1
        counts.append(c.aten + c.launches)
    print("counts", counts)
    assert counts[0] == counts[1] == counts[2], counts


@pytest.mark.parametrize("scale", [None, 20.0])
def test_ect_count_constant(interpreted, monkeypatch, scale):  # noqa: F811
    from topograph.ect import ect

    ref = [None]
    mod = interpreted["topograph.ect._triton"]
    for name in ("_exact_kernel", "_sigmoid_fwd_kernel", "_sigmoid_bwd_kernel"):
        monkeypatch.setattr(mod, name, Stub(lambda *a: None, ref))
    counts = []
    for b, n in ((16, 8), (128, 8), (1024, 8), (1, 100_000)):
        x = torch.randn(b * n, 3, requires_grad=scale is not None)
        ei = _graphs(b, n)[0]
        c = Counter()
        ref[0] = c
        with c:
            img = ect(x, torch.randn(4, 3), edge_index=ei, batch=torch.arange(b).repeat_interleave(n),
                      num_samples=b, resolution=8, scale=scale, backend="triton")
            if scale is not None:
                img.sum().backward()
        ref[0] = None
        counts.append((c.aten, c.launches))
    print("ect counts", counts)
    assert len(set(counts)) == 1, counts


def _extended_stand_in(grid, u, v, first, last, rank, up, down, eseg, vseg, *scratch_and_out):
    """The numba kernel's per-filtration routine: the contract the Triton kernel is
    checked against in ``cases_extended.py`` (whole batch at once: graphs are disjoint)."""
    from topograph.core.pairing._extended_kernels import _extended_one

    out = [t.numpy() for t in scratch_and_out[7:12]]
    for f in range(grid[1]):
        _extended_one(u.numpy(), v.numpy(), rank.numpy()[f], *(o[f] for o in out))


@pytest.mark.parametrize("vary", ["graphs", "size", "filtrations"])
def test_extended_count_constant(interpreted, monkeypatch, vary):  # noqa: F811
    import importlib

    from topograph import extended_persistence

    ref = [None]
    monkeypatch.setattr(importlib.import_module("topograph.core.kernels.triton_extended"), "_extended_kernel",
                        Stub(_extended_stand_in, ref))
    shapes = {"graphs": [(g, 8, 3) for g in (16, 128, 1024)],
              "size": [(1, n, 2) for n in (10, 1000, 100_000)],
              "filtrations": [(4, 8, k) for k in (2, 5, 16)]}[vary]
    counts = []
    for num_samples, n, k in shapes:
        ei, batch = _graphs(num_samples, n)
        values = torch.rand(num_samples * n, k, requires_grad=True)
        c = Counter()
        ref[0] = c
        with c:
            r = extended_persistence(values, ei, batch, num_samples=num_samples, backend="triton")
            sum((d.death - d.birth).sum() for d in (r.ordinary0, r.relative1, r.extended0, r.extended1)).backward()
        ref[0] = None
        assert c.launches == 1
        assert r.extended1.counts().tolist() == [2] * num_samples  # the ring and its chord
        counts.append(c.aten + c.launches)
    print("extended counts", counts)
    assert counts[0] == counts[1] == counts[2], counts
