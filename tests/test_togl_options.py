"""TOGL options: extended persistence and learned edge filtrations."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch_geometric.data import Batch, Data

from topograph import extended_persistence
from topograph.nn import TOGL
from topograph.togl.layer import EMBEDDINGS

OPTIONS = [dict(persistence="extended"), dict(edge_filtration=True)]


def _batch(seed: int, num_graphs: int = 5, d: int = 4) -> Batch:
    rng = np.random.default_rng(seed)
    graphs = []
    for g in range(num_graphs):
        n = int(rng.integers(1, 10))
        e = rng.integers(0, n, size=(2, int(rng.integers(0, 2 * n + 1))))
        graphs.append(Data(x=torch.from_numpy(rng.normal(size=(n, d))).float(),
                           edge_index=torch.from_numpy(e).long(), num_nodes=n))
    return Batch.from_data_list(graphs)


@pytest.mark.parametrize("opts", OPTIONS)
@pytest.mark.parametrize("embedding", EMBEDDINGS)
@pytest.mark.parametrize("use_dim1", [True, False])
def test_every_embedding_and_dim1(opts, embedding, use_dim1):
    torch.manual_seed(0)
    data = _batch(1)
    layer = TOGL(4, 6, embedding=embedding, use_dim1=use_dim1, **opts)
    out, graph = layer(data.x, data.edge_index, data.batch, return_graph_features=True)
    assert out.shape == (data.num_nodes, 6) and torch.isfinite(out).all()
    assert torch.isfinite(graph).all()
    (out.square().sum() + graph.square().sum()).backward()
    mlps = [layer.filtration] + ([layer.edge_mlp] if layer.edge_mlp is not None else [])
    for mlp in mlps:
        for p in mlp.parameters():
            assert p.grad is not None and p.grad.abs().sum() > 0


@pytest.mark.parametrize("opts", OPTIONS)
def test_gradcheck(opts):
    torch.manual_seed(0)
    data = _batch(4, num_graphs=3, d=3)
    layer = TOGL(3, 3, num_filtrations=2, hidden=4, deepset_hidden=4, **opts).double()
    x = data.x.double().requires_grad_(True)
    fn = lambda x: layer(x, data.edge_index, data.batch, num_samples=3)  # noqa: E731
    assert torch.autograd.gradcheck(fn, (x,), eps=1e-6, atol=1e-5)


def test_extended_rows_are_the_core_diagrams():
    torch.manual_seed(0)
    data = _batch(2)
    layer = TOGL(4, 4, persistence="extended")
    p0, _, p1, b1, _, _ = layer._pairs(data.x, data.edge_index, data.batch, data.num_graphs)
    values = layer.filtration(data.x)
    res = extended_persistence(values, data.edge_index, data.batch)
    k = values.shape[1]
    assert p0.shape == (data.num_nodes, 2 * k, 3)
    assert torch.isfinite(p0).all() and torch.isfinite(p1).all()  # every class dies
    up, down = p0[:, :k], p0[:, k:]
    o, r, e0 = res.ordinary0, res.relative1, res.extended0
    assert torch.equal(up[..., 1].gather(0, o.birth_index), o.death)
    assert torch.equal(up[..., 1].gather(0, e0.birth_index), e0.death)
    assert torch.equal(down[..., 1].gather(0, r.birth_index), r.death)
    assert torch.equal(down[..., 1].gather(0, e0.death_index), e0.birth)
    assert torch.equal(p1[..., 1], res.extended1.death) and torch.equal(b1, res.extended1.batch)
    assert up[..., 2].sum() == down[..., 2].sum() == len(e0) * k
    assert isinstance(layer.diagrams(data.x, data.edge_index, data.batch), type(res))


def test_edge_filtration_is_symmetric_and_valid():
    torch.manual_seed(0)
    x = torch.randn(5, 4)
    clean = torch.tensor([[0, 1, 2, 3, 1, 2, 3, 0], [1, 2, 3, 0, 0, 1, 2, 3]])
    one_dir = torch.tensor([[1, 2, 2, 0], [0, 1, 3, 3]])
    layer = TOGL(4, 4, edge_filtration=True).eval()
    with torch.no_grad():
        torch.testing.assert_close(layer(x, one_dir), layer(x, clean))
        res = layer.diagrams(x, clean)
    d0 = res.dim0
    assert (d0.death[~d0.essential] >= d0.birth[~d0.essential]).all()
    lower = TOGL(4, 4).eval()
    lower.load_state_dict(layer.state_dict(), strict=False)
    with torch.no_grad():  # learned edge values differ from the lower-star ones
        assert not torch.allclose(layer(x, clean), lower(x, clean))


def test_options_are_checked_and_shown():
    with pytest.raises(ValueError, match="persistence must be one of"):
        TOGL(4, persistence="zigzag")
    with pytest.raises(ValueError, match="edge_filtration=False"):
        TOGL(4, persistence="extended", edge_filtration=True)
    assert "persistence='extended'" in repr(TOGL(4, persistence="extended"))
    assert "edge_filtration=True" in repr(TOGL(4, edge_filtration=True))
    assert TOGL(4).edge_mlp is None  # defaults unchanged: no extra parameters


@pytest.mark.parametrize("opts", OPTIONS)
def test_save_load_round_trip(tmp_path, opts):
    from topograph.togl.models import GraphClassifier
    from topograph.togl.train import load_model, save_model

    torch.manual_seed(0)
    config = dict(in_channels=4, num_classes=2, conv="gcn", depth=1, togl_position=1,
                  hidden=8, num_filtrations=3, **opts)
    model = GraphClassifier(**config).eval()
    save_model(tmp_path / "m.pt", model, config)
    loaded = load_model(tmp_path / "m.pt")
    data = _batch(3)
    with torch.no_grad():
        assert torch.equal(model(data), loaded(data))


@pytest.mark.parametrize("opts", OPTIONS)
def test_ddp_every_parameter_gets_a_gradient(tmp_path, opts):
    """DDP without find_unused_parameters needs every parameter in the graph."""
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    from topograph.togl.models import GraphClassifier

    dist.init_process_group("gloo", init_method=f"file://{tmp_path}/pg", rank=0, world_size=1)
    try:
        torch.manual_seed(0)
        model = GraphClassifier(4, 2, conv="gcn", depth=1, togl_position=1, hidden=8,
                                num_filtrations=3, **opts)
        ddp = DistributedDataParallel(model)
        data = _batch(5, num_graphs=6)
        y = torch.tensor([0, 1, 0, 1, 0, 1])
        for _ in range(2):
            ddp.zero_grad()
            torch.nn.functional.cross_entropy(ddp(data), y).backward()
        for name, p in model.named_parameters():
            assert p.grad is not None, name
    finally:
        dist.destroy_process_group()


def test_extended_passes_the_backend(monkeypatch):
    """TOGL(persistence="extended") hands its backend to the core (triton on CPU
    tensors outside the interpreter is refused, so the argument arrived)."""
    from topograph.core import kernels

    monkeypatch.delenv("TRITON_INTERPRET", raising=False)
    monkeypatch.setattr(kernels, "triton_available", lambda: True)
    data = _batch(3)
    layer = TOGL(4, 4, persistence="extended", backend="triton")
    with pytest.raises(ValueError, match="CUDA tensors"):
        layer(data.x, data.edge_index, data.batch)
    with pytest.raises(ValueError, match="CUDA tensors"):
        layer.diagrams(data.x, data.edge_index, data.batch)
