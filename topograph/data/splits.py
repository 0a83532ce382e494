"""The one place for seeded splits: train / validation / test index splits of the
array data sets, stratified k-fold and stratified hold-out splits of labelled
samples (graphs, shapes). Every function is deterministic for a given seed.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from torch.utils.data import Dataset

__all__ = ["split_indices", "stratified_kfold", "stratified_split", "cv_splits", "ArraySplit",
           "SPLITS"]


def split_indices(
    n: int, seed: int = 42, test_fraction: float = 0.1, val_fraction: float = 0.15
) -> dict[str, np.ndarray]:
    """Split ``range(n)`` into ``train`` / ``validation`` / ``test`` index arrays.

    First ``test_fraction`` of a seeded permutation becomes the test set; then
    ``val_fraction`` of the remaining (training) part is held out as validation.
    ``train_full`` is train + validation (the statistics used for z-scoring).
    """
    if not 0.0 < test_fraction < 1.0 or not 0.0 <= val_fraction < 1.0:
        raise ValueError("test_fraction must be in (0, 1) and val_fraction in [0, 1)")
    rng = np.random.default_rng(seed)
    perm = rng.permutation(n)
    n_test = int(round(n * test_fraction))
    test, train_full = perm[:n_test], perm[n_test:]
    n_val = int(round(len(train_full) * val_fraction))
    return {
        "train_full": np.sort(train_full),
        "train": np.sort(train_full[n_val:]),
        "validation": np.sort(train_full[:n_val]),
        "test": np.sort(test),
    }


def _labels(labels: Sequence[int] | torch.Tensor | np.ndarray) -> np.ndarray:
    return np.asarray(labels.cpu() if isinstance(labels, torch.Tensor) else labels).reshape(-1)


def stratified_kfold(labels: Sequence[int] | torch.Tensor | np.ndarray, n_splits: int = 10,
                     seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified, shuffled k-fold split with a fixed seed: ``[(train_idx, test_idx)]``."""
    from sklearn.model_selection import StratifiedKFold

    y = _labels(labels)
    skf = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return [(tr, te) for tr, te in skf.split(np.zeros(len(y)), y)]


def stratified_split(labels: Sequence[int] | torch.Tensor | np.ndarray, test_fraction: float,
                     seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded per-class hold-out split into sorted ``(train, test)`` indices.

    Every class gives ``max(1, round(count * test_fraction))`` samples to the test
    part; the rest is training data (see :func:`min_per_class_for_split`).
    """
    labels = _labels(labels)
    rng = np.random.default_rng(seed)
    train, test = [], []
    for c in np.unique(labels):
        idx = rng.permutation(np.nonzero(labels == c)[0])
        n_test = max(1, int(round(len(idx) * test_fraction)))
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def min_per_class_for_split(test_fraction: float) -> int:
    """The fewest samples a class needs so that :func:`stratified_split` leaves it
    at least one training and one test sample."""
    n = 2
    while n - max(1, int(round(n * test_fraction))) < 1:
        n += 1
    return n


def cv_splits(labels: Sequence[int] | torch.Tensor | np.ndarray, folds: int, seed: int,
              val_fraction: float) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """``(train, validation, test)`` index triples of a seeded, stratified cross-validation.

    ``folds >= 2``: stratified k-fold; ``folds == 1``: one stratified 80/20 hold-out
    split. Fold ``i``'s training part is split again (stratified, seed ``seed + i``)
    into training and ``val_fraction`` validation. Raises ``ValueError`` when a
    class is too small for the requested split.
    """
    from sklearn.model_selection import train_test_split

    y = _labels(labels)
    if folds >= 2:
        outer = stratified_kfold(y, folds, seed)
    else:
        idx = np.arange(len(y))
        outer = [tuple(train_test_split(idx, test_size=0.2, stratify=y, random_state=seed))]
    out = []
    for i, (tr, te) in enumerate(outer):
        tr_idx, va_idx = train_test_split(tr, test_size=val_fraction, stratify=y[tr],
                                          random_state=seed + i)
        out.append((tr_idx, va_idx, te))
    return out


SPLITS = ("train", "validation", "test", "train_full", "all")


class ArraySplit(Dataset):
    """One split of an array data set: ``data`` (features) and ``targets`` tensors,
    items ``(x, label)``. Subclasses load and choose the rows, then call ``__init__``."""

    @staticmethod
    def check_split(split: str) -> None:
        """Call first, before loading anything."""
        if split not in SPLITS:
            raise ValueError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")

    def __init__(self, split: str, X: np.ndarray, y: np.ndarray) -> None:
        self.split = split
        self.data = torch.from_numpy(np.ascontiguousarray(X))
        self.targets = torch.from_numpy(np.ascontiguousarray(y))

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.data[i], self.targets[i]

    @property
    def num_features(self) -> int:
        return int(self.data.shape[1])
