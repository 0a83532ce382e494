"""Bad-input sweep of the ECT: ect() and ECTLayer.

See tests/bad_inputs.py for the conventions of these sweeps."""
from __future__ import annotations

import pytest
import torch

import topograph
from topograph.nn import ECTLayer

from bad_inputs import E, INF, NAN, OTHER, P, all_finite, check_error, no_hang  # noqa: F401

ect = topograph.ect


# --------------------------------------------------------------------------- ECT
ECT_ERRORS = [
    ("nan coordinates", lambda: ect(NAN(P()), torch.eye(3)), ValueError, "NaN"),
    ("inf coordinates", lambda: ect(NAN(P(), float("inf")), torch.eye(3)), ValueError, "inf"),
    ("integer coordinates", lambda: ect(torch.ones(4, 3, dtype=torch.long), torch.eye(3)), TypeError,
     "floating point"),
    ("integer directions", lambda: ect(P(), torch.eye(3, dtype=torch.long)), TypeError, "floating point"),
    ("1-d coordinates", lambda: ect(torch.rand(3), torch.eye(3)), ValueError, r"\[N, d\]"),
    ("directions of wrong dimension", lambda: ect(P(), torch.eye(2)), ValueError, "dimension"),
    ("no directions", lambda: ect(P(), torch.zeros(0, 3)), ValueError, "T >= 1"),
    ("zero-length direction", lambda: ect(P(), torch.zeros(2, 3)), ValueError, "zero-length"),
    ("nan direction", lambda: ect(P(), NAN(torch.eye(3))), ValueError, "NaN"),
    ("edge out of range", lambda: ect(P(), torch.eye(3), edge_index=torch.tensor([[0], [6]])), ValueError,
     "outside"),
    ("face out of range", lambda: ect(P(), torch.eye(3), faces=torch.tensor([[0], [1], [9]])), ValueError,
     "outside"),
    ("float edges", lambda: ect(P(), torch.eye(3), edge_index=torch.tensor([[0.0], [1.0]])), TypeError,
     "integer"),
    ("faces [2, F]", lambda: ect(P(), torch.eye(3), faces=torch.tensor([[0], [1]])), ValueError, r"\[3, M\]"),
    ("batch wrong length", lambda: ect(P(), torch.eye(3), batch=torch.zeros(3, dtype=torch.long)), ValueError,
     "batch has length"),
    ("float batch", lambda: ect(P(), torch.eye(3), batch=torch.zeros(6)), TypeError, "integer"),
    ("negative batch", lambda: ect(P(), torch.eye(3), batch=torch.tensor([-1, 0, 0, 0, 0, 0])), ValueError,
     "negative"),
    ("num_samples too small", lambda: ect(P(), torch.eye(3), batch=torch.tensor([0, 0, 1, 1, 2, 2]),
                                          num_samples=2), ValueError, "num_samples"),
    ("edge across samples", lambda: ect(P(), torch.eye(3), edge_index=torch.tensor([[0], [5]]),
                                        batch=torch.tensor([0, 0, 0, 1, 1, 1])), ValueError, "different samples"),
    ("resolution 1", lambda: ect(P(), torch.eye(3), resolution=1), ValueError, "resolution"),
    ("float resolution", lambda: ect(P(), torch.eye(3), resolution=8.0), TypeError, "resolution"),
    ("radius 0", lambda: ect(P(), torch.eye(3), radius=0.0), ValueError, "radius"),
    ("radius nan", lambda: ect(P(), torch.eye(3), radius=float("nan")), ValueError, "radius"),
    ("scale inf", lambda: ect(P(), torch.eye(3), scale=float("inf")), ValueError, "scale"),
    ("directions on other device", lambda: ect(P(), torch.eye(3, device=OTHER)), ValueError, "device"),
    ("batch on other device", lambda: ect(P(), torch.eye(3), batch=torch.zeros(6, dtype=torch.long,
                                                                              device=OTHER)),
     ValueError, "device"),
    ("coordinates on meta", lambda: ect(P().to("meta"), torch.eye(3, device="meta")), ValueError, "meta device"),
    ("list coordinates", lambda: ect([[0.0, 0.0, 0.0]], torch.eye(3)), TypeError, "torch.Tensor"),
]


@pytest.mark.parametrize("fn, exc, match", [c[1:] for c in ECT_ERRORS], ids=[c[0] for c in ECT_ERRORS])
def test_ect_errors(fn, exc, match):
    check_error(fn, exc, match)


