"""Old names of the public API still work for one release, warn naming the new name,
and conflict with the new name (docs/conventions.md, "Vocabulary")."""
from __future__ import annotations

import warnings

import pytest
import torch

import topograph
from topograph.core import GraphBatch, pair_graphs, rips_pairs
from topograph.core.pairing.rips import rips_pairs_from_points
from topograph.data.synthetic_graphs import cycles_dataset, necklaces_dataset
from topograph.ect import ECTLayer, sphere_directions
from topograph.nn import TOGL, TopologicalSignatureLoss
from topograph.togl.deepset import graph_pool
from topograph.togl.models import GraphClassifier

EDGES = torch.tensor([[0, 1, 2, 3], [1, 2, 0, 4]])
BATCH = torch.tensor([0, 0, 0, 1, 1])


def _values() -> torch.Tensor:
    return torch.tensor([0.3, 0.1, 0.7, 0.2, 0.9])


def _same(a, b) -> None:
    for x, y in zip((a.dim0.birth, a.dim0.death, a.dim1.birth), (b.dim0.birth, b.dim0.death, b.dim1.birth)):
        torch.testing.assert_close(x, y)


@pytest.mark.parametrize("old, new, value", [
    ("num_graphs", "num_samples", 3),
    ("essential", "essential_death", "max"),
    ("check", "validate", False),
])
def test_lower_star_old_keywords(old, new, value):
    with pytest.warns(DeprecationWarning, match=f"`{old}` is deprecated, use `{new}`"):
        res = topograph.lower_star_persistence(_values(), EDGES, BATCH, **{old: value})
    _same(res, topograph.lower_star_persistence(_values(), EDGES, BATCH, **{new: value}))
    with pytest.raises(TypeError, match=f"both `{old}`.*`{new}`"):
        topograph.lower_star_persistence(_values(), EDGES, BATCH, **{old: value, new: value})


def test_rips_old_keywords_and_positional_max_dim():
    x = torch.randn(12, 2, generator=torch.Generator().manual_seed(0))
    ref = topograph.rips_persistence(x, max_dim=1, essential_death="max", validate=False)
    with pytest.warns(DeprecationWarning, match="`essential` is deprecated, use `essential_death`"):
        a = topograph.rips_persistence(x, max_dim=1, essential="max")
    with pytest.warns(DeprecationWarning, match="`check` is deprecated, use `validate`"):
        topograph.rips_persistence(x, check=False)
    with pytest.warns(DeprecationWarning, match="`max_dim` by position"):
        b = topograph.rips_persistence(x, 1, essential_death="max")
    for r in (a, b):
        torch.testing.assert_close(r.dim0.death, ref.dim0.death)
        torch.testing.assert_close(r.dim1.death, ref.dim1.death)
    assert a.dim0.essential_death == "max"
    with pytest.warns(DeprecationWarning, match="use `essential_death`"):
        assert a.dim0.essential_convention == "max"
    with pytest.raises(TypeError, match="both"):
        topograph.rips_persistence(x, essential="max", essential_death="max")
    with pytest.raises(TypeError, match="multiple values for `max_dim`"):
        topograph.rips_persistence(x, 1, max_dim=1)


def test_graph_batch_old_names():
    cx = GraphBatch.from_edge_index(EDGES, 5, BATCH, num_samples=3)
    with pytest.warns(DeprecationWarning, match="use `num_samples`"):
        assert cx.num_graphs == 3
    with pytest.warns(DeprecationWarning, match="use `num_samples`"):
        assert GraphBatch.from_edge_index(EDGES, 5, BATCH, num_graphs=3).num_samples == 3
    faces = torch.tensor([[0], [1], [2]])
    with pytest.warns(DeprecationWarning, match="`faces` by position"):
        old = GraphBatch.from_edge_index(EDGES, 5, BATCH, faces)
    assert old.num_samples == 2 and old.faces.shape == (3, 1)
    with pytest.raises(TypeError, match="both"):
        GraphBatch.from_edge_index(EDGES, 5, BATCH, num_graphs=3, num_samples=3)


