"""mpmath mode: the forward mode's derivative graphs evaluated in arbitrary
precision, then rounded once to the nearest double.

The graphs are exactly the ones the forward mode evaluates (the chain rule
as built by ``derivcli.backends.forward.derivative``, unsimplified), under
the same rules; only the arithmetic changes, so the reference and the modes
agree by construction on edge points (``sqrt(x)^2`` at 0). Every leaf is a double (the point, and
the constants as parsed: ``pi`` is the double nearest to pi, as in every
other mode), so the result is the exact derivative of the formula at those
doubles, correctly rounded: it answers what float64 evaluation of the formula
cannot (``(1 - cos(x))/x^2`` at ``x = 1e-5``).

* ``digits`` (``--digits N``, default 50, between :data:`MIN_DIGITS` and
  :data:`MAX_DIGITS`) is the working precision in decimal digits. Every
  graph is evaluated twice, at ``N`` and at ``N + CHECK_DIGITS`` digits;
  where a nearest double differs between the two, the precision is doubled
  until two consecutive precisions agree (Ziv's strategy, a few times at
  most); an entry still unsettled then carries a warning.
* The value is evaluated strictly: where the formula is undefined at the
  point (``log(-1)``, ``1/0``) a ``DomainError`` names the sub-expression,
  as in every mode. Derivative graphs are evaluated IEEE style: ``nan`` and
  ``inf`` instead of errors.
* The 0·∞ rule of the chain rule (DESIGN.md): in a derivative graph a
  product with an exactly-zero factor is 0, even when the other factor is
  infinite or NaN, and so is ``0/b``; the expression's own nodes keep the
  values of the strict evaluation, as in the forward mode.
* mpmath has no overflow; magnitudes beyond ``2^(2^24)`` (far past any
  double) become infinities so that ``9^9^9^9`` cannot hang.

The mpmath implementation of each primitive lives in :data:`MP_FUNCTIONS`,
keyed by the primitive's name; a test checks that every primitive of
``primitives.PRIMITIVES`` has one. mpmath is imported only when this mode
runs (and by ``compare``, whose reference it is).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ..errors import MissingValue, ModeUnavailable, UsageError
from ..graph import Graph, Node, domain_error, topo_order
from ..results import Gradient, Hessian, Jacobian
from . import gradient_result, hessian_result, jacobian_result

NAME = "mpmath"
DEFAULT_DIGITS = 50
MIN_DIGITS, MAX_DIGITS = 15, 10_000
#: the second evaluation's extra digits, to check the rounding, and how many
#: times the precision may then be doubled until the rounding settles
CHECK_DIGITS = 20
ESCALATIONS = 4
#: magnitudes (in bits of exponent) beyond which a number is taken as infinite
#: (or as zero, below the negative)
MAX_MAG = 2**24


def import_mpmath() -> Any:
    """The mpmath module, or ``ModeUnavailable`` with the fix."""
    try:
        import mpmath
    except ImportError:  # pragma: no cover - mpmath is a dependency
        raise ModeUnavailable("the mpmath mode needs mpmath: pip install 'mpmath>=1.3'") from None
    return mpmath


def check_digits(digits: int | None) -> int:
    if digits is None:
        return DEFAULT_DIGITS
    if isinstance(digits, float) and digits == int(digits):
        digits = int(digits)
    if not isinstance(digits, int) or not MIN_DIGITS <= digits <= MAX_DIGITS:
        raise UsageError(
            f"--digits must be a whole number from {MIN_DIGITS} to {MAX_DIGITS}, got {digits}; "
            f"try --digits {DEFAULT_DIGITS}"
        )
    return digits


# ---------------------------------------------------------------------------
# The primitives in mpmath, IEEE style: nan and inf where the float versions
# give them (never a complex number, never an exception)


def _finite(ctx: Any, v: Any) -> bool:
    return ctx.isfinite(v)


def _div(ctx: Any, a: Any, b: Any) -> Any:
    if b == 0:
        if ctx.isnan(a) or a == 0:
            return ctx.nan
        return ctx.inf if a > 0 else ctx.ninf
    return a / b


def _pow(ctx: Any, a: Any, b: Any) -> Any:
    if b == 0 or a == 1:
        return ctx.one
    if ctx.isnan(a) or ctx.isnan(b):
        return ctx.nan
    if a == 0:
        if b > 0:
            return ctx.zero
        return ctx.inf  # 0^-n is a pole (mpmath's zero has no sign)
    if a < 0:
        if not ctx.isint(b):
            return ctx.nan
        if _finite(ctx, b) and abs(b) * max(ctx.mag(a), 1) > MAX_MAG:
            odd = ctx.isint(b / 2) is False
            if a == -1:  # (-1)^1e300 is 1, not a magnitude to guard
                return -ctx.one if odd else ctx.one
            if (b > 0) == (abs(a) > 1):
                return ctx.ninf if odd else ctx.inf
            return ctx.zero
        return ctx.power(a, b)
    if _finite(ctx, b) and _finite(ctx, a) and abs(b) * abs(ctx.log(a)) > MAX_MAG:
        return ctx.inf if (b > 0) == (a > 1) else ctx.zero
    return ctx.power(a, b)


def _exp(ctx: Any, a: Any) -> Any:
    if _finite(ctx, a) and abs(a) > MAX_MAG:
        return ctx.inf if a > 0 else ctx.zero
    return ctx.exp(a)


def _hyperbolic(name: str) -> Callable[[Any, Any], Any]:
    def f(ctx: Any, a: Any) -> Any:
        if _finite(ctx, a) and abs(a) > MAX_MAG:
            if name == "cosh":
                return ctx.inf
            return ctx.inf if a > 0 else ctx.ninf
        return getattr(ctx, name)(a)

    return f


def _log(base: int | None) -> Callable[[Any, Any], Any]:
    def f(ctx: Any, a: Any) -> Any:
        if ctx.isnan(a) or a < 0:
            return ctx.nan
        if a == 0:
            return ctx.ninf
        if base is None:
            return ctx.log(a)
        return ctx.log(a) / ctx.log(base)

    return f


def _arc(name: str) -> Callable[[Any, Any], Any]:
    def f(ctx: Any, a: Any) -> Any:
        if ctx.isnan(a) or abs(a) > 1:
            return ctx.nan
        return getattr(ctx, name)(a)

    return f


def _sqrt(ctx: Any, a: Any) -> Any:
    if ctx.isnan(a) or a < 0:
        return ctx.nan
    return ctx.sqrt(a)


def _sign(ctx: Any, a: Any) -> Any:
    if ctx.isnan(a):
        return ctx.nan
    return ctx.mpf(ctx.sign(a))


def _sigmoid(ctx: Any, a: Any) -> Any:
    return 1 / (1 + _exp(ctx, -a))


def _xlogy(ctx: Any, x: Any, y: Any) -> Any:
    if x == 0:
        return ctx.zero
    return x * _log(None)(ctx, y)


def _nan_in(ctx: Any, *args: Any) -> bool:
    return any(ctx.isnan(a) for a in args)


def _reciprocal(name: str) -> Callable[[Any, Any], Any]:
    def f(ctx: Any, a: Any) -> Any:
        if not _finite(ctx, a):
            return ctx.nan
        return _div(ctx, ctx.one, getattr(ctx, name)(a))

    return f


def _cot(ctx: Any, a: Any) -> Any:
    if not _finite(ctx, a):
        return ctx.nan
    return _div(ctx, ctx.cos(a), ctx.sin(a))


def _acosh(ctx: Any, a: Any) -> Any:
    if ctx.isnan(a) or a < 1:
        return ctx.nan
    return ctx.acosh(a)


def _atanh(ctx: Any, a: Any) -> Any:
    if ctx.isnan(a) or abs(a) > 1:
        return ctx.nan
    if abs(a) == 1:
        return ctx.inf if a > 0 else ctx.ninf
    return ctx.atanh(a)


def _odd_integer(ctx: Any, n: Any) -> bool:
    return _finite(ctx, n) and ctx.isint(n) and not ctx.isint(n / 2)


def _root(ctx: Any, x: Any, n: Any) -> Any:
    if _nan_in(ctx, x, n):
        return ctx.nan
    if x < 0 and _odd_integer(ctx, n):
        return -_pow(ctx, -x, _div(ctx, ctx.one, n))
    return _pow(ctx, x, _div(ctx, ctx.one, n))


def _cbrt(ctx: Any, a: Any) -> Any:
    if ctx.isnan(a):
        return ctx.nan
    return ctx.cbrt(a) if a >= 0 else -ctx.cbrt(-a)


def _extremum(pick: Callable[..., Any]) -> Callable[[Any, Any, Any], Any]:
    return lambda ctx, a, b: ctx.nan if _nan_in(ctx, a, b) else pick(a, b)


def _logsumexp(ctx: Any, a: Any, b: Any) -> Any:
    if _nan_in(ctx, a, b):
        return ctx.nan
    if a == b:
        return a + ctx.log(2)
    return max(a, b) + ctx.log1p(_exp(ctx, -abs(a - b)))


def _softplus(ctx: Any, a: Any) -> Any:
    if ctx.isnan(a):
        return ctx.nan
    return max(a, ctx.zero) + ctx.log1p(_exp(ctx, -abs(a)))


def _log1p(ctx: Any, a: Any) -> Any:
    if ctx.isnan(a) or a < -1:
        return ctx.nan
    if a == -1:
        return ctx.ninf
    return ctx.log1p(a)


def _expm1(ctx: Any, a: Any) -> Any:
    if _finite(ctx, a) and abs(a) > MAX_MAG:
        return ctx.inf if a > 0 else -ctx.one
    return ctx.expm1(a)


def _erfc(ctx: Any, a: Any) -> Any:
    # beyond 2^12 erfc(a) < exp(-a^2) is past MAX_MAG (taken as 0); and
    # mpmath's own series check overflows (an OverflowError) beyond ~1e154
    if _finite(ctx, a) and a > 2**12:
        return ctx.zero
    return ctx.erfc(a)


def _heaviside(ctx: Any, a: Any) -> Any:
    if ctx.isnan(a):
        return ctx.nan
    return ctx.one if a > 0 else ctx.zero if a < 0 else ctx.mpf(0.5)


def _rounding(name: str) -> Callable[[Any, Any], Any]:
    def f(ctx: Any, a: Any) -> Any:
        return getattr(ctx, name)(a) if _finite(ctx, a) else a

    return f


def _mod(ctx: Any, a: Any, b: Any) -> Any:
    if _nan_in(ctx, a, b) or not _finite(ctx, a) or b == 0:
        return ctx.nan
    if not _finite(ctx, b):  # as Python's %: a, or inf with the sign of b
        return a if (a >= 0) == (b > 0) or a == 0 else b
    return a - b * ctx.floor(a / b)


def _is_pole(ctx: Any, x: Any) -> bool:
    return x <= 0 and ctx.isint(x)


def _gamma(ctx: Any, a: Any) -> Any:
    if ctx.isnan(a) or a == ctx.ninf:
        return ctx.nan
    if a == ctx.inf:
        return ctx.inf
    if _is_pole(ctx, a):
        return ctx.inf if a == 0 else ctx.nan
    if a > 0 and ctx.loggamma(a) > MAX_MAG:
        return ctx.inf
    return ctx.gamma(a)


def _lgamma(ctx: Any, a: Any) -> Any:
    if ctx.isnan(a):
        return ctx.nan
    if not _finite(ctx, a) or _is_pole(ctx, a):
        return ctx.inf
    if a > 0:
        return ctx.loggamma(a)
    return ctx.log(abs(ctx.gamma(a)))


def _polygamma(ctx: Any, n: Any, x: Any) -> Any:
    if _nan_in(ctx, n, x) or not (_finite(ctx, n) and n >= 0 and ctx.isint(n)) or x == ctx.ninf:
        return ctx.nan
    if x == ctx.inf:
        return ctx.inf if n == 0 else ctx.zero
    if _is_pole(ctx, x):
        return ctx.nan if ctx.isint(n / 2) else ctx.inf
    return ctx.psi(int(n), x)


#: primitive name -> ``f(ctx, *args)``, mpmath numbers in and out
MP_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "add": lambda ctx, a, b: a + b,
    "sub": lambda ctx, a, b: a - b,
    "mul": lambda ctx, a, b: a * b,
    "div": _div,
    "neg": lambda ctx, a: -a,
    "pow": _pow,
    "sin": lambda ctx, a: ctx.sin(a) if _finite(ctx, a) else ctx.nan,
    "cos": lambda ctx, a: ctx.cos(a) if _finite(ctx, a) else ctx.nan,
    "tan": lambda ctx, a: ctx.tan(a) if _finite(ctx, a) else ctx.nan,
    "asin": _arc("asin"),
    "acos": _arc("acos"),
    "atan": lambda ctx, a: ctx.atan(a),
    "sinh": _hyperbolic("sinh"),
    "cosh": _hyperbolic("cosh"),
    "tanh": lambda ctx, a: ctx.tanh(a),
    "exp": _exp,
    "log": _log(None),
    "log10": _log(10),
    "log2": _log(2),
    "sqrt": _sqrt,
    "abs": lambda ctx, a: abs(a),
    "sign": _sign,
    "sigmoid": _sigmoid,
    "xlogy": _xlogy,
    "sec": _reciprocal("cos"),
    "csc": _reciprocal("sin"),
    "cot": _cot,
    "asec": lambda ctx, a: ctx.nan if ctx.isnan(a) or abs(a) < 1 else ctx.asec(a),
    "acsc": lambda ctx, a: ctx.nan if ctx.isnan(a) or abs(a) < 1 else ctx.acsc(a),
    "acot": lambda ctx, a: ctx.nan if ctx.isnan(a) else ctx.acot(a),
    "asinh": lambda ctx, a: ctx.asinh(a),
    "acosh": _acosh,
    "atanh": _atanh,
    "atan2": lambda ctx, y, x: ctx.nan if _nan_in(ctx, y, x) else ctx.atan2(y, x),
    "hypot": lambda ctx, x, y: ctx.hypot(x, y),
    "root": _root,
    "min": _extremum(min),
    "max": _extremum(max),
    "logsumexp": _logsumexp,
    "erf": lambda ctx, a: ctx.erf(a),
    "erfc": _erfc,
    "gamma": _gamma,
    "lgamma": _lgamma,
    "digamma": lambda ctx, a: _polygamma(ctx, ctx.zero, a),
    "polygamma": _polygamma,
    "cbrt": _cbrt,
    "log1p": _log1p,
    "expm1": _expm1,
    "softplus": _softplus,
    "logsigmoid": lambda ctx, a: -_softplus(ctx, -a),
    "relu": lambda ctx, a: ctx.nan if ctx.isnan(a) else max(a, ctx.zero),
    "heaviside": _heaviside,
    "floor": _rounding("floor"),
    "ceil": _rounding("ceil"),
    "round": _rounding("nint"),
    "mod": _mod,
}


def implementation(name: str) -> Callable[..., Any]:
    try:
        return MP_FUNCTIONS[name]
    except KeyError:
        raise ModeUnavailable(
            f"the mpmath mode has no implementation of the primitive '{name}'; "
            "use another --mode (a developer adds it to MP_FUNCTIONS in "
            "derivcli/backends/mpmath.py)"
        ) from None


# ---------------------------------------------------------------------------
# Evaluation


def _guard(ctx: Any, v: Any) -> Any:
    """Magnitudes far past a double's range become inf (or 0)."""
    if v and ctx.isfinite(v):
        mag = ctx.mag(v)
        if mag > MAX_MAG:
            return ctx.inf if v > 0 else ctx.ninf
        if mag < -MAX_MAG:
            return ctx.zero
    return v


