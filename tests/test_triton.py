"""The Triton kernels (the GPU path) on every CI run, without a GPU.

Triton's interpreter (``TRITON_INTERPRET=1``) runs the same kernels on CPU
tensors. It must be switched on before Triton is first imported (torch_geometric
imports it), so the cases in ``tests/triton_cases/`` run in one subprocess with
the variable set; the rest of the suite never sees it. Skips when Triton is not
installed (a test extra on Linux: CPU builds of torch do not bring it).
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent


def test_triton_kernels_in_the_interpreter():
    pytest.importorskip("triton", reason="Triton is not installed (pip install triton, Linux only)")
    env = dict(os.environ, TRITON_INTERPRET="1")
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "python_files=cases_*.py",
           str(HERE / "triton_cases")]
    res = subprocess.run(cmd, env=env, cwd=HERE.parent, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout[-6000:] + res.stderr[-3000:]
    assert " passed" in res.stdout and " failed" not in res.stdout, res.stdout[-3000:]


@pytest.mark.cuda
@pytest.mark.skipif(not __import__("torch").cuda.is_available(), reason="needs a CUDA device")
def test_triton_kernels_on_the_gpu():
    """The compiled kernels on a real device (no interpreter) equal the numba kernels."""
    pytest.importorskip("triton", reason="Triton is not installed (pip install triton, Linux only)")
    import torch

    from topograph import lower_star_persistence, rips_persistence
    from topograph.ect import ect

    from references import tied_graph_batch

    gen = torch.Generator().manual_seed(0)
    n, g = 40, 6
    ei, batch, vals = tied_graph_batch(n, g, gen)
    a = lower_star_persistence(vals.cuda(), ei.cuda(), batch.cuda(), num_samples=g, backend="triton")
    b = lower_star_persistence(vals, ei, batch, num_samples=g, backend="numba")
    for dim in (0, 1):
        assert torch.equal(a.diagram(dim).death_index.cpu(), b.diagram(dim).death_index)
        assert torch.equal(a.diagram(dim).birth_index.cpu(), b.diagram(dim).birth_index)
    tri = torch.stack([ei[0], ei[1], torch.roll(ei[1], g)])  # triangles inside each graph, some non-manifold
    tri = tri[:, (tri[0] // n == tri[2] // n)]
    a = lower_star_persistence(vals.cuda(), ei.cuda(), batch.cuda(), faces=tri.cuda(), num_samples=g,
                               backend="triton")
    b = lower_star_persistence(vals, ei, batch, faces=tri, num_samples=g, backend="numba")
    for dim in (0, 1, 2):
        assert torch.equal(a.diagram(dim).death_index.cpu(), b.diagram(dim).death_index)
        assert torch.equal(a.diagram(dim).birth_index.cpu(), b.diagram(dim).birth_index)
    x = torch.randn(5, 300, 3, generator=gen, dtype=torch.float64)
    ra = rips_persistence(x.cuda(), backend="triton").dim0.death.cpu()
    rb = rips_persistence(x, backend="numba").dim0.death
    assert torch.allclose(ra, rb)
    xs = torch.rand(n * g, 3, generator=gen, dtype=torch.float64) - 0.5
    dirs = torch.randn(8, 3, generator=gen, dtype=torch.float64)
    for scale in (None, 30.0):
        ia = ect(xs.cuda(), dirs.cuda(), edge_index=ei.cuda(), batch=batch.cuda(), num_samples=g,
                 resolution=16, scale=scale, backend="triton").cpu()
        ib = ect(xs, dirs, edge_index=ei, batch=batch, num_samples=g, resolution=16, scale=scale, backend="numba")
        assert torch.allclose(ia, ib, rtol=1e-9, atol=1e-9)
