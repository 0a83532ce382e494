"""ECTClassifier: ECT image ``[B, R, T]`` -> class logits (small CNN or flattened MLP)."""
from __future__ import annotations

from torch import Tensor, nn

from topograph.core.validation import check_matches_parameters

__all__ = ["ECTClassifier"]


class ECTClassifier(nn.Module):
    """Classifier on ECT images, as in DECT (Röell & Rieck, 2024).

    ``kind="cnn"``: Conv(1->8) - ReLU - MaxPool(2) - Conv(8->16) - ReLU - MaxPool(2),
    then an MLP on the flattened maps. ``kind="mlp"``: an MLP on the flattened image.

    ``direction_pool="max"`` (or ``"mean"``) pools the CNN's feature maps over the
    direction axis before the MLP. With directions spread over the sphere this
    makes the classifier nearly invariant to rotations of the input shape (a
    rotation permutes/moves the directions), which matters for randomly
    rotated data; ``None`` keeps the paper's flatten.

    Args:
        num_classes: number of output logits.
        resolution: R (thresholds, image height).
        num_directions: T (directions, image width).
        hidden: hidden width of the MLP head.
        kind: ``"cnn"`` or ``"mlp"``.
        direction_pool: ``None``, ``"max"`` or ``"mean"`` (CNN only).
        dropout: dropout before the last layer.
    """

    def __init__(
        self,
        num_classes: int,
        resolution: int = 64,
        num_directions: int = 64,
        *,
        hidden: int = 128,
        kind: str = "cnn",
        direction_pool: str | None = None,
        dropout: float = 0.1,
    ) -> None:
        super().__init__()
        if kind not in ("cnn", "mlp"):
            raise ValueError(f"kind must be 'cnn' or 'mlp', got {kind!r}")
        if kind == "cnn" and (resolution < 4 or num_directions < 4):
            raise ValueError("the CNN needs resolution >= 4 and num_directions >= 4 (two 2x2 poolings)")
        if direction_pool not in (None, "max", "mean") or (direction_pool and kind != "cnn"):
            raise ValueError(f"direction_pool must be None, 'max' or 'mean' (CNN only), got {direction_pool!r}")
        self.kind, self.num_classes, self.direction_pool = kind, num_classes, direction_pool
        self.resolution, self.num_directions = resolution, num_directions
        if kind == "cnn":
            self.features: nn.Module = nn.Sequential(
                nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            )
            flat = 16 * (resolution // 4) * (1 if direction_pool else num_directions // 4)
        else:
            self.features = nn.Flatten()
            flat = resolution * num_directions
        self.head = nn.Sequential(nn.Linear(flat, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, num_classes))

    def reset_parameters(self) -> None:
        for mod in self.modules():
            if mod is not self and hasattr(mod, "reset_parameters"):
                mod.reset_parameters()

    def forward(self, img: Tensor) -> Tensor:
        """Logits ``[B, num_classes]`` from ECT images ``[B, R, T]``."""
        if img.dim() != 3 or img.shape[1:] != (self.resolution, self.num_directions):
            raise ValueError(
                f"expected ECT images [B, {self.resolution}, {self.num_directions}], got {tuple(img.shape)}"
            )
        check_matches_parameters(img, self, "img")
        if self.kind == "mlp":
            return self.head(self.features(img))
        z = self.features(img.unsqueeze(1))  # [B, 16, R/4, T/4]
        if self.direction_pool == "max":
            z = z.amax(dim=3)
        elif self.direction_pool == "mean":
            z = z.mean(dim=3)
        return self.head(z.flatten(1))