def _mpf(ctx: Any, value: float) -> Any:
    if value != value:
        return ctx.nan
    if math.isinf(value):
        return ctx.inf if value > 0 else ctx.ninf
    return ctx.mpf(value)


#: operations whose result is exact at our precisions when their arguments
#: are (doubles at 50+ digits); the others round
_EXACT_OPS = frozenset({"add", "sub", "mul", "neg", "abs", "sign"})


def evaluate_mp(
    ctx: Any,
    order: list[Node],
    point: dict[str, float],
    *,
    strict: bool,
    lost: list[float] | None = None,
    known: dict[Node, Any] | None = None,
    rounded: set[Node] | None = None,
) -> dict[Node, Any]:
    """Every node of ``order`` (a topological order) in ``ctx``'s precision.

    ``strict`` (the expression itself): a value undefined at the point raises
    ``DomainError`` naming the node, as ``graph.evaluate_all`` does.
    Otherwise (derivative graphs) non-finite values flow on, and the 0·∞
    rule applies: ``0 * b``, ``a * 0`` and ``0 / b`` are 0.

    ``lost`` (a one-element list) receives the most bits that cancellation
    took from a rounded operand (a sum of rounded numbers that is far smaller
    than they are, or a function of rounded numbers that came out 0):
    infinite when nothing was left, so the caller knows to raise the
    precision even where two precisions happen to round alike.

    ``known`` (for derivative graphs, as in ``graph.evaluate_all``) holds the
    expression's own nodes at their values, evaluated with ``strict``: they
    keep them (plain arithmetic, no 0·∞ rule), and only the derivative's own
    products and quotients follow the rule, as in the forward mode.
    ``rounded`` (shared between the two calls) records which nodes are
    rounded.
    """
    values: dict[Node, Any] = {}
    rounded = set() if rounded is None else rounded
    worst = 0.0
    for node in order:
        op = node.op
        if known is not None and node in known:
            values[node] = known[node]
            continue
        if op == "const":
            values[node] = _mpf(ctx, node.value)
            continue
        if op == "var":
            if node.name not in point:
                raise MissingValue(f"no value for {node.name}; add --at {node.name}=VALUE")
            values[node] = _mpf(ctx, point[node.name])
            continue
        args = [values[a] for a in node.args]
        if not strict and (
            (op == "mul" and (args[0] == 0 or args[1] == 0)) or (op == "div" and args[0] == 0)
        ):
            values[node] = ctx.zero
            continue
        out = _guard(ctx, implementation(op)(ctx, *args))
        if strict and not ctx.isfinite(out):
            reals = [to_double(a) for a in args]
            reason = node.prim.domain(*reals)
            if reason is None and ctx.isnan(out) and all(ctx.isfinite(a) for a in args):
                reason = "outside its domain"
            if reason is not None:
                raise domain_error(node, point, reason)
        values[node] = out
        inexact = any(a in rounded for a in node.args)
        if inexact or op not in _EXACT_OPS:
            rounded.add(node)
        if (
            lost is not None
            and inexact
            and len(set(node.args)) == len(node.args)  # a - a is exactly 0
            and all(a != 0 and ctx.isfinite(a) for a in args)
        ):
            if out == 0:
                worst = math.inf
            elif op in ("add", "sub") and ctx.isfinite(out):
                worst = max(worst, max(ctx.mag(a) for a in args) - ctx.mag(out))
    if lost is not None:
        lost[0] = max(lost[0], worst)
    return values


