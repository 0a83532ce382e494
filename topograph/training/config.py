"""The base of every module's training settings."""
from __future__ import annotations

import math
from dataclasses import dataclass, fields


@dataclass
class TrainConfig:
    """Settings every training loop shares. Modules subclass it, add their own
    fields and override the defaults (``TopoAETrainConfig``, ``TOGLTrainConfig``,
    ``ECTConfig``).

    Attributes:
        epochs: maximum number of epochs.
        batch_size: mini-batch size.
        lr: learning rate.
        weight_decay: L2 weight decay of the optimiser.
        patience: early stopping: stop after this many epochs without a lower
            validation loss (``None``: never stop early; needs validation data).
        seed: seed of the initialisation and of the batch order.
        device: ``auto``, ``cpu``, ``cuda`` or ``cuda:N`` (see
            :func:`topograph.devices.resolve_device`).
        progress: show a tqdm progress bar.
    """

    epochs: int = 100
    batch_size: int = 32
    lr: float = 1e-3
    weight_decay: float = 0.0
    patience: int | None = None
    seed: int = 0
    device: str = "cpu"
    progress: bool = True

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raises ``ValueError`` naming the field, its value and the allowed range."""
        def bad(name: str, want: str) -> ValueError:
            return ValueError(f"{type(self).__name__}.{name} must be {want}, got {getattr(self, name)!r}")

        for name, lo in (("epochs", 1), ("batch_size", 1)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < lo:
                raise bad(name, f"an integer >= {lo}")
        if self.patience is not None and (isinstance(self.patience, bool)
                                          or not isinstance(self.patience, int) or self.patience < 1):
            raise bad("patience", "None or an integer >= 1")
        if not (isinstance(self.lr, (int, float)) and math.isfinite(self.lr) and self.lr > 0):
            raise bad("lr", "a finite number > 0")
        if not (isinstance(self.weight_decay, (int, float)) and math.isfinite(self.weight_decay)
                and self.weight_decay >= 0):
            raise bad("weight_decay", "a finite number >= 0")

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]
