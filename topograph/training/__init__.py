"""The application shell's training parts, shared by TopoAE, TOGL and the ECT.

* :class:`TrainConfig`: the base dataclass of every module's training settings;
* :class:`Trainer`: the one epoch loop (device, DDP, progress bar, early stopping,
  best-state checkpointing, metrics log);
* :class:`MetricsLog`: metrics as JSON lines per epoch, and TensorBoard scalars.

Each module configures these (its own config subclass, its own per-epoch step)
rather than copying a loop.
"""
from topograph.training.config import TrainConfig
from topograph.training.log import MetricsLog
from topograph.training.loop import History, Trainer

__all__ = ["TrainConfig", "Trainer", "History", "MetricsLog"]
