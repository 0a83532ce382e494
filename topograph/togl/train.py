"""Training and k-fold cross-validation of graph classifiers (TOGL paper protocol).

Per fold: a stratified validation split of the training part, Adam, ReduceLROnPlateau
on the validation loss, early stopping when the validation loss has not improved for
``patience`` epochs or the learning rate falls below ``min_lr``; the test accuracy is
taken at the epoch with the best validation accuracy (ties: lower validation loss).
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Callable, Sequence

import numpy as np
import torch
from torch import nn
from torch_geometric.data import Data
from torch_geometric.loader import DataLoader

from topograph.devices import resolve_device
from topograph.core._deprecation import warn_renamed
from topograph.training import MetricsLog, Trainer
from topograph.training import TrainConfig as _BaseTrainConfig

__all__ = ["TOGLTrainConfig", "train_fold", "cross_validate", "evaluate", "resolve_device",
           "make_optimizer", "save_model", "load_model"]


@dataclass
class TOGLTrainConfig(_BaseTrainConfig):
    """Optimisation settings (defaults follow the paper where it is specific); see
    :class:`topograph.training.TrainConfig` for the shared fields.

    Attributes:
        lr_factor, lr_patience: ReduceLROnPlateau on the validation loss.
        min_lr: stop when the learning rate falls below this.
        val_fraction: stratified share of each fold's training part used for validation.
        restore_best: keep the weights of the best validation epoch.
        optimizer: ``"adam"`` (paper) or ``"sgd"`` (momentum 0.9).
    """

    epochs: int = 100
    batch_size: int = 32
    lr: float = 1e-3
    weight_decay: float = 0.0
    patience: int | None = 30
    lr_factor: float = 0.5
    lr_patience: int = 10
    min_lr: float = 1e-5
    val_fraction: float = 0.1
    restore_best: bool = True
    optimizer: str = "adam"


def __getattr__(name: str):
    if name == "TrainConfig":  # the old name, kept for one release
        warn_renamed("topograph.togl.train.TrainConfig", "topograph.togl.train.TOGLTrainConfig")
        return TOGLTrainConfig
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def make_optimizer(params, cfg: TOGLTrainConfig) -> torch.optim.Optimizer:
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
               test: Sequence[Data], cfg: TOGLTrainConfig, desc: str = "", *,
               log: MetricsLog | None = None, fold: int | None = None) -> dict:
    """Train ``model`` on ``train`` and report the test accuracy at the best epoch.

    Runs the shared :class:`topograph.training.Trainer`: the best epoch has the
    highest validation accuracy (ties: lower validation loss); early stopping after
    ``cfg.patience`` epochs without a lower validation loss or when the learning
    rate (ReduceLROnPlateau) falls below ``cfg.min_lr``. ``log`` receives
    ``train_loss``, ``val_loss``, ``val_acc`` and ``lr`` per epoch (with ``fold``).

    Under ``torchrun`` the model is wrapped in DDP and a ``DistributedSampler``
    gives each rank its share of the training graphs; validation metrics are
    averaged over ranks so that every rank takes the same early-stopping and
    learning-rate decisions.
    """
    trainer = Trainer(model, cfg, log=log)
    device, ctx = trainer.device, trainer.ctx
    gen = torch.Generator().manual_seed(cfg.seed)
    train = list(train)
    sampler = ctx.sampler(train, shuffle=True, seed=cfg.seed)
    train_loader = DataLoader(train, batch_size=cfg.batch_size, shuffle=sampler is None,
                              generator=gen if sampler is None else None, sampler=sampler)
    val_loader = DataLoader(list(val), batch_size=256)
    test_loader = DataLoader(list(test), batch_size=256)
    opt = make_optimizer(trainer.model.parameters(), cfg)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=cfg.lr_factor,
                                                       patience=cfg.lr_patience)

    def train_epoch(epoch: int) -> dict[str, float]:
        if sampler is not None:
            sampler.set_epoch(epoch)
        total = 0.0
        for data in train_loader:
            data = data.to(device)
            opt.zero_grad()
            loss = nn.functional.cross_entropy(trainer.model(data), data.y)
            loss.backward()
            opt.step()
            total += float(loss.detach()) * data.num_graphs
        return {"train_loss": total / len(train)}

    def validate(epoch: int) -> dict[str, float]:
        val_loss, val_acc = evaluate(trainer.module, val_loader, device)
        return {"val_loss": ctx.mean(val_loss), "val_acc": ctx.mean(val_acc)}

    def after_epoch(epoch: int, metrics: dict[str, float]) -> None:
        sched.step(metrics["val_loss"])
        metrics["lr"] = opt.param_groups[0]["lr"]

    hist = trainer.run(train_epoch, validate, after_epoch=after_epoch,
                       select=lambda m: (m["val_acc"], -m["val_loss"]),
                       stop=lambda m: m["lr"] < cfg.min_lr, restore_best=cfg.restore_best,
                       desc=desc, log_context={} if fold is None else {"fold": fold})
    test_loss, test_acc = evaluate(trainer.module, test_loader, device)
    return {"test_acc": test_acc, "test_loss": test_loss, "val_acc": hist.best.get("val_acc", -1.0),
            "best_epoch": max(hist.best_epoch, 0), "epochs": len(hist.epochs)}


def cross_validate(graphs: Sequence[Data], make_model: Callable[[], nn.Module],
                   cfg: TOGLTrainConfig, folds: int = 10, max_folds: int | None = None,
                   desc: str = "", return_model: bool = False, *,
                   log: MetricsLog | None = None) -> dict:
    """Stratified ``folds``-fold CV (seeded); ``max_folds`` runs only the first ones.

    ``folds=1`` means a single stratified 80/20 hold-out split (see
    :func:`topograph.data.splits.cv_splits`). Returns per-fold results, mean and
    std of the test accuracy (in %) and the wall time.
    """
    from topograph.data.splits import cv_splits

    if max_folds is not None and max_folds < 1:
        raise ValueError(f"max_folds must be None (all folds) or >= 1, got {max_folds}")
    splits = cv_splits(_labels(graphs), folds, cfg.seed, cfg.val_fraction)
    splits = splits[:max_folds] if max_folds else splits
    start = time.perf_counter()
    results, model = [], None
    for i, (tr_idx, va_idx, te) in enumerate(splits):
        torch.manual_seed(cfg.seed + i)
        model = make_model()
        res = train_fold(model, [graphs[j] for j in tr_idx],
                         [graphs[j] for j in va_idx], [graphs[j] for j in te],
                         cfg, desc=f"{desc} fold {i + 1}/{len(splits)}", log=log, fold=i + 1)
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


def _config_schema() -> dict:
    from topograph.checkpoint import is_choice, is_int, is_number, optional
    from topograph.togl.models import CONVS

    return {"in_channels": (is_int(1), "an integer >= 1"),
            "num_classes": (is_int(1), "an integer >= 1"),
            "conv": (is_choice(*CONVS), f"one of {', '.join(CONVS)}"),
            "depth": (is_int(0), "an integer >= 0"),
            "togl_position": (optional(is_int(0)), "None or an integer >= 0"),
            "hidden": (is_int(1), "an integer >= 1"),
            "pooling": (is_choice("mean", "sum"), "'mean' or 'sum'"),
            "dropout": (lambda v: is_number(0.0)(v) and v < 1, "a number in [0, 1)")}


def load_model(path, device: str | torch.device = "cpu") -> nn.Module:
    """Rebuilds the :class:`~topograph.togl.models.GraphClassifier` of a ``topograph togl``
    checkpoint, in eval mode. Raises :class:`topograph.checkpoint.CheckpointError` for a
    missing, corrupted, inconsistent (config fields, tensor shapes) or foreign file."""
    from topograph.checkpoint import CheckpointError, check_config, load_checkpoint
    from topograph.togl.models import GraphClassifier

    ckpt = load_checkpoint(path, kind="togl", map_location="cpu")
    config = dict(ckpt["config"])
    schema = _config_schema()
    present = {k: v for k, v in schema.items() if k in ("in_channels", "num_classes") or k in config}
    check_config(path, config, present)
    try:
        model = GraphClassifier(**config)
        model.load_state_dict(ckpt["state_dict"])
    except (KeyError, TypeError, RuntimeError, ValueError) as err:
        reason = str(err).strip().splitlines()[0]
        raise CheckpointError(f"{path}: cannot rebuild the model from this checkpoint ({reason})") from None
    return model.to(resolve_device(device)).eval()