@pytest.mark.parametrize("scale", [None, 20.0])
def test_ect_valid_edge_cases(scale):
    dirs = torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.6, 0.8]])
    x = P()
    # unsorted batch = the same samples sorted
    batch = torch.tensor([1, 0, 1, 0, 1, 0])
    order = torch.tensor([1, 3, 5, 0, 2, 4])
    a = ect(x, dirs, batch=batch, resolution=8, scale=scale)
    b = ect(x[order], dirs, batch=torch.tensor([0, 0, 0, 1, 1, 1]), resolution=8, scale=scale)
    torch.testing.assert_close(a, b)
    # self-loops and duplicate edges are ignored; an isolated vertex counts +1 at large t
    e_dirty = torch.tensor([[0, 1, 1, 2, 2], [1, 0, 1, 2, 3]])
    e_clean = torch.tensor([[0, 2], [1, 3]])
    torch.testing.assert_close(ect(x, dirs, edge_index=e_dirty, resolution=8, scale=scale),
                               ect(x, dirs, edge_index=e_clean, resolution=8, scale=scale))
    if scale is None:  # 6 vertices - 2 edges = 4 components at the last threshold
        assert ect(x, dirs, edge_index=e_clean, resolution=8, radius=2.0)[0, -1].tolist() == [4.0, 4.0]
    # empty input and a single vertex
    assert ect(torch.zeros(0, 3), dirs, resolution=8, scale=scale).abs().sum() == 0
    single = ect(torch.zeros(1, 3), dirs, resolution=8, scale=scale)
    assert all_finite(single) and float(single[0, -1, 0]) == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize("scale", [None, 10.0, 1e30])
def test_ect_huge_values(scale):
    dirs = torch.tensor([[1.0, 0.0, 0.0], [0.6, 0.8, 0.0]])
    x = (P() * 1e38).requires_grad_(scale is not None)
    img = ect(x, dirs, resolution=8, scale=scale)
    assert all_finite(img)
    # every point lies far beyond the threshold range: nothing is counted
    assert float(img.detach().abs().max()) < 1e-3
    if scale is not None:
        img.sum().backward()
        assert all_finite(x.grad)
    # a huge but representable radius: everything sits at the middle threshold
    wide = ect(P(), dirs, resolution=9, radius=1e38, scale=scale)
    assert all_finite(wide) and wide[0, -1].tolist() == pytest.approx([6.0, 6.0], abs=1e-3)
    # heights or thresholds that would overflow float32: a clear error, never garbage
    with pytest.raises(ValueError, match="too large"):
        ect(P() * 3e38, dirs, resolution=8, scale=scale)
    with pytest.raises(ValueError, match="radius"):
        ect(P(), dirs, resolution=8, radius=3e38, scale=scale)
    assert all_finite(ect(P().double() * 3e38, dirs.double(), resolution=8, radius=3e38, scale=scale))


LAYER_ERRORS = [
    ("resolution 1", lambda: ECTLayer(4, 3, resolution=1), ValueError, "resolution"),
    ("learnable exact", lambda: ECTLayer(4, 3, learnable=True, scale=None), ValueError, "scale"),
    ("list directions", lambda: ECTLayer(directions=[[1.0, 0.0, 0.0]]), TypeError, "directions"),
    ("1-d directions", lambda: ECTLayer(directions=torch.rand(3)), ValueError, "directions"),
    ("zero directions", lambda: ECTLayer(0, 3), ValueError, "positive"),
    ("dimension mismatch", lambda: ECTLayer(4, 2, resolution=8)(P()), ValueError, "dimension"),
    ("integer coordinates", lambda: ECTLayer(4, 3, resolution=8)(torch.ones(4, 3, dtype=torch.long)), TypeError,
     "floating point"),
    ("nan coordinates", lambda: ECTLayer(4, 3, resolution=8)(NAN(P())), ValueError, "NaN"),
    ("coordinates on meta", lambda: ECTLayer(4, 3, resolution=8)(P().to("meta")), ValueError, "meta device"),
    ("edges on other device",
     lambda: ECTLayer(4, 3, resolution=8)(P(), edge_index=torch.tensor([[0], [1]], device=OTHER)),
     ValueError, "device"),
    ("data without coordinates", lambda: ECTLayer(4, 3, resolution=8)(_data_without_pos()), ValueError,
     "coordinates"),
]


def _data_without_pos():
    from torch_geometric.data import Data

    return Data(edge_index=torch.tensor([[0], [1]]), num_nodes=2)


@pytest.mark.parametrize("fn, exc, match", [c[1:] for c in LAYER_ERRORS], ids=[c[0] for c in LAYER_ERRORS])
def test_ect_layer_errors(fn, exc, match):
    check_error(fn, exc, match)


def test_ect_layer_valid_edge_cases():
    layer = ECTLayer(4, 3, resolution=8, scale=50.0, learnable=True)
    assert layer(torch.zeros(0, 3)).shape == (1, 8, 4)
    x = P().double().requires_grad_()
    out = layer(x)
    assert out.dtype == torch.float64 and all_finite(out)
    out.sum().backward()
    assert all_finite(x.grad, *(p.grad for p in layer.parameters()))