def to_double(v: Any) -> float:
    """The double nearest to the mpmath number ``v`` (ties to even), also
    for subnormal results (mpmath's own ``float()`` may round twice there)."""
    # normalize, not normalize1: mpmath 1.4 no longer exports normalize1
    from mpmath.libmp import normalize, round_nearest

    sign, man, exp, bc = v._mpf_
    if not man:
        return float(v)  # 0, inf, nan
    top = exp + bc  # v is in [2^(top-1), 2^top)
    bits = 53 if top - 1 >= -1022 else top + 1074
    if bits <= 0:
        # below the smallest subnormal: 0 or the smallest subnormal
        tiny = 0.0 if bits < 0 or man == 1 << (bc - 1) else 5e-324
        return -tiny if sign else tiny
    if bc > bits:
        sign, man, exp, bc = normalize(sign, man, exp, bc, bits, round_nearest)
    value = math.ldexp(man, exp) if exp + bc <= 1024 else math.inf
    return -value if sign else value


def _digits_text(ctx: Any, v: Any, digits: int) -> str:
    if ctx.isnan(v):
        return "NaN"
    if ctx.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return ctx.nstr(v, digits, min_fixed=-5, max_fixed=digits)


# ---------------------------------------------------------------------------
# The operations


def _first_graphs(graph: Graph, wrt: tuple[str, ...]) -> tuple[list[Node], int]:
    from .forward import ZERO, derivative

    present = set(graph.variables)
    # the chain rule as built, as the forward mode evaluates it (simplifying
    # would cancel s/s where s is 0, and the modes would differ at edge points)
    graphs = [
        derivative(graph.root, name, simplified=False) if name in present else ZERO for name in wrt
    ]
    return graphs, sum(1 for name in wrt if name in present)


