"""CSL: exact circulant graphs, class counts, isomorphism classes, features."""
import networkx as nx
import numpy as np
import pytest
import torch

from topograph.data import csl_dataset
from topograph.data.csl import CSL_SKIPS, circulant_edges


@pytest.fixture(scope="module")
def graphs():
    return csl_dataset()


def _nx(g):
    h = nx.Graph()
    h.add_nodes_from(range(g.num_nodes))
    h.add_edges_from(g.edge_index.T.tolist())
    return h


def test_sizes_regularity_and_classes(graphs):
    assert len(graphs) == 150
    assert np.bincount([int(g.y) for g in graphs]).tolist() == [15] * 10
    for g in graphs:
        h = _nx(g)
        assert g.num_nodes == 41 and h.number_of_edges() == 82
        assert set(dict(h.degree()).values()) == {4}
        assert nx.is_connected(h)
        assert g.x.shape == (41, 20) and torch.isfinite(g.x).all()
        assert CSL_SKIPS[int(g.y)] == g.skip


def test_isomorphism_classes(graphs):
    reps = [_nx(graphs[15 * c]) for c in range(10)]
    for c in range(10):  # every copy is the circulant graph of its class ...
        ref = nx.circulant_graph(41, [1, CSL_SKIPS[c]])
        assert nx.is_isomorphic(reps[c], ref)
        assert nx.is_isomorphic(_nx(graphs[15 * c + 14]), ref)
    # ... and the classes are pairwise non-isomorphic (different adjacency spectra)
    spectra = np.array([np.linalg.eigvalsh(nx.to_numpy_array(h)) for h in reps])
    gaps = np.abs(spectra[:, None] - spectra[None]).max(-1)
    assert (gaps + np.eye(10) > 1e-6).all()


def test_copies_are_relabelled_and_seeded(graphs):
    assert not torch.equal(graphs[0].edge_index, graphs[1].edge_index)
    again = csl_dataset(copies=2, seed=0, pe_dim=4)
    assert torch.equal(again[0].edge_index, graphs[0].edge_index)
    assert again[0].x.shape == (41, 4)
    assert len(circulant_edges(41, (1, 2))) == 82
    with pytest.raises(ValueError, match="copies"):
        csl_dataset(copies=0)
