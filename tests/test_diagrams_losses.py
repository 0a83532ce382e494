"""Topological losses decrease under optimisation on small problems."""
import math

import pytest
import torch

from topograph import lower_star_persistence, rips_persistence
from topograph.nn import DiagramMatchingLoss, PersistenceShapingLoss


def _circle(n, noise, seed):
    g = torch.Generator().manual_seed(seed)
    t = torch.rand(n, generator=g) * 2 * math.pi
    return torch.stack([t.cos(), t.sin()], 1) + noise * torch.randn(n, 2, generator=g)


def _optimise(x, loss_fn, steps=30, lr=0.05):
    x = x.clone().requires_grad_()
    opt = torch.optim.Adam([x], lr=lr)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(x)
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    return x.detach(), losses


def test_shaping_loss_makes_one_loop():
    x0 = torch.randn(40, 2, generator=torch.Generator().manual_seed(0)) * 0.5
    loss = PersistenceShapingLoss(keep=1, order=2.0)
    f = lambda x: loss(rips_persistence(x, max_dim=1).dim1)  # noqa: E731
    _, losses = _optimise(x0, f)
    assert losses[-1] < losses[0] - 0.05


def test_matching_loss_moves_one_cloud_to_anothers_diagram():
    target = rips_persistence(_circle(30, 0.02, 1), max_dim=1).dim1.as_list()[0]
    loss = DiagramMatchingLoss(target, order=2.0, internal_p=2.0)
    x0 = 0.7 * _circle(30, 0.05, 2)  # a smaller, noisier loop (close enough to be matched)
    f = lambda x: loss(rips_persistence(x, max_dim=1).dim1)  # noqa: E731
    _, losses = _optimise(x0, f, steps=40)
    assert losses[-1] < 0.75 * losses[0]


def test_losses_on_lower_star_and_latent_batches():
    g = torch.Generator().manual_seed(3)
    ei = torch.tensor([[0, 1, 2, 3, 4, 5], [1, 2, 3, 4, 5, 0]])
    v = torch.tensor([0.0, 1.0, 0.2, 0.9, 0.1, 0.8])
    vals = torch.stack([v, 1 - v], 1)  # two filtrations, three local minima each
    shaping = PersistenceShapingLoss(keep=0)  # pull every finite dim-0 pair to the diagonal
    f = lambda v: shaping(lower_star_persistence(v, ei).dim0)  # noqa: E731
    _, losses = _optimise(vals, f, steps=15, lr=0.02)
    assert losses[-1] < losses[0]
    # A batch of latent codes [B, n, d] against a batch of targets.
    z = torch.randn(3, 16, 2, generator=g)
    tgt = rips_persistence(torch.randn(3, 16, 2, generator=g) * 2).dim0
    match = DiagramMatchingLoss(reduction="none")
    out = match(rips_persistence(z).dim0, tgt)
    assert out.shape == (3, 1)
    _, losses = _optimise(z, lambda z: match(rips_persistence(z).dim0, tgt).mean(), steps=20)
    assert losses[-1] < 0.5 * losses[0]


def test_loss_arguments():
    with pytest.raises(ValueError, match="keep"):
        PersistenceShapingLoss(keep=-1)
    with pytest.raises(ValueError, match="one diagram per dimension"):
        PersistenceShapingLoss(keep=(1, 1))(torch.zeros(0, 2))
    with pytest.raises(ValueError, match="no target"):
        DiagramMatchingLoss()(torch.zeros(0, 2))
    with pytest.raises(ValueError, match="reduction"):
        DiagramMatchingLoss(reduction="avg")
    assert "order=2.0" in repr(DiagramMatchingLoss())
