"""TU reader (statistics, features, errors) and the CYCLES / NECKLACES generators."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import torch

from topograph.data import TUGraphs, cycles_dataset, necklaces_dataset, read_tu
from topograph.data.tu import TUFormatError, find_tu_folder, stratified_kfold


def test_mutag_statistics() -> None:
    ds = TUGraphs("mutag")
    assert len(ds) == 188
    assert ds._data.num_nodes == 3371
    assert ds._data.edge_index.shape[1] == 7442
    assert sorted(Counter(ds.labels.tolist()).values()) == [63, 125]
    assert ds.num_features == 7 and torch.all(ds._data.x.sum(1) == 1)  # one-hot labels
    assert ds[0].edge_index.max() < ds[0].num_nodes


def test_proteins_statistics_and_features() -> None:
    ds = TUGraphs("PROTEINS", features="random", seed=3)
    assert len(ds) == 1113 and ds._data.num_nodes == 43471
    assert sorted(Counter(ds.labels.tolist()).values()) == [450, 663]
    assert ds.num_features == 3
    again = TUGraphs("proteins", features="random", seed=3)
    assert torch.equal(ds._data.x, again._data.x)
    assert TUGraphs("proteins").num_features == 3  # 3 node labels, one-hot
    deg = TUGraphs("mutag", features="degree")
    assert torch.all(deg._data.x.sum(1) == 1)


def test_folds_are_stratified_and_seeded() -> None:
    ds = TUGraphs("mutag")
    folds = ds.folds(10, seed=0)
    assert len(folds) == 10
    test = np.concatenate([te for _, te in folds])
    assert sorted(test.tolist()) == list(range(188))
    for tr, te in folds:
        assert not set(tr) & set(te)
        frac = ds.labels[te].float().mean().item()
        assert abs(frac - 125 / 188) < 0.1
    again = stratified_kfold(ds.labels, 10, seed=0)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(folds, again))


def _write_tu(folder: Path, edges: str = "1, 2\n2, 1\n3, 4\n4, 3\n") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "TOY_A.txt").write_text(edges)
    (folder / "TOY_graph_indicator.txt").write_text("1\n1\n2\n2\n")
    (folder / "TOY_graph_labels.txt").write_text("1\n-1\n")
    (folder / "TOY_node_labels.txt").write_text("0\n1\n1\n2\n")
    return folder


def test_read_user_folder(tmp_path: Path) -> None:
    graphs = read_tu(_write_tu(tmp_path / "TOY"))
    assert len(graphs) == 2 and [int(g.y) for g in graphs] == [1, 0]
    assert graphs[1].edge_index.tolist() == [[0, 1], [1, 0]]
    assert find_tu_folder(tmp_path / "TOY") == tmp_path / "TOY"


def test_errors_name_file_and_line(tmp_path: Path) -> None:
    folder = _write_tu(tmp_path / "TOY", "1, 2\n2, 1\n3; 4\n")
    with pytest.raises(TUFormatError, match=r"TOY_A\.txt:3"):
        read_tu(folder)
    _write_tu(folder, "1, 2\n2, 3\n")
    with pytest.raises(TUFormatError, match=r"TOY_A\.txt:2: edge joins graphs 1 and 2"):
        read_tu(folder)
    _write_tu(folder, "1, 9\n")
    with pytest.raises(TUFormatError, match=r"TOY_A\.txt:1: vertex id out of range"):
        read_tu(folder)
    _write_tu(folder)
    (folder / "TOY_graph_labels.txt").write_text("1\n")
    with pytest.raises(TUFormatError, match=r"TOY_graph_labels\.txt.*expected 2"):
        read_tu(folder)
    (folder / "TOY_graph_labels.txt").unlink()
    with pytest.raises(TUFormatError, match=r"TOY_graph_labels\.txt: file not found"):
        read_tu(folder)
    with pytest.raises(FileNotFoundError, match="no TU data set folder"):
        TUGraphs(tmp_path / "missing")


def _nx(d) -> nx.Graph:
    g = nx.Graph()
    g.add_nodes_from(range(d.num_nodes))
    g.add_edges_from(d.edge_index.T.tolist())
    return g


def test_synthetic_deterministic_and_balanced() -> None:
    for make in (cycles_dataset, necklaces_dataset):
        a, b, c = make(60, seed=1), make(60, seed=1), make(60, seed=2)
        assert all(torch.equal(x.x, y.x) and torch.equal(x.edge_index, y.edge_index)
                   for x, y in zip(a, b))
        assert any(not torch.equal(x.x, y.x) for x, y in zip(a, c))
        assert sum(int(d.y) for d in a) == 30
        assert all(10 <= d.num_nodes <= 19 and d.x.shape[1] == 3 for d in a)


def test_cycles_class_structure() -> None:
    for d in cycles_dataset(100, seed=0):
        g = _nx(d)
        assert all(deg == 2 for _, deg in g.degree())
        comps = nx.number_connected_components(g)
        assert (comps >= 2) if int(d.y) == 1 else (comps == 1)
        if int(d.y) == 1:
            assert sum(nx.triangles(g).values()) // 3 >= 1


def test_necklaces_class_structure() -> None:
    for d in necklaces_dataset(100, seed=0):
        g = _nx(d)
        assert nx.is_connected(g)
        assert g.number_of_edges() - g.number_of_nodes() + 1 == 2  # two independent cycles
        assert sum(deg >= 3 for _, deg in g.degree()) == 2  # the two attachment vertices
        triangles = sum(nx.triangles(g).values()) // 3
        assert triangles == (2 if int(d.y) == 1 else 0)
