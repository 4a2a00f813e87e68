"""Numeric mode: finite differences, the seed's ``gradientes()``.

Schemes:

* ``forward``: (f(x+h) - f(x)) / h, the seed's formula; with ``--step 1e-4``
  it reproduces the notebook's figures digit for digit.
* ``central``: (f(x+h) - f(x-h)) / 2h, error O(h^2).
* ``richardson`` (default): central differences at a geometric sequence of
  steps, extrapolated to h -> 0 by Richardson's method; the estimate with the
  smallest error estimate wins (module notes below).

Every entry comes with an estimate of its absolute error, and an entry whose
estimate exceeds :data:`RELIABLE` of its magnitude carries a warning
("unreliable"). The cost is the number of evaluations of f, counted and
reported.

How ``richardson`` chooses its steps (as numdifftools does)
    The steps are ``s * 2^-k``, k = 0, 1, ..., at most :data:`ROWS` of them,
    for a scale ``s = max(|x|, 1)``; when 0 < |x| < :data:`TINY_X` a second
    sequence starts at ``s = |x|`` (a tiny x is scaled by itself). Each new
    central difference extends a Richardson tableau (columns eliminate h^2,
    h^4, ... up to :data:`DEPTH`); every entry is a candidate, and the one
    with the smallest error estimate is kept. A candidate's estimate is its
    truncation error, estimated from its neighbours (Ridders' difference of
    the two lower-order estimates it came from, and the same-order estimates
    at the previous *and the next* step, so a coincidental agreement of two
    differences is not taken for convergence), plus a bound on rounding: f
    is evaluated with a running (first-order) error bound at each point, and
    the bounds are carried through the differences and the extrapolation.
    The sequence stops early once an estimate reaches the rounding level of
    the result, or when rounding alone, growing as the step shrinks, has
    exceeded the best estimate for a few steps.

Where extrapolation does not converge (a kink, a jump, a pole within the
steps) the estimates stay large, and the entry is reported with its large
estimate and an "unreliable" warning, never as a confident number.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable

from ..errors import UsageError
from ..graph import Graph, Node, Program, evaluate_all, topo_order
from ..primitives import _div
from ..results import Gradient, Hessian, Jacobian
from . import (
    MODE_OPTIONS,
    gradient_result,
    hessian_result,
    jacobian_result,
    program_gradient_graphs,
    structural_zeros_hessian,
)

NAME = "numeric"
#: the schemes ``--scheme`` offers, as the mode declares them (backends.DECLARED)
SCHEMES = MODE_OPTIONS["scheme"][1].choices
DEFAULT_SCHEME = "richardson"
EPS = sys.float_info.epsilon
#: an absolute rounding error every operation may make (gradual underflow)
TINY = math.ulp(0.0)
#: the step ratio of the sequence, its length and the tableau's depth
RATIO = 2.0
ROWS = 31
DEPTH = 4
#: below this |x| a second sequence of steps scaled by |x| itself is tried
TINY_X = 2.0**-20
#: an error estimate above this fraction of the entry's magnitude is a warning
RELIABLE = 1e-6
#: a sequence stops once rounding shows at this fraction of the result, or
#: after this many steps if the differences no longer change at all
STALE = 1e-9
LINEAR_ROWS = 16


class _Function:
    """f as a function of a point, counting its evaluations."""

    def __init__(self, graph: Graph, point: dict[str, float]) -> None:
        self.order = graph.steps
        self.root = graph.root
        self.point = dict(point)
        self.count = 0
        #: the largest finite |f - center| met since it was last reset: how
        #: much f varies over the steps, the scale of an entry near 0
        self.seen = 0.0
        self.center = 0.0
        self._plan: _Plan | None = None

    def __call__(self, shifts: dict[str, float]) -> float:
        """f at the point moved by ``shifts`` (absolute steps per variable).

        Off the point f may leave its domain; that gives nan, not an error.
        """
        self.count += 1
        moved = dict(self.point)
        for name, h in shifts.items():
            moved[name] = moved[name] + h
        value = evaluate_all(self.order, moved, strict=False)[self.root]
        self._see(value)
        return value

    def _see(self, value: float) -> None:
        change = abs(value - self.center)
        if change > self.seen and change < math.inf:
            self.seen = change

    def bounded(self, moved: dict[str, float]) -> tuple[float, float]:
        """f at the point with the variables of ``moved`` set to those values,
        and a bound on its rounding error (non-finite where f is)."""
        self.count += 1
        point = dict(self.point)
        point.update(moved)
        if self._plan is None:
            self._plan = _Plan(self.order)
        value, bound = self._plan(point)
        self._see(value)
        return value, bound


def evaluate_bounded(order: list[Node], point: dict[str, float]) -> tuple[float, float]:
    """The value of the last node of ``order`` and a first-order bound on its
    rounding error: every operation adds ``EPS*|result| + TINY`` and passes on
    its arguments' bounds times the magnitude of its partials (a running
    error analysis, Wilkinson's). Leaves are exact."""
    return _Plan(order)(point)


