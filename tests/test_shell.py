"""The application shell: errors, device resolver, config base, the training loop,
the metrics log, splits and deprecated names."""
from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import torch
from torch import nn

from topograph.devices import resolve_device
from topograph.errors import CheckpointError, UserError
from topograph.training import MetricsLog, TrainConfig, Trainer


# --------------------------------------------------------------------------- errors, devices
def test_error_hierarchy():
    assert issubclass(UserError, ValueError) and issubclass(CheckpointError, UserError)
    import topograph.checkpoint
    import topograph.cli

    assert topograph.cli.UserError is UserError  # the CLI re-exports, never defines
    assert topograph.checkpoint.CheckpointError is CheckpointError


@pytest.mark.parametrize("name", ["auto", "cpu", " CPU ", torch.device("cpu")])
def test_resolve_device_accepts(name):
    got = resolve_device(name)
    assert got.type in ("cpu", "cuda")
    if name != "auto":
        assert got == torch.device("cpu")


@pytest.mark.parametrize("name, needle", [("tpu", "expected auto, cpu, cuda or cuda:N"),
                                          ("nonsense", "bad --device"), ("meta", "not supported"),
                                          ("cuda:999", "cuda:999"), (3, "string")])
def test_resolve_device_rejects(name, needle):
    if name == "cuda:999" and not torch.cuda.is_available():
        needle = "CUDA is not available"
    with pytest.raises(UserError, match=needle):
        resolve_device(name, flag="--device")


