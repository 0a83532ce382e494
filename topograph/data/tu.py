"""Reader for graph data sets in the TU Dortmund text format: :class:`TUGraphs`.

(Named ``TUGraphs``, not ``TUDataset``, so as not to collide with PyG's
``torch_geometric.datasets.TUDataset(root, name)``; the old name still works for
one release, with a ``DeprecationWarning``. PyG's class reads the shipped files
offline once they sit in its ``root/NAME/raw`` layout: see :func:`pyg_layout`.)

A TU folder ``DS/`` holds ``DS_A.txt`` (1-based edge list ``u, v``, one directed
entry per line), ``DS_graph_indicator.txt`` (graph id of each vertex, 1-based,
non-decreasing), ``DS_graph_labels.txt`` (one label per graph) and optionally
``DS_node_labels.txt``, ``DS_node_attributes.txt`` and ``DS_edge_labels.txt``.

``"mutag"`` and ``"proteins"`` resolve to the copies shipped in the repository's
``datasets/tu`` folder (see :func:`find_tu_folder` for the search order); any
other argument is a path to a TU folder. Every format problem raises
:class:`TUFormatError` naming the file and the line.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Iterator

import numpy as np
import torch
from torch_geometric.data import Data, InMemoryDataset

from topograph.core._deprecation import warn_renamed
from topograph.data.splits import stratified_kfold

__all__ = ["TUGraphs", "TUDataset", "TUFormatError", "find_tu_folder", "read_tu", "pyg_layout", "tu_name",
           "stratified_kfold", "FEATURES"]

FEATURES = ("labels", "attributes", "labels+attributes", "degree", "random", "constant")
SHIPPED = {"mutag": "MUTAG", "proteins": "PROTEINS"}


class TUFormatError(ValueError):
    """A TU file is missing or malformed; the message names the file and line."""


# ----------------------------------------------------------------------------- finding
def _candidate_roots() -> Iterator[Path]:
    env = os.environ.get("TOPOGRAPH_DATA")
    if env:
        yield Path(env)
        yield Path(env) / "tu"
    repo = Path(__file__).resolve().parents[2]  # <repo>/topograph/data/tu.py
    yield repo / "datasets" / "tu"
    yield repo.parent / "shared" / "datasets" / "tu"
    yield Path.cwd() / "datasets" / "tu"


def find_tu_folder(name_or_path: str | os.PathLike) -> Path:
    """Resolve a data set name or a path to a TU folder.

    A name of a shipped data set (``mutag``, ``proteins``, any case) is looked up in
    ``$TOPOGRAPH_DATA``, ``$TOPOGRAPH_DATA/tu``, ``<repo>/datasets/tu``,
    ``<repo>/../shared/datasets/tu`` and ``./datasets/tu``. Anything else must be an
    existing folder.
    A folder in PyG's layout (``NAME/raw/NAME_A.txt``, or that ``raw`` folder
    itself) resolves to the ``raw`` folder holding the files.
    """
    text = str(name_or_path)
    path = Path(text).expanduser()
    if path.is_dir():
        if not (path / f"{path.name}_A.txt").is_file() and (path / "raw" / f"{path.name}_A.txt").is_file():
            return path / "raw"  # PyG's root/NAME given as the folder
        return path
    key = text.lower()
    if key in SHIPPED:
        tried = []
        for root in _candidate_roots():
            cand = root / SHIPPED[key]
            tried.append(str(cand))
            if (cand / f"{SHIPPED[key]}_A.txt").is_file():
                return cand
        raise FileNotFoundError(
            f"TU data set {SHIPPED[key]!r} not found; looked in: {', '.join(tried)}. "
            "Set TOPOGRAPH_DATA to the folder that contains it.")
    raise FileNotFoundError(
        f"no TU data set folder at {text!r} (and it is not one of the shipped "
        f"names {sorted(SHIPPED)})")


# ----------------------------------------------------------------------------- parsing
def _lines(path: Path) -> list[str]:
    if not path.is_file():
        raise TUFormatError(f"{path}: file not found")
    with open(path, encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _int_table(path: Path, ncols: int) -> np.ndarray:
    """Parse ``ncols`` comma-separated integers per line; errors name file and line."""
    lines = _lines(path)
    out = np.empty((len(lines), ncols), dtype=np.int64)
    for i, line in enumerate(lines):
        parts = line.split(",")
        try:
            if len(parts) != ncols:
                raise ValueError
            out[i] = [int(p) for p in parts]
        except ValueError:
            raise TUFormatError(
                f"{path}:{i + 1}: expected {ncols} comma-separated integer(s), got {line!r}"
            ) from None
    return out


def _float_table(path: Path) -> np.ndarray:
    lines = _lines(path)
    rows: list[list[float]] = []
    for i, line in enumerate(lines):
        try:
            rows.append([float(p) for p in line.split(",")])
        except ValueError:
            raise TUFormatError(f"{path}:{i + 1}: expected comma-separated numbers, "
                                f"got {line!r}") from None
        if len(rows[-1]) != len(rows[0]):
            raise TUFormatError(f"{path}:{i + 1}: {len(rows[-1])} values, but line 1 has "
                                f"{len(rows[0])}")
    return np.asarray(rows, dtype=np.float32).reshape(len(rows), -1)


def _one_hot(values: np.ndarray) -> torch.Tensor:
    """One column per distinct value (sorted), for each column of ``values``."""
    blocks = []
    for col in values.reshape(len(values), -1).T:
        uniq, inv = np.unique(col, return_inverse=True)
        block = np.zeros((len(col), len(uniq)), dtype=np.float32)
        block[np.arange(len(col)), inv] = 1.0
        blocks.append(block)
    return torch.from_numpy(np.concatenate(blocks, axis=1))


def _check_rows(path: Path, table: np.ndarray, expected: int, what: str) -> None:
    if len(table) != expected:
        raise TUFormatError(f"{path}:{min(len(table), expected) + 1}: has {len(table)} "
                            f"lines, expected {expected} ({what})")


def read_tu(path: str | os.PathLike, name: str | None = None, features: str = "labels",
            random_dim: int = 3, max_degree: int | None = None,
            seed: int = 0) -> list[Data]:
    """Read a TU folder into a list of PyG ``Data`` (``x``, ``edge_index``, ``y``).

    Args:
        path: folder with ``{name}_A.txt`` etc.; ``name`` defaults to the folder name.
        features: node features ``x``: ``"labels"`` (one-hot node labels),
            ``"attributes"`` (``DS_node_attributes.txt``), ``"labels+attributes"``,
            ``"degree"`` (one-hot degree, clipped at ``max_degree``), ``"random"``
            (``random_dim`` standard-normal values, the structure-based setting,
            seeded by ``seed``) or ``"constant"`` (a single 1).
        max_degree: clip for degree features; default: the largest degree present.

    Edges are kept as listed (TU files list both directions); ``y`` are graph
    labels mapped to ``0..C-1`` in sorted order. ``edge_attr`` holds one-hot edge
    labels when ``DS_edge_labels.txt`` exists.
    """
    if features not in FEATURES:
        raise ValueError(f"features must be one of {FEATURES}, got {features!r}")
    folder = Path(path)
    if not folder.is_dir():
        raise TUFormatError(f"{folder}: not a folder")
    name = name or tu_name(folder)
    f = lambda suffix: folder / f"{name}_{suffix}.txt"  # noqa: E731

    gi = _int_table(f("graph_indicator"), 1)[:, 0]
    num_nodes = len(gi)
    if num_nodes == 0:
        raise TUFormatError(f"{f('graph_indicator')}: file is empty")
    bad = np.flatnonzero(np.diff(gi, prepend=1) < 0)
    if gi[0] < 1 or len(bad):
        line = 1 if gi[0] < 1 else int(bad[0]) + 1
        raise TUFormatError(f"{f('graph_indicator')}:{line}: graph ids must start at 1 "
                            f"and be non-decreasing, got {gi[line - 1]}")
    num_graphs = int(gi[-1])
    counts = np.bincount(gi - 1, minlength=num_graphs)
    if (counts == 0).any():
        raise TUFormatError(f"{f('graph_indicator')}: graph {int(np.argmin(counts)) + 1} "
                            "has no vertices")
    node_ptr = np.concatenate([[0], np.cumsum(counts)])

    edges = _int_table(f("A"), 2) - 1
    bad = np.flatnonzero(((edges < 0) | (edges >= num_nodes)).any(1))
    if len(bad):
        i = int(bad[0])
        raise TUFormatError(f"{f('A')}:{i + 1}: vertex id out of range 1..{num_nodes}: "
                            f"{edges[i, 0] + 1}, {edges[i, 1] + 1}")
    eg = gi[edges] - 1
    bad = np.flatnonzero(eg[:, 0] != eg[:, 1])
    if len(bad):
        i = int(bad[0])
        raise TUFormatError(f"{f('A')}:{i + 1}: edge joins graphs {eg[i, 0] + 1} and "
                            f"{eg[i, 1] + 1}")
    eg = eg[:, 0]
    order = np.argsort(eg, kind="stable")
    edge_ptr = np.concatenate([[0], np.cumsum(np.bincount(eg, minlength=num_graphs))])

    labels = _int_table(f("graph_labels"), 1)[:, 0]
    _check_rows(f("graph_labels"), labels, num_graphs, "one per graph")
    y = torch.from_numpy(np.unique(labels, return_inverse=True)[1].reshape(-1))

    edge_attr = None
    if f("edge_labels").is_file():
        el = _int_table(f("edge_labels"), 1)
        _check_rows(f("edge_labels"), el, len(edges), f"one per line of {f('A').name}")
        edge_attr = _one_hot(el)[order]

    x = _node_features(f, features, gi, edges, num_nodes, random_dim, max_degree, seed)
    edges_sorted = torch.from_numpy(edges[order].T.copy())
    out = []
    for g in range(num_graphs):
        lo, hi = int(node_ptr[g]), int(node_ptr[g + 1])
        elo, ehi = int(edge_ptr[g]), int(edge_ptr[g + 1])
        d = Data(x=x[lo:hi], edge_index=edges_sorted[:, elo:ehi] - lo, y=y[g:g + 1],
                 num_nodes=hi - lo)
        if edge_attr is not None:
            d.edge_attr = edge_attr[elo:ehi]
        out.append(d)
    return out


def _node_features(f, features: str, gi: np.ndarray, edges: np.ndarray, num_nodes: int,
                   random_dim: int, max_degree: int | None, seed: int) -> torch.Tensor:
    parts = []
    if features in ("labels", "labels+attributes"):
        nl = _int_table(f("node_labels"), 1) if f("node_labels").is_file() else None
        if nl is None:
            raise TUFormatError(f"{f('node_labels')}: file not found (needed for "
                                "features='labels'; use 'degree' or 'random' instead)")
        _check_rows(f("node_labels"), nl, num_nodes, "one per vertex")
        parts.append(_one_hot(nl))
    if features in ("attributes", "labels+attributes"):
        na = _float_table(f("node_attributes"))
        _check_rows(f("node_attributes"), na, num_nodes, "one per vertex")
        parts.append(torch.from_numpy(na))
    if features == "degree":
        # number of distinct neighbours other than the vertex itself
        e = edges[edges[:, 0] != edges[:, 1]]
        e = np.unique(np.sort(e, axis=1), axis=0)
        deg = np.bincount(e.ravel(), minlength=num_nodes)
        cap = int(deg.max()) if max_degree is None else int(max_degree)
        deg = np.minimum(deg, cap)
        x = torch.zeros(num_nodes, cap + 1)
        x[torch.arange(num_nodes), torch.from_numpy(deg)] = 1.0
        parts.append(x)
    if features == "random":
        gen = torch.Generator().manual_seed(seed)
        parts.append(torch.randn(num_nodes, random_dim, generator=gen))
    if features == "constant":
        parts.append(torch.ones(num_nodes, 1))
    return torch.cat(parts, dim=1)


# ----------------------------------------------------------------------------- data set
def tu_name(folder: Path) -> str:
    """``NAME`` of ``.../NAME`` or of PyG's ``.../NAME/raw``."""
    if folder.name == "raw" and (folder / f"{folder.parent.name}_A.txt").is_file():
        return folder.parent.name
    return folder.name