_ADD, _SUB, _NEG, _MUL, _DIV, _OTHER, _CONST, _VAR = range(8)
_CODES = {"add": _ADD, "sub": _SUB, "neg": _NEG, "mul": _MUL, "div": _DIV}


class _Plan:
    """``evaluate_bounded`` compiled once for a graph: a flat list of steps
    with argument positions, so each of the many evaluations is one loop
    over lists."""

    def __init__(self, order: list[Node]) -> None:
        position = {node: i for i, node in enumerate(order)}
        self.steps = []
        for node in order:
            if node.op == "const":
                self.steps.append((_CONST, node.value, None, ()))
            elif node.op == "var":
                self.steps.append((_VAR, node.name, None, ()))
            else:
                code = _CODES.get(node.op, _OTHER)
                args = tuple(position[a] for a in node.args)
                self.steps.append((code, node.prim.fn, node.prim, args))

    def __call__(self, point: dict[str, float]) -> tuple[float, float]:
        values, bounds = self.run(point)
        return values[-1], bounds[-1]

    def run(self, point: dict[str, float]) -> tuple[list[float], list[float]]:
        """Every step's value and rounding bound (the whole environment)."""
        n = len(self.steps)
        values = [0.0] * n
        bounds = [0.0] * n
        inf = math.inf
        v = e = math.nan
        for i, (code, what, prim, at) in enumerate(self.steps):
            if code == _CONST:
                v, e = what, 0.0
            elif code == _VAR:
                v, e = point[what], 0.0
            elif code == _NEG:
                j = at[0]
                v, e = -values[j], bounds[j]
            else:
                args = [values[j] for j in at]
                v = what(*args)
                if v - v != 0:
                    e = inf
                elif code == _ADD or code == _SUB:
                    e = EPS * abs(v) + TINY + bounds[at[0]] + bounds[at[1]]
                elif code == _MUL:
                    e = (EPS * abs(v) + TINY + abs(args[1]) * bounds[at[0]]
                         + abs(args[0]) * bounds[at[1]])  # fmt: skip
                elif code == _DIV:
                    e = (
                        EPS * abs(v)
                        + TINY
                        + (bounds[at[0]] + abs(v) * bounds[at[1]]) / abs(args[1])
                    )
                else:
                    e = EPS * abs(v) + TINY
                    errs = [bounds[j] for j in at]
                    if any(errs):
                        partials = prim.partials(*args, v)
                        for p, ea in zip(partials, errs):
                            if ea:
                                e += abs(float(p)) * ea
                if e != e:
                    e = inf
            values[i] = v
            bounds[i] = e
        return values, bounds


def _scale(x: float) -> float:
    return max(abs(x), 1.0)


def _scales(x: float) -> list[float]:
    """The scales of the step sequences for a variable at ``x``."""
    if 0 < abs(x) < TINY_X:
        return [_scale(x), abs(x)]
    return [_scale(x)]


