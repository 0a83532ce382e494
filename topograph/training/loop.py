"""The one training loop: device and DDP set-up, epochs with a tqdm progress bar,
early stopping, best-state checkpointing and the metrics log.

A module configures it with two callables and keeps only what is its own:

* ``train_epoch(epoch) -> {"train_loss": ...}``: one pass over this rank's share
  of the training data with ``trainer.model`` (the DDP wrapper under ``torchrun``);
* ``validate(epoch) -> {"val_loss": ..., ...}`` (optional): metrics on held-out
  data, averaged over ranks (``trainer.ctx.mean``) so that every rank takes the same
  early-stopping decision.

Selection and stopping:

* the *best* epoch maximises ``select(metrics)`` (default: the lowest
  ``val_loss``); its weights are kept in memory (a deep copy of the state dict)
  and restored at the end when ``restore_best``;
* early stopping: after ``cfg.patience`` epochs in a row without a strictly lower
  ``monitor`` value (default ``val_loss``), or when ``stop(metrics)`` says so (e.g.
  TOGL's learning rate fell below its floor).

Without ``validate`` every epoch runs and the last weights are kept.
"""
from __future__ import annotations

import copy
import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import torch
from torch import nn

from topograph.devices import resolve_device
from topograph.distributed import DistContext, setup
from topograph.training.config import TrainConfig
from topograph.training.log import MetricsLog

__all__ = ["Trainer", "History"]

Metrics = dict[str, float]


@dataclass
class History:
    """What a run of :meth:`Trainer.run` did: per-epoch metrics and the best epoch."""

    epochs: list[Metrics] = field(default_factory=list)
    best_epoch: int = -1
    best: Metrics = field(default_factory=dict)
    stopped_early: bool = False
    seconds: float = 0.0

    def series(self, key: str) -> list[float]:
        """The values of one metric over the epochs that reported it."""
        return [m[key] for m in self.epochs if key in m]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _has_nan(score: Any) -> bool:
    """A NaN score (a diverged epoch) is never the best one."""
    values = score if isinstance(score, tuple) else (score,)
    return any(isinstance(v, float) and math.isnan(v) for v in values)


class Trainer:
    """Places ``module`` on the configured device (a DDP replica under ``torchrun``)
    and runs epochs; see the module docstring.

    Attributes:
        ctx: the :class:`~topograph.distributed.DistContext` of this process.
        device: where the model and the batches live.
        module: the model itself (what is saved and restored).
        model: ``module`` or its DDP wrapper (what is called in training).
    """

    def __init__(self, module: nn.Module, cfg: TrainConfig, *, log: MetricsLog | None = None,
                 ctx: DistContext | None = None) -> None:
        self.cfg = cfg
        self.ctx = ctx or setup(resolve_device(cfg.device))
        self.device = self.ctx.device
        self.module = module
        self.model = self.ctx.wrap(module)
        self.log = log if self.ctx.is_main else None

    def run(self, train_epoch: Callable[[int], Metrics],
            validate: Callable[[int], Metrics] | None = None, *,
            select: Callable[[Metrics], Any] | None = None, monitor: str = "val_loss",
            stop: Callable[[Metrics], bool] | None = None,
            after_epoch: Callable[[int, Metrics], None] | None = None,
            restore_best: bool = True, desc: str = "epochs", leave: bool = False,
            log_context: dict[str, Any] | None = None) -> History:
        """Runs up to ``cfg.epochs`` epochs and returns the :class:`History`.

        ``after_epoch(epoch, metrics)`` runs after validation and before the
        stopping decision (learning-rate schedulers step here).
        """
        from tqdm.auto import tqdm

        select = select or (lambda m: -m[monitor])
        hist = History()
        best_score: Any = None
        best_state = None
        best_monitor, stale = math.inf, 0
        start = time.perf_counter()
        bar = tqdm(range(self.cfg.epochs), desc=desc, leave=leave, disable=not self.cfg.progress)
        for epoch in bar:
            self.model.train()
            metrics = dict(train_epoch(epoch))
            if validate is not None:
                self.model.eval()
                metrics.update(validate(epoch))
            if after_epoch is not None:
                after_epoch(epoch, metrics)
            hist.epochs.append(metrics)
            if self.log is not None:
                self.log.write(epoch, metrics, **(log_context or {}))
            bar.set_postfix({k: f"{v:.4g}" for k, v in metrics.items()})
            if validate is None:
                continue
            score = select(metrics)
            if not _has_nan(score) and (best_score is None or score > best_score):
                best_score, hist.best_epoch, hist.best = score, epoch, dict(metrics)
                best_state = copy.deepcopy(self.module.state_dict())
            value = metrics[monitor]
            stale = 0 if value < best_monitor else stale + 1
            best_monitor = min(best_monitor, value)
            if (self.cfg.patience is not None and stale >= self.cfg.patience) or \
                    (stop is not None and stop(metrics)):
                hist.stopped_early = True
                break
        bar.close()
        if best_state is not None and restore_best:
            self.module.load_state_dict(best_state)
        hist.seconds = time.perf_counter() - start
        return hist

    def put(self, tensor: torch.Tensor) -> torch.Tensor:
        """``tensor`` on this trainer's device."""
        return tensor.to(self.device)
