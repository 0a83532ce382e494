"""Training loop for ECT-based shape classification: data -> ECT images -> ECTClassifier."""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn
from torch_geometric.data import Batch, Data
from tqdm.auto import tqdm

from topograph.checkpoint import (CheckpointError, check_config, check_tensor, is_choice, is_int,
                                  is_number, is_str, load_checkpoint, optional, save_checkpoint)
from topograph.data.splits import stratified_split
from topograph.devices import resolve_device
from topograph.distributed import setup
from topograph.ect.classifier import ECTClassifier
from topograph.ect.directions import circle_directions, sphere_directions
from topograph.ect.transform import ect
from topograph.training import MetricsLog, Trainer
from topograph.training import TrainConfig as _BaseTrainConfig

__all__ = ["ECTConfig", "load_data", "compute_images", "stratified_split", "fit", "run_experiment",
           "load_model", "predict"]


@dataclass
class ECTConfig(_BaseTrainConfig):
    """All knobs of one ``topograph ect`` run (defaults reproduce docs/ect.md); the
    training fields are those of :class:`topograph.training.TrainConfig` (no
    early stopping: ``patience`` stays ``None``; ``weight_decay`` is Adam's)."""

    dataset: str = "shapes"  # shapes | digits | meshes
    root: str | None = None  # meshes: root/<class>/{train,test}/*.off
    representation: str = "mesh"  # shapes: mesh | points
    samples_per_class: int = 120
    num_points: int = 256
    limit: int | None = None  # digits: use the first N images
    num_directions: int = 64
    resolution: int = 64
    radius: float = 1.1
    scale: float | None = None  # None: exact ECT images
    model: str = "cnn"
    direction_pool: str | None = None  # None | max | mean (see ECTClassifier)
    hidden: int = 128
    dropout: float = 0.1
    epochs: int = 40
    batch_size: int = 32
    lr: float = 3e-3
    test_fraction: float = 0.2


def load_data(cfg: ECTConfig) -> tuple[list[Data], list[Data] | None, list[str], int]:
    """(samples, optional fixed test samples, class names, coordinate dimension)."""
    if cfg.dataset == "shapes":
        from topograph.data.shapes import SHAPE_CLASSES, make_shapes

        data = make_shapes(cfg.samples_per_class, kind=cfg.representation, num_points=cfg.num_points, seed=cfg.seed)
        return data, None, list(SHAPE_CLASSES), 3
    if cfg.dataset == "digits":
        from topograph.data.digits import digits_point_clouds

        return digits_point_clouds(limit=cfg.limit), None, [str(i) for i in range(10)], 2
    if cfg.dataset == "meshes":
        from topograph.data.meshes import load_mesh_folder

        points = cfg.num_points if cfg.representation == "points" else None
        train, names = load_mesh_folder(cfg.root, "train", num_points=points, seed=cfg.seed)
        test, _ = load_mesh_folder(cfg.root, "test", classes=names, num_points=points, seed=cfg.seed)
        return train, test, names, 3
    raise ValueError(f"unknown dataset {cfg.dataset!r}; choose shapes, digits or meshes")


def directions_for(dim: int, num: int) -> Tensor:
    """Structured directions: evenly spaced on the circle (2-D) or a Fibonacci sphere (3-D)."""
    return circle_directions(num) if dim == 2 else sphere_directions(num)


def compute_images(
    data: list[Data], directions: Tensor, cfg: ECTConfig, device: torch.device, chunk: int = 256
) -> Tensor:
    """ECT images ``[n, R, T]`` of a list of samples, computed in batches, per-sample normalised."""
    out = []
    dirs = directions.to(device)
    for i in tqdm(range(0, len(data), chunk), desc="ECT", disable=not cfg.progress, leave=False):
        b = Batch.from_data_list(data[i : i + chunk]).to(device)
        with torch.no_grad():
            out.append(ect(b.pos, dirs, edge_index=getattr(b, "edge_index", None), faces=getattr(b, "face", None),
                           batch=b.batch, num_samples=b.num_graphs, resolution=cfg.resolution,
                           radius=cfg.radius, scale=cfg.scale, normalize=True).cpu())
    return torch.cat(out)