class _Tableau:
    """Richardson's tableau over central differences at steps h0, h0/2, ...
    (error a series in h^2). ``add(d, noise)`` gives the next difference and
    a bound on its rounding error; every entry becomes a candidate
    ``(value, estimate, reach)`` once the next row exists (``reach`` is the
    largest step its estimate relies on); ``done`` says when smaller steps
    cannot help."""

    def __init__(self, h0: float, size: float) -> None:
        self.h0 = h0
        self.size = size
        self.rows: list[list[tuple[float, float]]] = []
        self.candidates: list[tuple[float, float, float]] = []
        self.best = math.nan
        self.best_estimate = math.inf
        self._stale = 0

    def add(self, d: float, noise: float) -> None:
        row = [(d, noise)]
        prev = self.rows[-1] if self.rows else None
        if prev is not None:
            for j in range(1, min(len(prev), DEPTH) + 1):
                fac = RATIO ** (2 * j)
                t_lo, n_lo = row[j - 1]
                t_pr, n_pr = prev[j - 1]
                row.append((t_lo + (t_lo - t_pr) / (fac - 1), (fac * n_lo + n_pr) / (fac - 1)))
        self.rows.append(row)
        if len(self.rows) >= 3:
            self._judge(len(self.rows) - 2)
        # rounding alone exceeds the best estimate (and shows at 1e-9 of the
        # result), and the differences agree with the best: smaller steps
        # have nothing left to show
        # or, far enough down, the differences are the best to rounding: f is
        # linear on the steps' scale
        if (
            noise > 10 * self.best_estimate
            and noise > STALE * max(abs(self.best), self.size)
            and abs(d - self.best) <= 2 * (noise + self.best_estimate)
        ) or (
            len(self.rows) >= LINEAR_ROWS
            and self.best != 0
            and abs(d - self.best) <= 4 * EPS * abs(self.best)
        ):
            self._stale += 1
        else:
            self._stale = 0

    def _judge(self, k: int) -> None:
        """Score the candidates of row ``k``, now that row ``k + 1`` exists."""
        before, row, after = self.rows[k - 1], self.rows[k], self.rows[k + 1]
        for j, (t, noise) in enumerate(row):
            if j == 0:
                trunc = abs(t - before[0][0])
            else:
                fac = RATIO ** (2 * j)
                trunc = abs(row[j - 1][0] - before[j - 1][0]) * fac / (fac - 1)
            if j < len(before):
                trunc = max(trunc, abs(t - before[j][0]))
            trunc = max(trunc, abs(after[j][0] - t))
            estimate = trunc + noise
            if estimate < math.inf:
                reach = self.h0 / RATIO ** max(k - j - 1, 0)
                self.candidates.append((t, estimate, reach))
                if estimate < self.best_estimate:
                    self.best, self.best_estimate = t, estimate

    @property
    def done(self) -> bool:
        return self._stale >= 3


def _extrapolate(
    difference: Callable[[float], tuple[float, float]], h0: float, size: float
) -> list[tuple[float, float, float]]:
    """The candidates of one sequence of steps starting at ``h0``; ``size`` is
    the magnitude a derivative of f has here (``|f| / scale``), for stopping."""
    tableau = _Tableau(h0, size)
    h = h0
    last = math.nan
    for _ in range(ROWS):
        if h == 0:  # the sequence underflowed (a subnormal x scales its own steps)
            break
        d, noise = difference(h)
        if d == d:
            last = d
        tableau.add(d, noise)
        if tableau.done:
            break
        h /= RATIO
    if not tableau.candidates and last == last:
        # too few finite differences to judge any: the last one, unvouched
        return [(last, math.inf, h)]
    return tableau.candidates


def _best(candidates: list[tuple[float, float, float]]) -> tuple[float, float]:
    """The candidate with the smallest error estimate, unless a candidate of
    smaller reach (more local) contradicts it beyond both estimates: then
    the larger steps met something other than the Taylor series at the point
    (a plateau, a kink, a pole), and only the more local candidates count.
    Returns (value, estimate); (nan, inf) without any candidate."""
    pool = [c for c in candidates if c[0] == c[0]]
    while pool:
        value, estimate, reach = min(pool, key=lambda c: c[1])
        local = [c for c in pool if c[2] < reach]
        if not any(abs(c[0] - value) > c[1] + estimate for c in local):
            return value, estimate
        pool = local
    return math.nan, math.inf


