"""The ``topograph`` command line: user mistakes give one line naming the flag and
its allowed range, exit status 2 and no traceback, before any data is loaded or
any training starts."""
from __future__ import annotations

import pytest
import torch

from topograph.cli import build_parser, main


def _write(path, data: bytes | str):
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


@pytest.fixture
def no_training(monkeypatch):
    """Makes any training call fail the test: validation must stop the run first."""
    import topograph.ect.train as ect_train
    import topograph.togl.train as togl_train
    import topograph.topoae.cli as topoae_cli

    def boom(*args, **kwargs):
        raise AssertionError("training started although the arguments are invalid")

    monkeypatch.setattr(togl_train, "cross_validate", boom)
    monkeypatch.setattr(ect_train, "run_experiment", boom)
    monkeypatch.setattr(topoae_cli, "run_experiment", boom)


def _cli_cases():
    togl_small = ["--num-graphs", "20", "--no-progress"]
    return [
        ("topoae bad device", ["topoae", "--device", "nonsense"], "--device"),
        ("topoae missing cuda", ["topoae", "--device", "cuda:7"], "CUDA") if not torch.cuda.is_available()
        else ("topoae missing gpu", ["topoae", "--device", "cuda:99"], "cuda:99"),
        ("topoae bad threads", ["topoae", "--threads", "-1"], "--threads"),
        ("topoae batch size 1", ["topoae", "--batch-size", "1"], "--batch-size"),
        ("topoae nan lambda", ["topoae", "--lam", "nan"], "--lam"),
        ("topoae inf lr", ["topoae", "--lr", "inf"], "--lr"),
        ("topoae unwritable out", ["topoae", "--model", "pca", "--out", "{file}/sub"], "file"),
        ("ect bad device", ["ect", "--device", "nonsense"], "--device"),
        ("ect meshes without root", ["ect", "--dataset", "meshes"], "--root"),
        ("ect missing mesh folder", ["ect", "--dataset", "meshes", "--root", "{tmp}/none"], "none"),
        ("ect nan radius", ["ect", "--radius", "nan"], "--radius"),
        ("ect inf scale", ["ect", "--scale", "inf"], "--scale"),
        ("ect nan lr", ["ect", "--lr", "nan"], "--lr"),
        ("ect nan test fraction", ["ect", "--test-fraction", "nan"], "--test-fraction"),
        ("ect limit too small", ["ect", "--dataset", "digits", "--limit", "5"], "--limit"),
        ("togl missing data set", ["togl", "--dataset", "{tmp}/NOPE"], "NOPE"),
        ("togl bad device", ["togl", "--device", "nonsense"], "nonsense"),
        ("togl epochs 0", ["togl", "--epochs", "0"], "--epochs"),
        ("togl zero graphs", ["togl", "--num-graphs", "0"], "num"),
        ("togl nan lr", ["togl", "--lr", "nan", *togl_small], "lr"),
        ("togl zero filtrations", ["togl", "--num-filtrations", "0", "--depth", "1", "--togl-position", "0",
                                   *togl_small], "filtrations"),
    ]


CLI_CASES = _cli_cases()


def _run_one_line(argv, tmp_path, capsys) -> str:
    blocker = _write(tmp_path / "file", "not a folder")
    argv = [a.format(tmp=tmp_path, file=blocker) for a in argv]
    if "--out" not in argv:
        argv += ["--out", str(tmp_path / "out")]
    rc = main(argv)
    err = capsys.readouterr().err.strip()
    assert rc == 2
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"topograph {argv[0]}: error:"), lines
    return lines[0]


@pytest.mark.parametrize("argv, needle", [pytest.param(a, n, id=name) for name, a, n in CLI_CASES])
def test_cli_user_errors(tmp_path, capsys, argv, needle):
    assert needle.lower() in _run_one_line(argv, tmp_path, capsys).lower()


