"""`topograph demo`: a short run of the core and of all three modules on built-in data.

Stages (each through the public Python API of its module):

1. core: persistence diagrams of a MUTAG molecule (lower-star filtration by vertex
   degree, dims 0 and 1) and of a noisy circle (Rips, dims 0 and 1);
2. topoae: TopoAE vs a plain autoencoder (and PCA) embedding Spheres into 2-D,
   KL / trustworthiness table and latent scatter plots;
3. togl: GCN vs GCN + TOGL on NECKLACES, test accuracy table;
4. ect: an ECT-image CNN on the synthetic 3-D shapes, accuracy and a figure of
   shapes next to their ECT images.

Writes ``<out>/report.html`` (self-contained: the PNG plots are embedded as base64
data URIs), ``<out>/results.json`` and the PNGs themselves, and prints the path
of the report at the end. Everything is seeded; on the CPU two runs with the same
``--seed`` and ``--threads`` give identical metrics.
"""
from __future__ import annotations

import argparse
import base64
import html
import json
import math
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import torch

EXAMPLES = """\
examples:
  topograph demo                              # full demo, ~1-1.5 min on 2 CPU cores
  topograph demo --quick                      # smaller settings, ~10 s
  topograph demo --out /tmp/demo --seed 1 --no-progress
  topograph demo --device cuda                # if a GPU is available

Runs the core (persistence diagrams of a MUTAG graph and a noisy circle), TopoAE
vs AE on Spheres, GCN vs GCN+TOGL on NECKLACES and an ECT classifier on synthetic
shapes. Writes OUT/report.html (self-contained, plots embedded), OUT/results.json
and the PNG plots; prints the report's path at the end.
"""

# Settings of the two modes. "full" takes 1-1.5 min on a busy 2-core CPU (budget: 5 min),
# "quick" about 10 s (used by the tests). Measured times: docs/demo.md.
SETTINGS: dict[str, dict[str, Any]] = {
    "full": {
        "circle_points": 100,
        # TopoAE: Spheres (10,000 points in R^101), paper's batch / lr / lambda
        "topoae_epochs": 45, "topoae_patience": 10,
        "topoae_train": None, "topoae_val": None, "topoae_test": None,  # None = whole split
        # TOGL: NECKLACES, one stratified 80/20 split
        "togl_graphs": 1000, "togl_epochs": 25, "togl_hidden": 32,
        "togl_models": [("gcn", 1, None), ("gcn", 3, None), ("gcn", 1, 1)],
        # ECT: synthetic meshes, 7 classes
        "ect_per_class": 120, "ect_epochs": 40, "ect_resolution": 64, "ect_directions": 64,
    },
    "quick": {
        "circle_points": 60,
        "topoae_epochs": 6, "topoae_patience": 10,
        "topoae_train": 2000, "topoae_val": 300, "topoae_test": 500,
        "togl_graphs": 500, "togl_epochs": 15, "togl_hidden": 32,
        "togl_models": [("gcn", 1, None), ("gcn", 1, 1)],
        "ect_per_class": 20, "ect_epochs": 15, "ect_resolution": 32, "ect_directions": 32,
    },
}

STAGES = ("core", "topoae", "togl", "ect")


