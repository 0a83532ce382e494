"""Spheres generator and image loaders (digits offline, MNIST from local files)."""
from __future__ import annotations

import gzip

import numpy as np
import pytest
import torch

from topograph.data import Digits, Spheres, load_fashion_mnist, load_mnist, make_spheres


def test_make_spheres_shapes_labels_geometry():
    X, y = make_spheres()
    assert X.shape == (10_000, 101) and X.dtype == np.float32
    assert np.bincount(y).tolist() == [500] * 10 + [5000]
    big = X[y == 10]
    assert np.allclose(np.linalg.norm(big, axis=1), 25.0, rtol=1e-5)
    for lab in range(10):
        pts = X[y == lab].astype(np.float64)
        centre = pts.mean(0)  # ~ the shift; radius 5 around the true centre
        assert abs(np.linalg.norm(pts - centre, axis=1).mean() - 5.0) < 0.3
    X2, y2 = make_spheres(seed=42)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    assert not np.array_equal(X, make_spheres(seed=1)[0])


def test_make_spheres_small_and_shift_scale():
    X, y = make_spheres(n_samples=20, dim=4, n_spheres=3, seed=0)
    assert X.shape == (3 * 20 + 60, 5) and y.max() == 3


def test_spheres_splits_deterministic_and_zscored():
    tr, va, te = Spheres("train"), Spheres("validation"), Spheres("test")
    assert (len(tr), len(va), len(te)) == (7650, 1350, 1000)
    assert tr.data.shape[1] == tr.num_features == 101
    full = torch.cat([tr.data, va.data])
    assert torch.allclose(full.mean(0), torch.zeros(101), atol=1e-4)
    assert torch.allclose(full.std(0, unbiased=False), torch.ones(101), atol=1e-4)
    assert set(torch.cat([tr.targets, va.targets, te.targets]).unique().tolist()) == set(range(11))
    again = Spheres("test", seed=42)
    assert torch.equal(again.data, te.data) and torch.equal(again.targets, te.targets)
    x, label = te[0]
    assert x.shape == (101,) and label.dtype == torch.int64
    with pytest.raises(ValueError, match="split"):
        Spheres("nope")


def test_digits_offline():
    tr, te = Digits("train"), Digits("test")
    assert tr.data.shape[1] == 64 and len(tr) + len(Digits("validation")) + len(te) == 1797
    assert 0.0 <= float(tr.data.min()) and float(tr.data.max()) <= 1.0


def _write_idx(path, arr: np.ndarray, gz: bool) -> None:
    header = bytes([0, 0, 0x08, arr.ndim]) + b"".join(int(s).to_bytes(4, "big") for s in arr.shape)
    data = header + arr.astype(np.uint8).tobytes()
    (gzip.open if gz else open)(path, "wb").write(data)


def test_mnist_from_local_idx_and_npz(tmp_path):
    imgs = np.arange(3 * 28 * 28).reshape(3, 28, 28) % 256
    _write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", imgs, gz=True)
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.array([1, 2, 3]), gz=False)
    X, y = load_mnist(tmp_path, "test")
    assert X.shape == (3, 784) and X.max() <= 1.0 and y.tolist() == [1, 2, 3]
    np.savez(tmp_path / "fashion_mnist.npz", x_train=imgs, y_train=np.array([4, 5, 6]),
             x_test=imgs, y_test=np.array([0, 0, 0]))
    X, y = load_fashion_mnist(tmp_path, "train")
    assert X.shape == (3, 784) and y.tolist() == [4, 5, 6]
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        load_mnist(tmp_path, "train")
