"""Bad-input sweep of the TopoAE loss.

See tests/bad_inputs.py for the conventions of these sweeps."""
from __future__ import annotations

import pytest
import torch

from topograph.nn import TopologicalSignatureLoss

from bad_inputs import NAN, OTHER, P, all_finite, check_error, no_hang  # noqa: F401


# --------------------------------------------------------------------------- TopoAE loss
LOSS_ERRORS = [
    ("batch sizes differ", lambda: TopologicalSignatureLoss()(P(8), P(4, 2)), ValueError, "agree"),
    ("one point", lambda: TopologicalSignatureLoss()(P(1), P(1, 2)), ValueError, "at least 2"),
    ("empty", lambda: TopologicalSignatureLoss()(P(0), P(0, 2)), ValueError, "at least 2"),
    ("empty batched", lambda: TopologicalSignatureLoss()(torch.rand(0, 4, 3), torch.rand(0, 4, 2)), ValueError,
     "empty"),
    ("nan in x", lambda: TopologicalSignatureLoss()(NAN(P()), P(6, 2)), ValueError, "x contains NaN"),
    ("inf in z", lambda: TopologicalSignatureLoss()(P(), NAN(P(6, 2), float("inf"))), ValueError,
     "z contains NaN or inf"),
    ("latent dimension 0", lambda: TopologicalSignatureLoss()(P(), torch.zeros(6, 0)), ValueError, "latent"),
    ("1-d z", lambda: TopologicalSignatureLoss()(P(), torch.rand(6)), ValueError, r"\[n, m\]"),
    ("integer x", lambda: TopologicalSignatureLoss()(torch.ones(6, 3, dtype=torch.long), P(6, 2)), TypeError,
     "floating-point"),
    ("list x", lambda: TopologicalSignatureLoss()(P().tolist(), P(6, 2)), TypeError, "tensors"),
    ("float32 overflow in x", lambda: TopologicalSignatureLoss()(P() * 1e38, P(6, 2)), ValueError, "too large"),
    ("float32 overflow in z", lambda: TopologicalSignatureLoss()(P(), P(6, 2) * 3e38), ValueError, "too large"),
    ("z on other device", lambda: TopologicalSignatureLoss()(P(), P(6, 2).to(OTHER)), ValueError, "device"),
    ("both on meta", lambda: TopologicalSignatureLoss()(P().to("meta"), P(6, 2).to("meta")), ValueError,
     "meta device"),
    ("nan normalization", lambda: TopologicalSignatureLoss(normalization=float("nan")), ValueError,
     "finite and positive"),
    ("three constants", lambda: TopologicalSignatureLoss(normalization=(1.0, 2.0, 3.0)), ValueError, "pair"),
    ("dims (0, 2)", lambda: TopologicalSignatureLoss(dims=(0, 2)), ValueError, "dims"),
    ("bad backend", lambda: TopologicalSignatureLoss(backend="nope")(P(), P(6, 2)), ValueError, "backend"),
]


@pytest.mark.parametrize("fn, exc, match", [c[1:] for c in LOSS_ERRORS], ids=[c[0] for c in LOSS_ERRORS])
def test_topological_loss_errors(fn, exc, match):
    check_error(fn, exc, match)


@pytest.mark.parametrize("kwargs", [{}, {"normalization": "learnable"}, {"normalization": "none"},
                                    {"dims": (0, 1)}, {"matching": "sorted_deaths"}])
@pytest.mark.parametrize("case", ["duplicates", "huge", "tiny", "float16"])
def test_topological_loss_finite(kwargs, case):
    x, z = P(8, 5), P(8, 2) * 2 - 1
    if case == "duplicates":
        x, z = torch.cat([x[:4], x[:4]]), torch.zeros(8, 2)
    elif case == "huge":
        x, z = x * 1e17, z * 1e17
    elif case == "tiny":
        x, z = x * 1e-30, z * 1e-30
    elif case == "float16":
        x, z = x.half(), z.half()
    z = z.requires_grad_()
    loss = TopologicalSignatureLoss(**kwargs)(x, z)
    loss.backward()
    assert all_finite(loss, z.grad)
