"""The ECT never truncates a shape silently: range warning and the unit-ball fit."""
import warnings

import pytest
import torch
import trimesh
from torch_geometric.data import Batch

import topograph
from topograph.data import mesh_to_data
from topograph.ect import ECTRangeWarning, FitToUnitBall, fit_to_unit_ball, sphere_directions
from topograph.nn import ECTLayer

DIRS = sphere_directions(16)


def _torus(scale=1.0, shift=0.0):
    m = trimesh.creation.torus(1.0, 0.4, major_sections=16, minor_sections=8)
    m.vertices = m.vertices * scale + shift
    return mesh_to_data(m)


def _ect(d, **kw):
    return topograph.ect(d.pos, DIRS, edge_index=d.edge_index, faces=d.face, resolution=16, **kw)


def _no_warning(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ECTRangeWarning)
        return fn()


def test_scaled_torus_warns_and_fit_restores_euler_characteristic():
    d = _torus(scale=5.0)
    with pytest.warns(ECTRangeWarning, match=r"reach 6\.98") as rec:
        img = _ect(d)
    assert len(rec) == 1  # one warning per call, naming the largest height
    assert (img[0, -1] != 0).any()  # truncated: the last row is not chi(torus) = 0
    d.pos = fit_to_unit_ball(d.pos)
    img = _no_warning(lambda: _ect(d))
    assert torch.equal(img[0, -1], torch.zeros(16))


@pytest.mark.parametrize("scale", [None, 200.0])
def test_shifted_sphere_warns_on_both_paths(scale):
    m = trimesh.creation.icosphere(subdivisions=1, radius=0.5)
    m.vertices = m.vertices + [3.0, 0.0, 0.0]
    d = mesh_to_data(m)
    with pytest.warns(ECTRangeWarning, match=r"reach 3\.[34]"):
        _ect(d, scale=scale)
    fitted = mesh_to_data(m, fit_to_unit_ball=True)
    img = _no_warning(lambda: _ect(fitted))
    assert torch.equal(img[0, -1], torch.full((16,), 2.0))  # chi(sphere) = 2
    assert fitted.pos.norm(dim=1).max() <= 1.0


def test_validate_false_skips_the_check():
    d = _torus(scale=5.0)
    _no_warning(lambda: _ect(d, validate=False))
    _no_warning(lambda: _ect(d, radius=7.5))  # a radius that fits is fine too


def test_layer_and_transform_warn():
    d = _torus(scale=2.0, shift=1.0)
    layer = ECTLayer(16, 3, resolution=16, scale=None)
    with pytest.warns(ECTRangeWarning, match=r"reach 4\."):
        layer(d)
    _no_warning(lambda: layer(d))  # once per layer: a training loop gets one warning
    _no_warning(lambda: ECTLayer(16, 3, resolution=16, scale=None, validate=False)(d))
    from topograph.ect import ECTTransform
    transform = ECTTransform(DIRS, resolution=16)
    with pytest.warns(ECTRangeWarning):
        transform(d.clone())
    _no_warning(lambda: transform(d.clone()))
    out = _no_warning(lambda: ECTTransform(DIRS, resolution=16)(FitToUnitBall()(d.clone())))
    assert torch.equal(out.ect[0, -1], torch.zeros(16))


def test_fit_is_per_sample():
    a, b = _torus(scale=5.0), _torus(scale=0.1, shift=-2.0)
    batch = Batch.from_data_list([a, b])
    fitted = FitToUnitBall()(batch.clone()).pos
    for i, d in enumerate((a, b)):
        part = fitted[batch.batch == i]
        assert torch.allclose(part.mean(0), torch.zeros(3), atol=1e-5)
        assert part.norm(dim=1).max() == pytest.approx(1 - 1e-4, rel=1e-5)
        assert torch.allclose(part, fit_to_unit_ball(d.pos), atol=1e-6)
    img = _no_warning(lambda: ECTLayer(16, 3, resolution=16, scale=None)(Batch.from_data_list(
        [FitToUnitBall()(a.clone()), FitToUnitBall()(b.clone())])))
    assert torch.equal(img[:, -1], torch.zeros(2, 16))


def test_fit_gradient_and_degenerate_samples():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(9, 3, dtype=torch.float64, generator=g, requires_grad=True)
    batch = torch.tensor([0, 0, 0, 0, 1, 1, 1, 1, 1])
    torch.autograd.gradcheck(lambda x: fit_to_unit_ball(x, batch, num_samples=2, radius=2.0), (x,))
    same = torch.ones(4, 2, requires_grad=True)  # all vertices coincide: centred at the origin
    out = fit_to_unit_ball(same)
    out.sum().backward()
    assert torch.equal(out, torch.zeros(4, 2)) and torch.isfinite(same.grad).all()
    assert fit_to_unit_ball(torch.zeros(0, 3)).shape == (0, 3)
    with pytest.raises(ValueError, match="batch"):
        fit_to_unit_ball(x, batch[:3])
    with pytest.raises(ValueError, match="margin"):
        fit_to_unit_ball(x, margin=1.0)


def test_direction_pooling_is_nearly_rotation_invariant():
    """Rotated copies of one shape give close pooled features; another shape does not."""
    import numpy as np

    from topograph.nn import DirectionPooling

    rng = np.random.default_rng(0)
    layer = ECTLayer(directions=sphere_directions(128), resolution=16, scale=None)
    torch.manual_seed(0)
    pool = DirectionPooling(16, 16)

    def features(mesh):
        mesh = mesh.copy()
        mesh.apply_transform(trimesh.transformations.random_rotation_matrix(rand=rng.random(3)))
        return pool(layer(mesh_to_data(mesh, fit_to_unit_ball=True))).detach()[0]

    torus = trimesh.creation.torus(1.0, 0.4, major_sections=16, minor_sections=8)
    sphere = trimesh.creation.icosphere(subdivisions=2)
    a, b, c = features(torus), features(torus), features(sphere)
    assert (a - b).norm() < 0.2 * (a - c).norm()


def test_warning_follows_the_heights_not_the_norms():
    """A vertex far from the origin but at height 0 in every given direction fits."""
    x = torch.tensor([[0.0, 5.0, 0.0], [0.5, 5.0, 0.0]])
    dirs = torch.tensor([[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]])
    _no_warning(lambda: topograph.ect(x, dirs, edge_index=torch.tensor([[0], [1]]), resolution=8))
    with pytest.warns(ECTRangeWarning, match=r"reach 1\.5"):
        topograph.ect(x * 3, dirs, resolution=8)