def _evaluate(
    graph: Graph, point: dict, graphs: list[Node], digits: int
) -> tuple[tuple[float, str], list[float], list[str], list[int], int]:
    """The value and ``graphs`` at ``point``, rounded to doubles, with their
    digits as text.

    Ziv's strategy: evaluate at ``digits`` and at ``digits + CHECK_DIGITS``;
    where a rounding differs, evaluate again with the precision doubled (at
    most :data:`ESCALATIONS` times, up to :data:`MAX_DIGITS`) until two
    consecutive precisions round alike. Returns the value and its text, the
    doubles, their texts, the indices still unstable at the end (-1 for the
    value), and the last precision used."""
    mpmath = import_mpmath()
    order_value, order_graphs = graph.steps, topo_order(graphs)

    def at(dps: int) -> tuple[Any, list[Any], bool]:
        """The numbers at ``dps`` digits, and whether cancellation left fewer
        than 20 digits somewhere."""
        ctx = mpmath.MPContext()
        ctx.dps = dps
        lost = [0.0]
        rounded: set[Node] = set()
        known = evaluate_mp(ctx, order_value, point, strict=True, lost=lost, rounded=rounded)
        values = evaluate_mp(
            ctx, order_graphs, point, strict=False, lost=lost, known=known, rounded=rounded
        )
        value = known[graph.outputs[0]]  # the first output (of several: every
        # output's nodes are at their strict values in ``known``)
        return ctx, [value] + [values[g] for g in graphs], lost[0] > ctx.prec - 64

    dps = digits
    _, previous, _ = at(dps)
    for attempt in range(ESCALATIONS + 1):
        dps = min(digits + CHECK_DIGITS if attempt == 0 else 2 * dps, MAX_DIGITS + CHECK_DIGITS)
        ctx, current, cancelled = at(dps)
        unstable = [
            i - 1
            for i, (a, b) in enumerate(zip(previous, current))
            if cancelled or not _same(to_double(a), to_double(b))
        ]
        if not unstable or dps >= MAX_DIGITS + CHECK_DIGITS:
            break
        previous = current
    doubles = [to_double(v) for v in current]
    texts = [_digits_text(ctx, v, max(digits, dps - CHECK_DIGITS)) for v in current]
    return (doubles[0], texts[0]), doubles[1:], texts[1:], unstable, dps


