"""The kernel seam (topograph.core.kernels): backend choice, messages, numba set-up."""
import subprocess
import sys

import pytest
import torch

from topograph import lower_star_persistence, rips_persistence
from topograph.core import kernels

CPU, CUDA = torch.device("cpu"), torch.device("cuda")


def test_auto_picks_numba_on_cpu_and_triton_on_cuda(monkeypatch):
    assert kernels.resolve("auto", CPU) == "numba"
    monkeypatch.setattr(kernels, "triton_available", lambda: True)
    assert kernels.resolve("auto", CUDA) == "triton"
    monkeypatch.setattr(kernels, "triton_available", lambda: False)
    assert kernels.resolve("auto", CUDA) == "numba"  # the documented fallback: one round trip
    assert kernels.resolve("numba", CUDA) == "numba"
    assert kernels.resolve("torch", CUDA, extra=("torch",)) == "torch"


def test_clear_messages(monkeypatch):
    with pytest.raises(ValueError, match="'cuda-kernels' is unknown.*'auto', 'numba', 'triton'"):
        kernels.resolve("cuda-kernels", CPU)
    with pytest.raises(ValueError, match="no longer exists"):
        lower_star_persistence(torch.rand(3), torch.tensor([[0], [1]]), backend="torch")
    monkeypatch.setattr(kernels, "triton_available", lambda: False)
    with pytest.raises(ImportError, match="pip install triton"):
        rips_persistence(torch.rand(4, 2), backend="triton")
    monkeypatch.setattr(kernels, "triton_available", lambda: True)
    monkeypatch.delenv("TRITON_INTERPRET", raising=False)
    with pytest.raises(ValueError, match="CUDA tensors.*backend='numba'"):
        lower_star_persistence(torch.rand(3), torch.tensor([[0], [1]]), backend="triton")


def test_serial_parallel_decision():
    assert not kernels.use_parallel(1, 1 << 30)  # one problem: never threads
    assert not kernels.use_parallel(8, 16)  # too little work to wake the pool
    assert kernels.use_parallel(8, kernels.PARALLEL_MIN_WORK)


def test_numba_threading_is_set_at_first_use_not_at_import():
    code = (
        "import numba, torch\n"
        "before = numba.config.THREADING_LAYER\n"
        "import topograph, topograph.ect, topograph.core.pairing._kernels, topograph.ect._numba\n"
        "assert numba.config.THREADING_LAYER == before, 'import changed the threading layer'\n"
        "topograph.rips_persistence(torch.randn(3, 5, 2))\n"
        "assert numba.config.THREADING_LAYER == 'workqueue', numba.config.THREADING_LAYER\n")
    env = {k: v for k, v in __import__("os").environ.items() if k != "NUMBA_THREADING_LAYER"}
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]


def test_numba_ready_checks_a_cache_once_per_tag(monkeypatch):
    """Kernels that compile in another file's kernels get the cache check at first
    use, once per process and tag (not at import, not on every call)."""
    from topograph.core import kernels

    calls = []
    monkeypatch.setattr(kernels, "refresh_numba_cache", lambda *a: calls.append(a[2]))
    monkeypatch.setattr(kernels, "_NUMBA_READY", set())
    for _ in range(3):
        kernels.numba_ready((), kernels, "tag-a")
    kernels.numba_ready((), kernels, "tag-b")
    assert calls == ["tag-a", "tag-b"]
