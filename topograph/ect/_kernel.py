"""Bucketed kernels behind :func:`topograph.ect.ect`; never build an [R, S, T] tensor.

Notation: R thresholds ``t_r = t_0 + r * delta``, T directions, vertex heights
``hv`` [N, T], a simplex's height ``h`` = max over its vertices (computed on the
fly, chunk by chunk), ``k = bucketize(h)`` the first threshold with ``t_k >= h``.

Exact ECT: add each simplex's sign into bin ``k`` and take a cumulative sum over
thresholds.

Sigmoid ECT ``sum_s sign_s * sigmoid(scale * (t_r - h_s))``: every simplex gets a
window of ``2W`` thresholds around ``k`` where the sigmoid is evaluated directly.
Outside the window ``|scale * (t_r - h)| >= c = W * scale * delta`` and the
sigmoid is expanded in its convergent series
``sigmoid(z) = 1 - e^-z + e^-2z - ...`` (``z > 0``) or ``e^z - e^2z + ...``
(``z < 0``), truncated after M terms (error <= e^-(M+1)c, below float
precision). Each series term factorises as ``e^{-m s (t_r - t_k')}`` (depends
only on bin distance) times a per-simplex factor, so all simplices of a sample
reduce to a small table ``[B, T, R + 1, C]`` (C = 2W + 2M + 1 columns) that one
fixed linear map ``K`` turns into the image. The backward pass recomputes the
per-simplex factors chunk by chunk (custom autograd function) and sends each
gradient to the simplex's highest vertex, so memory stays O(N T + B T R C) and
time O(S T C + B T R^2 C). On CPU the per-simplex loops are numba kernels
(:mod:`topograph.ect._numba`), on CUDA Triton kernels (:mod:`topograph.ect._triton`);
otherwise the same maths runs in torch.
"""
from __future__ import annotations

import math

import torch
from torch import Tensor

from topograph.core.filtration import lower_star_max
from topograph.core.kernels import require_triton, triton_available, triton_kernels
from topograph.ect import _numba as _nb

_CHUNK = 1 << 20  # elements per chunk in the torch path
BACKENDS = ("auto", "numba", "triton", "torch")

Group = tuple[Tensor, Tensor, float]  # (simplices [S, k] vertex ids, sample ids [S], sign (-1)^dim)


def _tail_exponent(dtype: torch.dtype) -> float:
    # the series is cut where its remainder e^-E drops below the dtype's precision
    return 32.0 if dtype == torch.float64 else 16.0


def plan(scale: float, delta: float, resolution: int, dtype: torch.dtype) -> tuple[int, int]:
    """Pick the window half-width W and series length M with the fewest columns."""
    sd = scale * delta
    target = _tail_exponent(dtype)
    best = (resolution, 0)
    for w in range(1, resolution + 1):
        m = max(0, math.ceil(target / (w * sd)) - 1)
        if 2 * w + 2 * m < 2 * best[0] + 2 * best[1]:
            best = (w, m)
        if m == 0:
            break
    return best


def check_backend(backend: object) -> None:
    """The ``backend`` argument of the ECT entry points: ``"auto"``, ``"numba"``, ``"triton"`` or ``"torch"``."""
    if not isinstance(backend, str) or backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")


def kernel_path(backend: str, x: Tensor) -> str:
    """Which kernels run for ``x``: ``"numba"``, ``"triton"`` or ``"torch"``.

    ``"auto"`` picks numba for CPU float32 / float64 tensors, Triton for CUDA float32 /
    float64 tensors when Triton is importable (:mod:`topograph.core.kernels`), and the
    torch path otherwise (fixed launches, chunked; any device and dtype); ``"torch"``
    always runs the torch path (e.g. to test it on the CPU)."""
    check_backend(backend)
    real = x.dtype in (torch.float32, torch.float64)
    if backend == "numba" and not (real and x.device.type == "cpu"):
        raise ValueError(f"backend='numba' needs CPU float32 / float64 coordinates, got {x.dtype} "
                         f"on {x.device}; use backend='auto' or 'torch'")
    if backend == "triton":
        require_triton(x.device)
        if not real:
            raise ValueError(f"backend='triton' needs float32 / float64 coordinates, got {x.dtype}; "
                             "use backend='auto' or 'torch'")
        return "triton"
    if backend == "auto":
        if real and x.device.type == "cuda" and triton_available():
            return "triton"
        return "numba" if real and x.device.type == "cpu" else "torch"
    return backend


def _rows(batch_ids: Tensor, k: Tensor, num_dirs: int, nbins: int) -> Tensor:
    tcol = torch.arange(num_dirs, device=k.device)
    return ((batch_ids[:, None] * num_dirs + tcol) * nbins + k).reshape(-1)


