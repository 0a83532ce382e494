"""The self-contained HTML report of `topograph demo` (plots embedded as base64)."""

import base64
import html
from pathlib import Path
from typing import Any



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
