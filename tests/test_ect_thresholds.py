"""Exact, symmetric ECT thresholds (issue 9, item 6): a vertex lying exactly on a
threshold is counted at that threshold, in float32 too."""
import pytest
import torch

from topograph.ect import ect, thresholds

RESOLUTIONS = [2, 3, 5, 7, 11, 64, 65, 101, 257]
RADII = [1.0, 0.7, 2.5, 3.0, 1e-20, 1e20]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("radius", RADII)
def test_thresholds_are_exactly_symmetric(dtype, radius):
    for res in RESOLUTIONS:
        t = thresholds(res, radius, dtype=dtype)
        assert t.dtype == dtype and t.shape == (res,)
        assert torch.equal(t, -t.flip(0))
        assert float(t[0]) == float(torch.tensor(-radius, dtype=dtype))
        assert bool((t[1:] > t[:-1]).all())
        if res % 2:
            assert float(t[res // 2]) == 0.0
        ref = torch.linspace(-radius, radius, res, dtype=torch.float64)
        torch.testing.assert_close(t.double(), ref, rtol=2 * torch.finfo(dtype).eps,
                                   atol=2 * torch.finfo(dtype).eps * radius)


def test_issue_reproducer_middle_threshold_is_zero():
    t = thresholds(7, 1.0, dtype=torch.float32)
    assert float(t[3]) == 0.0  # torch.linspace: -2.98e-8


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("res", [7, 11, 65])
def test_vertex_exactly_on_each_threshold(backend, dtype, res):
    """One vertex at height t_r (direction e_1): the image steps from 0 to 1 at row r."""
    t = thresholds(res, 1.0, dtype=dtype)
    v = torch.tensor([[1.0, 0.0], [-1.0, 0.0]], dtype=dtype)
    for r in range(res):
        x = torch.stack([t[r], torch.zeros((), dtype=dtype)])[None]
        img = ect(x, v, resolution=res, backend=backend)[0]
        expected = (torch.arange(res) >= r).to(dtype)
        assert torch.equal(img[:, 0], expected), (r, img[:, 0])
        # direction -e_1: height -t_r = t_{R-1-r}, exactly a threshold again
        assert torch.equal(img[:, 1], (torch.arange(res) >= res - 1 - r).to(dtype))


def test_vertex_at_zero_counts_in_the_middle_row():
    x = torch.zeros(1, 3)
    v = torch.eye(3)
    img = ect(x, v, resolution=65)
    assert img[0, 32].tolist() == [1.0, 1.0, 1.0] and img[0, 31].tolist() == [0.0, 0.0, 0.0]
