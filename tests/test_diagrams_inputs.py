"""Bad input to topograph.diagrams gets a clear error naming the problem."""
import math

import pytest
import torch

from topograph.diagrams import (
    betti_curve,
    bottleneck_distance,
    euler_curve,
    persistence_image,
    persistence_landscape,
    sliced_wasserstein,
    wasserstein_distance,
)

D = torch.tensor([[0.0, 1.0], [0.2, 0.4]])


@pytest.mark.parametrize("bad,err,match", [
    (torch.tensor([[1.0, 0.0]]), ValueError, "below the diagonal"),
    (torch.tensor([[float("nan"), 1.0]]), ValueError, "NaN births"),
    (torch.tensor([[0.0, float("nan")]]), ValueError, "NaN deaths"),
    (torch.tensor([[-math.inf, 1.0]]), ValueError, "infinite births"),
    (torch.zeros(3, 3), ValueError, r"shape \[m, 2\]"),
    (torch.zeros(3), ValueError, r"shape \[m, 2\]"),
    (torch.zeros(2, 2, dtype=torch.long), TypeError, "floating point"),
    ([], ValueError, "empty list"),
    ([D, "x"], TypeError, r"\[1\]"),
    ([D, D.double()], ValueError, "must match"),
    # Equally long diagrams take the one-stack fast path; its one check hands bad rows on.
    ([D, torch.tensor([[0.0, 1.0], [1.0, 0.0]])], ValueError, "below the diagonal"),
    ([D, torch.tensor([[0.0, 1.0], [math.nan, 1.0]])], ValueError, "NaN births"),
    ([D, torch.tensor([[0.0, 1.0], [0.0, math.nan]])], ValueError, "NaN deaths"),
    ([D, torch.tensor([[0.0, 1.0], [-math.inf, 1.0]])], ValueError, "infinite births"),
    ("diagram", TypeError, "Diagram"),
])
def test_bad_diagrams(bad, err, match):
    for fn in (lambda x: wasserstein_distance(x, D), lambda x: bottleneck_distance(D, x),
               lambda x: persistence_landscape(x), lambda x: betti_curve(x)):
        with pytest.raises(err, match=match):
            fn(bad)


def test_equal_length_lists_with_essential_rows():
    """The fast path for equally long diagrams defers essential rows to the general path."""
    E = torch.tensor([[0.0, math.inf], [0.2, 0.4]])
    got = persistence_landscape([D, E], sample_range=(0.0, 1.0), resolution=9)
    want = persistence_landscape([D, E[1:]], sample_range=(0.0, 1.0), resolution=9)
    torch.testing.assert_close(got, want)
    assert wasserstein_distance([D, E], [E, E]).tolist()[0] == math.inf
    assert betti_curve([D, E], grid=torch.tensor([2.0])).tolist() == [[0], [1]]


def test_bad_arguments():
    with pytest.raises(ValueError, match="batch sizes differ"):
        wasserstein_distance([D, D], [D, D, D])
    with pytest.raises(ValueError, match="order"):
        wasserstein_distance(D, D, order=0.5)
    with pytest.raises(TypeError, match="internal_p"):
        wasserstein_distance(D, D, internal_p="2")
    with pytest.raises(ValueError, match="essential"):
        wasserstein_distance(D, D, essential="keep")
    with pytest.raises(ValueError, match="cap"):
        wasserstein_distance(D, D, essential=math.inf)
    with pytest.raises(ValueError, match="below the birth"):
        wasserstein_distance(torch.tensor([[2.0, math.inf]]), D, essential=1.0)
    with pytest.raises(ValueError, match="num_directions"):
        sliced_wasserstein(D, D, 1)
    with pytest.raises(ValueError, match="resolution"):
        persistence_image(D, resolution=(3,))
    with pytest.raises(ValueError, match="bandwidth"):
        persistence_image(D, bandwidth=0.0)
    with pytest.raises(ValueError, match="sample_range"):
        persistence_landscape(D, sample_range=(0.0, math.nan))
    with pytest.raises(ValueError, match="batch shape"):
        euler_curve([[D, D], [D]])
    with pytest.raises(TypeError, match="float32"):
        wasserstein_distance(D, D.double())


def test_single_diagram_broadcasts_against_a_batch():
    out = wasserstein_distance([D, D * 2], D)
    assert out.shape == (2,) and float(out[0]) == 0.0
