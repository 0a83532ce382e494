"""Checkpoints written by the CLIs load back into identical models; bad files give CheckpointError."""
from __future__ import annotations

import os

import pytest
import torch

import topograph.ect.train as ect_train
import topograph.topoae.cli as topoae_cli
from topograph.checkpoint import FORMAT_VERSION, CheckpointError, load_checkpoint, save_checkpoint
from topograph.cli import main


@pytest.fixture
def capture_topoae(monkeypatch):
    """Keeps the result dict (with the in-memory model) of the CLI's run_experiment."""
    seen = {}
    original = topoae_cli.run_experiment

    def wrapped(*args, **kwargs):
        seen.update(original(*args, **kwargs))
        return seen

    monkeypatch.setattr(topoae_cli, "run_experiment", wrapped)
    return seen


@pytest.mark.parametrize("model", ["linear", "pca"])
def test_topoae_checkpoint_roundtrip(tmp_path, capture_topoae, model):
    from topograph.data.images import Digits
    from topograph.topoae.train import embed, load_model

    out = tmp_path / model
    argv = ["topoae", "--dataset", "digits", "--model", model, "--no-progress", "--out", str(out)]
    if model != "pca":
        argv += ["--epochs", "1", "--batch-size", "128"]
    assert main(argv) == 0
    x = Digits("test").data[:16]
    reloaded = load_model(out / "checkpoint.pt")
    if model == "pca":
        pca = capture_topoae["model"]
        expected = torch.from_numpy(pca.transform(x.numpy())).to(torch.float32)
        got = reloaded.encode(x).to(torch.float32)
        torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)  # sklearn vs torch matmul
    else:
        z_mem, xh_mem = embed(capture_topoae["model"], x)
        z_new, xh_new = embed(reloaded, x)
        assert torch.equal(z_mem, z_new) and torch.equal(xh_mem, xh_new)
    # the latent codes of the whole test split written by the CLI match too
    z_all = reloaded.encode(Digits("test").data).detach()
    torch.testing.assert_close(z_all.float(), capture_topoae["Z"], rtol=1e-5, atol=1e-5)


def test_ect_checkpoint_roundtrip(tmp_path, monkeypatch):
    seen = {}
    original_fit = ect_train.fit

    def fit(*args, **kwargs):
        seen["model"] = original_fit(*args, **kwargs)
        return seen["model"]

    monkeypatch.setattr(ect_train, "fit", fit)
    out = tmp_path / "ect"
    assert main(["ect", "--dataset", "shapes", "--samples-per-class", "3", "--epochs", "1",
                 "--num-directions", "8", "--resolution", "8", "--no-progress", "--out", str(out)]) == 0
    model = ect_train.load_model(out / "checkpoint.pt")
    from topograph.data.shapes import make_shapes

    data = make_shapes(1, seed=5)
    cfg = model.ect_config
    images = ect_train.compute_images(data, model.directions, cfg, torch.device("cpu"))
    mem = seen["model"].eval()
    with torch.no_grad():
        expected = mem(images)
    assert torch.equal(model(images).detach(), expected)
    assert torch.equal(ect_train.predict(model, data), expected)
    assert model.classes[0] == "sphere" and cfg.resolution == 8


def test_checkpoint_kind_and_contents(tmp_path):
    path = save_checkpoint(tmp_path / "sub" / "c.pt", kind="demo", state_dict={"w": torch.ones(2)},
                           config={"out": tmp_path, "sizes": (1, 2)}, note="hi")
    ckpt = load_checkpoint(path, kind="demo")
    assert ckpt["version"] == FORMAT_VERSION and ckpt["note"] == "hi" and ckpt["config"]["sizes"] == [1, 2]
    assert ckpt["config"]["out"] == str(tmp_path)
    with pytest.raises(CheckpointError, match="'demo' checkpoint, expected 'ect'"):
        load_checkpoint(path, kind="ect")
    with pytest.raises(CheckpointError, match="c.pt"):
        ect_train.load_model(path)


def _bad_files(tmp_path):
    good = save_checkpoint(tmp_path / "good.pt", kind="ect", state_dict={"w": torch.randn(64, 64)},
                           config={})
    raw = good.read_bytes()
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(raw[: len(raw) // 2])
    noise = tmp_path / "random.pt"
    noise.write_bytes(os.urandom(4096))
    empty = tmp_path / "empty.pt"
    empty.write_bytes(b"")
    foreign = tmp_path / "foreign.pt"
    torch.save({"model": {"w": torch.ones(1)}}, foreign)  # an old-style / foreign torch file
    pickled = tmp_path / "pickled.pt"
    torch.save({"format": "topograph-checkpoint", "obj": object()}, pickled)  # not weights-only
    return {"truncated": truncated, "random": noise, "empty": empty, "foreign": foreign,
            "pickled": pickled, "missing": tmp_path / "nope.pt"}


@pytest.mark.parametrize("which", ["truncated", "random", "empty", "foreign", "pickled", "missing"])
@pytest.mark.parametrize("loader", ["load_checkpoint", "topoae", "ect"])
def test_bad_checkpoints_raise_clear_error(tmp_path, which, loader):
    from topograph.topoae.train import load_model as topoae_load

    path = _bad_files(tmp_path)[which]
    fn = {"load_checkpoint": load_checkpoint, "topoae": topoae_load, "ect": ect_train.load_model}[loader]
    with pytest.raises(CheckpointError) as info:
        fn(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_togl_checkpoint_round_trip(tmp_path):
    from torch_geometric.data import Batch

    from topograph.checkpoint import CheckpointError
    from topograph.data.synthetic_graphs import necklaces_dataset
    from topograph.togl.models import GraphClassifier
    from topograph.togl.train import TOGLTrainConfig, cross_validate, load_model, save_model

    graphs = necklaces_dataset(num_samples=40, seed=1)
    config = dict(in_channels=3, num_classes=2, conv="gcn", depth=1, togl_position=1, hidden=16,
                  num_filtrations=4)
    res = cross_validate(graphs, lambda: GraphClassifier(**config),
                         TOGLTrainConfig(epochs=2, progress=False), folds=1, return_model=True)
    model = res["model"].eval()
    path = tmp_path / "togl.pt"
    save_model(path, model, config)
    loaded = load_model(path)
    data = Batch.from_data_list(graphs[:10])
    with torch.no_grad():
        assert torch.equal(model(data), loaded(data))
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(CheckpointError, match="togl.pt"):
        load_model(path)


def test_togl_cli_writes_a_loadable_checkpoint(tmp_path):
    from topograph.cli import main
    from topograph.togl.train import load_model

    out = tmp_path / "res.json"
    assert main(["togl", "--dataset", "necklaces", "--num-graphs", "40", "--depth", "1",
                 "--togl-position", "1", "--epochs", "1", "--folds", "1", "--hidden", "16",
                 "--no-progress", "--out", str(out)]) == 0
    model = load_model(out.with_suffix(".pt"))
    assert any(n.startswith("togl") for n, _ in model.named_modules())  # the TOGL layer is back