def unreliable(value: float, estimate: float | None, zero_scale: float = 0.0) -> bool:
    """Whether an entry's error estimate exceeds :data:`RELIABLE` of its
    magnitude. An entry indistinguishable from 0 (no larger than its
    estimate: differences that cancelled, exactly or to rounding) is
    measured against ``zero_scale`` instead, the size a derivative of f has
    here (how much f varies over the steps, or |f| where it does not vary at
    all, divided by ``max(|x|, 1)`` per order), and never against less than
    the smallest normal double. A NaN
    entry is reported as such, not as unreliable."""
    if estimate is None or value != value:
        return False
    magnitude = abs(value)
    if magnitude <= estimate:
        magnitude = max(magnitude, zero_scale, sys.float_info.min)
    return not estimate <= RELIABLE * magnitude


#: operations whose result underflows from non-zero arguments (sums and
#: differences are exact below the normal range)
_MAY_UNDERFLOW = frozenset({"mul", "div", "pow", "exp", "sigmoid"})


def underflow_warnings(order: list[Node], point: dict[str, float]) -> list[str]:
    """A warning when f itself is below the normal range at the point
    because an operation underflowed (a product, a power or an exp below the
    smallest normal double, from non-zero arguments): finite differences of
    f cannot see derivatives that small."""
    values = evaluate_all(order, point, strict=False)
    if not abs(values[order[-1]]) < sys.float_info.min:
        return []
    for node in order:
        if node.op not in _MAY_UNDERFLOW:
            continue
        v = values[node]
        args = [values[a] for a in node.args]
        if abs(v) < sys.float_info.min and all(a != 0 and math.isfinite(a) for a in args):
            from ..graph import to_infix, variables_of
            from ..numbers import shorten, text_number

            where = ", ".join(f"{n} = {text_number(point[n])}" for n in variables_of(node))
            return [
                f"{shorten(to_infix(node))} underflows at {where} (below the smallest normal "
                "double): finite differences of f cannot resolve derivatives that small; "
                "--mode mpmath can"
            ]
    return []


def unreliable_warning(what: str, value: float, estimate: float, scheme: str) -> str:
    if scheme == DEFAULT_SCHEME:
        cause = (
            "finite differences do not settle here (a kink, a pole or a jump near the point, "
            "or rounding)"
        )
    else:
        # a textbook formula at one step: its truncation (or rounding) error
        cause = f"that is the error of the {scheme} difference at this step"
    return (
        f"{what} is unreliable: error estimate {estimate:.1e} for a value of {value:.6g}; "
        f"{cause}; --mode reverse or --mode mpmath give the exact derivative"
    )


def _check(
    scheme: str, step: float | None, point: dict, names: list[str], *, second: bool = False
) -> None:
    if scheme not in SCHEMES:
        raise UsageError(f"unknown scheme '{scheme}'; choose one of {', '.join(SCHEMES)}")
    if step is None:
        return
    if not (math.isfinite(step) and step > 0):
        raise UsageError(f"--step must be a positive number, got {step}; try --step 1e-4")
    if second and step * step < sys.float_info.min:
        raise UsageError(
            f"--step {step:g} is too small for a Hessian: its square underflows the range "
            "of a double, and second differences divide by it; try --step 1e-4"
        )
    for name in names:
        x = point[name]
        if x + step == x or x - step == x:
            raise UsageError(
                f"--step {step:g} is lost against {name} = {x:g} (x + h is x in a double); "
                f"use a step of at least {2 * math.ulp(x):.1e} there, e.g. --step 1e-4"
            )


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

    def difference(h: float) -> tuple[float, float]:
        xp, xm = x + h, x - h
        fp, ep = f.bounded({name: xp})
        fm, em = f.bounded({name: xm})
        width = xp - xm  # the step actually taken
        if width == 0:
            return math.nan, math.inf
        d = (fp - fm) / width
        return d, (ep + em) / width + EPS * abs(d)

    scales = [step] if step is not None else _scales(x)
    size = abs(fx) / _scale(x)
    return _best([c for s in scales for c in _extrapolate(difference, s, size)])


