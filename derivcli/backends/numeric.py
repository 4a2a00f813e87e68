"""Numeric mode: finite differences, the seed's ``gradientes()``.

Schemes:

* ``forward``: (f(x+h) - f(x)) / h, the seed's formula; with ``--step 1e-4``
  it reproduces the notebook's figures digit for digit.
* ``central``: (f(x+h) - f(x-h)) / 2h, error O(h^2).
* ``richardson`` (default): central differences at shrinking steps,
  extrapolated to h -> 0 by Richardson's method in Ridders' tableau, which
  also yields an error estimate.

Every entry comes with an estimate of its absolute error. The cost is the
number of evaluations of f, counted and reported.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable

from ..errors import UsageError
from ..graph import Graph, evaluate_all, topo_order
from ..results import Gradient, Hessian
from . import gradient_result, hessian_result

NAME = "numeric"
SCHEMES = ("forward", "central", "richardson")
DEFAULT_SCHEME = "richardson"
EPS = sys.float_info.epsilon


class _Function:
    """f as a function of a point, counting its evaluations."""

    def __init__(self, graph: Graph, point: dict[str, float]) -> None:
        self.order = topo_order(graph.root)
        self.root = graph.root
        self.point = dict(point)
        self.count = 0

    def __call__(self, shifts: dict[str, float]) -> float:
        """f at the point moved by ``shifts`` (absolute steps per variable).

        Off the point f may leave its domain; that gives nan, not an error.
        """
        self.count += 1
        moved = dict(self.point)
        for name, h in shifts.items():
            moved[name] = moved[name] + h
        return evaluate_all(self.order, moved, strict=False)[self.root]


def _scale(x: float) -> float:
    return max(abs(x), 1.0)


def _ridders(estimate: Callable[[float], float], h0: float) -> tuple[float, float, float]:
    """Ridders' extrapolation of ``estimate(h)`` (error a series in h^2) to h -> 0.

    Returns the best value, its error estimate (from the tableau) and the
    smallest step it used, whose rounding noise the caller adds to the
    estimate. Numerical Recipes, dfridr.
    """
    con, con2, ntab, safe = 1.4, 1.96, 10, 2.0
    h = h0
    first = estimate(h)
    tries = 0
    while not math.isfinite(first) and tries < 8:  # step leaves the domain
        h /= 10.0
        first = estimate(h)
        tries += 1
    table = [[first]]
    best, err, h_best = first, math.inf, h
    for i in range(1, ntab):
        h /= con
        row = [estimate(h)]
        fac = con2
        for j in range(1, i + 1):
            row.append((row[j - 1] * fac - table[i - 1][j - 1]) / (fac - 1.0))
            fac *= con2
            errt = max(abs(row[j] - row[j - 1]), abs(row[j] - table[i - 1][j - 1]))
            if errt <= err:
                err, best, h_best = errt, row[j], h
        table.append(row)
        if abs(row[i] - table[i - 1][i - 1]) >= safe * err:
            break
    return best, err, h_best


def _check(scheme: str, step: float | None) -> None:
    if scheme not in SCHEMES:
        raise UsageError(f"unknown scheme '{scheme}'; choose one of {', '.join(SCHEMES)}")
    if step is not None and not (math.isfinite(step) and step > 0):
        raise UsageError(f"--step must be a positive number, got {step}; try --step 1e-4")


def _first(f: _Function, fx: float, name: str, scheme: str, step: float | None):
    """d f / d name: (estimate, error estimate)."""
    x = f.point[name]
    rounding = EPS * max(abs(fx), 1e-300)
    if scheme == "forward":
        h = step if step is not None else math.sqrt(EPS) * _scale(x)
        d = (f({name: h}) - fx) / h
        d_half = (f({name: h / 2}) - fx) / (h / 2)
        return d, 2 * abs(d - d_half) + rounding / h
    if scheme == "central":
        h = step if step is not None else EPS ** (1 / 3) * _scale(x)

        def central(k: float) -> float:
            return (f({name: k}) - f({name: -k})) / (2 * k)

        d = central(h)
        return d, abs(central(2 * h) - d) / 3 + rounding / h
    h0 = step if step is not None else 0.1 * _scale(x)
    d, err, h = _ridders(lambda k: (f({name: k}) - f({name: -k})) / (2 * k), h0)
    # extrapolation cannot beat rounding: f's own rounding over the step,
    # amplified by the extrapolation, and a few ulps of the result
    return d, err + 8 * EPS * (abs(fx) / h + abs(d))


def _second(f: _Function, fx: float, a: str, b: str, scheme: str, step: float | None):
    """d2 f / d a d b: (estimate, error estimate)."""
    sa, sb = _scale(f.point[a]), _scale(f.point[b])
    rounding = EPS * max(abs(fx), 1e-300)

    def shift(ha: float, hb: float) -> dict[str, float]:
        if a == b:
            return {a: ha + hb}
        return {a: ha, b: hb}

    if scheme == "forward":
        t = step if step is not None else EPS ** (1 / 3)
        ha, hb = t * (1 if step else sa), t * (1 if step else sb)

        def fwd(ha: float, hb: float) -> float:
            return (f(shift(ha, hb)) - f(shift(ha, 0)) - f(shift(0, hb)) + fx) / (ha * hb)

        d = fwd(ha, hb)
        return d, 2 * abs(fwd(ha / 2, hb / 2) - d) + 4 * rounding / (ha * hb)

    def central(t: float) -> float:
        ha, hb = t * (1 if step else sa), t * (1 if step else sb)
        if a == b:
            return (f({a: ha}) - 2 * fx + f({a: -ha})) / (ha * ha)
        return (f(shift(ha, hb)) - f(shift(ha, -hb)) - f(shift(-ha, hb)) + f(shift(-ha, -hb))) / (
            4 * ha * hb
        )

    if scheme == "central":
        t = step if step is not None else EPS**0.25
        d = central(t)
        ha, hb = t * (1 if step else sa), t * (1 if step else sb)
        return d, abs(central(2 * t) - d) / 3 + 4 * rounding / (ha * hb)
    t0 = step if step is not None else 0.1
    d, err, t = _ridders(central, t0)
    ha, hb = t * (1 if step else sa), t * (1 if step else sb)
    return d, err + 16 * EPS * (abs(fx) / (ha * hb) + abs(d))


def gradient(
    graph: Graph,
    point: dict,
    wrt: tuple[str, ...],
    *,
    scheme: str = DEFAULT_SCHEME,
    step: float | None = None,
    **options,
) -> Gradient:
    _check(scheme, step)
    f = _Function(graph, point)
    fx = evaluate_all(f.order, point)[graph.root]  # strict: domain errors
    f.count += 1
    grad, errors = {}, {}
    present = set(graph.variables)
    for name in wrt:
        if name not in present:
            grad[name], errors[name] = 0.0, 0.0
            continue
        grad[name], errors[name] = _first(f, fx, name, scheme, step)
    return gradient_result(
        NAME, graph, point, wrt, fx, grad, evaluations=f.count, error_estimate=errors
    )


def hessian(
    graph: Graph,
    point: dict,
    wrt: tuple[str, ...],
    *,
    scheme: str = DEFAULT_SCHEME,
    step: float | None = None,
    **options,
) -> Hessian:
    first = gradient(graph, point, wrt, scheme=scheme, step=step)
    f = _Function(graph, point)
    fx = first.value
    present = set(graph.variables)
    rows: dict[str, dict[str, float]] = {name: {} for name in wrt}
    errors: dict[str, dict[str, float]] = {name: {} for name in wrt}
    for i, a in enumerate(wrt):
        for b in wrt[i:]:
            if a in present and b in present:
                d, e = _second(f, fx, a, b, scheme, step)
            else:
                d, e = 0.0, 0.0
            rows[a][b] = rows[b][a] = d
            errors[a][b] = errors[b][a] = e
    rows = {a: {b: rows[a][b] for b in wrt} for a in wrt}
    errors = {a: {b: errors[a][b] for b in wrt} for a in wrt}
    return hessian_result(
        NAME,
        graph,
        point,
        wrt,
        fx,
        first.gradient,
        rows,
        evaluations=first.evaluations + f.count,
        error_estimate=errors,
    )
