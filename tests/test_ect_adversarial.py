"""Adversarial ECT cases: silent wrong answers found by trying to break ect() and its layers."""
from __future__ import annotations

import pytest
import torch

from topograph.ect import ect


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