DESCRIPTION = ("Short run of the core and of all three modules (TopoAE, TOGL, ECT) on built-in\n"
               "data; writes a self-contained HTML report.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    parser.epilog = EXAMPLES
    parser.add_argument("--out", default="out/demo", help="output folder (default: out/demo)")
    parser.add_argument("--seed", type=int, default=0, help="random seed of data and training (default: 0)")
    parser.add_argument("--device", default="cpu", help="torch device: cpu, cuda, cuda:N or auto (default: cpu)")
    parser.add_argument("--quick", action="store_true", help="much smaller settings (~10 s; used by the tests)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads during the demo (default: 1, the fastest for these small "
                             "models on a shared 2-core machine; 0 = torch's choice)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bars")


# ----------------------------------------------------------------------------- checks


def _resolve_device(name: str) -> torch.device:
    from topograph.cli import UserError

    text = name.strip()
    if text == "auto":
        text = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        device = torch.device(text)
    except (RuntimeError, ValueError) as err:
        raise UserError(f"bad --device {name!r}: expected cpu, cuda, cuda:N or auto") from None
    if device.type not in ("cpu", "cuda"):
        raise UserError(f"--device must be cpu, cuda, cuda:N or auto, got {name!r}")
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise UserError(f"--device {name}: CUDA is not available on this machine")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise UserError(f"--device {name}: only {torch.cuda.device_count()} CUDA device(s) present")
    return device


def _check(args: argparse.Namespace) -> tuple[torch.device, Path]:
    from topograph.cli import UserError

    device = _resolve_device(args.device)
    if args.seed < 0:
        raise UserError(f"--seed must be >= 0, got {args.seed}")
    if args.threads < 0:
        raise UserError(f"--threads must be >= 0, got {args.threads}")
    out = Path(args.out).expanduser()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError(f"cannot create output folder {str(out)!r}: {err.strerror or err}") from None
    return device, out


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
    from topograph.topoae.cli import save_latent_plot
    from topograph.topoae.train import DATASET_DEFAULTS, TrainConfig, load_splits, run_experiment

    s, seed = ctx.s, ctx.seed
    full = load_splits("spheres", seed=42)  # the paper's data set: fixed data seed
    splits = {
        "train": _subsample(*full["train"], s["topoae_train"], seed),
        "validation": _subsample(*full["validation"], s["topoae_val"], seed + 1),
        "test": _subsample(*full["test"], s["topoae_test"], seed + 2),
    }
    d = DATASET_DEFAULTS["spheres"]
    cfg = TrainConfig(epochs=s["topoae_epochs"], batch_size=d["batch_size"], lr=d["lr"],
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
    from topograph.togl.train import TrainConfig, cross_validate

    s, seed = ctx.s, ctx.seed
    graphs = necklaces_dataset(num_graphs=s["togl_graphs"], seed=seed)
    cfg = TrainConfig(epochs=s["togl_epochs"], batch_size=32, lr=1e-3, seed=seed,
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


# ----------------------------------------------------------------------------- report

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{margin-bottom:.2em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.6em 0}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
.figs{display:flex;flex-wrap:wrap;gap:1em}.figs figure{margin:0}figcaption{font-size:.85em;color:#555}
img{max-width:100%;border:1px solid #eee}.muted{color:#666;font-size:.9em}code{background:#f5f5f5;padding:0 .2em}
"""


def _fmt(v: Any) -> str:
    if v is None:
        return "&ndash;"
    if isinstance(v, float):
        return f"{v:.4g}" if abs(v) < 1e4 else f"{v:.3e}"
    return html.escape(str(v))


def _table(header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_fmt(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _img(path: Path, caption: str, width: int | None = None) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    style = f' style="width:{width}px"' if width else ""
    return (f'<figure><img{style} alt="{html.escape(caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def _html_report(results: dict[str, Any], figures: dict[str, Path]) -> str:
    wall = results["wall_time_s"]
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<title>topograph demo report</title>", f"<style>{_CSS}</style></head><body>",
        "<h1>topograph demo</h1>",
        f"<p class='muted'><code>{html.escape(results['command'])}</code> &middot; "
        f"{html.escape(results['finished_utc'])} &middot; mode <b>{results['settings']['mode']}</b>, seed "
        f"{results['settings']['seed']}, device {html.escape(results['machine']['device'])} &middot; "
        f"total wall time <b>{wall['total']:.1f} s</b></p>",
    ]
    summary = []
    if "core" in results:
        c = results["core"]["noisy_circle"]
        summary.append(["core", f"circle: longest H1 bar {c['longest_dim1_persistence']:.2f} "
                                f"(next {c['second_dim1_persistence']:.2f})", wall["core"]])
    if "topoae" in results:
        m = results["topoae"]["models"]
        summary.append(["topoae", f"KL_0.01 TopoAE {m['TopoAE']['kl_0.01']:.3f} vs AE {m['AE']['kl_0.01']:.3f}",
                        wall["topoae"]])
    if "togl" in results:
        m = results["togl"]["models"]
        summary.append(["togl", ", ".join(f"{k} {100 * v['test_accuracy']:.1f}%" for k, v in m.items()),
                        wall["togl"]])
    if "ect" in results:
        summary.append(["ect", f"test accuracy {100 * results['ect']['test_accuracy']:.1f}%", wall["ect"]])
    summary.append(["total", "", wall["total"]])
    parts += ["<h2>Summary</h2>", _table(["stage", "result", "wall time (s)"], summary)]

    if "core" in results:
        c = results["core"]
        mu, ci = c["mutag_graph0"], c["noisy_circle"]
        parts += [
            "<h2>1. Core: persistence diagrams</h2>",
            "<p>Lower-star persistence of MUTAG graph 0 filtered by vertex degree (dims 0 and 1; every "
            "cycle of a graph is essential), and Rips persistence of a noisy circle (dims 0 and 1): one "
            "long H1 bar, the circle's hole.</p>",
            _table(["input", "size", "dim-0 pairs", "dim-1 pairs", "longest dim-1 bar"],
                   [["MUTAG graph 0", f"{mu['atoms']} atoms, {mu['bonds']} bonds", mu["dim0_pairs"],
                     mu["dim1_cycles"], "inf (essential)"],
                    ["noisy circle", f"{ci['points']} points", ci["dim0_pairs"], ci["dim1_pairs"],
                     ci["longest_dim1_persistence"]]]),
            "<div class='figs'>", _img(figures["core_diagrams"], "persistence diagrams"), "</div>",
        ]
    if "topoae" in results:
        t = results["topoae"]
        st = t["settings"]
        cols = ["kl_0.01", "kl_0.1", "kl_1", "trustworthiness", "continuity", "mrre_zx", "mrre_xz", "rmse",
                "recon_mse", "epochs", "seconds"]
        rows = [[name] + [m.get(k, "") for k in cols] for name, m in t["models"].items()]
        parts += [
            "<h2>2. TopoAE vs AE on Spheres</h2>",
            f"<p>Spheres: ten 100-spheres inside a larger one, in R<sup>101</sup>; "
            f"{t['points']['train']} training, {t['points']['validation']} validation, "
            f"{t['points']['test']} test points. MLP autoencoder to 2-D with and without the topological "
            f"signature loss (lambda {st['lam']}), up to {st['epochs']} epochs (early stopping, patience "
            f"{st['patience']}), batch {st['batch_size']}, lr {st['lr']}; PCA for reference. Measures on the "
            "test split; lower KL is better, higher trustworthiness / continuity is better.</p>",
            _table(["model"] + cols, rows),
            "<div class='figs'>",
            *(_img(figures[f"topoae_latent_{k}"], f"{label} latent space (test, coloured by sphere)", 330)
              for k, label in (("topoae", "TopoAE"), ("ae", "AE"), ("pca", "PCA"))),
            "</div>",
        ]
    if "togl" in results:
        t = results["togl"]
        st = t["settings"]
        rows = [[name, 100 * m["test_accuracy"], 100 * m["val_accuracy"], m["best_epoch"], m["epochs"],
                 m["seconds"]] for name, m in t["models"].items()]
        parts += [
            "<h2>3. GCN vs TOGL on NECKLACES</h2>",
            f"<p>{t['graphs']} NECKLACES graphs (2 classes that differ only in how two side chains close "
            f"cycles; degrees and cycle counts agree), {t['split']}; hidden width {st['hidden']}, "
            f"{st['num_filtrations']} filtrations, {st['epochs']} epochs, test accuracy at the best "
            "validation epoch. A GCN alone cannot tell the classes apart; TOGL after one GCN layer can.</p>",
            _table(["model", "test accuracy (%)", "val accuracy (%)", "best epoch", "epochs", "seconds"], rows),
        ]
    if "ect" in results:
        e = results["ect"]
        st = e["settings"]
        parts += [
            "<h2>4. ECT classifier on synthetic shapes</h2>",
            f"<p>{len(e['classes'])} classes ({html.escape(', '.join(e['classes']))}), "
            f"{st['samples_per_class']} random meshes per class (rotated, scaled, jittered); exact ECT images "
            f"of {st['resolution']} thresholds x {st['num_directions']} directions, small CNN, "
            f"{st['epochs']} epochs.</p>",
            _table(["test accuracy", "train accuracy", "train / test shapes", "ECT time (s)", "training (s)"],
                   [[e["test_accuracy"], e["train_accuracy"], f"{e['num_train']} / {e['num_test']}",
                     e["ect_time_s"], e["train_time_s"]]]),
            "<div class='figs'>", _img(figures["ect_examples"], "shapes (top) and their ECT images (bottom)"),
            "</div>",
        ]
    parts += [
        "<h2>Versions and machine</h2>",
        _table(["package", "version"], [[k, v] for k, v in results["versions"].items()]),
        _table(["machine", ""], [[k, v] for k, v in results["machine"].items()]),
        "<h2>Wall time per stage</h2>",
        _table(["stage", "seconds"], [[k, v] for k, v in wall.items()]),
        "<p class='muted'>Raw numbers: results.json next to this file.</p>",
        "</body></html>",
    ]
    return "\n".join(parts)


# ----------------------------------------------------------------------------- run


def run(args: argparse.Namespace) -> int:
    device, out = _check(args)
    from tqdm.auto import tqdm

    from topograph.togl.models import model_name
    settings = SETTINGS["quick" if args.quick else "full"]
    ctx = _Context(args, device, out, settings)
    old_threads = torch.get_num_threads()
    if args.threads:
        torch.set_num_threads(args.threads)
    results: dict[str, Any] = {
        "command": "topograph demo " + " ".join(
            (["--quick"] if args.quick else []) + [f"--out {args.out}", f"--seed {args.seed}",
                                                   f"--device {args.device}", f"--threads {args.threads}"]),
        "settings": {"mode": "quick" if args.quick else "full", "seed": args.seed,
                     **{k: ([model_name(*m) for m in v] if k == "togl_models" else v)
                        for k, v in settings.items()}},
        "versions": _versions(),
        "machine": _machine(device),
    }
    wall: dict[str, float] = {}
    start = time.perf_counter()
    try:
        bar = tqdm(total=len(STAGES), desc="demo", unit="stage", disable=args.no_progress,
                   bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} stages [{elapsed}<{remaining}]")
        for name in STAGES:
            title, fn = STAGE_FUNCTIONS[name]
            bar.set_description(f"demo: {title}")
            torch.manual_seed(args.seed)
            t0 = time.perf_counter()
            results[name] = fn(ctx)
            wall[name] = round(time.perf_counter() - t0, 2)
            bar.update(1)
        bar.set_description("demo: done")
        bar.close()
    finally:
        torch.set_num_threads(old_threads)
    wall["total"] = round(time.perf_counter() - start, 2)
    results["wall_time_s"] = wall
    results["finished_utc"] = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    results["figures"] = {k: str(Path(p).relative_to(out)) if Path(p).is_relative_to(out) else str(p)
                          for k, p in ctx.figures.items()}
    (out / "results.json").write_text(json.dumps(results, indent=2))
    report = out / "report.html"
    report.write_text(_html_report(results, ctx.figures), encoding="utf-8")
    print("wall time: " + ", ".join(f"{k} {v:.1f} s" for k, v in wall.items()))
    print(f"report: {report}")
    return 0