def _second(f: _Function, f0: tuple[float, float], a: str, b: str, scheme: str, step: float | None):
    """d2 f / d a d b: (estimate, error estimate)."""
    fx = f0[0]
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

    if scheme == "central":

        def central(t: float) -> float:
            ha, hb = t * (1 if step else sa), t * (1 if step else sb)
            if a == b:
                return (f({a: ha}) - 2 * fx + f({a: -ha})) / (ha * ha)
            return (
                f(shift(ha, hb)) - f(shift(ha, -hb)) - f(shift(-ha, hb)) + f(shift(-ha, -hb))
            ) / (4 * ha * hb)

        t = step if step is not None else EPS**0.25
        d = central(t)
        ha, hb = t * (1 if step else sa), t * (1 if step else sb)
        return d, abs(central(2 * t) - d) / 3 + 4 * rounding / (ha * hb)

    x, y = f.point[a], f.point[b]
    e0 = f0[1]

    def diagonal(h: float) -> tuple[float, float]:
        xp, xm = x + h, x - h
        hp, hm = xp - x, x - xm  # the steps actually taken
        if hp == 0 or hm == 0:
            return math.nan, math.inf
        fp, ep = f.bounded({a: xp})
        fm, em = f.bounded({a: xm})
        d = 2 * ((fp - fx) / hp - (fx - fm) / hm) / (hp + hm)
        noise = 2 * ((ep + e0) / hp + (e0 + em) / hm) / (hp + hm)
        return d, noise + EPS * abs(d)

    def mixed(ha: float, hb: float) -> tuple[float, float]:
        xp, xm, yp, ym = x + ha, x - ha, y + hb, y - hb
        values = [f.bounded({a: xi, b: yi}) for xi, yi in ((xp, yp), (xp, ym), (xm, yp), (xm, ym))]
        area = (xp - xm) * (yp - ym)
        (fpp, epp), (fpm, epm), (fmp, emp), (fmm, emm) = values
        if area == 0:
            # the steps' product underflows at tiny points (x, y ~ 1e-300)
            # where each step is still a double: divided by each in turn
            d = _div(_div(fpp - fpm - fmp + fmm, xp - xm), yp - ym)
            return d, _div(_div(epp + epm + emp + emm, xp - xm), yp - ym) + EPS * abs(d)
        d = (fpp - fpm - fmp + fmm) / area
        return d, (epp + epm + emp + emm) / area + EPS * abs(d)

    if a == b:
        scales = [step] if step is not None else _scales(x)
        size = abs(fx) / (_scale(x) * _scale(x))  # (inf, not OverflowError, past 1e154)
        return _best([c for s in scales for c in _extrapolate(diagonal, s, size)])
    if step is not None:
        pairs = [(step, step)]
    else:
        pairs = [(_scale(x), _scale(y))]
        if len(_scales(x)) > 1 or len(_scales(y)) > 1:
            pairs.append((_scales(x)[-1], _scales(y)[-1]))
    candidates = []
    for s, r in pairs:
        size = abs(fx) / (_scale(x) * _scale(y))
        candidates += _extrapolate(lambda t, s=s, r=r: mixed(t * s, t * r), 1.0, size)
    return _best(candidates)


def _flag_unreliable(
    result: Gradient | Hessian, entries: dict, estimates: dict, scales: dict, scheme: str
):
    """Record and warn about the unreliable entries (keys of ``entries``)."""
    kind = "second derivative" if isinstance(next(iter(entries), ""), tuple) else "derivative"
    for key, value in entries.items():
        if math.isfinite(value) and unreliable(value, estimates[key], scales[key]):
            result.unreliable.append(key)
            name = ",".join(key) if isinstance(key, tuple) else key
            result.warnings.append(
                unreliable_warning(f"the {kind} by {name}", value, estimates[key], scheme)
            )