def test_low_level_backend_by_position():
    x = torch.randn(1, 6, 2, generator=torch.Generator().manual_seed(1))
    d = torch.cdist(x, x)
    with pytest.warns(DeprecationWarning, match="`backend` by position"):
        assert torch.equal(rips_pairs(d, "torch"), rips_pairs(d, backend="torch"))
    with pytest.warns(DeprecationWarning, match="`backend` by position"):
        assert torch.equal(rips_pairs_from_points(x, "torch"), rips_pairs_from_points(x, backend="torch"))
    cx = GraphBatch.from_edge_index(EDGES, 5, BATCH)
    vals = _values()[:, None]
    with pytest.warns(DeprecationWarning, match="`backend` by position"):
        old = pair_graphs(vals, cx.edge_index, cx.edge_batch, 5, "numba")
    assert torch.equal(old.death_edge, pair_graphs(vals, cx.edge_index, cx.edge_batch, 5,
                                                   backend="numba").death_edge)


def test_togl_old_names():
    torch.manual_seed(0)
    layer = TOGL(3, 4, num_filtrations=2).eval()
    x = torch.randn(5, 3)
    with torch.no_grad():
        ref = layer(x, EDGES, BATCH, num_samples=2)
        with pytest.warns(DeprecationWarning, match="use `num_samples`"):
            torch.testing.assert_close(layer(x, EDGES, BATCH, num_graphs=2), ref)
        with pytest.warns(DeprecationWarning, match="`num_samples` by position"):
            torch.testing.assert_close(layer(x, EDGES, BATCH, 2), ref)
        with pytest.warns(DeprecationWarning, match="use `num_samples`"):
            assert layer.diagrams(x, EDGES, BATCH, num_graphs=2).dim0.num_samples == 2
        with pytest.raises(TypeError, match="both"):
            layer(x, EDGES, BATCH, num_graphs=2, num_samples=2)
    with pytest.warns(DeprecationWarning, match="`num_filtrations` by position"):
        assert TOGL(3, 4, 2).num_filtrations == 2
    model = GraphClassifier(3, 2, depth=1, togl_position=1, hidden=8, num_filtrations=2).eval()
    with torch.no_grad(), pytest.warns(DeprecationWarning, match="use `num_samples`"):
        torch.testing.assert_close(model(x, EDGES, BATCH, num_graphs=2),
                                   model(x, EDGES, BATCH, num_samples=2))
    with pytest.warns(DeprecationWarning, match="use `num_samples`"):
        assert graph_pool(x, BATCH, num_graphs=2).shape == (2, 3)


def test_ect_layer_old_names():
    layer = ECTLayer(8, 3, resolution=8, scale=None, directions=sphere_directions(8))
    x = torch.randn(3, 3, generator=torch.Generator().manual_seed(2)) * 0.5
    faces = torch.tensor([[0], [1], [2]])
    ref = layer(x, faces=faces)
    assert ref[0, -1].eq(1).all()  # V - E + F of one triangle
    with pytest.warns(DeprecationWarning, match="`face` is deprecated, use `faces`"):
        assert torch.equal(layer(x, face=faces), ref)
    with pytest.warns(DeprecationWarning, match="`faces` by position"):
        assert torch.equal(layer(x, None, faces), ref)
    with pytest.raises(TypeError, match="both"):
        layer(x, face=faces, faces=faces)


def test_loss_and_datasets_old_forms():
    with pytest.warns(DeprecationWarning, match="`matching` by position"):
        assert TopologicalSignatureLoss("random").matching == "random"
    with pytest.warns(DeprecationWarning, match="use `num_samples`"):
        old = cycles_dataset(num_graphs=4, seed=1)
    assert [int(d.y) for d in old] == [int(d.y) for d in cycles_dataset(num_samples=4, seed=1)]
    with pytest.warns(DeprecationWarning, match="use `num_samples`"):
        assert len(necklaces_dataset(num_graphs=2)) == 2


def test_new_names_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        res = topograph.lower_star_persistence(_values(), EDGES, BATCH, num_samples=2,
                                               essential_death=1.0, validate=True)
        assert res.dim0.essential_death == 1.0 and res.complex.num_samples == 2
        topograph.ect(torch.randn(4, 2), torch.eye(2), backend="torch")
