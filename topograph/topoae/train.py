"""Training and evaluation of (topologically regularised) autoencoders and PCA."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from torch import Tensor, nn

from topograph.distributed import DistContext
from topograph.core._deprecation import warn_renamed
from topograph.training import MetricsLog, Trainer
from topograph.training import TrainConfig as _BaseTrainConfig
from topograph.topoae.metrics import quality_measures
from topograph.topoae.models import (
    LinearAutoencoder,
    TopologicallyRegularizedAutoencoder,
    image_autoencoder,
    spheres_autoencoder,
)

MODELS = ("topoae", "ae", "linear", "pca")
DATASETS = ("spheres", "digits")

# Paper's best Spheres setting; digits uses common defaults.
DATASET_DEFAULTS = {
    "spheres": {"batch_size": 28, "lr": 2.73e-4, "lam": 0.43},
    "digits": {"batch_size": 64, "lr": 1e-3, "lam": 1.0},
}


@dataclass
class TopoAETrainConfig(_BaseTrainConfig):
    """Optimisation settings (Adam with weight decay, early stopping on the validation
    loss); the defaults are the paper's best Spheres run. See
    :class:`topograph.training.TrainConfig` for the fields."""

    epochs: int = 100
    batch_size: int = 28
    lr: float = 2.73e-4
    weight_decay: float = 1e-5
    patience: int | None = 10


def __getattr__(name: str):
    if name == "TrainConfig":  # the pre-0.x name, kept for one release
        warn_renamed("topograph.topoae.train.TrainConfig", "topograph.topoae.train.TopoAETrainConfig")
        return TopoAETrainConfig
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass
class History:
    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    best_epoch: int = -1
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


def load_splits(dataset: str, seed: int = 42) -> dict[str, tuple[Tensor, Tensor]]:
    """``train`` / ``validation`` / ``test`` tensors ``(X, y)`` of a named data set."""
    if dataset == "spheres":
        from topograph.data.spheres import Spheres as cls
        kw = {"seed": seed}
    elif dataset == "digits":
        from topograph.data.images import Digits as cls
        kw = {}
    else:
        raise ValueError(f"unknown dataset {dataset!r}; choose one of {', '.join(DATASETS)}")
    out = {}
    for split in ("train", "validation", "test"):
        d = cls(split, **kw)
        out[split] = (d.data, d.targets)
    return out


def build_model(kind: str, input_dim: int, lam: float, dataset: str = "spheres") -> nn.Module | None:
    """The model for ``kind`` (``None`` for PCA, fitted separately)."""
    if kind == "pca":
        return None
    if kind == "linear":
        ae = LinearAutoencoder(input_dim)
    elif kind in ("topoae", "ae"):
        ae = spheres_autoencoder(input_dim) if dataset == "spheres" else image_autoencoder(input_dim)
    else:
        raise ValueError(f"unknown model {kind!r}; choose one of {', '.join(MODELS)}")
    return TopologicallyRegularizedAutoencoder.from_autoencoder(ae, lam=0.0 if kind == "ae" else lam)


def _batches(n: int, batch_size: int, generator: torch.Generator | None) -> list[Tensor]:
    """Index batches; a trailing batch of fewer than 2 points is merged into the previous one."""
    order = torch.randperm(n, generator=generator) if generator is not None else torch.arange(n)
    out = list(order.split(batch_size))
    if len(out) > 1 and len(out[-1]) < 2:
        out[-2] = torch.cat([out[-2], out.pop()])
    return out


def _epoch(model: nn.Module, X: Tensor, cfg: TopoAETrainConfig, opt: torch.optim.Optimizer | None,
           generator: torch.Generator | None, ctx: DistContext | None = None) -> float:
    ctx = ctx or DistContext()
    total, count = 0.0, 0
    for idx in ctx.shard(_batches(len(X), cfg.batch_size, generator)):
        xb = X[idx]
        if opt is None:
            with torch.no_grad():
                loss, _ = model(xb)
        else:
            opt.zero_grad(set_to_none=True)
            loss, _ = model(xb)
            loss.backward()
            opt.step()
        total += float(loss.detach()) * len(idx)
        count += len(idx)
    return ctx.mean(total / max(count, 1))


def train_autoencoder(model: nn.Module, X_train: Tensor, X_val: Tensor | None, cfg: TopoAETrainConfig,
                      *, log: MetricsLog | None = None) -> History:
    """Train ``model`` (returns ``(loss, parts)`` from ``model(x)``) and keep its best state.

    Runs the shared :class:`topograph.training.Trainer`. Early stopping: stops after
    ``cfg.patience`` epochs without a lower validation loss, then restores the best
    weights (the last ones without validation data). ``log`` receives
    ``train_loss`` / ``val_loss`` per epoch.

    Under ``torchrun`` every rank trains a DDP replica on its own share of the
    batches (the topological term is computed per rank on its own mini-batch);
    validation losses are averaged over ranks so that all ranks stop together.
    """
    torch.manual_seed(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)
    trainer = Trainer(model, cfg, log=log)
    X_train = trainer.put(X_train)
    X_val = trainer.put(X_val) if X_val is not None and len(X_val) >= 2 else None
    opt = torch.optim.Adam(trainer.model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)

    def train_epoch(epoch: int) -> dict[str, float]:
        return {"train_loss": _epoch(trainer.model, X_train, cfg, opt, gen, trainer.ctx)}

    def validate(epoch: int) -> dict[str, float]:
        # fixed random batches: the splits are sorted by label, so in-order batches would
        # each hold one sphere and give a meaningless topological term
        val_gen = torch.Generator().manual_seed(cfg.seed)
        return {"val_loss": _epoch(trainer.model, X_val, cfg, None, val_gen, trainer.ctx)}

    run = trainer.run(train_epoch, validate if X_val is not None else None, desc="epochs")
    model.eval()
    return History(train_loss=run.series("train_loss"), val_loss=run.series("val_loss"),
                   best_epoch=run.best_epoch, seconds=run.seconds)


@torch.no_grad()
def embed(model: nn.Module, X: Tensor, batch_size: int = 2048) -> tuple[Tensor, Tensor]:
    """Latent codes and reconstructions ``(Z, X_hat)`` on the CPU (eval mode)."""
    model.eval()
    device = next(model.parameters()).device
    zs, xs = [], []
    for xb in X.split(batch_size):
        z = model.encode(xb.to(device))
        zs.append(z.cpu())
        xs.append(model.decode(z).reshape(len(xb), -1).cpu())
    return torch.cat(zs), torch.cat(xs)


def fit_pca(X_train: Tensor, X_eval: Tensor, dim: int = 2, seed: int = 0):
    """Fit PCA on ``X_train``; return ``(Z, X_hat, pca)`` for ``X_eval``."""
    from sklearn.decomposition import PCA

    pca = PCA(n_components=dim, random_state=seed).fit(X_train.reshape(len(X_train), -1).numpy())
    Xe = X_eval.reshape(len(X_eval), -1).numpy()
    Z = pca.transform(Xe)
    X_hat = pca.inverse_transform(Z)
    return torch.from_numpy(np.asarray(Z, dtype=np.float32)), torch.from_numpy(np.asarray(X_hat, dtype=np.float32)), pca


def run_experiment(dataset: str, kind: str, cfg: TopoAETrainConfig, lam: float,
                   splits: dict | None = None, data_seed: int = 42, *,
                   log: MetricsLog | None = None) -> dict:
    """Train (or fit) one model and evaluate it on the test split.

    Returns a dict with ``metrics``, ``Z``, ``y`` (test), ``model`` (or the PCA
    object) and ``history`` (``None`` for PCA).
    """
    splits = splits or load_splits(dataset, data_seed)
    (Xtr, _), (Xva, _), (Xte, yte) = splits["train"], splits["validation"], splits["test"]
    if kind == "pca":
        Z, X_hat, model = fit_pca(torch.cat([Xtr, Xva]), Xte, seed=cfg.seed)
        hist = None
    else:
        torch.manual_seed(cfg.seed)
        model = build_model(kind, Xtr[0].numel(), lam, dataset)
        hist = train_autoencoder(model, Xtr, Xva, cfg, log=log)
        Z, X_hat = embed(model, Xte)
    metrics = quality_measures(Xte, Z, X_hat)
    return {"metrics": metrics, "Z": Z, "y": yte, "model": model, "history": hist,
            "input_dim": int(Xtr[0].numel())}


class PCAProjection(nn.Module):
    """A fitted PCA as a module: ``encode(x) = (x - mean) @ components.T``,
    ``decode(z) = z @ components + mean`` (scikit-learn's transform without whitening)."""

    def __init__(self, components: Tensor, mean: Tensor) -> None:
        super().__init__()
        self.register_buffer("components", components.detach().clone())
        self.register_buffer("mean", mean.detach().clone())

    def encode(self, x: Tensor) -> Tensor:
        x = x.reshape(len(x), -1).to(self.components.dtype)
        return (x - self.mean) @ self.components.T

    def decode(self, z: Tensor) -> Tensor:
        return z @ self.components + self.mean

    def forward(self, x: Tensor) -> Tensor:
        return self.decode(self.encode(x))


def model_state(kind: str, model) -> dict[str, Tensor]:
    """The tensors that :func:`load_model` needs to rebuild ``model`` (PCA: components and mean)."""
    if kind == "pca":
        return {"pca_components": torch.as_tensor(np.asarray(model.components_)),
                "pca_mean": torch.as_tensor(np.asarray(model.mean_))}
    return {k: v.detach().cpu() for k, v in model.state_dict().items()}


def _config_schema() -> dict:
    from topograph.checkpoint import is_choice, is_int, is_number

    return {"model": (is_choice(*MODELS), f"one of {', '.join(MODELS)}"),
            "dataset": (is_choice(*DATASETS), f"one of {', '.join(DATASETS)}"),
            "input_dim": (is_int(1), "an integer >= 1"),
            "lam": (is_number(0.0), "a finite number >= 0")}


def load_model(path, device: str | torch.device = "cpu") -> nn.Module:
    """Rebuilds the model of a ``topograph topoae`` checkpoint, in eval mode.

    Autoencoders come back as :class:`TopologicallyRegularizedAutoencoder` (with
    ``encode`` / ``decode``), PCA as a :class:`PCAProjection` with the same methods.
    Raises :class:`topograph.checkpoint.CheckpointError` for a missing, corrupted,
    inconsistent (config fields, tensor shapes) or foreign file.
    """
    from topograph.checkpoint import CheckpointError, check_config, check_tensor, load_checkpoint
    from topograph.devices import resolve_device

    ckpt = load_checkpoint(path, kind="topoae", map_location="cpu")
    cfg, state = ckpt["config"], ckpt["state_dict"]
    check_config(path, cfg, _config_schema())
    dim = cfg["input_dim"]
    if cfg["model"] == "pca":
        components = check_tensor(path, "pca_components", state.get("pca_components"), (None, dim))
        mean = check_tensor(path, "pca_mean", state.get("pca_mean"), (dim,))
        if len(components) < 1:
            raise CheckpointError(f"{path}: 'pca_components' has no rows")
        model: nn.Module = PCAProjection(components, mean)
    else:
        try:
            model = build_model(cfg["model"], dim, float(cfg["lam"]), cfg["dataset"])
            model.load_state_dict(state)
        except (KeyError, RuntimeError, ValueError) as err:
            reason = str(err).strip().splitlines()[0]
            raise CheckpointError(f"{path}: the tensors do not fit the model of its config "
                                  f"({reason})") from None
    return model.to(resolve_device(device)).eval()