def gradient(
    graph: Graph,
    point: dict,
    wrt: tuple[str, ...],
    *,
    scheme: str = DEFAULT_SCHEME,
    step: float | None = None,
    **options,
) -> Gradient:
    present = set(graph.variables)
    _check(scheme, step, point, [name for name in wrt if name in present])
    f = _Function(graph, point)
    fx = evaluate_all(f.order, point)[graph.root]  # strict: domain errors
    f.count += 1
    grad, errors, sizes = {}, {}, {}
    for name in wrt:
        if name not in present:
            grad[name], errors[name], sizes[name] = 0.0, 0.0, 0.0
            continue
        f.seen, f.center = 0.0, fx
        grad[name], errors[name] = _first(f, fx, name, scheme, step)
        sizes[name] = (f.seen or abs(fx)) / _scale(point[name])
    result = gradient_result(
        NAME, graph, point, wrt, fx, grad, evaluations=f.count, error_estimate=errors
    )
    if math.isfinite(fx):
        _flag_unreliable(result, grad, errors, sizes, scheme)
        result.warnings.extend(underflow_warnings(f.order, point))
    return result


def hessian(
    graph: Graph,
    point: dict,
    wrt: tuple[str, ...],
    *,
    scheme: str = DEFAULT_SCHEME,
    step: float | None = None,
    **options,
) -> Hessian:
    present = set(graph.variables)
    _check(scheme, step, point, [name for name in wrt if name in present], second=True)
    first = gradient(graph, point, wrt, scheme=scheme, step=step)
    f = _Function(graph, point)
    fx = first.value
    f0 = f.bounded({}) if scheme == DEFAULT_SCHEME else (fx, 0.0)
    # entries that are 0 by structure are 0 exactly, not differences of noise
    zeros = structural_zeros_hessian(program_gradient_graphs(graph, wrt), wrt)
    zero_pairs = set(zeros)
    rows: dict[str, dict[str, float]] = {name: {} for name in wrt}
    errors: dict[str, dict[str, float]] = {name: {} for name in wrt}
    sizes: dict[tuple[str, str], float] = {}
    for i, a in enumerate(wrt):
        for b in wrt[i:]:
            f.seen, f.center = 0.0, fx
            if (a, b) not in zero_pairs:
                d, e = _second(f, f0, a, b, scheme, step)
            else:
                d, e = 0.0, 0.0
            sizes[a, b] = (f.seen or abs(fx)) / (_scale(point[a]) * _scale(point[b]))
            rows[a][b] = rows[b][a] = d
            errors[a][b] = errors[b][a] = e
    rows = {a: {b: rows[a][b] for b in wrt} for a in wrt}
    errors = {a: {b: errors[a][b] for b in wrt} for a in wrt}
    result = hessian_result(
        NAME,
        graph,
        point,
        wrt,
        fx,
        first.gradient,
        rows,
        evaluations=first.evaluations + f.count,
        error_estimate=errors,
        structural_zeros=zeros,
    )
    if math.isfinite(fx):
        # the gradient's own flags and warnings, then the Hessian's
        result.unreliable.extend(first.unreliable)
        result.warnings.extend(w for w in first.warnings if w not in result.warnings)
        pairs = [(a, b) for i, a in enumerate(wrt) for b in wrt[i:]]
        _flag_unreliable(
            result,
            {(a, b): rows[a][b] for a, b in pairs},
            {(a, b): errors[a][b] for a, b in pairs},
            sizes,
            scheme,
        )
    return result


