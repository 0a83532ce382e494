"""``topograph topoae``: train a topological autoencoder (or AE / linear / PCA baselines)."""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from topograph import shell
from topograph.checkpoint import save_checkpoint
from topograph.distributed import setup
from topograph.topoae.plots import save_latent_plot
from topograph.topoae.train import (
    DATASET_DEFAULTS,
    DATASETS,
    MODELS,
    TopoAETrainConfig,
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
the test split), <out>/metrics.jsonl (losses per epoch) and <out>/checkpoint.pt.
With --tensorboard DIR the per-epoch losses also go to TensorBoard
(tensorboard --logdir DIR).
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
    shell.add_device_argument(parser)
    parser.add_argument("--out", type=Path, default=Path("runs/topoae"), help="output folder (default: runs/topoae)")
    parser.add_argument("--threads", type=int, default=0,
                        help="torch CPU threads (default: torch's choice; 1 is often fastest for these "
                             "small models on a busy machine)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    shell.add_tensorboard_argument(parser)


def _check(args: argparse.Namespace) -> torch.device:
    """Every flag in range, before any data is loaded; returns the resolved device."""
    shell.check_int(args, "threads", 0)
    shell.check_int(args, "epochs", 1)
    shell.check_int(args, "batch_size", 2)
    shell.check_int(args, "patience", 1)
    shell.check_float(args, "lr", 0.0, lo_open=True)
    shell.check_float(args, "lam", 0.0)
    shell.check_float(args, "weight_decay", 0.0)
    shell.check_tensorboard(args)
    return shell.check_device(args)


def run(args: argparse.Namespace) -> int:
    device = _check(args)
    if args.threads:
        torch.set_num_threads(args.threads)
    d = DATASET_DEFAULTS[args.dataset]
    cfg = TopoAETrainConfig(
        epochs=args.epochs, batch_size=args.batch_size or d["batch_size"], lr=args.lr or d["lr"],
        weight_decay=args.weight_decay, patience=args.patience, seed=args.seed, device=str(device),
        progress=not args.no_progress,
    )
    lam = d["lam"] if args.lam is None else args.lam
    args.out.mkdir(parents=True, exist_ok=True)
    ctx = setup(device)
    start = time.perf_counter()
    with shell.open_metrics_log(args.out / "metrics.jsonl", args, main=ctx.is_main) as log:
        res = run_experiment(args.dataset, args.model, cfg, lam, data_seed=args.data_seed, log=log)
    seconds = time.perf_counter() - start
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
