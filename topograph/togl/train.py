"""Training and k-fold cross-validation of graph classifiers (TOGL paper protocol).

Per fold: a stratified validation split of the training part, Adam, ReduceLROnPlateau
on the validation loss, early stopping when the validation loss has not improved for
``patience`` epochs or the learning rate falls below ``min_lr``; the test accuracy is
taken at the epoch with the best validation accuracy (ties: lower validation loss).
"""
from __future__ import annotations

import copy
import time
from dataclasses import asdict, dataclass
from typing import Callable, Sequence

import numpy as np
import torch
from torch import nn
from torch_geometric.data import Data
from torch_geometric.loader import DataLoader
from tqdm.auto import tqdm

from topograph.distributed import setup

__all__ = ["TrainConfig", "train_fold", "cross_validate", "evaluate", "resolve_device",
           "make_optimizer"
]


@dataclass
class TrainConfig:
    """Optimisation settings (defaults follow the paper where it is specific)."""

    epochs: int = 100
    batch_size: int = 32
    lr: float = 1e-3
    weight_decay: float = 0.0
    lr_factor: float = 0.5
    lr_patience: int = 10
    min_lr: float = 1e-5
    patience: int = 30
    val_fraction: float = 0.1
    seed: int = 0
    device: str = "cpu"
    progress: bool = True
    restore_best: bool = True  # keep the weights of the best validation epoch
    optimizer: str = "adam"  # "adam" (paper) or "sgd" (momentum 0.9)


def resolve_device(name: str) -> torch.device:
    """``"auto"`` picks CUDA when available; asking for missing CUDA is an error."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(name)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {name!r} requested but CUDA is not available")
    return dev


def make_optimizer(params, cfg: TrainConfig) -> torch.optim.Optimizer:
    """Adam (the paper's choice) or SGD with momentum, as ``cfg.optimizer`` says."""
    if cfg.optimizer == "adam":
        return torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(params, lr=cfg.lr, momentum=0.9, weight_decay=cfg.weight_decay)
    raise ValueError(f"optimizer must be 'adam' or 'sgd', got {cfg.optimizer!r}")


def _labels(graphs: Sequence[Data]) -> np.ndarray:
    return np.array([int(g.y.view(-1)[0]) for g in graphs])


@torch.no_grad()
def evaluate(model: nn.Module, loader: DataLoader, device: torch.device) -> tuple[float, float]:
    """``(mean cross-entropy, accuracy)`` over a loader."""
    model.eval()
    loss_sum, correct, count = 0.0, 0, 0
    for data in loader:
        data = data.to(device)
        out = model(data)
        loss_sum += float(nn.functional.cross_entropy(out, data.y, reduction="sum"))
        correct += int((out.argmax(1) == data.y).sum())
        count += data.num_graphs
    return loss_sum / max(count, 1), correct / max(count, 1)


def train_fold(model: nn.Module, train: Sequence[Data], val: Sequence[Data],
               test: Sequence[Data], cfg: TrainConfig, desc: str = "") -> dict:
    """Train ``model`` on ``train`` and report the test accuracy at the best epoch.

    Under ``torchrun`` the model is wrapped in DDP and a ``DistributedSampler``
    gives each rank its share of the training graphs; validation metrics are
    averaged over ranks so that every rank takes the same early-stopping and
    learning-rate decisions.
    """
    ctx = setup(resolve_device(cfg.device))
    device = ctx.device
    module = model.to(device)
    model = ctx.wrap(module)
    gen = torch.Generator().manual_seed(cfg.seed)
    train = list(train)
    sampler = ctx.sampler(train, shuffle=True, seed=cfg.seed)
    train_loader = DataLoader(train, batch_size=cfg.batch_size, shuffle=sampler is None,
                              generator=gen if sampler is None else None, sampler=sampler)
    val_loader = DataLoader(list(val), batch_size=256)
    test_loader = DataLoader(list(test), batch_size=256)
    opt = make_optimizer(model.parameters(), cfg)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=cfg.lr_factor,
                                                       patience=cfg.lr_patience)
    best = (-1.0, float("inf"))
    best_state, best_epoch, stale, best_loss = None, 0, 0, float("inf")
    bar = tqdm(range(cfg.epochs), desc=desc, leave=False, disable=not cfg.progress)
    epoch = -1
    for epoch in bar:
        if sampler is not None:
            sampler.set_epoch(epoch)
        model.train()
        total = 0.0
        for data in train_loader:
            data = data.to(device)
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(data), data.y)
            loss.backward()
            opt.step()
            total += float(loss.detach()) * data.num_graphs
        val_loss, val_acc = evaluate(module, val_loader, device)
        val_loss, val_acc = ctx.mean(val_loss), ctx.mean(val_acc)
        sched.step(val_loss)
        if (val_acc, -val_loss) > (best[0], -best[1]):
            best, best_epoch = (val_acc, val_loss), epoch
            best_state = copy.deepcopy(module.state_dict())
        stale = 0 if val_loss < best_loss else stale + 1
        best_loss = min(best_loss, val_loss)
        bar.set_postfix(loss=f"{total / len(train):.3f}", val_acc=f"{val_acc:.3f}")
        if stale >= cfg.patience or opt.param_groups[0]["lr"] < cfg.min_lr:
            break
    if best_state is not None and cfg.restore_best:
        module.load_state_dict(best_state)
    test_loss, test_acc = evaluate(module, test_loader, device)
    return {"test_acc": test_acc, "test_loss": test_loss, "val_acc": best[0],
            "best_epoch": best_epoch, "epochs": epoch + 1}


