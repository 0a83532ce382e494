"""TOGL models, training loop and the ``topograph togl`` command (tiny settings)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from torch_geometric.loader import DataLoader

from topograph.cli import main
from topograph.data import necklaces_dataset
from topograph.togl.coordinates import COORDINATE_FUNCTIONS
from topograph.togl.models import GraphClassifier


@pytest.mark.parametrize("conv", ["gcn", "gin", "gat"])
@pytest.mark.parametrize("position", [None, 0, 1, 2])
def test_models_forward(conv: str, position) -> None:
    batch = next(iter(DataLoader(necklaces_dataset(8, seed=0), batch_size=8)))
    model = GraphClassifier(3, 2, conv=conv, depth=2, togl_position=position, hidden=16,
                            num_filtrations=2)
    out = model(batch)
    assert out.shape == (8, 2) and torch.isfinite(out).all()
    out.sum().backward()
    assert model.name.startswith(f"{conv.upper()}-2")


def test_model_static_and_dim1_on_nodes() -> None:
    batch = next(iter(DataLoader(necklaces_dataset(8, seed=0), batch_size=8)))
    for kw in ({"static": True}, {"dim1_readout": False}, {"use_dim1": False}):
        model = GraphClassifier(3, 2, depth=1, togl_position=1, hidden=8, **kw)
        assert model(batch.x, batch.edge_index, batch.batch, num_samples=batch.num_graphs).shape == (8, 2)
    assert "STATIC" in GraphClassifier(3, 2, depth=3, togl_position=1, static=True).name


def test_coordinate_functions_shapes() -> None:
    pairs = torch.rand(5, 3, 2)
    for cls in COORDINATE_FUNCTIONS.values():
        out = cls(3, 4)(pairs)
        assert out.shape == (5, 3, 4) and torch.isfinite(out).all()
    with pytest.raises(ValueError, match="expects pairs"):
        cls(3, 4)(torch.rand(5, 2, 2))


def test_cli_smoke(tmp_path: Path, capsys) -> None:
    out = tmp_path / "res.json"
    rc = main(["togl", "--dataset", "necklaces", "--num-graphs", "40", "--depth", "1",
               "--togl-position", "1", "--epochs", "2", "--folds", "2", "--hidden", "8",
               "--num-filtrations", "2", "--no-progress", "--out", str(out)])
    assert rc == 0
    res = json.loads(out.read_text())
    assert res["model"] == "GCN-1-TOGL-1" and res["num_folds"] == 2
    assert 0 <= res["mean"] <= 100
    assert "% test accuracy" in capsys.readouterr().out


def test_cli_tu_and_user_errors(tmp_path: Path, capsys) -> None:
    rc = main(["togl", "--dataset", "mutag", "--model", "gin", "--depth", "1", "--epochs",
               "1", "--folds", "2", "--max-folds", "1", "--hidden", "8", "--no-progress"])
    assert rc == 0
    assert main(["togl", "--dataset", str(tmp_path / "nope"), "--no-progress"]) == 2
    assert "no TU data set folder" in capsys.readouterr().err
    assert main(["togl", "--depth", "1", "--togl-position", "3"]) == 2
    (tmp_path / "BAD").mkdir()
    (tmp_path / "BAD" / "BAD_graph_indicator.txt").write_text("1\nx\n")
    assert main(["togl", "--dataset", str(tmp_path / "BAD")]) == 2
    assert "BAD_graph_indicator.txt:2" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["togl", "--help"])
    assert "--togl-position 1" in capsys.readouterr().out
