"""Determinism on the CPU: the same seed gives bit-identical pairings, diagrams, ECT images
and gradients, across calls, backends' repeated runs and thread counts (docs/conventions.md)."""
from __future__ import annotations

import pytest
import torch

import topograph
from topograph.core import rips_pairs

DTYPES = [torch.float32, torch.float64]


def _graph(seed: int, dtype: torch.dtype):
    g = torch.Generator().manual_seed(seed)
    n, m, b = 60, 120, 4
    # few distinct values: many ties, where a sloppy pairing would be order-dependent
    values = torch.randint(0, 6, (n, 3), generator=g).to(dtype) / 5
    batch = torch.arange(n) * b // n
    graph_of_edge = torch.randint(0, b, (m,), generator=g)
    lo = (graph_of_edge * n + b - 1) // b
    hi = ((graph_of_edge + 1) * n + b - 1) // b
    u = lo + (torch.rand(m, generator=g) * (hi - lo)).long()
    v = lo + (torch.rand(m, generator=g) * (hi - lo)).long()
    return values, torch.stack([u, v]), batch


def _points(seed: int, dtype: torch.dtype, B: int = 3, n: int = 40):
    g = torch.Generator().manual_seed(seed)
    pts = torch.rand(B, n, 3, generator=g).to(dtype)
    pts[:, 1] = pts[:, 0]  # a duplicate point: tied distances
    return pts


def _diagram_tensors(d) -> list[torch.Tensor]:
    return [d.birth, d.death, d.essential, d.batch, d.birth_index, d.death_index]


def _assert_identical(a: list[torch.Tensor], b: list[torch.Tensor]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x.dtype == y.dtype and x.shape == y.shape
        assert torch.equal(x, y), "results differ between two identical calls"


def _lower_star(seed, dtype, backend):
    values, edges, batch = _graph(seed, dtype)
    values = values.requires_grad_()
    res = topograph.lower_star_persistence(values, edges, batch, backend=backend, essential_death="max")
    loss = (res.dim0.death - res.dim0.birth).pow(2).sum() + res.dim1.birth.sum()
    (grad,) = torch.autograd.grad(loss, values)
    return _diagram_tensors(res.dim0) + _diagram_tensors(res.dim1) + [grad]


def _rips(seed, dtype, backend, max_dim):
    pts = _points(seed, dtype).requires_grad_()
    res = topograph.rips_persistence(pts, max_dim=max_dim, backend=backend, essential_death="max")
    loss = res.dim0.death.sum() + (res.dim1.death - res.dim1.birth).sum() if max_dim else res.dim0.death.sum()
    (grad,) = torch.autograd.grad(loss, pts)
    out = _diagram_tensors(res.dim0) + [res.mst_edges, grad]
    if max_dim:
        out += _diagram_tensors(res.dim1)
    return out


def _ect(seed, dtype, scale, backend="auto"):
    g = torch.Generator().manual_seed(seed)
    n = 200
    x = (torch.rand(n, 3, generator=g) * 2 - 1).to(dtype).requires_grad_(scale is not None)
    dirs = torch.randn(16, 3, generator=g).to(dtype)
    dirs = (dirs / dirs.norm(dim=1, keepdim=True)).requires_grad_(scale is not None)
    batch = torch.arange(n) * 4 // n  # 4 samples of 50 vertices; simplices stay inside one sample
    edges = torch.randint(0, n // 4, (2, 400), generator=g) + torch.randint(0, 4, (400,), generator=g) * (n // 4)
    faces = torch.randint(0, n // 4, (3, 100), generator=g) + torch.randint(0, 4, (100,), generator=g) * (n // 4)
    img = topograph.ect(x, dirs, edge_index=edges, faces=faces, batch=batch, num_samples=4,
                        resolution=32, radius=1.8, scale=scale, backend=backend)
    if scale is None:
        return [img]
    weights = torch.randn(img.shape, generator=g).to(dtype)
    gx, gd = torch.autograd.grad((img * weights).sum(), (x, dirs))
    return [img, gx, gd]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("backend", ["numba"])
def test_lower_star_is_deterministic(backend, dtype):
    _assert_identical(_lower_star(0, dtype, backend), _lower_star(0, dtype, backend))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("max_dim", [0, 1])
def test_rips_is_deterministic(backend, dtype, max_dim):
    _assert_identical(_rips(1, dtype, backend, max_dim), _rips(1, dtype, backend, max_dim))


@pytest.mark.parametrize("dtype", DTYPES)
def test_rips_pairs_from_distances_is_deterministic(backend, dtype):
    d = torch.cdist(_points(2, dtype), _points(2, dtype))
    _assert_identical([rips_pairs(d, backend=backend)], [rips_pairs(d, backend=backend)])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("scale", [None, 30.0, 500.0])
def test_ect_is_deterministic(scale, dtype):
    _assert_identical(_ect(3, dtype, scale), _ect(3, dtype, scale))


def test_ect_torch_path_is_deterministic():
    for scale in (None, 30.0):
        _assert_identical(_ect(4, torch.float32, scale, "torch"), _ect(4, torch.float32, scale, "torch"))


def test_results_do_not_depend_on_the_thread_count():
    """numba's parallel loops and torch's intra-op threads split work, never change the sums."""
    import numba

    torch_threads, numba_threads = torch.get_num_threads(), numba.get_num_threads()

    def run():
        return (_lower_star(5, torch.float32, "numba")
                + _rips(5, torch.float32, "numba", 0) + _rips(5, torch.float32, "torch", 0)
                + _ect(5, torch.float32, None) + _ect(5, torch.float32, 50.0))

    try:
        torch.set_num_threads(1)
        numba.set_num_threads(1)
        single = run()
        torch.set_num_threads(max(2, torch_threads))
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        _assert_identical(single, run())
    finally:
        torch.set_num_threads(torch_threads)
        numba.set_num_threads(numba_threads)


def test_loss_and_training_step_are_deterministic():
    from topograph.nn import TopologicalSignatureLoss

    def step():
        torch.manual_seed(7)
        x = torch.randn(32, 10)
        enc = torch.nn.Linear(10, 2)
        loss = TopologicalSignatureLoss()(x, enc(x))
        loss.backward()
        return [loss.detach(), enc.weight.grad, enc.bias.grad]

    _assert_identical(step(), step())
