"""Adversarial ECT cases: silent wrong answers found by trying to break ect() and its layers."""
from __future__ import annotations

import pytest
import torch

from torch_geometric.data import Batch, Data

from topograph.ect import ECTTransform, ect, fit_to_unit_ball
from topograph.nn import DirectionPooling, ECTLayer


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("scale", [None, 50.0])
def test_half_precision_counts_are_not_truncated(dtype, scale):
    """bfloat16 counts stop being exact at 256 and float16 at 2048: the ECT used to
    return 768 for 3000 vertices in bfloat16. It now counts in float32 and rounds
    the result once to the input's dtype."""
    n = 3000
    x = (torch.rand(n, 2, generator=torch.Generator().manual_seed(0)) * 0.5).to(dtype)
    d = torch.tensor([[1.0, 0.0]], dtype=dtype)
    img = ect(x, d, resolution=8, scale=scale)
    assert img.dtype == dtype
    assert img[0, -1, 0].item() == torch.tensor(float(n), dtype=dtype).item()
    # the image agrees with the float32 ECT of the same (rounded) coordinates
    ref = ect(x.float(), d.float(), resolution=8, scale=scale).to(dtype)
    torch.testing.assert_close(img, ref, atol=0, rtol=0)



def test_bfloat16_heights_are_not_rounded_to_bfloat16():
    """Heights x @ v computed in bfloat16 moved vertices across thresholds (off by one count)."""
    gen = torch.Generator().manual_seed(0)
    x = (torch.rand(40, 3, generator=gen) - 0.5).bfloat16()
    d = torch.nn.functional.normalize(torch.randn(16, 3, generator=gen), dim=1).bfloat16()
    img = ect(x, d, resolution=64)
    torch.testing.assert_close(img.float(), ect(x.float(), d.float(), resolution=64), atol=0, rtol=0)

# ----------------------------------------------------------------- fit_to_unit_ball
@pytest.mark.parametrize("magnitude", [1e-30, 1e-42, 1e30])
@pytest.mark.parametrize("batched", [False, True])
def test_fit_to_unit_ball_of_huge_and_tiny_shapes(magnitude, batched):
    """Squared norms of 1e30 overflowed (the fit returned all zeros) and those of 1e-30
    underflowed (the fit returned norms of 6.5e7, far outside the ball)."""
    x = torch.rand(6, 3, generator=torch.Generator().manual_seed(0)) * magnitude
    batch = torch.tensor([0, 0, 0, 1, 1, 1]) if batched else None
    y = fit_to_unit_ball(x, batch)
    norms = y.norm(dim=1)
    groups = [norms[:3], norms[3:]] if batched else [norms]
    for g in groups:
        assert torch.isfinite(g).all()
        assert 0.999 < g.max().item() <= 1.0


def test_fit_to_unit_ball_of_coinciding_vertices_has_finite_gradients():
    """All vertices equal: the shape is only centred, and gradients stay small (they were 5e30)."""
    for batch in (None, torch.tensor([0, 0, 0, 1])):
        x = torch.ones(4, 2, requires_grad=True)
        y = fit_to_unit_ball(x, batch)
        (y * torch.arange(8.0).view(4, 2)).sum().backward()
        assert torch.equal(y[:3], torch.zeros(3, 2))
        assert x.grad.abs().max().item() < 10.0


def test_fit_to_unit_ball_rejects_ids_outside_num_samples():
    x = torch.rand(4, 2)
    with pytest.raises(ValueError, match="num_samples=1"):
        fit_to_unit_ball(x, torch.tensor([0, 0, 1, 1]), num_samples=1)
    with pytest.raises(ValueError, match="from -1"):
        fit_to_unit_ball(x, torch.tensor([-1, 0, 1, 1]))


def test_fit_to_unit_ball_unchanged_for_ordinary_shapes():
    """The power-of-two pre-scaling is exact: ordinary shapes give the plain formula's result."""
    x = torch.randn(10, 3, generator=torch.Generator().manual_seed(1)) * 3 + 5
    c = x - x.mean(0)
    torch.testing.assert_close(fit_to_unit_ball(x, margin=0.0), c / c.norm(dim=1).max())


# ----------------------------------------------------------------- layers and transforms
def test_layer_keeps_float64_directions():
    """Fixed float64 directions used to be stored as float32 (an error of 1e-7 in float64 images)."""
    d = torch.nn.functional.normalize(torch.randn(4, 3, dtype=torch.float64), dim=1)
    x = torch.rand(5, 3, dtype=torch.float64) * 0.5
    layer = ECTLayer(directions=d, scale=10.0)
    assert layer.fixed_directions.dtype == torch.float64
    torch.testing.assert_close(layer(x), ect(x, d, scale=10.0), atol=1e-14, rtol=0)


def test_transform_on_a_batch_gives_one_image_per_sample():
    """ECTTransform dropped the batch vector of a PyG Batch and merged all samples into one image."""
    data = [Data(pos=torch.rand(3, 3) * 0.3, edge_index=torch.tensor([[0, 1], [1, 2]])),
            Data(pos=torch.rand(2, 3) * 0.3, edge_index=torch.zeros(2, 0, dtype=torch.long))]
    tr = ECTTransform(resolution=8)
    out = tr(Batch.from_data_list(data).clone()).ect
    assert out.shape == (2, 8, 64)
    torch.testing.assert_close(out, torch.cat([tr(d.clone()).ect for d in data]))


def test_direction_pooling_arguments():
    with pytest.raises(ValueError, match="hidden must be a positive int"):
        DirectionPooling(8, hidden=2.5)
    with pytest.raises(ValueError, match="hidden must be a positive int"):
        DirectionPooling(8, hidden=0)
    with pytest.raises(ValueError, match="T >= 1"):
        DirectionPooling(8)(torch.zeros(2, 8, 0))

