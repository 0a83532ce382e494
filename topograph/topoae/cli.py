"""``topograph topoae``: train a topological autoencoder (or AE / linear / PCA baselines)."""
from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import torch

from topograph.checkpoint import save_checkpoint
from topograph.distributed import setup
from topograph.topoae.train import (
    DATASET_DEFAULTS,
    DATASETS,
    MODELS,
    TrainConfig,
    model_state,
    run_experiment,
)

EXAMPLES = """examples:
  topograph topoae --dataset spheres --model topoae --epochs 20 --out runs/topoae
  topograph topoae --dataset spheres --model ae --epochs 20 --out runs/ae
  topograph topoae --dataset spheres --model pca --out runs/pca
  topograph topoae --dataset digits --model linear --lam 1 --epochs 5 --out runs/digits-linear

writes <out>/latent.png (test embedding coloured by label), <out>/metrics.json
(KL_0.01/0.1/1, trustworthiness, continuity, MRRE, RMSE, reconstruction MSE on
the test split) and <out>/checkpoint.pt.
Spheres defaults follow the paper (batch 28, lr 2.73e-4, lambda 0.43)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EXAMPLES
    parser.add_argument("--dataset", choices=DATASETS, default="spheres", help="data set (default: spheres)")
    parser.add_argument("--model", choices=MODELS, default="topoae",
                        help="topoae: MLP AE + topological loss; ae: same, lambda=0; "
                             "linear: linear AE + topological loss (use --lam 0 for a plain one); pca")
    parser.add_argument("--epochs", type=int, default=100, help="maximum epochs (default: 100)")
    parser.add_argument("--batch-size", type=int, default=None, help="mini-batch size (dataset default)")
    parser.add_argument("--lr", type=float, default=None, help="Adam learning rate (dataset default)")
    parser.add_argument("--lam", type=float, default=None, help="weight of the topological term (dataset default)")
    parser.add_argument("--weight-decay", type=float, default=1e-5, help="Adam weight decay (default: 1e-5)")
    parser.add_argument("--patience", type=int, default=10, help="early-stopping patience in epochs (default: 10)")
    parser.add_argument("--seed", type=int, default=0, help="training seed (default: 0)")
    parser.add_argument("--data-seed", type=int, default=42, help="Spheres generation seed (default: 42)")
    parser.add_argument("--device", default="cpu", help="torch device, e.g. cpu or cuda (default: cpu)")
    parser.add_argument("--out", type=Path, default=Path("runs/topoae"), help="output folder (default: runs/topoae)")
    parser.add_argument("--threads", type=int, default=0,
                        help="torch CPU threads (default: torch's choice; 1 is often fastest for these "
                             "small models on a busy machine)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def _check(args: argparse.Namespace) -> None:
    from topograph.cli import UserError

    if args.threads < 0:
        raise UserError("--threads must be >= 0")
    for name in ("epochs", "batch_size", "patience"):
        v = getattr(args, name)
        if v is not None and v < (2 if name == "batch_size" else 1):
            raise UserError(f"--{name.replace('_', '-')} must be at least {2 if name == 'batch_size' else 1}")
    for name in ("lr", "lam", "weight_decay"):
        v = getattr(args, name)
        if v is not None and not math.isfinite(v):
            raise UserError(f"--{name.replace('_', '-')} must be a finite number, got {v}")
        if v is not None and (v < 0 or (name == "lr" and v == 0)):
            raise UserError(f"--{name.replace('_', '-')} must be {'positive' if name == 'lr' else 'non-negative'}")
    try:
        dev = torch.device(args.device)
    except RuntimeError as err:
        raise UserError(f"bad --device {args.device!r}: {err}") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise UserError("--device cuda requested but CUDA is not available")


def save_latent_plot(Z: torch.Tensor, y: torch.Tensor, path: Path, title: str) -> None:
    """Scatter plot of a 2-D embedding coloured by label (first two coordinates)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    Z = Z.numpy()
    fig, ax = plt.subplots(figsize=(5, 5), dpi=120)
    sc = ax.scatter(Z[:, 0], Z[:, 1 if Z.shape[1] > 1 else 0], c=y.numpy(), cmap="tab20", s=4, alpha=0.8)
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    fig.colorbar(sc, ax=ax, label="label", fraction=0.046)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def run(args: argparse.Namespace) -> int:
    _check(args)
    if args.threads:
        torch.set_num_threads(args.threads)
    d = DATASET_DEFAULTS[args.dataset]
    cfg = TrainConfig(
        epochs=args.epochs, batch_size=args.batch_size or d["batch_size"], lr=args.lr or d["lr"],
        weight_decay=args.weight_decay, patience=args.patience, seed=args.seed, device=args.device,
        progress=not args.no_progress,
    )
    lam = d["lam"] if args.lam is None else args.lam
    args.out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    res = run_experiment(args.dataset, args.model, cfg, lam, data_seed=args.data_seed)
    seconds = time.perf_counter() - start
    ctx = setup(args.device)
    if not ctx.is_main:  # under torchrun only rank 0 writes the outputs
        ctx.close()
        return 0
    title = f"{args.model} on {args.dataset} (test)"
    save_latent_plot(res["Z"], res["y"], args.out / "latent.png", title)
    settings = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if not k.startswith("_")}
    settings.update(batch_size=cfg.batch_size, lr=cfg.lr, lam=lam if args.model != "ae" else 0.0)
    report = {"settings": settings, "metrics": res["metrics"], "seconds": seconds,
              "history": res["history"].as_dict() if res["history"] else None}
    (args.out / "metrics.json").write_text(json.dumps(report, indent=2))
    model = res["model"]
    input_dim = int(res["input_dim"])
    save_checkpoint(args.out / "checkpoint.pt", kind="topoae", state_dict=model_state(args.model, model),
                    config={"model": args.model, "dataset": args.dataset, "input_dim": input_dim,
                            "lam": settings["lam"], "data_seed": args.data_seed},
                    settings=settings)
    m = res["metrics"]
    print(f"{title}: KL_0.01={m['kl_0.01']:.4f} KL_0.1={m['kl_0.1']:.4f} "
          f"trust={m['trustworthiness']:.3f} recon={m['recon_mse']:.4f} ({seconds:.1f} s) -> {args.out}")
    ctx.close()
    return 0