def _accuracy(model: nn.Module, x: Tensor, y: Tensor, device: torch.device, bs: int = 512) -> float:
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), bs):
            correct += int((model(x[i : i + bs].to(device)).argmax(1).cpu() == y[i : i + bs]).sum())
    return correct / max(len(x), 1)


def fit(x_train: Tensor, y_train: Tensor, num_classes: int, cfg: ECTConfig, device: torch.device,
        *, log: MetricsLog | None = None) -> ECTClassifier:
    """Train an :class:`ECTClassifier` with Adam, cross-entropy and a cosine learning-rate
    schedule, through the shared :class:`topograph.training.Trainer` (every epoch runs;
    ``log`` receives ``train_loss`` and ``lr`` per epoch).

    Under ``torchrun`` the model is wrapped in DDP and every rank trains on its own
    share of each epoch's batches (same permutation on all ranks).
    """
    torch.manual_seed(cfg.seed)
    module = ECTClassifier(num_classes, cfg.resolution, x_train.shape[2], hidden=cfg.hidden, kind=cfg.model,
                           direction_pool=cfg.direction_pool, dropout=cfg.dropout)
    trainer = Trainer(module, cfg, log=log, ctx=setup(device))
    model, ctx = trainer.model, trainer.ctx
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, max(cfg.epochs, 1))
    gen = torch.Generator().manual_seed(cfg.seed)

    def train_epoch(epoch: int) -> dict[str, float]:
        perm = torch.randperm(len(x_train), generator=gen)
        total = 0.0
        for j in ctx.shard(list(perm.split(cfg.batch_size))):
            loss = nn.functional.cross_entropy(model(x_train[j].to(trainer.device)), y_train[j].to(trainer.device))
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(j)
        lr = opt.param_groups[0]["lr"]
        sched.step()
        return {"train_loss": ctx.mean(total / len(perm) * ctx.world_size), "lr": lr}

    trainer.run(train_epoch, desc="train", leave=True)
    return module


def run_experiment(cfg: ECTConfig, out_dir: Path | None = None, *,
                   log: MetricsLog | None = None) -> dict[str, Any]:
    """Load data, compute ECT images, train, evaluate; optionally write metrics, PNGs, checkpoint."""
    device = resolve_device(cfg.device)
    data, test_data, names, dim = load_data(cfg)
    dirs = directions_for(dim, cfg.num_directions)
    t0 = time.perf_counter()
    images = compute_images(data + (test_data or []), dirs, cfg, device)
    ect_time = time.perf_counter() - t0
    labels = np.array([int(d.y) for d in data + (test_data or [])])
    if test_data is None:
        tr, te = stratified_split(labels, cfg.test_fraction, cfg.seed)
    else:
        tr, te = np.arange(len(data)), np.arange(len(data), len(labels))
    y = torch.as_tensor(labels)
    t0 = time.perf_counter()
    model = fit(images[tr], y[tr], len(names), cfg, device, log=log)
    train_time = time.perf_counter() - t0
    metrics = {
        "dataset": cfg.dataset,
        "test_accuracy": _accuracy(model, images[te], y[te], device),
        "train_accuracy": _accuracy(model, images[tr], y[tr], device),
        "train_time_s": round(train_time, 2),
        "ect_time_s": round(ect_time, 2),
        "num_train": int(len(tr)),
        "num_test": int(len(te)),
        "classes": names,
        "config": asdict(cfg),
    }
    if out_dir is not None and setup(device).is_main:  # under torchrun only rank 0 writes
        from topograph.ect.plots import save_examples

        out_dir.mkdir(parents=True, exist_ok=True)
        save_checkpoint(out_dir / "checkpoint.pt", kind="ect", state_dict=model.state_dict(),
                        config={**asdict(cfg), "num_classes": len(names), "num_directions": int(dirs.shape[0])},
                        directions=dirs, classes=list(names))
        metrics["figure"] = str(save_examples(data, images, names, out_dir / "ect_examples.png"))
    return metrics


