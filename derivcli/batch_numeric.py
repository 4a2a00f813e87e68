"""The numeric mode on whole columns (``--mode numeric --points``).

The gradient by finite differences, every scheme of ``backends/numeric.py``
(forward, central, and the default Richardson extrapolation with its running
error bounds), run on arrays holding every row: the same steps, the same
float operations in the same order, the same per-row decisions (a row whose
tableau is done stops changing; the best candidate chosen per row), so each
row's numbers are the single-point mode's bit for bit. f is always
evaluated with the exact column (``vectorized.EXACT_COLUMNS``, the C
library's functions as ``math`` calls them): differences divide rounding by
the step, and one ulp of numpy's ``exp`` would move a difference, an error
estimate or a stopping decision.

A row the arrays do not treat is marked for the single-point path (as
``batch.py`` does for the other modes): a non-finite value, an infinite
partial or a kink on the way, f below the normal range (the underflow
warning), an entry the single point would flag as unreliable (its warning),
a step lost against x, and a tiny x (``0 < |x| < TINY_X``: two sequences of
steps). The Jacobian is the same, output by output; the Hessian is the
gradient's columns, then second differences per pair (a structural zero is
0), with the rows one point's Hessian diagnoses or raises on left to it.
"""

from __future__ import annotations

import math
import sys

import numpy as np

from .backends import numeric as nm
from .vectorized import ExactColumn, apply

EPS, TINY, RATIO, ROWS, DEPTH = nm.EPS, nm.TINY, nm.RATIO, nm.ROWS, nm.DEPTH
#: rows per pass of the Richardson loop (its candidates are (rows, 150) arrays)
SUB = 4096


def supports(kind: str, options: dict) -> bool:
    """Whether ``kind`` with these options runs on arrays (else row by row,
    where the single point also reports a bad scheme or step)."""
    scheme = options.get("scheme") or nm.DEFAULT_SCHEME
    step = options.get("step")
    if kind not in ("gradient", "jacobian", "hessian") or scheme not in nm.SCHEMES:
        return False
    if step is None:
        return True
    good = isinstance(step, float) and math.isfinite(step) and step > 0
    return good and (kind != "hessian" or step * step >= sys.float_info.min)


def _scale(x: np.ndarray) -> np.ndarray:
    return np.maximum(np.abs(x), 1.0)


def _wider(a: np.ndarray, b) -> np.ndarray:
    """Python's ``max(a, b)``: b if b > a, else a (a NaN ``a`` stays)."""
    return np.where(b > a, b, a)


class _Bounded:
    """``numeric._Plan`` on columns: every step's value and its running
    rounding bound, the same operations row by row."""

    def __init__(self, order) -> None:
        self.plan = nm._Plan(order)

    def __call__(self, point: dict, m: int, output: int = -1) -> tuple[np.ndarray, np.ndarray]:
        values: list = []
        bounds: list = []
        inf = math.inf
        for code, what, prim, at in self.plan.steps:
            if code == nm._CONST:
                v, e = np.full(m, what), np.zeros(m)
            elif code == nm._VAR:
                v, e = np.broadcast_to(np.asarray(point[what], dtype=np.float64), (m,)), np.zeros(m)
            elif code == nm._NEG:
                j = at[0]
                v, e = -values[j], bounds[j]
            else:
                args = [values[j] for j in at]
                v = np.asarray(apply(prim, args, exact=True), dtype=np.float64)
                v = np.broadcast_to(v, (m,))
                if code == nm._ADD or code == nm._SUB:
                    e = EPS * np.abs(v) + TINY + bounds[at[0]] + bounds[at[1]]
                elif code == nm._MUL:
                    e = (EPS * np.abs(v) + TINY + np.abs(args[1]) * bounds[at[0]]
                         + np.abs(args[0]) * bounds[at[1]])  # fmt: skip
                elif code == nm._DIV:
                    e = (
                        EPS * np.abs(v)
                        + TINY
                        + (bounds[at[0]] + np.abs(v) * bounds[at[1]]) / np.abs(args[1])
                    )
                else:
                    e = EPS * np.abs(v) + TINY
                    errs = [bounds[j] for j in at]
                    if any(ea.any() for ea in errs):
                        cols = [ExactColumn(a) for a in args]
                        partials = prim.partials(*cols, ExactColumn(v))
                        for p, ea in zip(partials, errs, strict=False):
                            if isinstance(p, ExactColumn):
                                p = p.a
                            p = np.asarray(p, dtype=np.float64)
                            e = np.where(ea != 0, e + np.abs(p) * ea, e)
                e = np.where(np.isnan(e), inf, e)
                e = np.where(np.isfinite(v), e, inf)
            values.append(v)
            bounds.append(e)
        return values[output], bounds[output]