class TUGraphs(InMemoryDataset):
    """A TU data set in memory, usable with PyG's ``DataLoader``.

    >>> ds = TUGraphs("mutag")                        # shipped copy, one-hot labels
    >>> ds = TUGraphs("proteins", features="random")  # structure-based setting
    >>> ds = TUGraphs("~/data/NCI1")                  # any TU folder (or PyG's NCI1/raw)
    >>> folds = ds.folds(10, seed=0)                   # stratified (train, test) indices

    Keyword arguments are those of :func:`read_tu`.
    """

    def __init__(self, root_or_name: str | os.PathLike, features: str = "labels",
                 random_dim: int = 3, max_degree: int | None = None, seed: int = 0,
                 name: str | None = None, transform=None) -> None:
        if features not in FEATURES:  # before reading anything
            hint = ""
            if (Path(root_or_name).expanduser() / str(features)).is_dir():
                hint = (f"; this looks like PyG's TUDataset(root, name) call: use "
                        f"TUGraphs({str(Path(root_or_name) / str(features))!r})")
            raise ValueError(f"features must be one of {FEATURES}, got {features!r}{hint}")
        folder = find_tu_folder(root_or_name)
        self.name = name or tu_name(folder)
        self.folder = folder
        self.features = features
        super().__init__(None, transform=transform, log=False)
        graphs = read_tu(folder, name=self.name, features=features, random_dim=random_dim,
                         max_degree=max_degree, seed=seed)
        self.data, self.slices = self.collate(graphs)

    @property
    def labels(self) -> torch.Tensor:
        """Graph labels ``[G]`` (``0..C-1``)."""
        return self._data.y

    def folds(self, n_splits: int = 10, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
        """Stratified ``(train_idx, test_idx)`` pairs, see :func:`stratified_kfold`."""
        return stratified_kfold(self.labels, n_splits, seed)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name}, graphs={len(self)}, features={self.features!r})"


