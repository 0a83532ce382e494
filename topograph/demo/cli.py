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

import argparse
import json
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch

from topograph.devices import resolve_device
from topograph.errors import UserError
from topograph.demo.report import _html_report
from topograph.demo.stages import STAGE_FUNCTIONS, _Context, _machine, _versions

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
        "togl_graphs": 1000, "togl_epochs": 25, "togl_hidden": 64,
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


def _check(args: argparse.Namespace) -> tuple[torch.device, Path]:
    device = resolve_device(args.device, flag="--device")
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