class _Seen:
    """``_Function.seen``: the largest finite |f - f(x)| met, per row."""

    def __init__(self, fx: np.ndarray) -> None:
        self.center = fx
        self.seen = np.zeros(len(fx))

    def see(self, idx, value) -> None:
        change = np.abs(value - self.center[idx])
        old = self.seen[idx]
        self.seen[idx] = np.where((change > old) & (change < math.inf), change, old)


def _plain(order, root, cols: dict, name: str, moved: np.ndarray) -> np.ndarray:
    from .batch import _evaluate

    point = dict(cols)
    point[name] = moved
    v = _evaluate(order, point, exact=True)[root]
    return np.broadcast_to(np.asarray(v, dtype=np.float64), moved.shape)


def _first_simple(order, root, cols, name, fx, scheme, step, seen: _Seen):
    """The forward or central scheme (``numeric._first``)."""
    x = cols[name]
    every = slice(None)

    def f(h):
        value = _plain(order, root, cols, name, x + h)
        seen.see(every, value)
        return value

    rounding = EPS * _wider(np.abs(fx), 1e-300)
    if scheme == "forward":
        h = np.full(len(x), step) if step is not None else math.sqrt(EPS) * _scale(x)
        d = (f(h) - fx) / h
        d_half = (f(h / 2) - fx) / (h / 2)
        return d, 2 * np.abs(d - d_half) + rounding / h
    h = np.full(len(x), step) if step is not None else EPS ** (1 / 3) * _scale(x)

    def central(k):
        return (f(k) - f(-k)) / (2 * k)

    d = central(h)
    return d, np.abs(central(2 * h) - d) / 3 + rounding / h


def _richardson(bounded: _Bounded, cols, name, fx, h0, size, seen: _Seen, at: int = -1):
    """``numeric._extrapolate`` and ``numeric._best`` for one sequence of
    steps per row (``numeric._first``'s central differences), every row at
    once; returns (value, estimate)."""
    x_all = cols[name]

    def difference(idx, h):
        sub = {k: (v[idx] if isinstance(v, np.ndarray) and v.ndim else v) for k, v in cols.items()}
        x = x_all[idx]
        xp, xm = x + h, x - h
        sub[name] = xp
        fp, ep = bounded(sub, len(idx), at)
        seen.see(idx, fp)
        sub[name] = xm
        fm, em = bounded(sub, len(idx), at)
        seen.see(idx, fm)
        width = xp - xm
        d = (fp - fm) / width
        return d, (ep + em) / width + EPS * np.abs(d)

    return _extrapolate(difference, h0, size)


