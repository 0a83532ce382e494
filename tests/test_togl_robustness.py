"""Bad-input sweep of the TOGL layer.

See tests/bad_inputs.py for the conventions of these sweeps."""
from __future__ import annotations

import pytest
import torch

from topograph.nn import TOGL

from bad_inputs import E, NAN, OTHER, all_finite, check_error, no_hang  # noqa: F401


# --------------------------------------------------------------------------- TOGL
def _togl() -> TOGL:
    torch.manual_seed(0)
    return TOGL(3, 4, num_filtrations=2, hidden=4)


def XG(n: int = 6) -> torch.Tensor:
    return torch.rand(n, 3, generator=torch.Generator().manual_seed(1))


TOGL_XFAIL: dict[str, str] = {}

TOGL_ERRORS = [
    ("nan features", lambda: _togl()(NAN(XG()), E()), ValueError, "NaN"),
    ("inf features", lambda: _togl()(NAN(XG(), float("inf")), E()), ValueError, "infinite"),
    ("integer features", lambda: _togl()(torch.ones(6, 3, dtype=torch.long), E()), TypeError, "dtype"),
    ("wrong channels", lambda: _togl()(torch.rand(6, 2), E()), ValueError, "in_channels"),
    ("1-d features", lambda: _togl()(torch.rand(6), E()), ValueError, "shape"),
    ("empty batch", lambda: _togl()(torch.rand(0, 3), torch.zeros(2, 0, dtype=torch.long)), ValueError, "empty"),
    ("edge out of range", lambda: _togl()(XG(), torch.tensor([[0], [9]])), ValueError, "outside"),
    ("float edges", lambda: _togl()(XG(), E().float()), TypeError, "integer"),
    ("edge_index [3, E]", lambda: _togl()(XG(), torch.zeros(3, 2, dtype=torch.long)), ValueError, r"\[2, M\]"),
    ("batch wrong length", lambda: _togl()(XG(), E(), torch.zeros(3, dtype=torch.long)), ValueError,
     "one entry per node"),
    ("unsorted batch", lambda: _togl()(XG(), E(), torch.tensor([1, 1, 0, 0, 1, 1])), ValueError, "sorted"),
    ("float batch", lambda: _togl()(XG(), E(), torch.zeros(6)), TypeError, "integer"),
    ("edge across graphs", lambda: _togl()(XG(), E(), torch.tensor([0, 0, 0, 1, 1, 1])), ValueError,
     "different graphs"),
    ("edges on other device", lambda: _togl()(XG(), E().to(OTHER)), ValueError, "device"),
    ("batch on other device", lambda: _togl()(XG(), E(), torch.zeros(6, dtype=torch.long, device=OTHER)),
     ValueError, "device"),
    ("features on meta", lambda: _togl()(XG().to("meta"), E().to("meta")), ValueError, "meta device"),
]


def _maybe_xfail(cases, xfails):
    return [pytest.param(*c[1:], id=c[0], marks=pytest.mark.xfail(strict=True, reason=xfails[c[0]]))
            if c[0] in xfails else pytest.param(*c[1:], id=c[0]) for c in cases]


@pytest.mark.parametrize("fn, exc, match", _maybe_xfail(TOGL_ERRORS, TOGL_XFAIL))
def test_togl_errors(fn, exc, match):
    check_error(fn, exc, match)


@pytest.mark.parametrize("train", [True, False])
def test_togl_valid_graphs(train):
    layer = _togl().train(train)
    no_edges = torch.zeros(2, 0, dtype=torch.long)
    cases = [
        (XG(1), no_edges, None),  # a single vertex
        (XG(), torch.tensor([[3, 4], [4, 5]]), torch.tensor([0, 0, 0, 1, 1, 1])),  # edgeless first graph
        (XG(), no_edges, None),  # only isolated vertices
        (torch.zeros(6, 3), E(), None),  # all filtration inputs exactly 0
        (XG() * 1e30, E(), None),  # huge features
    ]
    for x, e, b in cases:
        x = x.clone().requires_grad_()
        out = layer(x, e, b)
        assert out.shape == (x.shape[0], 4) and all_finite(out)
        out.sum().backward()
        assert all_finite(x.grad)
    # self-loops and duplicate edges change nothing
    layer.eval()
    dirty = torch.tensor([[0, 1, 1, 2, 3, 4], [1, 0, 1, 3, 2, 4]])
    clean = torch.tensor([[0, 2], [1, 3]])
    torch.testing.assert_close(layer(XG(), dirty), layer(XG(), clean))
