"""The four stages of `topograph demo` and the helpers they share."""

import argparse
import math
import platform
import sys
import time
from pathlib import Path
from typing import Any, Callable

import torch


# ----------------------------------------------------------------------------- helpers


def _versions() -> dict[str, str]:
    import numba
    import numpy
    import torch_geometric

    import topograph

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_geometric": torch_geometric.__version__,
        "numpy": numpy.__version__,
        "numba": numba.__version__,
        "topograph": topograph.__version__,
    }


def _machine(device: torch.device) -> dict[str, Any]:
    import os

    info: dict[str, Any] = {
        "platform": platform.platform(),
        "processor": platform.machine(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "device": str(device),
    }
    if device.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(device)
    return info


def _subsample(X: torch.Tensor, y: torch.Tensor, n: int | None, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A seeded random subset of ``n`` rows (the splits are sorted by label)."""
    if n is None or n >= len(X):
        return X, y
    idx = torch.randperm(len(X), generator=torch.Generator().manual_seed(seed))[:n].sort().values
    return X[idx], y[idx]


def _round(d: dict[str, Any], digits: int = 4) -> dict[str, Any]:
    return {k: (round(v, digits) if isinstance(v, float) else v) for k, v in d.items()}


class _Context:
    """What every stage needs: settings, output folder, device, seed, progress, printer."""

    def __init__(self, args: argparse.Namespace, device: torch.device, out: Path, settings: dict[str, Any]):
        self.args, self.device, self.out, self.s = args, device, out, settings
        self.seed = args.seed
        self.progress = not args.no_progress
        self.figures: dict[str, Path] = {}

    def say(self, text: str) -> None:
        from tqdm.auto import tqdm

        tqdm.write(text, file=sys.stdout)


# ----------------------------------------------------------------------------- stages


def _stage_core(ctx: _Context) -> dict[str, Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from topograph import lower_star_persistence, rips_persistence
    from topograph.data.tu import find_tu_folder, read_tu
    from topograph.plotting import plot_diagrams

    device = ctx.device
    graphs = read_tu(find_tu_folder("mutag"))
    g = graphs[0]
    degree = torch.bincount(g.edge_index[0], minlength=g.num_nodes).to(device, torch.float32)
    res = lower_star_persistence(degree, g.edge_index.to(device))
    mol = [res.as_list(0)[0].cpu(), res.as_list(1)[0].cpu()]

    n = ctx.s["circle_points"]
    gen = torch.Generator().manual_seed(ctx.seed)
    angle = torch.rand(n, generator=gen) * 2 * math.pi
    circle = torch.stack([angle.cos(), angle.sin()], 1) + 0.1 * torch.randn(n, 2, generator=gen)
    rips = rips_persistence(circle.to(device), max_dim=1)
    cir = [rips.as_list(0)[0].cpu(), rips.as_list(1)[0].cpu()]
    pers1 = (cir[1][:, 1] - cir[1][:, 0]) if len(cir[1]) else torch.zeros(0)
    longest = float(pers1.max()) if len(pers1) else 0.0
    second = float(pers1.sort(descending=True).values[1]) if len(pers1) > 1 else 0.0

    fig, axes = plt.subplots(1, 2, figsize=(8, 4))
    plot_diagrams(mol, ax=axes[0], title=f"MUTAG graph 0 ({g.num_nodes} atoms), degree filtration")
    plot_diagrams(cir, ax=axes[1], title=f"noisy circle ({n} points), Rips")
    fig.tight_layout()
    png = ctx.out / "core_diagrams.png"
    fig.savefig(png, dpi=100)
    plt.close(fig)
    ctx.figures["core_diagrams"] = png

    finite0 = mol[0][torch.isfinite(mol[0][:, 1])]
    result = {
        "mutag_graph0": {"atoms": int(g.num_nodes), "bonds": int(g.edge_index.shape[1] // 2),
                         "dim0_pairs": int(len(mol[0])), "dim0_essential": int(len(mol[0]) - len(finite0)),
                         "dim1_cycles": int(len(mol[1]))},
        "noisy_circle": {"points": n, "dim0_pairs": int(len(cir[0])), "dim1_pairs": int(len(cir[1])),
                         "longest_dim1_persistence": round(longest, 4),
                         "second_dim1_persistence": round(second, 4)},
    }
    ctx.say(f"[core]   MUTAG graph 0: {len(mol[0])} dim-0 pairs, {len(mol[1])} cycles (essential); "
            f"noisy circle: {len(cir[1])} dim-1 pairs, most persistent lives {longest:.2f} "
            f"(next {second:.2f})")
    return result


def _stage_topoae(ctx: _Context) -> dict[str, Any]:
    from topograph.topoae.plots import save_latent_plot
    from topograph.topoae.train import DATASET_DEFAULTS, TopoAETrainConfig, load_splits, run_experiment

    s, seed = ctx.s, ctx.seed
    full = load_splits("spheres", seed=42)  # the paper's data set: fixed data seed
    splits = {
        "train": _subsample(*full["train"], s["topoae_train"], seed),
        "validation": _subsample(*full["validation"], s["topoae_val"], seed + 1),
        "test": _subsample(*full["test"], s["topoae_test"], seed + 2),
    }
    d = DATASET_DEFAULTS["spheres"]
    cfg = TopoAETrainConfig(epochs=s["topoae_epochs"], batch_size=d["batch_size"], lr=d["lr"],
                      patience=s["topoae_patience"], seed=seed, device=str(ctx.device), progress=ctx.progress)
    models: dict[str, dict[str, Any]] = {}
    for kind, label in (("topoae", "TopoAE"), ("ae", "AE"), ("pca", "PCA")):
        t0 = time.perf_counter()
        res = run_experiment("spheres", kind, cfg, d["lam"], splits=splits)
        seconds = time.perf_counter() - t0
        hist = res["history"]
        entry = _round(dict(res["metrics"]))
        entry["epochs"] = len(hist.train_loss) if hist is not None else None  # None: PCA
        entry["seconds"] = round(seconds, 2)
        models[label] = entry
        png = ctx.out / f"topoae_latent_{kind}.png"
        save_latent_plot(res["Z"], res["y"], png, f"{label} on Spheres (test)")
        ctx.figures[f"topoae_latent_{kind}"] = png
    t, a = models["TopoAE"], models["AE"]
    ctx.say(f"[topoae] Spheres test: KL_0.01 TopoAE {t['kl_0.01']:.3f} vs AE {a['kl_0.01']:.3f} "
            f"(PCA {models['PCA']['kl_0.01']:.3f}); trustworthiness {t['trustworthiness']:.3f} vs "
            f"{a['trustworthiness']:.3f}")
    return {
        "dataset": "spheres",
        "points": {k: int(len(v[0])) for k, v in splits.items()},
        "settings": {"epochs": cfg.epochs, "batch_size": cfg.batch_size, "lr": cfg.lr, "lam": d["lam"],
                     "patience": cfg.patience},
        "models": models,
    }


def _stage_togl(ctx: _Context) -> dict[str, Any]:
    from topograph.data.synthetic_graphs import necklaces_dataset
    from topograph.togl.models import GraphClassifier
    from topograph.togl.train import TOGLTrainConfig, cross_validate

    s, seed = ctx.s, ctx.seed
    graphs = necklaces_dataset(num_samples=s["togl_graphs"], seed=seed)
    cfg = TOGLTrainConfig(epochs=s["togl_epochs"], batch_size=32, lr=1e-3, seed=seed,
                      device=str(ctx.device), progress=ctx.progress)
    models: dict[str, dict[str, Any]] = {}
    for conv, depth, position in s["togl_models"]:
        def make_model(conv=conv, depth=depth, position=position) -> GraphClassifier:
            return GraphClassifier(3, 2, conv=conv, depth=depth, togl_position=position,
                                   hidden=s["togl_hidden"], num_filtrations=8)

        name = make_model().name
        res = cross_validate(graphs, make_model, cfg, folds=1, desc=name)
        fold = res["folds"][0]
        models[name] = {"test_accuracy": round(fold["test_acc"], 4), "val_accuracy": round(fold["val_acc"], 4),
                        "best_epoch": fold["best_epoch"], "epochs": fold["epochs"],
                        "seconds": round(res["seconds"], 2)}
    ctx.say("[togl]   NECKLACES test accuracy: "
            + ", ".join(f"{k} {100 * v['test_accuracy']:.1f}%" for k, v in models.items()))
    return {
        "dataset": "necklaces",
        "graphs": len(graphs),
        "split": "one stratified 80/20 split (10% of the training part for validation)",
        "settings": {"epochs": cfg.epochs, "batch_size": cfg.batch_size, "lr": cfg.lr,
                     "hidden": s["togl_hidden"], "num_filtrations": 8},
        "models": models,
    }


def _stage_ect(ctx: _Context) -> dict[str, Any]:
    from topograph.ect.train import ECTConfig, run_experiment

    s = ctx.s
    cfg = ECTConfig(dataset="shapes", representation="mesh", samples_per_class=s["ect_per_class"],
                    num_directions=s["ect_directions"], resolution=s["ect_resolution"], epochs=s["ect_epochs"],
                    seed=ctx.seed, device=str(ctx.device), progress=ctx.progress)
    metrics = run_experiment(cfg, ctx.out / "ect")
    ctx.figures["ect_examples"] = Path(metrics.pop("figure"))
    metrics.pop("config", None)
    ctx.say(f"[ect]    shapes ({len(metrics['classes'])} classes): test accuracy "
            f"{metrics['test_accuracy']:.3f} (train {metrics['train_accuracy']:.3f}) on "
            f"{metrics['num_test']} test shapes")
    metrics = _round(metrics)
    metrics["settings"] = {"representation": cfg.representation, "samples_per_class": cfg.samples_per_class,
                           "num_directions": cfg.num_directions, "resolution": cfg.resolution,
                           "epochs": cfg.epochs, "model": cfg.model, "ect": "exact (scale=None)"}
    return metrics


STAGE_FUNCTIONS: dict[str, tuple[str, Callable[[_Context], dict[str, Any]]]] = {
    "core": ("persistence diagrams (core)", _stage_core),
    "topoae": ("TopoAE vs AE on Spheres", _stage_topoae),
    "togl": ("GCN vs TOGL on NECKLACES", _stage_togl),
    "ect": ("ECT classifier on shapes", _stage_ect),
}
