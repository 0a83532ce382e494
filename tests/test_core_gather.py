"""gather_columns (the diagrams' numba gather) against torch.gather: values, layouts,
gradients (first and second order), no-grad calls and bad indices."""
from __future__ import annotations

import pytest
import torch

from topograph.core.gather import gather_columns


def _indices(m: int, k: int):
    g = torch.Generator().manual_seed(0)
    c = torch.randint(0, m, (50, k), generator=g)  # row-major
    t = torch.randint(0, m, (k, 40), generator=g).T  # a transposed view (the pairing's)
    s = torch.randint(0, m, (60, 2 * k), generator=g)[::2, ::2]  # neither: copied
    return c, t, s


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_gather_columns_matches_torch(dtype):
    x = torch.randn(30, 3, dtype=dtype, requires_grad=True)
    y = x.detach().clone().requires_grad_()
    idx = _indices(30, 3)
    ours = gather_columns(x, *idx)
    ref = tuple(y.gather(0, i) for i in idx)
    w = [torch.randn(i.shape, dtype=dtype) for i in idx]
    for o, r in zip(ours, ref):
        assert torch.equal(o, r)
    sum((o * wi).sum() for o, wi in zip(ours, w)).backward()
    sum((r * wi).sum() for r, wi in zip(ref, w)).backward()
    torch.testing.assert_close(x.grad, y.grad)


def test_gather_columns_unused_output_and_no_grad():
    x = torch.randn(10, 2, requires_grad=True)
    a, b = torch.randint(0, 10, (7, 2)), torch.randint(0, 10, (5, 2))
    ga, _ = gather_columns(x, a, b)  # only the first output reaches the loss
    ga.sum().backward()
    ref = torch.zeros(10, 2).scatter_add_(0, a, torch.ones(7, 2))
    assert torch.equal(x.grad, ref)
    with torch.no_grad():
        (out,) = gather_columns(x, a)
    assert not out.requires_grad and torch.equal(out, x.detach().gather(0, a))


def test_gather_columns_double_backward():
    x = torch.randn(8, 2, dtype=torch.float64, requires_grad=True)
    idx = torch.randint(0, 8, (6, 2))

    def f(x):
        (g,) = gather_columns(x, idx)
        return (g ** 3).sum()

    assert torch.autograd.gradcheck(f, (x,))
    assert torch.autograd.gradgradcheck(f, (x,))


def test_gather_columns_bad_index_and_other_dtypes():
    x = torch.randn(5, 2)
    with pytest.raises(IndexError, match="out of range for 5 rows"):
        gather_columns(x, torch.tensor([[0, 5]]))
    with pytest.raises(IndexError, match="out of range"):
        gather_columns(x, torch.tensor([[-1, 0]]))
    h = x.half()  # not a numba dtype: torch.gather
    assert torch.equal(gather_columns(h, torch.tensor([[1, 2]]))[0], h.gather(0, torch.tensor([[1, 2]])))
