"""Seeded train / validation / test index splits shared by the array data sets."""
from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset


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