def cross_validate(graphs: Sequence[Data], make_model: Callable[[], nn.Module],
                   cfg: TrainConfig, folds: int = 10, max_folds: int | None = None,
                   desc: str = "", return_model: bool = False) -> dict:
    """Stratified ``folds``-fold CV (seeded); ``max_folds`` runs only the first ones.

    ``folds=1`` means a single stratified 80/20 hold-out split. Returns per-fold
    results, mean and std of the test accuracy (in %) and the wall time.
    """
    from sklearn.model_selection import train_test_split

    from topograph.data.tu import stratified_kfold

    y = _labels(graphs)
    if folds >= 2:
        splits = stratified_kfold(y, folds, cfg.seed)
    else:
        idx = np.arange(len(y))
        splits = [tuple(train_test_split(idx, test_size=0.2, stratify=y,
                                         random_state=cfg.seed))]
    splits = splits[:max_folds] if max_folds else splits
    start = time.perf_counter()
    results, model = [], None
    for i, (tr, te) in enumerate(splits):
        torch.manual_seed(cfg.seed + i)
        tr_idx, va_idx = train_test_split(tr, test_size=cfg.val_fraction, stratify=y[tr],
                                          random_state=cfg.seed + i)
        model = make_model()
        res = train_fold(model, [graphs[j] for j in tr_idx],
                         [graphs[j] for j in va_idx], [graphs[j] for j in te],
                         cfg, desc=f"{desc} fold {i + 1}/{len(splits)}")
        results.append(res)
    accs = np.array([r["test_acc"] for r in results]) * 100
    out = {"folds": results, "accuracies": accs.tolist(), "mean": float(accs.mean()),
           "std": float(accs.std()), "num_folds": len(results),
           "seconds": time.perf_counter() - start, "config": asdict(cfg)}
    if return_model:  # the last fold's trained model (not JSON-serialisable)
        out["model"] = model
    return out


def save_model(path, model: nn.Module, model_config: dict, **extra) -> None:
    """Writes a :class:`~topograph.togl.models.GraphClassifier` checkpoint that
    :func:`load_model` rebuilds (``model_config``: its constructor arguments)."""
    from topograph.checkpoint import save_checkpoint

    save_checkpoint(path, kind="togl", state_dict=model.state_dict(), config=model_config, **extra)


def load_model(path, device: str | torch.device = "cpu") -> nn.Module:
    """Rebuilds the :class:`~topograph.togl.models.GraphClassifier` of a ``topograph togl``
    checkpoint, in eval mode. Raises :class:`topograph.checkpoint.CheckpointError` for a
    missing, corrupted or foreign file."""
    from topograph.checkpoint import CheckpointError, load_checkpoint
    from topograph.togl.models import GraphClassifier

    ckpt = load_checkpoint(path, kind="togl", map_location="cpu")
    try:
        model = GraphClassifier(**dict(ckpt["config"]))
        model.load_state_dict(ckpt["state_dict"])
    except (KeyError, TypeError, RuntimeError, ValueError) as err:
        raise CheckpointError(f"{path}: cannot rebuild the model from this checkpoint ({err})") from None
    return model.to(device).eval()
