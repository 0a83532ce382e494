"""Autoencoder models, the wrapper, training loop and the ``topograph topoae`` command."""
from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from topograph.checkpoint import load_checkpoint
from topograph.cli import main
from topograph.topoae.models import (
    LinearAutoencoder,
    MLPAutoencoder,
    TopologicallyRegularizedAutoencoder,
    image_autoencoder,
    spheres_autoencoder,
)
from topograph.topoae.train import TopoAETrainConfig, train_autoencoder


def test_model_shapes():
    x = torch.randn(16, 101)
    ae = spheres_autoencoder(101)
    assert ae.encode(x).shape == (16, 2) and ae(x).shape == (16, 101)
    assert [m.out_features for m in ae.encoder if isinstance(m, nn.Linear)] == [32, 32, 2]
    assert any(isinstance(m, nn.BatchNorm1d) for m in ae.encoder)
    img = image_autoencoder(64)
    assert [m.out_features for m in img.encoder if isinstance(m, nn.Linear)] == [1000, 500, 250, 2]
    assert img(torch.randn(4, 1, 8, 8)).shape == (4, 64)  # images are flattened
    lin = LinearAutoencoder(7, latent_dim=3)
    assert len([m for m in lin.modules() if isinstance(m, nn.Linear)]) == 2
    assert lin.encode(torch.randn(5, 7)).shape == (5, 3)
    assert MLPAutoencoder(33, (8,), 2)(torch.randn(3, 33)).shape == (3, 33)


def test_wrapper_with_user_modules_and_lambda_zero():
    enc, dec = nn.Sequential(nn.Linear(10, 2)), nn.Sequential(nn.Linear(2, 10))
    model = TopologicallyRegularizedAutoencoder(enc, dec, lam=0.5)
    x = torch.randn(20, 10)
    loss, parts = model(x)
    assert torch.allclose(loss, parts["recon"] + 0.5 * parts["topo"])
    assert torch.allclose(parts["topo"], parts["L_XZ"] + parts["L_ZX"])
    loss.backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters())
    plain = TopologicallyRegularizedAutoencoder(enc, dec, lam=0.0)
    loss0, parts0 = plain(x)
    assert set(parts0) == {"recon"} and torch.allclose(loss0, parts["recon"])


def test_training_lowers_loss_and_early_stops():
    torch.manual_seed(0)
    X = torch.randn(120, 6)
    model = TopologicallyRegularizedAutoencoder.from_autoencoder(LinearAutoencoder(6), lam=0.1)
    cfg = TopoAETrainConfig(epochs=30, batch_size=32, lr=1e-2, patience=2, progress=False)
    hist = train_autoencoder(model, X[:100], X[100:], cfg)
    assert hist.train_loss[-1] < hist.train_loss[0]
    assert 0 <= hist.best_epoch < len(hist.val_loss) <= 30


def test_cli_smoke(tmp_path, capsys):
    out = tmp_path / "run"
    rc = main(["topoae", "--dataset", "digits", "--model", "linear", "--epochs", "1",
               "--batch-size", "128", "--no-progress", "--out", str(out)])
    assert rc == 0
    report = json.loads((out / "metrics.json").read_text())
    for key in ("kl_0.01", "kl_0.1", "kl_1", "trustworthiness", "continuity", "mrre_zx", "mrre_xz",
                "rmse", "recon_mse"):
        assert key in report["metrics"]
    assert (out / "latent.png").stat().st_size > 1000
    ckpt = load_checkpoint(out / "checkpoint.pt", kind="topoae")  # weights_only load
    assert ckpt["config"]["model"] == "linear" and "state_dict" in ckpt
    assert main(["topoae", "--dataset", "digits", "--model", "pca", "--out", str(tmp_path / "pca")]) == 0
    assert "KL_0.1" in capsys.readouterr().out


def test_cli_user_errors(tmp_path, capsys):
    assert main(["topoae", "--epochs", "0", "--out", str(tmp_path)]) == 2
    assert main(["topoae", "--lr", "-1", "--out", str(tmp_path)]) == 2
    assert "error" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["topoae", "--dataset", "nope"])