# --------------------------------------------------------------------------- config base
def test_config_base_and_subclasses():
    from topograph.ect.train import ECTConfig
    from topograph.togl.train import TOGLTrainConfig
    from topograph.topoae.train import TopoAETrainConfig

    for cls in (TopoAETrainConfig, TOGLTrainConfig, ECTConfig):
        assert issubclass(cls, TrainConfig) and cls.__name__ != "TrainConfig"
    assert TopoAETrainConfig().patience == 10 and TOGLTrainConfig().patience == 30
    assert ECTConfig().patience is None and ECTConfig().epochs == 40
    for bad in ({"epochs": 0}, {"batch_size": -1}, {"lr": float("nan")}, {"patience": 0},
                {"weight_decay": -1.0}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            TOGLTrainConfig(**bad)


@pytest.mark.parametrize("module, new", [("topograph.topoae.train", "TopoAETrainConfig"),
                                         ("topograph.togl.train", "TOGLTrainConfig")])
def test_old_train_config_names_warn(module, new):
    import importlib

    mod = importlib.import_module(module)
    with pytest.warns(DeprecationWarning, match=new):
        old = mod.TrainConfig
    assert old is getattr(mod, new)


# --------------------------------------------------------------------------- the loop
class _Quadratic(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.zeros(1))


def _run(val_losses, patience, **kwargs):
    module = _Quadratic()
    cfg = TrainConfig(epochs=len(val_losses), patience=patience, progress=False)
    trainer = Trainer(module, cfg, **kwargs)

    def train_epoch(epoch):
        with torch.no_grad():
            module.w.fill_(epoch)  # the weights remember the epoch
        return {"train_loss": 1.0}

    def validate(epoch):
        return {"val_loss": val_losses[epoch]}

    return module, trainer.run(train_epoch, validate)


def test_trainer_early_stopping_and_restore_best():
    module, hist = _run([5.0, 3.0, 4.0, 4.0, 1.0, 0.5], patience=2)
    assert len(hist.epochs) == 4 and hist.stopped_early  # epochs 2, 3 did not improve on 3.0
    assert hist.best_epoch == 1 and float(module.w.detach()) == 1.0  # best weights restored
    module, hist = _run([5.0, 3.0, 4.0, 4.0, 1.0, 0.5], patience=None)
    assert len(hist.epochs) == 6 and hist.best_epoch == 5 and float(module.w.detach()) == 5.0
    assert hist.series("val_loss") == [5.0, 3.0, 4.0, 4.0, 1.0, 0.5]


def test_trainer_never_keeps_a_nan_epoch():
    module, hist = _run([float("nan"), 2.0, float("nan")], patience=None)
    assert hist.best_epoch == 1 and float(module.w.detach()) == 1.0
    module, hist = _run([float("nan")] * 3, patience=None)
    assert hist.best_epoch == -1 and float(module.w.detach()) == 2.0  # the last weights stay


def test_trainer_select_stop_and_log(tmp_path):
    module = _Quadratic()
    cfg = TrainConfig(epochs=10, patience=None, progress=False)
    with MetricsLog(tmp_path / "m.jsonl") as log:
        trainer = Trainer(module, cfg, log=log)
        accs = [0.5, 0.7, 0.7, 0.6, 0.9]
        hist = trainer.run(lambda e: {"train_loss": float(e)},
                           lambda e: {"val_loss": 1.0 - 0.1 * e, "val_acc": accs[e]},
                           select=lambda m: m["val_acc"], stop=lambda m: m["val_acc"] >= 0.9,
                           log_context={"fold": 3})
    assert len(hist.epochs) == 5 and hist.best_epoch == 4
    lines = [json.loads(x) for x in (tmp_path / "m.jsonl").read_text().splitlines()]
    assert [x["epoch"] for x in lines] == [0, 1, 2, 3, 4] and all(x["fold"] == 3 for x in lines)
    assert lines[1]["val_acc"] == 0.7


def test_metrics_log_tensorboard(tmp_path):
    pytest.importorskip("torch.utils.tensorboard")
    with MetricsLog(None, tmp_path / "tb") as log:
        log.write(0, {"loss": 1.0, "nan": float("nan")}, fold=1)
    assert list((tmp_path / "tb").glob("events.out.tfevents.*"))
    with MetricsLog(tmp_path / "x.jsonl") as log:
        log.write(0, {"nan": float("nan")})
    assert json.loads((tmp_path / "x.jsonl").read_text())["nan"] == "nan"  # valid JSON
    disabled = MetricsLog(tmp_path / "y.jsonl", enabled=False)
    disabled.write(0, {"a": 1.0})
    assert not (tmp_path / "y.jsonl").exists()


# --------------------------------------------------------------------------- splits, digits
def test_splits_in_one_place():
    from topograph.data import splits, tu

    assert tu.stratified_kfold is splits.stratified_kfold
    y = np.array([0] * 12 + [1] * 8)
    tr, te = splits.stratified_split(y, 0.25, seed=1)
    assert len(te) == 5 and set(tr) | set(te) == set(range(20)) and not set(tr) & set(te)
    assert np.array_equal(splits.stratified_split(y, 0.25, seed=1)[1], te)  # seeded
    triples = splits.cv_splits(y, 4, seed=0, val_fraction=0.2)
    assert len(triples) == 4
    for a, b, c in triples:
        assert len(set(a) | set(b) | set(c)) == 20
    assert np.concatenate([c for _, _, c in triples]).size == 20  # test parts partition the data
    with pytest.raises(ValueError):
        splits.cv_splits(np.array([0, 1, 1]), 3, seed=0, val_fraction=0.1)


def test_one_digits_loader():
    from topograph.data.digits import digits_point_clouds
    from topograph.data.images import Digits, load_digits

    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float32 and X.max() == 1.0
    cloud = digits_point_clouds(limit=1)[0]
    assert len(cloud.pos) == int((X[0] > 0.5).sum())
    assert torch.equal(Digits("all").data, torch.from_numpy(X))


# --------------------------------------------------------------------------- TU names
def test_tugraphs_and_deprecated_tudataset(tmp_path):
    from topograph.data import TUGraphs, pyg_layout

    ours = TUGraphs("mutag")
    assert repr(ours).startswith("TUGraphs(MUTAG") and len(ours) == 188
    with pytest.warns(DeprecationWarning, match="TUGraphs"):
        from topograph.data import TUDataset

        old = TUDataset("mutag")
    assert len(old) == 188
    root = pyg_layout("mutag", tmp_path)  # root/MUTAG/raw/MUTAG_*.txt
    assert (root / "MUTAG" / "raw" / "MUTAG_A.txt").is_file()
    for arg in (root / "MUTAG", root / "MUTAG" / "raw"):  # PyG's layout: named MUTAG, not raw
        ds = TUGraphs(arg)
        assert ds.name == "MUTAG" and len(ds) == 188
    with pytest.warns(DeprecationWarning):
        pyg_call = TUDataset(root, "MUTAG")  # PyG's (root, name) call
    assert pyg_call.name == "MUTAG" and len(pyg_call) == 188
    with pytest.raises(ValueError, match="PyG's TUDataset"):
        TUGraphs(root, "MUTAG")


def test_pyg_tudataset_reads_shipped_files_offline(tmp_path, monkeypatch):
    """PyG's own class reads the shipped copy once it is in PyG's layout; any
    download attempt fails the test."""
    import torch_geometric.datasets.tu_dataset as pyg_tu

    from topograph.data import TUGraphs, pyg_layout

    def no_download(*args, **kwargs):
        raise AssertionError("PyG tried to download")

    monkeypatch.setattr(pyg_tu.TUDataset, "download", no_download)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyg = pyg_tu.TUDataset(str(pyg_layout("mutag", tmp_path)), "MUTAG")
    ours = TUGraphs("mutag")
    assert len(pyg) == len(ours) == 188
    for i in (0, 100):
        assert torch.equal(pyg[i].x, ours[i].x) and torch.equal(pyg[i].y, ours[i].y)
        a = {tuple(e) for e in pyg[i].edge_index.T.tolist()}
        assert a == {tuple(e) for e in ours[i].edge_index.T.tolist()}