def _same(a: float, b: float) -> bool:
    return a == b or (a != a and b != b)


def _precision_warning(what: str, dps: int) -> str:
    return (
        f"{what} could not be confirmed at {dps} digits of working precision (cancellation "
        "left too few digits, or the rounding changed with the precision), so it may not "
        f"be correctly rounded; raise --digits (at most {MAX_DIGITS})"
    )


def gradient(
    graph: Graph, point: dict, wrt: tuple[str, ...], *, digits: int | None = None, **options
) -> Gradient:
    digits = check_digits(digits)
    graphs, passes = _first_graphs(graph, wrt)
    (value, value_text), numbers, texts, unstable, dps = _evaluate(graph, point, graphs, digits)
    result = gradient_result(
        NAME, graph, point, wrt, value, dict(zip(wrt, numbers)), evaluations=passes
    )
    result.digits = {"value": value_text, "gradient": dict(zip(wrt, texts))}
    result.warnings.extend(
        _precision_warning("the value" if i < 0 else f"the derivative by {wrt[i]}", dps)
        for i in unstable
    )
    return result


def hessian(
    graph: Graph, point: dict, wrt: tuple[str, ...], *, digits: int | None = None, **options
) -> Hessian:
    from .forward import ZERO, derivative

    digits = check_digits(digits)
    firsts, passes = _first_graphs(graph, wrt)
    keys = []
    seconds = []
    for i, g in enumerate(firsts):
        for j in range(i, len(wrt)):
            keys.append((i, j))
            if g is ZERO:
                seconds.append(ZERO)
            else:
                seconds.append(derivative(g, wrt[j], simplified=False))
                passes += 1
    (value, value_text), numbers, texts, unstable, dps = _evaluate(
        graph, point, firsts + seconds, digits
    )
    n = len(wrt)
    grad = dict(zip(wrt, numbers[:n]))
    at = {key: k for k, key in enumerate(keys)}

    def entry(seq: list, i: int, j: int) -> Any:
        return seq[n + at[min(i, j), max(i, j)]]

    rows = {a: {b: entry(numbers, i, j) for j, b in enumerate(wrt)} for i, a in enumerate(wrt)}
    result = hessian_result(NAME, graph, point, wrt, value, grad, rows, evaluations=passes)
    result.digits = {
        "value": value_text,
        "gradient": dict(zip(wrt, texts[:n])),
        "hessian": {
            a: {b: entry(texts, i, j) for j, b in enumerate(wrt)} for i, a in enumerate(wrt)
        },
    }
    for k in unstable:
        if k < 0:
            what = "the value"
        elif k < n:
            what = f"the derivative by {wrt[k]}"
        else:
            i, j = keys[k - n]
            what = f"the second derivative by {wrt[i]},{wrt[j]}"
        result.warnings.append(_precision_warning(what, dps))
    return result


