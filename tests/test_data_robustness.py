"""Bad-input sweep of the data loaders (TU, IDX/MNIST, meshes, ...).

See tests/bad_inputs.py for the conventions of these sweeps."""
from __future__ import annotations

import numpy as np
import pytest

from bad_inputs import all_finite, check_error, no_hang  # noqa: F401


# --------------------------------------------------------------------------- data loaders
def _write(path, data: bytes | str):
    path.parent.mkdir(parents=True, exist_ok=True)
    (path.write_bytes if isinstance(data, bytes) else path.write_text)(data)
    return path


IDX_LABELS = b"\x00\x00\x08\x01\x00\x00\x00\x02\x01\x02"


def _data_cases():
    from topograph import data as D

    def mnist_files(tmp, images: bytes, name="train-images-idx3-ubyte"):
        _write(tmp / name, images)
        _write(tmp / "train-labels-idx1-ubyte", IDX_LABELS)
        return lambda: D.load_mnist(tmp)

    def npz(tmp, arrays=None, raw=None):
        if raw is not None:
            _write(tmp / "mnist.npz", raw)
        else:
            np.savez(tmp / "mnist.npz", **arrays)
        return lambda: D.load_mnist(tmp)

    def mesh(tmp, name, text):
        return lambda: D.load_mesh(_write(tmp / name, text))

    header3 = b"\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00\x00\x02\x00\x00\x00\x02"
    return [
        ("mnist missing folder", lambda tmp: (lambda: D.load_mnist(tmp / "nope")), FileNotFoundError,
         "train-images-idx3-ubyte"),
        ("mnist garbage", lambda tmp: mnist_files(tmp, b"garbage"), ValueError, "train-images-idx3-ubyte"),
        ("mnist truncated data", lambda tmp: mnist_files(tmp, header3 + b"\x01"), ValueError, "header says"),
        ("mnist truncated header", lambda tmp: mnist_files(tmp, header3[:8]), ValueError, "truncated IDX header"),
        ("mnist bad gzip", lambda tmp: mnist_files(tmp, b"notgzip", "train-images-idx3-ubyte.gz"), ValueError,
         "idx3-ubyte.gz"),
        ("mnist images/labels mismatch", lambda tmp: mnist_files(
            tmp, b"\x00\x00\x08\x03\x00\x00\x00\x03\x00\x00\x00\x02\x00\x00\x00\x02" + bytes(12)), ValueError,
         "3 images but 2 labels"),
        ("mnist npz garbage", lambda tmp: npz(tmp, raw=b"junk"), ValueError, "mnist.npz"),
        ("mnist npz missing array", lambda tmp: npz(tmp, {"x_train": np.zeros((2, 4))}), ValueError,
         "mnist.npz: missing array y_train"),
        ("mesh missing", lambda tmp: (lambda: D.load_mesh(tmp / "x.off")), FileNotFoundError, "x.off"),
        ("mesh unsupported suffix", lambda tmp: mesh(tmp, "x.txt", "hi"), ValueError, "x.txt"),
        ("mesh corrupt", lambda tmp: mesh(tmp, "x.off", "garbage garbage"), ValueError, "x.off"),
        ("mesh empty file", lambda tmp: mesh(tmp, "e.off", ""), ValueError, "e.off"),
        ("mesh without faces", lambda tmp: mesh(tmp, "p.off", "OFF\n3 0 0\n0 0 0\n1 0 0\n0 1 0\n"), ValueError,
         "p.off contains no triangle"),
        ("mesh nan vertex", lambda tmp: mesh(tmp, "n.off", "OFF\n3 1 0\n0 0 0\nnan 0 0\n0 1 0\n3 0 1 2\n"),
         ValueError, "n.off has NaN"),
        ("mesh face out of range", lambda tmp: mesh(tmp, "o.off", "OFF\n3 1 0\n0 0 0\n1 0 0\n0 1 0\n3 0 1 7\n"),
         ValueError, "o.off"),
        ("mesh folder missing", lambda tmp: (lambda: D.load_mesh_folder(tmp / "nope")), FileNotFoundError, "nope"),
        ("mesh folder without classes", lambda tmp: (lambda: D.load_mesh_folder(tmp)), FileNotFoundError,
         "no class folders"),
        ("mesh folder without split", lambda tmp: (lambda: (tmp / "a").mkdir() or D.load_mesh_folder(tmp)),
         FileNotFoundError, "a/train"),
        ("mesh folder without files", lambda tmp: (lambda: (tmp / "a" / "test").mkdir(parents=True)
                                                   or D.load_mesh_folder(tmp, "test")),
         FileNotFoundError, "a/test"),
        ("tu missing folder", lambda tmp: (lambda: D.TUGraphs(str(tmp / "NOPE"))), FileNotFoundError, "NOPE"),
        ("spheres bad split", lambda tmp: (lambda: D.Spheres("nope")), ValueError, "split"),
        ("spheres nan radius", lambda tmp: (lambda: D.make_spheres(3, dim=2, radius=float("nan"))), ValueError,
         "radius"),
        ("spheres negative n_big", lambda tmp: (lambda: D.make_spheres(3, dim=2, n_big=-1)), ValueError, "n_big"),
        ("digits bad split", lambda tmp: (lambda: D.Digits("nope")), ValueError, "split"),
        ("digits threshold 1", lambda tmp: (lambda: D.digits_point_clouds(threshold=1.0)), ValueError, "threshold"),
        ("digits limit 0", lambda tmp: (lambda: D.digits_grid_graphs(limit=0)), ValueError, "limit"),
        ("shapes unknown kind", lambda tmp: (lambda: D.make_shapes(1, kind="voxels")), ValueError, "kind"),
        ("shapes unknown class", lambda tmp: (lambda: D.make_shapes(1, classes=("blob",))), ValueError, "blob"),
        ("shapes zero points", lambda tmp: (lambda: D.make_shapes(1, kind="points", num_points=0)), ValueError,
         "num_points"),
        ("shapes nan noise", lambda tmp: (lambda: D.make_shapes(1, noise=float("nan"))), ValueError, "noise"),
    ]


DATA_CASES = _data_cases()


@pytest.mark.parametrize("make, exc, match", [c[1:] for c in DATA_CASES], ids=[c[0] for c in DATA_CASES])
def test_data_loader_errors(tmp_path, make, exc, match):
    check_error(make(tmp_path), exc, match)


def test_mesh_loader_valid_degenerate(tmp_path):
    from topograph import data as D

    # all three vertices coincide: a finite (collapsed) mesh, not a crash
    data = D.load_mesh(_write(tmp_path / "pt.off", "OFF\n3 1 0\n1 1 1\n1 1 1\n1 1 1\n3 0 1 2\n"))
    assert all_finite(data.pos)
