"""Directions, ECTLayer, ECTTransform, ECTClassifier, data sets and the `topograph ect` CLI."""
from __future__ import annotations

import json

import pytest
import torch
import trimesh
from torch_geometric.data import Batch, Data
from torch_geometric.loader import DataLoader

import topograph
from topograph.cli import main
from topograph.data import digits_grid_graphs, digits_point_clouds, load_mesh, load_mesh_folder, make_shapes
from topograph.ect import (
    ECTClassifier,
    ECTLayer,
    ECTTransform,
    LearnableDirections,
    circle_directions,
    ect,
    random_directions,
    sphere_directions,
)


def test_direction_helpers():
    a, b = random_directions(50, 3, seed=1), random_directions(50, 3, seed=1)
    torch.testing.assert_close(a, b)
    assert not torch.allclose(a, random_directions(50, 3, seed=2))
    torch.testing.assert_close(a.norm(dim=1), torch.ones(50))
    assert abs(float(random_directions(4000, 3, seed=0).mean(0).norm())) < 0.06  # roughly uniform
    c = circle_directions(8)
    torch.testing.assert_close(c[2], torch.tensor([0.0, 1.0]), atol=1e-7, rtol=0)
    assert torch.cdist(c, c).add(torch.eye(8)).min() > 0.7  # no repeated first direction
    for kind, n in (("fibonacci", 64), ("latlong", 64), ("latlong", 30)):
        s = sphere_directions(n, kind=kind)
        assert s.shape == (n, 3)
        torch.testing.assert_close(s.norm(dim=1), torch.ones(n))
        assert torch.cdist(s, s).add(torch.eye(n)).min() > 0.05
    with pytest.raises(ValueError):
        sphere_directions(10, kind="cube")
    with pytest.raises(ValueError):
        random_directions(0)


def test_learnable_directions_stay_on_sphere():
    mod = LearnableDirections(16, 3, seed=0)
    opt = torch.optim.SGD(mod.parameters(), lr=0.5)
    x = torch.randn(30, 3) * 0.4
    for _ in range(3):
        loss = ect(x, mod(), scale=20.0, resolution=16).square().mean()
        opt.zero_grad()
        loss.backward()
        assert mod.weight.grad is not None and mod.weight.grad.abs().sum() > 0
        opt.step()
    torch.testing.assert_close(mod().norm(dim=1), torch.ones(16))
    mod.reset_parameters()
    torch.testing.assert_close(mod(), random_directions(16, 3, seed=0))


