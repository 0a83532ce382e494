"""Bad-input sweep of the persistence-diagram plots.

See tests/bad_inputs.py for the conventions of these sweeps."""
from __future__ import annotations

import matplotlib
import pytest
import torch

import topograph
from bad_inputs import INF, E, V, check_error, no_hang  # noqa: F401

lsp = topograph.lower_star_persistence

matplotlib.use("Agg")


# --------------------------------------------------------------------------- plotting
def _plot(*args, **kwargs):
    import matplotlib.pyplot as plt

    from topograph.plotting import plot_diagrams

    try:
        return plot_diagrams(*args, **kwargs)
    finally:
        plt.close("all")


PLOT_ERRORS = [
    ("nan death", lambda: _plot(torch.tensor([[0.0, float("nan")]])), ValueError, "NaN"),
    ("inf birth", lambda: _plot(torch.tensor([[-INF, 1.0]])), ValueError, "births"),
    ("-inf death", lambda: _plot(torch.tensor([[0.0, -INF]])), ValueError, "-inf"),
    ("shape [m, 3]", lambda: _plot(torch.rand(4, 3)), ValueError, r"\[m, 2\]"),
    ("1-d diagram", lambda: _plot(torch.rand(4)), ValueError, r"\[m, 2\]"),
    ("no diagrams", lambda: _plot([]), ValueError, "no diagrams"),
    ("None", lambda: _plot(None), TypeError, "diagrams"),
    ("string", lambda: _plot("abc"), TypeError, "diagrams"),
    ("labels mismatch", lambda: _plot([torch.rand(2, 2)], labels=["a", "b"]), ValueError, "labels"),
    ("meta tensor", lambda: _plot(torch.rand(3, 2, device="meta")), ValueError, "meta"),
]


@pytest.mark.parametrize("fn, exc, match", [c[1:] for c in PLOT_ERRORS], ids=[c[0] for c in PLOT_ERRORS])
def test_plot_errors(fn, exc, match):
    check_error(fn, exc, match)


def test_plot_valid_edge_cases():
    res = lsp(V(), E()[:, :2])
    assert _plot([res.as_list(0)[0], res.as_list(1)[0]]) is not None  # essential classes + an empty H1
    assert _plot(torch.zeros(0, 2)) is not None
    assert _plot(torch.tensor([[0.0, INF]])) is not None
    assert _plot(torch.tensor([[0.0, 3e38], [1e38, INF]])) is not None
    assert _plot(torch.rand(3, 2, requires_grad=True).half()) is not None