class _Shared:
    """The program's outputs at moved points, each point evaluated once for
    every output: the differences of all outputs by one input share their
    evaluations (the steps of an input are the same for every output)."""

    def __init__(self, program: Program, point: dict[str, float]) -> None:
        self.order = program.steps
        self.point = dict(point)
        self.outputs = program.outputs
        position = {node: i for i, node in enumerate(self.order)}
        self.positions = [position[o] for o in program.outputs]
        self.count = 0
        self._plain: dict = {}
        self._bounded: dict = {}
        self._plan: _Plan | None = None

    def plain(self, shifts: dict[str, float]) -> list[float]:
        key = tuple(sorted(shifts.items()))
        hit = self._plain.get(key)
        if hit is None:
            self.count += 1
            moved = dict(self.point)
            for name, h in shifts.items():
                moved[name] = moved[name] + h
            values = evaluate_all(self.order, moved, strict=False)
            hit = self._plain[key] = [values[o] for o in self.outputs]
        return hit

    def bounded(self, moved: dict[str, float]) -> tuple[list[float], list[float]]:
        key = tuple(sorted(moved.items()))
        hit = self._bounded.get(key)
        if hit is None:
            self.count += 1
            point = dict(self.point)
            point.update(moved)
            if self._plan is None:
                self._plan = _Plan(self.order)
            values, bounds = self._plan.run(point)
            hit = self._bounded[key] = (
                [values[i] for i in self.positions],
                [bounds[i] for i in self.positions],
            )
        return hit


class _Output(_Function):
    """One output of a :class:`_Shared` program, as :func:`_first` wants f."""

    def __init__(self, shared: _Shared, k: int) -> None:
        self.shared, self.k = shared, k
        self.order, self.root, self.point = shared.order, shared.outputs[k], shared.point
        self.count = 0
        self.seen = 0.0
        self.center = 0.0

    def __call__(self, shifts: dict[str, float]) -> float:
        value = self.shared.plain(shifts)[self.k]
        self._see(value)
        return value

    def bounded(self, moved: dict[str, float]) -> tuple[float, float]:
        values, bounds = self.shared.bounded(moved)
        self._see(values[self.k])
        return values[self.k], bounds[self.k]


def jacobian(
    program: Program,
    point: dict,
    wrt: tuple[str, ...],
    *,
    scheme: str = DEFAULT_SCHEME,
    step: float | None = None,
    **options,
) -> Jacobian:
    """Differences per input: the steps of one input are the same for every
    output, so each moved point is evaluated once for all of them (a column
    per input); each entry still chooses its best estimate, as in
    :func:`gradient`, with its error estimate."""
    present = set(program.variables)
    _check(scheme, step, point, [name for name in wrt if name in present])
    env = evaluate_all(program.steps, point)  # strict: domain errors name the node
    values = [env[o] for o in program.outputs]
    shared = _Shared(program, point)
    outputs = [_Output(shared, k) for k in range(len(program.outputs))]
    names = program.names
    rows: dict = {f: {} for f in names}
    errors: dict = {f: {} for f in names}
    sizes: dict = {}
    for name in wrt:
        for f, out, fx in zip(names, outputs, values):
            if name not in program.reaches[f]:
                rows[f][name], errors[f][name], sizes[f, name] = 0.0, 0.0, 0.0
                continue
            out.seen, out.center = 0.0, fx
            rows[f][name], errors[f][name] = _first(out, fx, name, scheme, step)
            sizes[f, name] = (out.seen or abs(fx)) / _scale(point[name])
    result = jacobian_result(
        NAME,
        program,
        point,
        wrt,
        values,
        rows,
        evaluations=1 + shared.count,
        error_estimate=errors,
    )
    several = len(names) > 1
    for f, fx, node in zip(names, values, program.outputs):
        if not math.isfinite(fx):
            continue
        for name in wrt:
            value, estimate = rows[f][name], errors[f][name]
            if math.isfinite(value) and unreliable(value, estimate, sizes[f, name]):
                result.unreliable.append((f, name))
                what = (
                    f"the derivative of {f} by {name}" if several else f"the derivative by {name}"
                )
                result.warnings.append(unreliable_warning(what, value, estimate, scheme))
        for w in underflow_warnings(topo_order(node), point):
            text = f"{f}: {w}" if several else w
            if text not in result.warnings:
                result.warnings.append(text)
    return result