def _extrapolate(difference, h0, size):
    """``numeric._extrapolate`` then ``numeric._best`` per row: ``h0`` and
    ``size`` per row; ``difference(rows, h)`` the (d, noise) of those rows
    at their steps ``h``."""
    m = len(h0)
    width_k = DEPTH + 1
    slots = (ROWS - 2) * width_k
    cv = np.full((m, slots), math.nan)
    ce = np.full((m, slots), math.inf)
    cr = np.zeros((m, slots))
    valid = np.zeros((m, slots), dtype=bool)
    last = np.full(m, math.nan)
    # the state of the rows still running, compressed to them
    idx = np.arange(m)
    h = h0.copy()
    h0a = h0.copy()
    sz = size.copy()
    best = np.full(m, math.nan)
    best_est = np.full(m, math.inf)
    stale = np.zeros(m, dtype=np.int64)
    hist: list[list[tuple[np.ndarray, np.ndarray]]] = []
    for it in range(ROWS):
        if len(idx) == 0:
            break
        d, noise = difference(idx, h)
        last[idx] = np.where(d == d, d, last[idx])
        row = [(d, noise)]
        if hist:
            prev = hist[-1]
            for j in range(1, min(len(prev), DEPTH) + 1):
                fac = RATIO ** (2 * j)
                t_lo, n_lo = row[j - 1]
                t_pr, n_pr = prev[j - 1]
                row.append((t_lo + (t_lo - t_pr) / (fac - 1), (fac * n_lo + n_pr) / (fac - 1)))
        hist.append(row)
        if len(hist) >= 3:
            k = it - 1  # the row judged (hist keeps the last three)
            before, mid, after = hist[-3], hist[-2], hist[-1]
            for j, (t, tn) in enumerate(mid):
                if j == 0:
                    trunc = np.abs(t - before[0][0])
                else:
                    fac = RATIO ** (2 * j)
                    trunc = np.abs(mid[j - 1][0] - before[j - 1][0]) * fac / (fac - 1)
                if j < len(before):
                    trunc = _wider(trunc, np.abs(t - before[j][0]))
                trunc = _wider(trunc, np.abs(after[j][0] - t))
                estimate = trunc + tn
                ok = estimate < math.inf
                reach = h0a / RATIO ** max(k - j - 1, 0)
                slot = (k - 1) * width_k + j
                rows_ok = idx[ok]
                cv[rows_ok, slot] = t[ok]
                ce[rows_ok, slot] = estimate[ok]
                cr[rows_ok, slot] = reach[ok]
                valid[rows_ok, slot] = True
                better = ok & (estimate < best_est)
                best = np.where(better, t, best)
                best_est = np.where(better, estimate, best_est)
            hist = hist[-2:]
        gap = np.abs(d - best)
        cond = (
            (noise > 10 * best_est)
            & (noise > nm.STALE * _wider(np.abs(best), sz))
            & (gap <= 2 * (noise + best_est))
        )
        if it + 1 >= nm.LINEAR_ROWS:
            cond |= (best != 0) & (gap <= 4 * EPS * np.abs(best))
        stale = np.where(cond, stale + 1, 0)
        keep = stale < 3
        if not keep.all():
            idx, h, h0a, sz = idx[keep], h[keep], h0a[keep], sz[keep]
            best, best_est, stale = best[keep], best_est[keep], stale[keep]
            hist = [[(t[keep], tn[keep]) for t, tn in r] for r in hist]
        h = h / RATIO
    return _best(cv, ce, cr, valid, last)


def _best(cv, ce, cr, valid, last):
    """``numeric._best`` per row (ties to the first candidate, as ``min``)."""
    m = len(last)
    value = np.full(m, math.nan)
    estimate = np.full(m, math.inf)
    pool = valid & (cv == cv)
    none = ~valid.any(axis=1)
    # too few finite differences to judge any: the last one, unvouched
    value[none] = last[none]
    open_ = pool.any(axis=1)
    rows = np.arange(m)
    while open_.any():
        r = rows[open_]
        p = pool[r]
        i = np.argmin(np.where(p, ce[r], math.inf), axis=1)
        v, e, reach = cv[r, i], ce[r, i], cr[r, i]
        local = p & (cr[r] < reach[:, None])
        against = local & (np.abs(cv[r] - v[:, None]) > ce[r] + e[:, None])
        fine = ~against.any(axis=1)
        value[r[fine]] = v[fine]
        estimate[r[fine]] = e[fine]
        pool[r] = local
        open_[r[fine]] = False
        open_[r[~fine]] = local[~fine].any(axis=1)
    return value, estimate


