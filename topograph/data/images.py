"""Small image data sets as flat arrays: scikit-learn ``digits`` (offline) and
MNIST / FashionMNIST read from local files. Nothing here ever downloads."""
from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from topograph.data.splits import ArraySplit, split_indices

_IDX_NAMES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 digits (offline): ``X`` float32 ``[1797, 64]`` in [0, 1]
    (row-major 8x8 images; every value is a multiple of 1/16, so exact), labels int64.

    The one digits loader: :class:`Digits` and the point clouds / grid graphs of
    :mod:`topograph.data.digits` all start here."""
    from sklearn.datasets import load_digits as _sk_digits

    d = _sk_digits()
    return (d.data / 16.0).astype(np.float32), d.target.astype(np.int64)


class Digits(ArraySplit):
    """Seeded split (90/10 train/test, 15% of train as validation) of ``digits``."""

    def __init__(self, split: str = "train", split_seed: int = 42) -> None:
        self.check_split(split)
        X, y = load_digits()
        if split != "all":
            i = split_indices(len(X), seed=split_seed)[split]
            X, y = X[i], y[i]
        super().__init__(split, X, y)


def _read_idx(path: Path) -> np.ndarray:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as err:  # gzip.BadGzipFile is an OSError
        raise ValueError(f"{path}: could not read the file ({err})") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path} is not an unsigned-byte IDX file")
    ndim = raw[3]
    if len(raw) < 4 + 4 * ndim:
        raise ValueError(f"{path}: truncated IDX header ({len(raw)} bytes for {ndim} dimensions)")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path}: header says {shape} but holds {data.size} values")
    return data.reshape(shape)


def _find(root: Path, stem: str) -> Path | None:
    for folder in (root, root / "raw", root / "MNIST" / "raw", root / "FashionMNIST" / "raw"):
        for name in (stem, stem + ".gz"):
            if (folder / name).is_file():
                return folder / name
    return None


def load_mnist(root: str | Path, split: str = "train", fashion: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """MNIST (or FashionMNIST with ``fashion=True``) from local files.

    ``root`` holds either the IDX files (``train-images-idx3-ubyte[.gz]``,
    ``train-labels-idx1-ubyte[.gz]``, ``t10k-...``; also found under ``raw/`` or
    torchvision's ``MNIST/raw``) or an ``.npz`` with ``x_train, y_train, x_test,
    y_test`` (``mnist.npz`` / ``fashion_mnist.npz``). Returns ``X`` float32
    ``[N, 784]`` in [0, 1] and labels int64. Raises ``FileNotFoundError`` naming
    the files it looked for; it never downloads.
    """
    if split not in _IDX_NAMES:
        raise ValueError("split must be 'train' or 'test'")
    name = "FashionMNIST" if fashion else "MNIST"
    root = Path(root)
    npz = root / ("fashion_mnist.npz" if fashion else "mnist.npz")
    if npz.is_file():
        try:
            with np.load(npz) as f:
                X, y = f[f"x_{split}"], f[f"y_{split}"]
        except KeyError as err:
            raise ValueError(f"{npz}: missing array {err.args[0].split()[0]} "
                             f"(expected x_train, y_train, x_test, y_test)") from None
        except (OSError, ValueError, EOFError) as err:
            raise ValueError(f"{npz}: not a readable .npz archive ({err})") from None
        source = str(npz)
    else:
        img_stem, lab_stem = _IDX_NAMES[split]
        img, lab = _find(root, img_stem), _find(root, lab_stem)
        if img is None or lab is None:
            missing = [s for s, p in ((img_stem, img), (lab_stem, lab)) if p is None]
            raise FileNotFoundError(
                f"{name} {split} split not found under {root}: missing {', '.join(missing)}[.gz] "
                f"(or {npz.name}); download the files yourself and pass their folder"
            )
        X, y = _read_idx(img), _read_idx(lab)
        source = f"{img} and {lab}"
    if X.ndim < 1 or np.ndim(y) != 1 or len(X) != len(y):
        raise ValueError(f"{name} {split}: {source} hold {len(X) if X.ndim else 0} images but "
                         f"{np.size(y)} labels")
    X = np.asarray(X, dtype=np.float32).reshape(len(X), -1) / 255.0
    return X, np.asarray(y, dtype=np.int64)


def load_fashion_mnist(root: str | Path, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """FashionMNIST from local files; see :func:`load_mnist`."""
    return load_mnist(root, split, fashion=True)