def test_layer_on_pyg_batch_and_tensors():
    meshes = make_shapes(1, classes=("sphere", "torus"), seed=0)
    cloud = Data(pos=torch.randn(20, 3) * 0.3, edge_index=torch.zeros(2, 0, dtype=torch.long),
                 face=torch.zeros(3, 0, dtype=torch.long), y=torch.tensor([2]))  # a cloud among meshes
    batch = Batch.from_data_list(meshes + [cloud])
    layer = ECTLayer(num_directions=8, dim=3, resolution=12, radius=1.1, scale=200.0)
    out = layer(batch)
    assert out.shape == (3, 12, 8)
    for i, d in enumerate(meshes + [cloud]):
        torch.testing.assert_close(out[i], layer(d)[0], atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(layer(cloud.pos), layer(cloud))
    assert out[0, -1].round().eq(2).all() and out[1, -1].round().eq(0).all()  # sphere, torus
    assert "ECTLayer(num_directions=8" in repr(layer)
    learn = ECTLayer(8, 3, resolution=12, learnable=True, scale=50.0)
    learn(batch).sum().backward()
    assert learn.directions.weight.grad.abs().sum() > 0
    learn.reset_parameters()
    with pytest.raises(ValueError, match="scale"):
        ECTLayer(8, 3, learnable=True, scale=None)
    assert topograph.nn.ECTLayer is ECTLayer


def test_transform_precomputes_and_collates():
    tf = ECTTransform(sphere_directions(8), resolution=10, radius=1.1)
    data = [tf(d) for d in make_shapes(2, classes=("box", "cone"), seed=1)]
    assert data[0].ect.shape == (1, 10, 8)
    loader = DataLoader(data, batch_size=4)
    b = next(iter(loader))
    assert b.ect.shape == (4, 10, 8)
    torch.testing.assert_close(b.ect[1], ect(data[1].pos, sphere_directions(8), edge_index=data[1].edge_index,
                                             faces=data[1].face, resolution=10, radius=1.1)[0])
    assert "ECTTransform" in repr(tf)


@pytest.mark.parametrize("kind, pool", [("cnn", None), ("cnn", "max"), ("mlp", None)])
def test_classifier_shapes_and_training_step(kind, pool):
    torch.manual_seed(0)
    model = ECTClassifier(3, resolution=16, num_directions=12, kind=kind, direction_pool=pool, hidden=32)
    x, y = torch.randn(24, 16, 12), torch.randint(0, 3, (24,))
    assert model(x).shape == (24, 3)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(15):
        loss = torch.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    assert losses[-1] < losses[0]
    with pytest.raises(ValueError, match="ECT images"):
        model(torch.randn(2, 12, 16))
    model.reset_parameters()


def test_shapes_dataset():
    a = make_shapes(2, seed=3)
    b = make_shapes(2, seed=3)
    assert len(a) == 14 and all(torch.equal(p.pos, q.pos) for p, q in zip(a, b))
    assert sorted({int(d.y) for d in a}) == list(range(7))
    assert all(d.pos.norm(dim=1).max() < 1.1 for d in a)
    pts = make_shapes(1, kind="points", num_points=64, seed=0)
    assert pts[0].pos.shape == (64, 3) and pts[0].edge_index is None
    with pytest.raises(ValueError):
        make_shapes(1, classes=("blob",))


def test_digits_datasets():
    pc = digits_point_clouds(limit=30)
    gr = digits_grid_graphs(limit=30)
    assert len(pc) == 30 and pc[0].pos.shape[1] == 2
    assert pc[0].pos.abs().max() <= 1.0
    assert gr[0].edge_index.shape[0] == 2 and gr[0].edge_index.max() < gr[0].pos.shape[0]
    d = (gr[0].pos[gr[0].edge_index[0]] - gr[0].pos[gr[0].edge_index[1]]).norm(dim=1)
    torch.testing.assert_close(d, torch.full_like(d, 0.2))  # 4-neighbours, pixel size 1/5


def test_mesh_folder(tmp_path):
    for cls, mesh in (("ball", trimesh.creation.icosphere(1)), ("ring", trimesh.creation.torus(1, 0.3, 12, 8))):
        for split in ("train", "test"):
            (tmp_path / cls / split).mkdir(parents=True)
            mesh.export(tmp_path / cls / split / f"{cls}_0.off")
            mesh.export(tmp_path / cls / split / f"{cls}_1.ply")
    data, names = load_mesh_folder(tmp_path, "train")
    assert names == ["ball", "ring"] and len(data) == 4
    assert data[0].face.shape[0] == 3 and data[0].pos.norm(dim=1).max() <= 1.0 + 1e-5
    top = ect(data[3].pos, sphere_directions(6), faces=data[3].face, radius=1.5, resolution=8)[0, -1]
    assert (top == 0).all()  # torus
    assert load_mesh(tmp_path / "ball" / "test" / "ball_0.off", num_points=50).pos.shape == (50, 3)
    with pytest.raises(FileNotFoundError, match="not found"):
        load_mesh_folder(tmp_path / "nope")
    with pytest.raises(FileNotFoundError, match="val"):
        load_mesh_folder(tmp_path, "val")
    with pytest.raises(FileNotFoundError, match="missing.off"):
        load_mesh(tmp_path / "missing.off")


def test_cli_smoke(tmp_path, capsys):
    out = tmp_path / "run"
    rc = main(["ect", "--dataset", "shapes", "--samples-per-class", "3", "--epochs", "1", "--num-directions", "8",
               "--resolution", "8", "--no-progress", "--out", str(out)])
    assert rc == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert 0.0 <= metrics["test_accuracy"] <= 1.0 and metrics["train_time_s"] >= 0
    assert (out / "ect_examples.png").stat().st_size > 1000 and (out / "checkpoint.pt").exists()
    rc = main(["ect", "--dataset", "digits", "--limit", "40", "--epochs", "1", "--num-directions", "8",
               "--resolution", "8", "--no-progress", "--out", str(tmp_path / "dig")])
    assert rc == 0 and (tmp_path / "dig" / "metrics.json").exists()


def test_cli_user_errors(tmp_path, capsys):
    assert main(["ect", "--dataset", "meshes", "--out", str(tmp_path)]) == 2
    assert "--root" in capsys.readouterr().err
    assert main(["ect", "--dataset", "meshes", "--root", str(tmp_path / "none"), "--out", str(tmp_path)]) == 2
    assert "not found" in capsys.readouterr().err
    assert main(["ect", "--epochs", "0", "--out", str(tmp_path)]) == 2
    with pytest.raises(SystemExit):
        main(["ect", "--help"])
    assert "examples:" in capsys.readouterr().out