def _unreliable(value, estimate, zero_scale) -> np.ndarray:
    """``numeric.unreliable`` on columns, for finite entries."""
    magnitude = np.abs(value)
    low = magnitude <= estimate
    floor = np.maximum(np.maximum(magnitude, zero_scale), sys.float_info.min)
    magnitude = np.where(low, floor, magnitude)
    return np.isfinite(value) & ~(estimate <= nm.RELIABLE * magnitude)


def gradient(program, columns: dict, wrt, n: int, options: dict):
    """The columns (value, d/dx...) of the numeric gradient and the rows to
    compute again one by one (``bad``)."""
    outs, bad = _differences(program, columns, wrt, n, options, [-1], [set(program.variables)])
    return [outs[0], *outs[1:]], bad


def jacobian(program, columns: dict, wrt, n: int, options: dict):
    """The columns (value_f1..., df1/dx...) of the numeric Jacobian
    (``numeric.jacobian``: each entry its own sequence of steps, over the
    output's values at the moved points) and the rows to compute again."""
    position = {node: i for i, node in enumerate(program.steps)}
    ats = [position[o] for o in program.outputs]
    reaches = [set(program.reaches[f]) for f in program.names]
    return _differences(program, columns, wrt, n, options, ats, reaches)


def _differences(program, columns: dict, wrt, n: int, options: dict, ats, reaches):
    """The outputs at positions ``ats`` of the program's steps and their
    differences by each of ``wrt`` (output by output, as ``_result_row``
    orders a Jacobian); a name an output does not reach gets 0."""
    from .batch import _evaluate, _mark_kinks, _mark_partials, _mark_values

    scheme = options.get("scheme") or nm.DEFAULT_SCHEME
    step = options.get("step")
    order = program.steps
    bad = np.zeros(n, dtype=bool)
    values = _evaluate(order, columns, exact=True)
    _mark_values(order, values, bad, n)
    _mark_partials(order, values, wrt, bad, n, True)
    _mark_kinks(order, values, wrt, bad, n)
    fxs = [np.broadcast_to(np.asarray(values[order[at]], dtype=np.float64), (n,)) for at in ats]
    for fx in fxs:
        bad |= ~(np.abs(fx) >= sys.float_info.min)  # the underflow warning's rows
    present = set(program.variables)
    for name in wrt:
        if name not in present:
            continue
        x = columns[name]
        if step is not None:
            bad |= (x + step == x) | (x - step == x)
        elif scheme == nm.DEFAULT_SCHEME:
            bad |= (0 < np.abs(x)) & (np.abs(x) < nm.TINY_X)
    entries = [[np.zeros(n) for _ in wrt] for _ in ats]
    bounded = _Bounded(order) if scheme == nm.DEFAULT_SCHEME else None
    for start in range(0, n, SUB):
        part = np.nonzero(~bad[start : start + SUB])[0] + start
        if len(part) == 0:
            continue
        cols = {k: (v[part] if isinstance(v, np.ndarray) and v.ndim else v)
                for k, v in columns.items()}  # fmt: skip
        flagged = np.zeros(len(part), dtype=bool)
        for at, fx, row, reach in zip(ats, fxs, entries, reaches, strict=True):
            f0 = fx[part]
            for g, name in zip(row, wrt, strict=True):
                if name not in present or name not in reach:
                    continue
                x = cols[name]
                seen = _Seen(f0)
                if bounded is None:
                    d, e = _first_simple(order, order[at], cols, name, f0, scheme, step, seen)
                else:
                    h0 = np.full(len(part), step) if step is not None else _scale(x)
                    size = np.abs(f0) / _scale(x)
                    d, e = _richardson(bounded, cols, name, f0, h0, size, seen, at)
                sizes = np.where(seen.seen != 0, seen.seen, np.abs(f0)) / _scale(x)
                flagged |= _unreliable(d, e, sizes)
                g[part] = d
        bad[part[flagged]] = True
    return [*fxs, *(g for row in entries for g in row)], bad