def _chunks(simp: Tensor, num_dirs: int, cols: int = 1):
    step = max(1, _CHUNK // max(num_dirs * cols * simp.shape[1], 1))
    for i in range(0, simp.shape[0], step):
        yield slice(i, i + step)


def _heights(hv: Tensor, simp: Tensor) -> tuple[Tensor, Tensor]:
    """Simplex heights [n, T] (max over vertices) and the vertex attaining it (the core's
    :func:`~topograph.core.filtration.lower_star_max`; the numba kernels inline it)."""
    return lower_star_max(hv, simp.T)


def exact_ect(hv: Tensor, groups: list[Group], thr: Tensor, num_samples: int, path: str) -> Tensor:
    """Hard ECT [B, R, T] of vertex heights ``hv`` [N, T] and simplex groups (``path``: see
    :func:`kernel_path`)."""
    num_dirs, res = hv.shape[1], thr.shape[0]
    hist = hv.new_zeros(num_samples * num_dirs * (res + 1))
    for simp, b, sign in groups:
        if path == "triton":
            triton_kernels("topograph.ect._triton").exact_hist(hv, simp, b, sign, thr, hist, num_dirs, res)
            continue
        if path == "numba":
            _nb.exact_hist(_nb.as_numpy(hv), _nb.as_numpy(simp), _nb.as_numpy(b), sign, _nb.as_numpy(thr),
                           hist.numpy(), num_dirs, res, _nb.num_blocks(num_dirs))
            continue
        for sl in _chunks(simp, num_dirs):
            k = torch.bucketize(_heights(hv, simp[sl])[0], thr)
            rows = _rows(b[sl], k, num_dirs, res + 1)
            hist.index_add_(0, rows, hv.new_full((1,), sign).expand(rows.shape[0]))
    img = hist.view(num_samples, num_dirs, res + 1)[..., :res].cumsum(dim=-1)
    return img.transpose(1, 2).contiguous()


class _Spec:
    """Geometry of the window/series expansion for one call."""

    def __init__(self, thr: Tensor, scale: float, num_samples: int, num_dirs: int, t0: float, delta: float,
                 path: str) -> None:
        self.thr, self.scale, self.num_samples, self.num_dirs = thr, float(scale), num_samples, num_dirs
        self.path = path
        self.res, self.t0, self.delta = thr.shape[0], t0, delta
        self.w, self.m = plan(self.scale, delta, self.res, thr.dtype)
        self.cols = 2 * self.w + 2 * self.m + 1
        self._k = None
        sd = self.scale * delta
        # window sigmoids by multiplication when exp(sd * w) cannot overflow
        self.qpow = torch.exp(-sd * (torch.arange(2 * self.w, dtype=torch.float64) - self.w)) \
            if sd * (self.w + 1) < 600 else torch.zeros(0, dtype=torch.float64)

    @property
    def kmat(self) -> Tensor:
        """K, built on first use (the numba path applies it by recurrences instead)."""
        if self._k is None:
            self._k = self._build_kmat()
        return self._k

    def _build_kmat(self) -> Tensor:
        """K [(R + 1) * C, R]: image[r] = sum_{k, c} table[k, c] * K[k, c, r]."""
        res, w, m, sd = self.res, self.w, self.m, self.scale * self.delta
        opts = dict(device=self.thr.device, dtype=self.thr.dtype)
        r = torch.arange(res, **opts)[None, :]
        k = torch.arange(res + 1, **opts)[:, None]
        cols = [(r == k + j).to(self.thr.dtype) for j in range(-w, w)]
        above = r - (k + w)
        for p in range(0, m + 1):
            cols.append(torch.where(above >= 0, (-1) ** p * torch.exp(-p * sd * above.clamp_min(0)), 0.0))
        below = (k - w - 1) - r
        for p in range(1, m + 1):
            cols.append(torch.where(below >= 0, (-1) ** (p + 1) * torch.exp(-p * sd * below.clamp_min(0)), 0.0))
        return torch.stack(cols, dim=1).reshape((res + 1) * self.cols, res)

    def payload(self, h: Tensor, derivative: bool) -> tuple[Tensor, Tensor]:
        """Per (simplex, direction) factors [n*T, C] (or d/dh of them) and their bins k [n, T]."""
        s, sd, w, m = self.scale, self.scale * self.delta, self.w, self.m
        u = (h - self.t0) * (1.0 / self.delta)
        kf = u.ceil().clamp_(0, self.res)  # h in (t_{k-1}, t_k] up to rounding, which the window absorbs
        base = ((kf - u) * sd).reshape(-1, 1)
        opts = dict(device=h.device, dtype=h.dtype)
        win = torch.sigmoid(base + sd * torch.arange(-w, w, **opts))
        pa = torch.arange(0, m + 1, **opts)
        above = torch.exp(-(base.clamp_min(0) + w * sd) * pa)  # bins k >= R never reach the image
        pb = torch.arange(1, m + 1, **opts)
        below = torch.exp((base.clamp_max(sd) - (w + 1) * sd) * pb)  # bin 0 never reaches the image
        if derivative:  # d/dh = -s * d/dbase
            win = win * (1 - win) * -s
            above = above * pa * s
            below = below * pb * -s
        return torch.cat([win, above, below], dim=1), kf.long()


class SigmoidECT(torch.autograd.Function):
    """Sigmoid ECT from vertex heights [N, T]; memory O(N T), exact gradients."""

    @staticmethod
    def forward(ctx, spec: _Spec, groups: tuple[Group, ...], hv: Tensor) -> Tensor:
        cols, res, t = spec.cols, spec.res, spec.num_dirs
        table = hv.new_zeros(spec.num_samples * t * (res + 1), cols)
        sd = spec.scale * spec.delta
        for simp, b, sign in groups:
            if spec.path == "triton":
                triton_kernels("topograph.ect._triton").sigmoid_fwd(
                    hv, simp, b, sign, spec.t0, 1.0 / spec.delta, sd, res, spec.w, spec.m, table, t)
                continue
            if spec.path == "numba":
                _nb.sigmoid_fwd(_nb.as_numpy(hv), _nb.as_numpy(simp), _nb.as_numpy(b), sign, spec.t0,
                                1.0 / spec.delta, sd, res, spec.w, spec.m, table.numpy(), t,
                                _nb.num_blocks(t), spec.qpow.numpy())
                continue
            for sl in _chunks(simp, t, cols):
                pay, k = spec.payload(_heights(hv, simp[sl])[0], derivative=False)
                table.index_add_(0, _rows(b[sl], k, t, res + 1), pay, alpha=sign)
        if spec.path == "numba":
            img = hv.new_zeros(spec.num_samples * t, res)
            _nb.table_to_image(table.view(-1, res + 1, cols).numpy(), spec.w, spec.m, sd, img.numpy())
        else:
            img = table.view(spec.num_samples * t, (res + 1) * cols) @ spec.kmat
        ctx.spec, ctx.groups = spec, groups
        ctx.save_for_backward(hv)
        return img.view(spec.num_samples, t, res).transpose(1, 2).contiguous()

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad: Tensor):
        spec, (hv,) = ctx.spec, ctx.saved_tensors
        cols, res, t = spec.cols, spec.res, spec.num_dirs
        g = grad.transpose(1, 2).reshape(spec.num_samples * t, res)
        if spec.path == "numba":  # z = dL/d table
            z = hv.new_zeros(g.shape[0] * (res + 1), cols)
            _nb.image_to_table(g.contiguous().numpy(), spec.w, spec.m, spec.scale * spec.delta,
                               z.view(-1, res + 1, cols).numpy())
        else:
            z = (g @ spec.kmat.T).view(-1, cols).contiguous()
        out = torch.zeros_like(hv)
        tcol = torch.arange(t, device=hv.device)
        for simp, b, sign in ctx.groups:
            if spec.path == "triton":
                triton_kernels("topograph.ect._triton").sigmoid_bwd(
                    hv, simp, b, sign, spec.t0, 1.0 / spec.delta, spec.scale * spec.delta, spec.scale, res,
                    spec.w, spec.m, z, out, t)
                continue
            if spec.path == "numba":
                _nb.sigmoid_bwd(_nb.as_numpy(hv), _nb.as_numpy(simp), _nb.as_numpy(b), sign, spec.t0,
                                1.0 / spec.delta, spec.scale * spec.delta, spec.scale, res, spec.w, spec.m,
                                _nb.as_numpy(z), out.numpy(), t, _nb.num_blocks(t), spec.qpow.numpy())
                continue
            for sl in _chunks(simp, t, cols):
                h, top = _heights(hv, simp[sl])
                dpay, k = spec.payload(h, derivative=True)
                gh = (z[_rows(b[sl], k, t, res + 1)] * dpay).sum(dim=1) * sign
                out.view(-1).index_add_(0, (top * t + tcol).reshape(-1), gh)
        return None, None, out


def sigmoid_ect(hv: Tensor, groups: list[Group], thr: Tensor, num_samples: int, scale: float, radius: float,
                path: str) -> Tensor:
    """Sigmoid ECT [B, R, T]; differentiable w.r.t. the vertex heights ``hv`` [N, T]."""
    res = thr.shape[0]
    spec = _Spec(thr, scale, num_samples, hv.shape[1], -float(radius), 2.0 * float(radius) / (res - 1), path)
    return SigmoidECT.apply(spec, tuple(groups), hv)
