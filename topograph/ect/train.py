"""Training loop for ECT-based shape classification: data -> ECT images -> ECTClassifier."""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn
from torch_geometric.data import Batch, Data
from tqdm.auto import tqdm

from topograph.distributed import setup
from topograph.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from topograph.ect.classifier import ECTClassifier
from topograph.ect.directions import circle_directions, sphere_directions
from topograph.ect.transform import ect

__all__ = ["ECTConfig", "load_data", "compute_images", "stratified_split", "fit", "run_experiment",
           "load_model", "predict"]


@dataclass
class ECTConfig:
    """All knobs of one ``topograph ect`` run (defaults reproduce docs/ect.md)."""

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
    seed: int = 0
    device: str = "cpu"
    progress: bool = True


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


def stratified_split(labels: np.ndarray, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded per-class split into (train, test) indices."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for c in np.unique(labels):
        idx = rng.permutation(np.nonzero(labels == c)[0])
        n_test = max(1, int(round(len(idx) * test_fraction)))
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def _accuracy(model: nn.Module, x: Tensor, y: Tensor, device: torch.device, bs: int = 512) -> float:
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), bs):
            correct += int((model(x[i : i + bs].to(device)).argmax(1).cpu() == y[i : i + bs]).sum())
    return correct / max(len(x), 1)


def fit(x_train: Tensor, y_train: Tensor, num_classes: int, cfg: ECTConfig, device: torch.device) -> ECTClassifier:
    """Train an :class:`ECTClassifier` with Adam and cross-entropy.

    Under ``torchrun`` the model is wrapped in DDP and every rank trains on its own
    share of each epoch's batches (same permutation on all ranks).
    """
    torch.manual_seed(cfg.seed)
    ctx = setup(device)
    module = ECTClassifier(num_classes, cfg.resolution, x_train.shape[2], hidden=cfg.hidden, kind=cfg.model,
                           direction_pool=cfg.direction_pool, dropout=cfg.dropout)
    model = ctx.wrap(module)  # DDP under torchrun: each rank trains on its share of the batches
    device = ctx.device
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, max(cfg.epochs, 1))
    gen = torch.Generator().manual_seed(cfg.seed)
    bar = tqdm(range(cfg.epochs), desc="train", disable=not cfg.progress)
    for _ in bar:
        model.train()
        perm = torch.randperm(len(x_train), generator=gen)
        total = 0.0
        for j in ctx.shard(list(perm.split(cfg.batch_size))):
            loss = nn.functional.cross_entropy(model(x_train[j].to(device)), y_train[j].to(device))
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(j)
        sched.step()
        bar.set_postfix(loss=f"{ctx.mean(total / len(perm) * ctx.world_size):.4f}")
    return module


def run_experiment(cfg: ECTConfig, out_dir: Path | None = None) -> dict[str, Any]:
    """Load data, compute ECT images, train, evaluate; optionally write metrics, PNGs, checkpoint."""
    device = torch.device(cfg.device)
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
    model = fit(images[tr], y[tr], len(names), cfg, device)
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
    if out_dir is not None and setup(cfg.device).is_main:  # under torchrun only rank 0 writes
        from topograph.ect.plots import save_examples

        out_dir.mkdir(parents=True, exist_ok=True)
        save_checkpoint(out_dir / "checkpoint.pt", kind="ect", state_dict=model.state_dict(),
                        config={**asdict(cfg), "num_classes": len(names), "num_directions": int(dirs.shape[0])},
                        directions=dirs, classes=list(names))
        metrics["figure"] = str(save_examples(data, images, names, out_dir / "ect_examples.png"))
    return metrics


def load_model(path, device: str | torch.device = "cpu") -> ECTClassifier:
    """Rebuilds the :class:`ECTClassifier` of a ``topograph ect`` checkpoint, in eval mode.

    The ECT settings it was trained with travel along: ``model.ect_config``
    (an :class:`ECTConfig`), ``model.directions`` ``[T, d]`` and ``model.classes``;
    :func:`predict` uses them to classify new samples. Raises
    :class:`topograph.checkpoint.CheckpointError` for a missing, corrupted or foreign file.
    """
    ckpt = load_checkpoint(path, kind="ect", map_location="cpu")
    cfg = dict(ckpt["config"])
    try:
        num_classes, num_dirs = int(cfg.pop("num_classes")), int(cfg.pop("num_directions"))
        ect_cfg = ECTConfig(**cfg)
        model = ECTClassifier(num_classes, ect_cfg.resolution, num_dirs, hidden=ect_cfg.hidden,
                              kind=ect_cfg.model, direction_pool=ect_cfg.direction_pool)
        model.load_state_dict(ckpt["state_dict"])
        directions, classes = ckpt["directions"], list(ckpt["classes"])
    except (KeyError, TypeError, RuntimeError, ValueError) as err:
        raise CheckpointError(f"{path}: cannot rebuild the model from this checkpoint ({err})") from None
    model.ect_config, model.directions, model.classes = ect_cfg, directions, classes
    return model.to(device).eval()


@torch.no_grad()
def predict(model: ECTClassifier, data: list[Data], device: str | torch.device = "cpu") -> Tensor:
    """Class logits ``[n, C]`` of samples (``Data`` with ``pos`` and optional edges / faces)
    with a model from :func:`load_model` (same ECT settings as in training)."""
    cfg = model.ect_config
    device = torch.device(device)
    images = compute_images(data, model.directions, ECTConfig(**{**asdict(cfg), "progress": False}), device)
    model.eval()
    return model(images.to(device)).cpu()