def _moved(order, root, cols: dict, moved: dict, seen: _Seen) -> np.ndarray:
    """f with the variables of ``moved`` set to those columns (``_Function``'s
    plain evaluation), seen by ``seen``."""
    from .batch import _evaluate

    point = dict(cols)
    point.update(moved)
    m = len(seen.center)
    v = _evaluate(order, point, exact=True)[root]
    v = np.broadcast_to(np.asarray(v, dtype=np.float64), (m,))
    seen.see(slice(None), v)
    return v


def _second_simple(order, root, cols, a, b, fx, scheme, step, seen: _Seen):
    """``numeric._second``'s forward and central schemes."""
    xa, xb = cols[a], cols[b]
    sa, sb = _scale(xa), _scale(xb)
    rounding = EPS * _wider(np.abs(fx), 1e-300)

    def f(moved):
        return _moved(order, root, cols, moved, seen)

    def shift(ha, hb):
        if a == b:
            return {a: xa + (ha + hb)}
        return {a: xa + ha, b: xb + hb}

    if scheme == "forward":
        t = step if step is not None else EPS ** (1 / 3)
        ha, hb = t * (1 if step else sa), t * (1 if step else sb)

        def fwd(ha, hb):
            return (f(shift(ha, hb)) - f(shift(ha, 0)) - f(shift(0, hb)) + fx) / (ha * hb)

        d = fwd(ha, hb)
        return d, 2 * np.abs(fwd(ha / 2, hb / 2) - d) + 4 * rounding / (ha * hb)

    def central(t):
        ha, hb = t * (1 if step else sa), t * (1 if step else sb)
        if a == b:
            return (f({a: xa + ha}) - 2 * fx + f({a: xa + -ha})) / (ha * ha)
        return (f(shift(ha, hb)) - f(shift(ha, -hb)) - f(shift(-ha, hb)) + f(shift(-ha, -hb))) / (
            4 * ha * hb
        )

    t = step if step is not None else EPS**0.25
    d = central(t)
    ha, hb = t * (1 if step else sa), t * (1 if step else sb)
    return d, np.abs(central(2 * t) - d) / 3 + 4 * rounding / (ha * hb)


def _second_richardson(bounded: _Bounded, cols, a, b, fx, e0, step, seen: _Seen):
    """``numeric._second``'s Richardson extrapolation (one sequence per row)."""
    xa, xb = cols[a], cols[b]
    m = len(fx)

    def sub_of(idx):
        return {k: (v[idx] if isinstance(v, np.ndarray) and v.ndim else v) for k, v in cols.items()}

    if a == b:

        def diagonal(idx, h):
            x, f0, z = xa[idx], fx[idx], e0[idx]
            xp, xm = x + h, x - h
            hp, hm = xp - x, x - xm  # the steps actually taken
            sub = sub_of(idx)
            sub[a] = xp
            fp, ep = bounded(sub, len(idx))
            seen.see(idx, fp)
            sub[a] = xm
            fm, em = bounded(sub, len(idx))
            seen.see(idx, fm)
            d = 2 * ((fp - f0) / hp - (f0 - fm) / hm) / (hp + hm)
            noise = 2 * ((ep + z) / hp + (z + em) / hm) / (hp + hm)
            return d, noise + EPS * np.abs(d)

        h0 = np.full(m, step) if step is not None else _scale(xa)
        squares = np.array([s**2 for s in _scale(xa).tolist()])  # float ** as one point
        return _extrapolate(diagonal, h0, np.abs(fx) / squares)
    s = np.full(m, step) if step is not None else _scale(xa)
    r = np.full(m, step) if step is not None else _scale(xb)

    def mixed(idx, t):
        ha, hb = t * s[idx], t * r[idx]
        x, y = xa[idx], xb[idx]
        xp, xm, yp, ym = x + ha, x - ha, y + hb, y - hb
        sub = sub_of(idx)
        out = []
        for xi, yi in ((xp, yp), (xp, ym), (xm, yp), (xm, ym)):
            sub[a], sub[b] = xi, yi
            v, e = bounded(sub, len(idx))
            seen.see(idx, v)
            out.append((v, e))
        area = (xp - xm) * (yp - ym)
        (fpp, epp), (fpm, epm), (fmp, emp), (fmm, emm) = out
        d = (fpp - fpm - fmp + fmm) / area
        return d, (epp + epm + emp + emm) / area + EPS * np.abs(d)

    size = np.abs(fx) / (_scale(xa) * _scale(xb))
    return _extrapolate(mixed, np.ones(m), size)