def jacobian(
    program: Graph, point: dict, wrt: tuple[str, ...], *, digits: int | None = None, **options
) -> Jacobian:
    """The symbolic forward mode's columns (one pass per variable, every
    output at once), evaluated with Ziv's strategy like the gradient."""
    from ..graph import evaluate_all, var
    from .forward import ONE, ZERO, tangents

    digits = check_digits(digits)
    evaluate_all(program.steps, point)  # strict: domain errors name the node
    present = set(program.variables)
    m = len(program.outputs)
    graphs: list[Node] = list(program.outputs[1:])
    passes = 0
    for name in wrt:
        # the chain rule as built, as the forward mode evaluates it (see _first_graphs)
        x_dot = (
            tangents(program.steps, {var(name): ONE}, simplified=False) if name in present else {}
        )
        passes += name in present
        graphs.extend(x_dot.get(out, ZERO) for out in program.outputs)
    (value, value_text), numbers, texts, unstable, dps = _evaluate(program, point, graphs, digits)
    values = [value, *numbers[: m - 1]]
    value_texts = [value_text, *texts[: m - 1]]
    numbers, texts = numbers[m - 1 :], texts[m - 1 :]
    rows = {
        f: {name: numbers[j * m + i] for j, name in enumerate(wrt)}
        for i, f in enumerate(program.names)
    }
    result = jacobian_result(NAME, program, point, wrt, values, rows, evaluations=passes)
    result.digits = {
        "values": dict(zip(program.names, value_texts)),
        "jacobian": {
            f: {name: texts[j * m + i] for j, name in enumerate(wrt)}
            for i, f in enumerate(program.names)
        },
    }
    for k in unstable:
        if k < 0 or k < m - 1:
            what = f"the value of {program.names[k + 1]}"
        else:
            j, i = divmod(k - (m - 1), m)
            what = f"the derivative of {program.names[i]} by {wrt[j]}"
        result.warnings.append(_precision_warning(what, dps))
    return result


def jvp(
    program: Graph,
    point: dict,
    wrt: tuple[str, ...],
    direction: dict,
    *,
    digits: int | None = None,
    **options,
):
    """J·v in one symbolic forward pass seeded with v (as built), evaluated
    with Ziv's strategy. Returns (values of the outputs, J·v by output, passes)."""
    from ..graph import const, evaluate_all, var
    from .forward import ZERO, tangents

    digits = check_digits(digits)
    evaluate_all(program.steps, point)  # strict: domain errors name the node
    seeds = {var(name): const(direction[name]) for name in wrt}
    x_dot = tangents(program.steps, seeds, simplified=False)
    m = len(program.outputs)
    graphs = [*program.outputs[1:], *(x_dot.get(out, ZERO) for out in program.outputs)]
    (value, _text), numbers, _texts, _unstable, _dps = _evaluate(program, point, graphs, digits)
    values = [value, *numbers[: m - 1]]
    return values, dict(zip(program.names, numbers[m - 1 :])), 1
