"""Shared pieces of the bad-input sweeps (tests/test_*_robustness.py).

Each case either raises a ``ValueError`` / ``TypeError`` whose message names the
problem, or returns a correct, finite result. Never a crash from deep inside a
kernel, a hang, or a silent NaN. The "other" device of the mismatched-device
cases is ``cuda`` when present, else ``meta`` (a device without data).
"""
from __future__ import annotations

import signal
from typing import Any, Callable

import pytest
import torch

OTHER = "cuda" if torch.cuda.is_available() else "meta"
INF = float("inf")
BACKENDS = ["numba", "torch"]


@pytest.fixture(autouse=True)
def no_hang():
    """Fail (instead of hanging the suite) if one case takes more than 60 s.
    Import it into a test module to make it apply there."""
    def boom(*_):
        raise TimeoutError("robustness case did not finish in 60 s")
    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def V(n: int = 5, dtype=torch.float32) -> torch.Tensor:
    return torch.tensor([0.3, 0.1, 0.4, 0.2, 0.5, 0.7, 0.6, 0.0][:n], dtype=dtype)


def E() -> torch.Tensor:  # path 0-1-2-3-4
    return torch.tensor([[0, 1, 2, 3], [1, 2, 3, 4]])


def NAN(t: torch.Tensor, value: float = float("nan")) -> torch.Tensor:
    t = t.clone()
    t.view(-1)[1] = value
    return t


def P(n: int = 6, d: int = 3) -> torch.Tensor:
    return torch.rand(n, d, generator=torch.Generator().manual_seed(0))


def check_error(fn: Callable[[], Any], exc: type, match: str) -> None:
    with pytest.raises(exc, match=match):
        fn()


def all_finite(*tensors: torch.Tensor) -> bool:
    return all(bool(torch.isfinite(t).all()) for t in tensors)


def ls_multiset(res, dim: int = 0) -> list[list[tuple[float, float]]]:
    return [sorted(map(tuple, d.tolist())) for d in res.as_list(dim)]