def hessian(program, columns: dict, wrt, n: int, options: dict):
    """The columns (value, d/dx..., d2/dxdy... row by row) of the numeric
    Hessian (``numeric.hessian``: the gradient's differences, then second
    differences per pair; structural zeros are 0) and the rows to compute
    again one by one."""
    from .backends import program_gradient_graphs, structural_zeros_hessian
    from .batch import _cached, _evaluate, _known, _mark_second

    scheme = options.get("scheme") or nm.DEFAULT_SCHEME
    step = options.get("step")
    outs, bad = gradient(program, columns, wrt, n, options)
    fx = outs[0]
    k = len(wrt)
    matrix = {(i, j): np.zeros(n) for i in range(k) for j in range(i, k)}
    if any(name not in columns for name in wrt):  # a variable f lacks: one by one
        bad[:] = True
    else:
        for name in wrt:  # one point's float ``scale ** 2`` overflows (it raises there)
            bad |= ~(_scale(columns[name]) ** 2 < math.inf)
        values = _evaluate(program.steps, columns, exact=True)
        known = _known(program, values, columns, wrt)
        _mark_second(program, wrt, columns, known, bad, n, True)
    zeros = set(
        _cached(
            program,
            ("numeric zeros", wrt),
            lambda: structural_zeros_hessian(program_gradient_graphs(program, wrt), wrt),
        )
    )
    order, root = program.steps, program.root
    bounded = _Bounded(order) if scheme == nm.DEFAULT_SCHEME else None
    for start in range(0, n, SUB):
        part = np.nonzero(~bad[start : start + SUB])[0] + start
        if len(part) == 0:
            continue
        cols = {c: (v[part] if isinstance(v, np.ndarray) and v.ndim else v)
                for c, v in columns.items()}  # fmt: skip
        f0 = fx[part]
        e0 = bounded(cols, len(part))[1] if bounded is not None else None
        flagged = np.zeros(len(part), dtype=bool)
        for i, a in enumerate(wrt):
            for j in range(i, k):
                b = wrt[j]
                if (a, b) in zeros:
                    continue
                seen = _Seen(f0)
                if bounded is None:
                    d, e = _second_simple(order, root, cols, a, b, f0, scheme, step, seen)
                else:
                    d, e = _second_richardson(bounded, cols, a, b, f0, e0, step, seen)
                scale = _scale(cols[a]) * _scale(cols[b])
                sizes = np.where(seen.seen != 0, seen.seen, np.abs(f0)) / scale
                flagged |= _unreliable(d, e, sizes)
                matrix[i, j][part] = d
        bad[part[flagged]] = True
    entries = [matrix[min(i, j), max(i, j)] for i in range(k) for j in range(k)]
    return [*outs, *entries], bad
