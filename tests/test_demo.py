"""`topograph demo`: the quick run writes a self-contained report and the modules' metrics."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from topograph.cli import main


def _numbers(results: dict) -> dict:
    """The metrics of a results.json without wall times, dates or paths."""
    drop = {"seconds", "wall_time_s", "finished_utc", "command", "train_time_s", "ect_time_s", "machine",
            "figures"}

    def clean(v):
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items() if k not in drop}
        return v

    return clean(results)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory) -> tuple[Path, int]:
    out = tmp_path_factory.mktemp("demo")
    code = main(["demo", "--quick", "--out", str(out), "--no-progress"])
    return out, code


def test_quick_demo_writes_report_and_results(quick_run, capsys) -> None:
    out, code = quick_run
    assert code == 0
    report = out / "report.html"
    assert report.is_file()
    text = report.read_text(encoding="utf-8")
    # self-contained: at least 5 embedded PNGs (diagrams, 3 latent plots, ECT examples), no external images
    assert text.count("data:image/png;base64,") >= 5
    assert not re.search(r'<img[^>]+src="(?!data:)', text)
    for word in ("TopoAE", "GCN-1-TOGL-1", "ECT", "torch_geometric", "numba", "wall time"):
        assert word in text

    res = json.loads((out / "results.json").read_text())
    topo = res["topoae"]["models"]
    for model in ("TopoAE", "AE", "PCA"):
        for key in ("kl_0.01", "kl_0.1", "trustworthiness", "recon_mse"):
            assert 0 <= topo[model][key] < 100
    togl = res["togl"]["models"]
    assert set(togl) == {"GCN-1", "GCN-1-TOGL-1"}
    assert all(0 <= m["test_accuracy"] <= 1 for m in togl.values())
    ect = res["ect"]
    assert 0 <= ect["test_accuracy"] <= 1 and ect["num_test"] > 0
    assert res["core"]["mutag_graph0"]["dim1_cycles"] == 3  # graph 0 of MUTAG: 17 atoms, 19 bonds, 1 component
    assert res["core"]["noisy_circle"]["longest_dim1_persistence"] > 0.5
    assert set(res["versions"]) == {"python", "torch", "torch_geometric", "numpy", "numba", "topograph"}
    assert set(res["wall_time_s"]) == {"core", "topoae", "togl", "ect", "total"}
    assert res["wall_time_s"]["total"] < 60
    for name in res["figures"].values():
        assert (out / name).is_file()


def test_quick_demo_is_deterministic(quick_run, tmp_path) -> None:
    first, code = quick_run
    assert code == 0
    assert main(["demo", "--quick", "--out", str(tmp_path), "--no-progress"]) == 0
    a = json.loads((first / "results.json").read_text())
    b = json.loads((tmp_path / "results.json").read_text())
    assert _numbers(a) == _numbers(b)


@pytest.mark.parametrize("device", ["banana", "cuda:99", "tpu"])
def test_bad_device_is_a_one_line_error(device, tmp_path, capsys) -> None:
    code = main(["demo", "--quick", "--device", device, "--out", str(tmp_path / "d"), "--no-progress"])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("topograph demo: error:") and "\n" not in err and "Traceback" not in err
    assert not (tmp_path / "d").exists()  # nothing is written before the arguments are checked


def test_bad_out_and_seed_are_user_errors(tmp_path, capsys) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["demo", "--quick", "--out", str(blocker / "sub"), "--no-progress"]) == 2
    assert main(["demo", "--quick", "--seed", "-1", "--out", str(tmp_path / "s"), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("topograph demo: error:") for line in err)


def test_help_has_examples(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["demo", "--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    assert "examples:" in text and "--quick" in text and "--no-progress" in text