def _config_schema() -> dict:
    return {"dataset": (is_choice("shapes", "digits", "meshes"), "shapes, digits or meshes"),
            "representation": (is_choice("mesh", "points"), "mesh or points"),
            "num_directions": (is_int(1), "an integer >= 1"),
            "num_classes": (is_int(1), "an integer >= 1"),
            "resolution": (is_int(1), "an integer >= 1"),
            "radius": (is_number(positive=True), "a finite number > 0"),
            "scale": (optional(is_number(positive=True)), "None or a finite number > 0"),
            "model": (is_choice("cnn", "mlp"), "cnn or mlp"),
            "direction_pool": (is_choice(None, "max", "mean"), "None, max or mean"),
            "hidden": (is_int(1), "an integer >= 1"),
            "root": (optional(is_str()), "None or a folder"),
            "device": (is_str(), "a device name")}


def load_model(path, device: str | torch.device = "cpu") -> ECTClassifier:
    """Rebuilds the :class:`ECTClassifier` of a ``topograph ect`` checkpoint, in eval mode.

    The ECT settings it was trained with travel along: ``model.ect_config``
    (an :class:`ECTConfig`), ``model.directions`` ``[T, d]`` and ``model.classes``;
    :func:`predict` uses them to classify new samples. Raises
    :class:`topograph.checkpoint.CheckpointError` for a missing, corrupted,
    inconsistent (config fields, direction / weight shapes) or foreign file.
    """
    ckpt = load_checkpoint(path, kind="ect", map_location="cpu")
    cfg = dict(ckpt["config"])
    check_config(path, cfg, _config_schema())
    known = {f.name for f in fields(ECTConfig)} | {"num_classes", "num_directions"}
    unknown = sorted(set(cfg) - known)
    if unknown:
        raise CheckpointError(f"{path}: unknown config field(s) {unknown} (written by a newer topograph?)")
    num_classes, num_dirs = cfg.pop("num_classes"), cfg.pop("num_directions")
    dim = 2 if cfg["dataset"] == "digits" else 3
    directions = check_tensor(path, "directions", ckpt.get("directions"), (num_dirs, dim))
    norms = directions.norm(dim=1)
    if not bool(((norms - 1).abs() < 1e-3).all()):
        raise CheckpointError(f"{path}: 'directions' must be unit vectors; norms range "
                              f"{float(norms.min()):.4g}..{float(norms.max()):.4g}")
    classes = ckpt.get("classes")
    if not isinstance(classes, list) or len(classes) != num_classes or not all(isinstance(c, str) for c in classes):
        raise CheckpointError(f"{path}: 'classes' must be a list of {num_classes} names, got {classes!r}")
    try:
        ect_cfg = ECTConfig(**cfg)
        model = ECTClassifier(num_classes, ect_cfg.resolution, num_dirs, hidden=ect_cfg.hidden,
                              kind=ect_cfg.model, direction_pool=ect_cfg.direction_pool)
        model.load_state_dict(ckpt["state_dict"])
    except (KeyError, TypeError, RuntimeError, ValueError) as err:
        reason = str(err).strip().splitlines()[0]
        raise CheckpointError(f"{path}: cannot rebuild the model from this checkpoint ({reason})") from None
    model.ect_config, model.directions, model.classes = ect_cfg, directions, list(classes)
    return model.to(resolve_device(device)).eval()


@torch.no_grad()
def predict(model: ECTClassifier, data: list[Data], device: str | torch.device = "cpu") -> Tensor:
    """Class logits ``[n, C]`` of samples (``Data`` with ``pos`` and optional edges / faces)
    with a model from :func:`load_model` (same ECT settings as in training)."""
    cfg = model.ect_config
    device = resolve_device(device)
    images = compute_images(data, model.directions, ECTConfig(**{**asdict(cfg), "progress": False}), device)
    model.eval()
    return model(images.to(device)).cpu()
