"""A newcomer's API: real signature and help of topograph.ect, dir() of lazy modules,
friendly errors for the usual mix-ups, public quality measures."""
import inspect
import pydoc

import pytest
import torch

import topograph


def test_ect_signature_and_help_are_the_functions():
    from topograph.ect.transform import ect as ect_fn

    assert inspect.signature(topograph.ect) == inspect.signature(ect_fn)
    assert "edge_index" in str(inspect.signature(topograph.ect))
    text = pydoc.render_doc(topograph.ect, renderer=pydoc.plaintext)
    assert "topograph.ect(x" in text and "resolution: number of thresholds" in text
    import importlib

    layer = importlib.import_module("topograph.ect.layer")  # the module path keeps working
    assert callable(topograph.ect) and layer.ECTLayer is topograph.nn.ECTLayer
    assert topograph.ect.sphere_directions(4).shape == (4, 3)


@pytest.mark.parametrize("module, names", [
    ("topograph", ["lower_star_persistence", "rips_persistence", "ect", "nn", "data", "togl", "topoae"]),
    ("topograph.nn", ["TOGL", "ECTLayer", "TopologicalSignatureLoss", "DirectionPooling"]),
    ("topograph.data", ["TUGraphs", "make_shapes", "mesh_to_data", "Spheres"]),
    ("topograph.ect", ["ect", "fit_to_unit_ball", "ECTLayer", "FitToUnitBall", "ECTClassifier"]),
    ("topograph.topoae", ["quality_measures", "trustworthiness", "TopologicalSignatureLoss"]),
])
def test_dir_lists_public_names(module, names):
    import importlib

    listed = dir(importlib.import_module(module))
    assert set(names) <= set(listed)
    assert "importlib" not in listed and "Any" not in listed
    for name in names:  # what dir() lists is importable
        getattr(importlib.import_module(module), name)


def test_help_of_lazy_modules_lists_their_classes():
    text = pydoc.render_doc(topograph.nn, renderer=pydoc.plaintext)
    assert "class TOGL" in text and "class DirectionPooling" in text


def test_trimesh_style_faces_suggest_transpose():
    from topograph.ect import sphere_directions

    faces = torch.tensor([[0, 1, 2], [0, 2, 3]])  # [F, 3]
    with pytest.raises(ValueError, match=r"faces\.T"):
        topograph.ect(torch.randn(4, 3), sphere_directions(8), faces=faces)
    with pytest.raises(ValueError, match=r"edge_index\.T"):
        topograph.lower_star_persistence(torch.rand(4), torch.tensor([[0, 1], [1, 2], [2, 3]]))


def test_sparse_adjacency_is_named():
    from topograph.ect import sphere_directions
    from topograph.nn import TOGL

    ei = torch.tensor([[0, 1, 2], [1, 2, 0]])
    adj = torch.sparse_coo_tensor(ei, torch.ones(3), (3, 3))
    for call in (lambda: topograph.lower_star_persistence(torch.rand(3), adj),
                 lambda: topograph.lower_star_persistence(torch.rand(3), adj.to_sparse_csr()),
                 lambda: TOGL(4, 4)(torch.randn(3, 4), adj),
                 lambda: topograph.ect(torch.randn(3, 3), sphere_directions(8), edge_index=adj)):
        with pytest.raises(TypeError, match="sparse adjacency matrix.*indices()") as err:
            call()
        assert "float32" not in str(err.value)
    with pytest.raises(TypeError, match="dense adjacency matrix.*nonzero"):
        topograph.lower_star_persistence(torch.rand(3), adj.to_dense())


def test_float64_into_float32_layers():
    from topograph.ect import ECTClassifier
    from topograph.nn import TOGL, DirectionPooling, ECTLayer
    from topograph.togl import GraphClassifier
    from topograph.topoae import MLPAutoencoder

    ei = torch.tensor([[0, 1, 2], [1, 2, 0]])
    x = torch.randn(3, 4, dtype=torch.float64)
    calls = [lambda: TOGL(4, 4)(x, ei), lambda: GraphClassifier(4, 2)(x, ei),
             lambda: MLPAutoencoder(4, (8,), 2)(x),
             lambda: ECTClassifier(2, 8, 8)(torch.randn(2, 8, 8, dtype=torch.float64)),
             lambda: DirectionPooling(8)(torch.randn(2, 8, 5, dtype=torch.float64))]
    for call in calls:
        with pytest.raises(TypeError, match=r"float64 but \w+'s parameters are torch.float32.*\.float\(\)"):
            call()
    # the ECT layer has no float parameters to clash with: it follows x's dtype
    img = ECTLayer(8, 3, resolution=8)(torch.rand(5, 3, dtype=torch.float64) - 0.5)
    assert img.dtype == torch.float64
    assert TOGL(4, 4).double()(x, ei).dtype == torch.float64  # converting the layer works


def test_direction_pooling_is_invariant_to_direction_order():
    from topograph.nn import DirectionPooling

    torch.manual_seed(0)
    pool = DirectionPooling(16, 8)
    img = torch.randn(3, 16, 10)
    perm = torch.randperm(10)
    assert torch.allclose(pool(img), pool(img[:, :, perm]), atol=1e-6)
    assert pool(img).shape == (3, 8)
    with pytest.raises(ValueError, match=r"\[B, 16, T\]"):
        pool(torch.randn(3, 15, 10))


def test_quality_measures_public_and_small_n_error():
    from topograph.topoae import quality_measures

    g = torch.Generator().manual_seed(0)
    X, Z = torch.randn(25, 5, generator=g), torch.randn(25, 2, generator=g)
    out = quality_measures(X, Z)
    assert set(out) >= {"kl_0.1", "trustworthiness", "continuity", "rmse"}
    with pytest.raises(ValueError, match=r"more than 20 points.*ks="):
        quality_measures(X[:20], Z[:20])
    small = quality_measures(X[:12], Z[:12], ks=(2, 5))
    assert 0 <= small["trustworthiness"] <= 1