# issue 9.4: each names the flag and the allowed range, and fails before training
@pytest.mark.parametrize("argv, needles", [
    (["togl", "--dataset", "necklaces", "--num-graphs", "3"], ["--num-graphs must be >= ", "--folds"]),
    (["togl", "--num-graphs", "20", "--folds", "50"], ["--num-graphs must be >= ", "--folds 50"]),
    (["togl", "--dropout", "2"], ["--dropout must be in [0, 1), got 2"]),
    (["togl", "--dropout", "-0.1"], ["--dropout must be in [0, 1)"]),
    (["togl", "--max-folds", "0"], ["--max-folds must be between 1 and 10, got 0"]),
    (["togl", "--folds", "3", "--max-folds", "4"], ["--max-folds must be between 1 and 3"]),
    (["togl", "--dataset", "mutag", "--folds", "100"], ["--folds must be between 1 and 63"]),
    (["ect", "--dataset", "shapes", "--samples-per-class", "1"], ["--samples-per-class must be >= 2"]),
    (["ect", "--samples-per-class", "2", "--test-fraction", "0.9"], ["--samples-per-class must be >= 5",
                                                                     "--test-fraction 0.9"]),
    (["togl", "--tensorboard", "{tmp}/tb", "--device", "nonsense"], ["--device"]),
], ids=["necklaces 3 graphs", "20 graphs 50 folds", "dropout 2", "dropout negative", "max-folds 0",
        "max-folds over folds", "mutag 100 folds", "ect 1 sample per class", "ect test fraction",
        "device checked with tensorboard"])
def test_cli_range_errors_before_training(tmp_path, capsys, no_training, argv, needles):
    line = _run_one_line(argv + ["--no-progress"], tmp_path, capsys)
    for needle in needles:
        assert needle in line


@pytest.mark.parametrize("argv", [[], ["nope"], ["topoae", "--epochs", "abc"], ["ect", "--dataset", "cubes"],
                                  ["togl", "--model", "mlp"]])
def test_cli_argparse_errors(capsys, argv):
    with pytest.raises(SystemExit) as info:
        main(argv)
    err = capsys.readouterr().err
    assert info.value.code == 2 and "error:" in err and "Traceback" not in err


@pytest.mark.parametrize("command", ["topoae", "togl", "ect", "demo"])
def test_every_subcommand_accepts_device_auto(command):
    """`topograph topoae --device auto` failed before; every CLI resolves it the same way."""
    import importlib

    from topograph.devices import resolve_device

    args = build_parser().parse_args([command, "--device", "auto"])
    mod = importlib.import_module({"topoae": "topograph.topoae.cli", "togl": "topograph.togl.cli",
                                   "ect": "topograph.ect.cli", "demo": "topograph.demo.cli"}[command])
    check = getattr(mod, "_check", None) or getattr(mod, "_check_args")
    if command == "demo":
        args.out = "/tmp/topograph-test-demo-out"
    got = check(args)
    expected = resolve_device("auto")
    if command == "demo":
        got = got[0]
    assert got is None or str(got) == str(expected)


def test_tensorboard_flag_writes_events_and_jsonl(tmp_path, capsys):
    pytest.importorskip("torch.utils.tensorboard")
    out = tmp_path / "res.json"
    assert main(["togl", "--num-graphs", "24", "--folds", "2", "--max-folds", "1", "--epochs", "2",
                 "--depth", "1", "--hidden", "8", "--no-progress", "--out", str(out),
                 "--tensorboard", str(tmp_path / "tb")]) == 0
    lines = out.with_suffix(".jsonl").read_text().splitlines()
    assert len(lines) == 2 and '"fold": 1' in lines[0] and '"val_acc"' in lines[0]
    assert list((tmp_path / "tb").glob("events.out.tfevents.*"))


def test_missing_tensorboard_is_one_line(tmp_path, capsys, monkeypatch, no_training):
    import sys

    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # import fails
    line = _run_one_line(["ect", "--tensorboard", str(tmp_path / "tb")], tmp_path, capsys)
    assert "pip install tensorboard" in line
