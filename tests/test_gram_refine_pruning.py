"""The packed Prim on ``[G | X]`` refines a cancelling Gram entry only where it can
change the step (``_kernels._gram_row_pruned``). Its tree and farthest pair must be
bit-for-bit those of the same scan on the fully refined matrix: every entry where
more than 2 bits cancel recomputed from the coordinates, the rest in Gram form."""
import numpy as np
import pytest
import torch

from topograph.core.pairing import _kernels as K
from topograph.core.pairing.rips import prim_operand


def _fully_refined(a: np.ndarray) -> np.ndarray:
    """The squared distances the unpruned scan reads, same float32 operations."""
    n = a.shape[0]
    g, x = a[:, :n], a[:, n:]
    sq = np.diag(g).copy()
    t = sq[None, :] + sq[:, None]
    v = t - np.float32(2) * g
    acc = np.zeros((n, n), np.float32)
    for c in range(x.shape[1]):  # sequential over coordinates, as the kernel sums
        diff = x[None, :, c] - x[:, None, c]
        acc += diff * diff
    out = np.where(v < np.float32(K.GRAM_REFINE) * t, acc, v)
    np.fill_diagonal(out, 0)
    return out


def _clusters(seed: int, n: int, d: int, offset: float, spread: float) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    centres = 5 * torch.randn(6, d, generator=g)
    pts = centres[torch.randint(0, 6, (n,), generator=g)] + spread * torch.randn(n, d, generator=g)
    pts[: n // 8] = pts[n // 8: 2 * (n // 8)]  # duplicates (ties)
    return (offset + pts).float()


@pytest.mark.parametrize("seed,n,d,offset,spread", [
    (0, 200, 101, 0.0, 1.0), (1, 150, 40, 1e3, 0.01), (2, 120, 17, 10.0, 1e-3),
    (3, 90, 101, 0.0, 0.05), (4, 64, 9, 1e4, 1.0),
])
def test_pruned_refinement_is_exact(seed, n, d, offset, spread):
    a, kind = prim_operand(_clusters(seed, n, d, offset, spread))
    assert kind == 1 and a.shape[-1] == n + d
    out, far = np.zeros((n - 1, 2), np.int64), np.zeros(2, np.int64)
    K.prim_sample(a[0], out, far, 1, True)
    ref, ref_far = np.zeros((n - 1, 2), np.int64), np.zeros(2, np.int64)
    K.prim_sample(_fully_refined(a[0]), ref, ref_far, 0, True)
    np.testing.assert_array_equal(out, ref)
    np.testing.assert_array_equal(far, ref_far)