class TUDataset(TUGraphs):
    """Deprecated name of :class:`TUGraphs` (it collided with PyG's ``TUDataset``).

    Also accepts PyG's call ``TUDataset(root, name)`` (reading ``root/name`` or
    ``root/name/raw``).
    """

    def __init__(self, root_or_name: str | os.PathLike, *args, **kwargs) -> None:
        warn_renamed("topograph.data.TUDataset", "topograph.data.TUGraphs (PyG's "
                     "torch_geometric.datasets.TUDataset is a different class)")
        if args and isinstance(args[0], str) and args[0] not in FEATURES:
            root_or_name = Path(root_or_name).expanduser() / args[0]  # PyG's (root, name)
            args = args[1:]
        super().__init__(root_or_name, *args, **kwargs)


def pyg_layout(name: str, root: str | os.PathLike) -> Path:
    """Copies a TU data set (a shipped name or a folder) into PyG's ``root/NAME/raw``
    layout and returns ``root``, so that PyG's own class reads it offline::

        torch_geometric.datasets.TUDataset(pyg_layout("mutag", root), "MUTAG")

    PyG writes its processed cache to ``root/NAME/processed``; pass a scratch
    ``root`` rather than the repository's ``datasets`` folder.
    """
    folder = find_tu_folder(name)
    ds_name = tu_name(folder)
    raw = Path(root).expanduser() / ds_name / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for f in folder.glob(f"{ds_name}_*.txt"):
        shutil.copy2(f, raw / f.name)
    return Path(root).expanduser()

