"""Quality measures: hand-computed small cases, scikit-learn, chunking."""
from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.manifold import trustworthiness as sk_trustworthiness

from topograph.topoae.metrics import (
    continuity,
    distance_rmse,
    kl_divergences,
    quality_measures,
    rank_measures,
    reconstruction_mse,
    trustworthiness,
)

# 1-D points without distance ties; Z swaps the positions of points 0 and 4.
X5 = np.array([[0.0], [1.0], [3.0], [7.0], [15.0]])
Z5 = np.array([[15.0], [1.0], [3.0], [7.0], [0.0]])


def test_hand_case_k1():
    # Z-nearest neighbours 3, 4, 1, 2, 1 have X-ranks 3, 4, 1, 1, 3: penalties 2+3+0+0+2 = 7;
    # T = 1 - 2 / (n k (2n - 3k - 1)) * 7 = 1 - 7 / 15. Continuity is symmetric here.
    r = rank_measures(X5, Z5, ks=(1,))
    assert r["trustworthiness"].item() == pytest.approx(8 / 15)
    assert r["continuity"].item() == pytest.approx(8 / 15)
    # MRRE: sum |rank_X - rank_Z| / rank = 7, H_1 = n * |n - 2| / 1 = 15.
    assert r["mrre_zx"].item() == pytest.approx(7 / 15)
    assert r["mrre_xz"].item() == pytest.approx(7 / 15)
    assert trustworthiness(X5, Z5, 1) == pytest.approx(sk_trustworthiness(X5, Z5, n_neighbors=1))


def test_kl_and_rmse_hand_case():
    X = np.array([[0.0], [1.0], [2.0]])
    Z = np.array([[0.0], [2.0], [1.0]])
    for s in (0.01, 0.1, 1.0):
        a, b = math.exp(-0.25 / s), math.exp(-1.0 / s)
        p = np.array([1 + a + b, 1 + 2 * a, 1 + a + b])
        q = np.array([1 + a + b, 1 + a + b, 1 + 2 * a])
        p, q = p / p.sum(), q / q.sum()
        expected = float((p * np.log(p / q)).sum())
        assert kl_divergences(X, Z, sigmas=(s,))[f"kl_{s:g}"] == pytest.approx(expected, rel=1e-12)
    # distance differences 1, 1, 0 over the 3 unordered pairs
    assert distance_rmse(X, Z) == pytest.approx(math.sqrt(4 / 6))
    assert reconstruction_mse(X, X + 0.5) == pytest.approx(0.25)


def test_identity_is_perfect():
    X = np.random.default_rng(0).normal(size=(60, 4))
    m = quality_measures(X, X, X_hat=X, ks=(5, 10, 20))
    assert m["trustworthiness"] == m["continuity"] == 1.0
    assert m["mrre_zx"] == m["mrre_xz"] == m["rmse"] == m["recon_mse"] == 0.0
    assert all(m[f"kl_{s}"] == pytest.approx(0, abs=1e-15) for s in ("0.01", "0.1", "1"))


@pytest.mark.parametrize("k", [1, 5, 12, 30])
def test_trustworthiness_and_continuity_vs_sklearn(k):
    rng = np.random.default_rng(k)
    X = rng.normal(size=(80, 6))
    Z = X[:, :2] + 0.5 * rng.normal(size=(80, 2))
    assert trustworthiness(X, Z, k) == pytest.approx(sk_trustworthiness(X, Z, n_neighbors=k), rel=1e-12)
    assert continuity(X, Z, k) == pytest.approx(sk_trustworthiness(Z, X, n_neighbors=k), rel=1e-12)


def test_chunking_and_k_average():
    rng = np.random.default_rng(3)
    X, Z = rng.normal(size=(250, 5)), rng.normal(size=(250, 2))
    ks = tuple(range(10, 201, 10))
    a = rank_measures(X, Z, ks=ks, chunk=37)
    b = rank_measures(X, Z, ks=ks, chunk=1000)
    assert a["ks"].tolist() == list(range(10, 125, 10))  # only k < n / 2
    for key in ("trustworthiness", "continuity", "mrre_zx", "mrre_xz"):
        assert np.allclose(a[key], b[key], rtol=1e-12)
    m = quality_measures(X, Z)
    assert m["trustworthiness"] == pytest.approx(float(a["trustworthiness"].mean()))
    assert kl_divergences(X, Z, chunk=16) == pytest.approx(kl_divergences(X, Z, chunk=4096))
    assert distance_rmse(X, Z, chunk=16) == pytest.approx(distance_rmse(X, Z))


def test_errors():
    X = np.zeros((10, 3))
    with pytest.raises(ValueError, match="same number"):
        quality_measures(X, X[:9, :2])
    with pytest.raises(ValueError, match="k < n/2|n/2"):
        rank_measures(X, X, ks=(50,))
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        kl_divergences(bad, X)
