"""THE table of primitives.

Every operation derivcli knows is one ``Primitive`` entry in ``PRIMITIVES``:
its arity, its float implementation (IEEE style: it returns ``inf``/``nan``
instead of raising), the reason it is undefined at a point (for error
messages), its local partial derivatives, how it prints, and the TensorFlow op
that runs it. Every mode reads this table; adding ``cosh`` is one entry.

Partials are written once, with the generic operations of this module
(``add``, ``mul``, ``cos``, ...). Those dispatch on the type of their
arguments: floats give numbers, graph nodes give graph expressions (so
differentiating a derivative gives higher orders), dual numbers give dual
numbers. A type joins in by defining ``apply_primitive(prim, args)`` as a
classmethod.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .records import Record

INF = math.inf
NAN = math.nan

# Printing precedence, loosest first. The grammar has the same levels.
PREC_SUM = 1
PREC_PRODUCT = 2
PREC_UNARY = 3
PREC_POWER = 4
PREC_ATOM = 5


class Kink(Record, frozen=True):
    """Where a primitive is not differentiable, and what it does beside.

    ``where(*args)`` is true at the arguments where the primitive has a kink
    or a jump (``abs`` at 0, ``max`` at a tie, ``floor`` at an integer).
    There ``one_sided(args, out, dots)`` says what it does when its arguments
    move from ``args`` along the tangents ``dots`` (one side: ``args + t*dots``
    with ``t -> 0+``): ``(limit, dot, jumped)``, the value it tends to, its
    directional derivative on that branch (``abs``: ``-1*d`` for ``d < 0``),
    and whether the limit is not the value at the point (a jump: the
    one-sided derivative does not exist). Where the arguments do not move
    (every ``dot`` 0) it stays at ``out`` (the sweep of
    :func:`derivcli.backends.one_sided_derivative` then calls a jump
    unknown). Every mode keeps the table's partials there (a subgradient);
    :func:`derivcli.backends.diagnose` reads this to report the one-sided
    derivatives.
    """

    where: Callable[..., bool]
    one_sided: Callable[[tuple, float, tuple], tuple[float, float, bool]]
    #: the primitive is discontinuous there (floor, sign), not only kinked
    jumps: bool = False


class Primitive(Record, frozen=True, eq=False):
    """One operation: everything every mode needs to know about it."""

    name: str
    arity: int
    #: float implementation; never raises, returns inf/nan like IEEE 754
    fn: Callable[..., float]
    #: ``partials(*args, out)`` -> one expression per argument, written with
    #: the generic operations below (so it works on floats, nodes and duals)
    partials: Callable[..., tuple]
    #: ``domain(*args)`` -> why the value is undefined there, or None
    domain: Callable[..., str | None] = lambda *args: None
    #: infix symbol for operators (``None`` for functions, printed as calls)
    symbol: str | None = None
    precedence: int = PREC_ATOM
    #: LaTeX template, ``{0}``, ``{1}`` are the arguments
    latex: str = ""
    #: TensorFlow: an attribute path of the ``tf`` module (``"math.sin"``) or
    #: a callable ``(tf, *args) -> tensor`` for primitives TF lacks
    tf: str | Callable[..., Any] = ""
    #: extra names the parser accepts in call syntax (``ln(x)`` for ``log``,
    #: ``pow(a, b)`` for ``a^b``)
    aliases: tuple[str, ...] = ()
    #: operators are written with symbols; functions by name
    is_function: bool = True
    #: a zero result from nonzero finite arguments can only be an underflow
    #: (``exp``, ``*``, ``/``, ``^``): diagnostics name such a node
    underflows: bool = False
    #: the variant used in derivative computations: a product (or quotient)
    #: with an exactly-zero factor is 0 even when the other is inf or nan
    zero_absorbing: bool = False
    #: its partials are finite wherever its arguments and value are (so the
    #: diagnosis of infinite derivatives need not evaluate them)
    finite_partials: bool = False
    #: where it is not differentiable and its one-sided behaviour there
    kink: Kink | None = None
    #: its domain in words, for ``derivcli functions`` (the arguments are
    #: called x, y as there); agrees with ``domain`` (a test checks)
    domain_text: str = "all reals"

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"


# ---------------------------------------------------------------------------
# Generic dispatch


def apply(prim: Primitive, *args: Any) -> Any:
    """Apply ``prim`` to numbers, nodes or dual numbers alike."""
    for a in args:
        t = type(a)
        if t is not float and t is not int:
            return t.apply_primitive(prim, args)
    return prim.fn(*args)


# ---------------------------------------------------------------------------
# IEEE-style float implementations (never raise)


def _div(a: float, b: float) -> float:
    try:
        return a / b
    except ZeroDivisionError:
        if a != a or a == 0:
            return NAN
        return math.copysign(INF, a) * math.copysign(1.0, b)


def _is_odd_integer(b: float) -> bool:
    return math.isfinite(b) and b == math.floor(b) and math.fmod(b, 2.0) != 0


def _pow(a: float, b: float) -> float:
    try:
        return math.pow(a, b)
    except OverflowError:
        if a < 0 and _is_odd_integer(b):
            return -INF
        return INF
    except ValueError:
        if a == 0 and b < 0:  # 0^-n is a pole
            return math.copysign(INF, a) if _is_odd_integer(b) else INF
        return NAN


def _exp(a: float) -> float:
    try:
        return math.exp(a)
    except OverflowError:
        return INF


def _sinh(a: float) -> float:
    try:
        return math.sinh(a)
    except OverflowError:
        return math.copysign(INF, a)


def _cosh(a: float) -> float:
    try:
        return math.cosh(a)
    except OverflowError:
        return INF


def _logarithm(f: Callable[[float], float]) -> Callable[[float], float]:
    def log_fn(a: float) -> float:
        if a > 0:
            return f(a)
        if a == 0:
            return -INF
        return NAN  # negative or nan

    return log_fn


def _guarded(f: Callable[[float], float]) -> Callable[[float], float]:
    """A math function whose ValueError (outside its domain) becomes nan."""

    def guarded(a: float) -> float:
        try:
            return f(a)
        except ValueError:
            return NAN

    return guarded


def _sigmoid(a: float) -> float:
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    e = _exp(a)
    return e / (1.0 + e)


def _xlogy(x: float, y: float) -> float:
    """``x*log(y)``, and 0 where ``x`` is 0 (the limit of ``a^b·log(a)``)."""
    if x == 0:
        return 0.0
    return x * _logarithm(math.log)(y)


def times(a: float, b: float) -> float:
    """``a*b`` with the 0·∞ rule: an exactly-zero factor gives 0, even when
    the other factor is infinite or nan (IEEE would give nan)."""
    p = a * b
    if p != p and (a == 0 or b == 0):
        return 0.0
    return p


def _div_absorbing(a: float, b: float) -> float:
    """``a/b`` with the 0·∞ rule: ``0/b`` is 0 for every ``b``."""
    if a == 0 and (b == 0 or b != b):
        return 0.0
    return _div(a, b)


def _sign(a: float) -> float:
    if a > 0:
        return 1.0
    if a < 0:
        return -1.0
    return a * 0.0  # 0 for 0, nan for nan


def _reciprocal(f: Callable[[float], float]) -> Callable[[float], float]:
    """``1/f(a)`` (sec, csc): a pole where ``f`` is an exact zero."""
    g = _guarded(f)
    return lambda a: _div(1.0, g(a))


def _cot(a: float) -> float:
    return _div(_guarded(math.cos)(a), _guarded(math.sin)(a))


def _secant_root(a: float) -> float:
    """``sqrt(a^2 - 1)`` as ``sqrt(|a| - 1)*sqrt(|a| + 1)``: exact near
    ``|a| = 1`` (Sterbenz), no overflow of ``a^2``."""
    m = abs(a)
    return math.sqrt(m - 1.0) * math.sqrt(m + 1.0)


def _asec(a: float) -> float:
    """``acos(1/a)`` in [0, pi], as ``atan2(sqrt(a^2 - 1), 1)``: no loss
    near ``|a| = 1`` (where ``acos`` of a rounded ``1/a`` loses digits)."""
    if not abs(a) >= 1:  # also nan
        return NAN
    angle = math.atan2(_secant_root(a), 1.0)
    return angle if a > 0 else math.pi - angle


def _acsc(a: float) -> float:
    """``asin(1/a)`` in [-pi/2, pi/2], as ``atan2(1, sqrt(a^2 - 1))``."""
    if not abs(a) >= 1:
        return NAN
    return math.copysign(math.atan2(1.0, _secant_root(a)), a)


def _acot(a: float) -> float:
    """``atan(1/a)`` in (-pi/2, pi/2], ``pi/2`` at 0 (as SymPy and mpmath):
    it jumps there. Below ``|a| = 1`` as ``+-pi/2 - atan(a)`` (``1/a``
    would overflow at tiny ``a``)."""
    if a == 0:
        return math.pi / 2
    if abs(a) >= 1:
        return math.atan(1.0 / a)
    return math.copysign(math.pi / 2, a) - math.atan(a)  # (nan stays nan)


def _arc_outside_domain(name: str) -> Callable[[float], str | None]:
    def domain(a: float) -> str | None:
        return f"{name} of a number inside (-1, 1)" if abs(a) < 1 else None

    return domain


def _tf_secant_root(tf: Any, a: Any) -> Any:
    m = tf.math.abs(a)
    return tf.math.sqrt(m - 1.0) * tf.math.sqrt(m + 1.0)


def _tf_asec(tf: Any, a: Any) -> Any:
    angle = tf.math.atan2(_tf_secant_root(tf, a), tf.ones_like(a))
    return tf.where(a > 0, angle, math.pi - angle)


def _tf_acsc(tf: Any, a: Any) -> Any:
    return tf.math.sign(a) * tf.math.atan2(tf.ones_like(a), _tf_secant_root(tf, a))


def _tf_acot(tf: Any, a: Any) -> Any:
    small = tf.where(a > 0, math.pi / 2 - tf.math.atan(a), -math.pi / 2 - tf.math.atan(a))
    large = tf.math.atan(1.0 / tf.where(a == 0, tf.ones_like(a), a))
    return tf.where(a == 0, math.pi / 2 + 0.0 * a, tf.where(tf.math.abs(a) >= 1, large, small))


def _atanh(a: float) -> float:
    if a == 1 or a == -1:
        return math.copysign(INF, a)
    return _guarded(math.atanh)(a)


def _root(x: float, n: float) -> float:
    """The real ``n``-th root: negative ``x`` has one for odd integer ``n``."""
    if x < 0 and _is_odd_integer(n):
        return -_pow(-x, _div(1.0, n))
    return _pow(x, _div(1.0, n))


def _cbrt(a: float) -> float:
    if hasattr(math, "cbrt"):  # Python 3.11
        return math.cbrt(a)
    return math.copysign(abs(a) ** (1.0 / 3.0), a)  # pragma: no cover


def _nan_or(f: Callable[[float, float], float]) -> Callable[[float, float], float]:
    """``min``/``max``: nan if either argument is (Python's would depend on
    the order)."""
    return lambda a, b: NAN if a != a or b != b else f(a, b)


_LOG2 = math.log(2.0)


def _logsumexp(a: float, b: float) -> float:
    """``log(exp(a) + exp(b))`` without overflow: ``m + log1p(exp(-|a - b|))``."""
    if a != a or b != b:
        return NAN
    if a == b:  # also both inf or both -inf
        return a + _LOG2
    return max(a, b) + math.log1p(math.exp(-abs(a - b)))


def _softplus(a: float) -> float:
    """``log(1 + exp(a))`` without overflow: 1000 at 1000."""
    if a != a:
        return a
    return max(a, 0.0) + math.log1p(math.exp(-abs(a)))


def _logsigmoid(a: float) -> float:
    return -_softplus(-a)


def _relu(a: float) -> float:
    return a if a > 0 or a != a else 0.0


def _heaviside(a: float) -> float:
    """0 below 0, 1 above, and 1/2 at 0 (the middle of the jump, as
    ``sign(0) = 0`` is for ``abs``)."""
    if a > 0:
        return 1.0
    if a < 0:
        return 0.0
    return 0.5 if a == 0 else NAN


def _rounding(f: Callable[[float], Any]) -> Callable[[float], float]:
    """floor, ceil, round: inf and nan pass through (math's would raise)."""
    return lambda a: float(f(a)) if math.isfinite(a) else a


def _mod(a: float, b: float) -> float:
    """``a - b*floor(a/b)``: the sign of ``b``, as Python's ``%`` and
    ``tf.math.floormod``."""
    if math.isinf(a) or a != a or b != b:
        return NAN
    try:
        return a % b
    except ZeroDivisionError:
        return NAN


def _gamma(a: float) -> float:
    try:
        return math.gamma(a)
    except OverflowError:
        return INF
    except ValueError:  # a pole: 0 (signed, as IEEE tgamma) or a negative integer
        return math.copysign(INF, a) if a == 0 else NAN


def _lgamma(a: float) -> float:
    """``log|gamma(a)|``, as ``math.lgamma``; inf at the poles."""
    try:
        return math.lgamma(a)
    except (OverflowError, ValueError):
        return INF


def _is_pole(x: float) -> bool:
    return math.isfinite(x) and x <= 0 and x == math.floor(x)


def _polygamma(n: float, x: float) -> float:
    """``psi^(n)(x)``, the ``n``-th derivative of digamma, from mpmath (the
    float library has none). At a pole: inf for odd ``n`` (both sides go to
    +inf), nan for even ``n`` (the sides disagree)."""
    if not (math.isfinite(n) and n >= 0 and n == math.floor(n)) or x != x or x == -INF:
        return NAN
    if x == INF:
        return INF if n == 0 else 0.0
    if _is_pole(x):
        return INF if n % 2 == 1 else NAN
    if x > 0 and n > 170:
        # psi^(n)(x) = (-1)^(n+1) n! sum_k (x + k)^-(n+1), every term of one
        # sign, between x^-(n+1) and x^-(n+1) (1 + x/n): when that bound is
        # out of the doubles' range, mpmath's sum of n terms would take
        # minutes (and overflow its int-to-float conversion) for the same
        # infinity or zero
        sign = -1.0 if n % 2 == 0 else 1.0
        # log(n! x^-(n+1)) by Stirling (within 1/n), without overflow
        size = (n + 1.0) * (math.log((n + 1.0) / x) - 1.0) - 0.5 * math.log(n + 1.0) + 0.92
        if size > 710.0:
            return sign * INF
        if size + math.log1p(x / n) < -746.0:
            return sign * 0.0
    import mpmath  # only where a digamma is evaluated

    with mpmath.workdps(30):
        return float(mpmath.psi(int(n), x))


def _digamma(x: float) -> float:
    return _polygamma(0.0, x)


# ---------------------------------------------------------------------------
# Domain reasons (called only when a value came out non-finite)


def _div_domain(a: float, b: float) -> str | None:
    return "division by zero" if b == 0 else None


def _log_domain(a: float) -> str | None:
    if a < 0:
        return "log of a negative number"
    if a == 0:
        return "log of zero"
    return None


def _sqrt_domain(a: float) -> str | None:
    return "square root of a negative number" if a < 0 else None


def _arc_domain(name: str) -> Callable[[float], str | None]:
    def domain(a: float) -> str | None:
        return f"{name} of a number outside [-1, 1]" if abs(a) > 1 else None

    return domain


def _pow_domain(a: float, b: float) -> str | None:
    if a == 0 and b < 0:
        return "zero to a negative power"
    if a < 0 and math.isfinite(b) and b != math.floor(b):
        return "a negative number to a fractional power"
    return None


def _below_domain(name: str, low: float, closed: bool = False) -> Callable[[float], str | None]:
    def domain(a: float) -> str | None:
        if a < low or (closed and a == low):
            return f"{name} of a number {'at or ' if closed else ''}below {low:g}"
        return None

    return domain


def _atanh_domain(a: float) -> str | None:
    return "atanh of a number outside (-1, 1)" if abs(a) >= 1 else None


def _pole_domain(name: str) -> Callable[..., str | None]:
    def domain(*args: float) -> str | None:
        x = args[-1]
        if len(args) == 2:
            n = args[0]
            if not (math.isfinite(n) and n >= 0 and n == math.floor(n)):
                return "polygamma of an order that is not a nonnegative integer"
        return f"{name} at a pole (zero or a negative integer)" if _is_pole(x) else None

    return domain


def _root_domain(x: float, n: float) -> str | None:
    if n == 0:
        return "a root of index zero"
    if x < 0 and not _is_odd_integer(n):
        return "an even or fractional root of a negative number"
    if x == 0 and n < 0:
        return "zero to a negative power"
    return None


def _sin_pole(name: str) -> Callable[[float], str | None]:
    def domain(a: float) -> str | None:
        return f"{name} at a multiple of pi (a pole)" if _guarded(math.sin)(a) == 0 else None

    return domain


# ---------------------------------------------------------------------------
# Kinks (see ``Kink``): where a primitive is not differentiable, its
# one-sided branches


def _unary_kink(
    where: Callable[[float], bool],
    left: Callable[[float, float], tuple[float, float, bool]],
    right: Callable[[float, float], tuple[float, float, bool]],
    jumps: bool = False,
) -> Kink:
    """A one-argument kink: ``left(a, out)`` and ``right(a, out)`` give the
    branch below and above ``a``: ``(limit, partial, jumped)``."""

    def one_sided(args: tuple, out: float, dots: tuple) -> tuple[float, float, bool]:
        (a,), (d,) = args, dots
        if d != d:
            return out, NAN, False
        if d == 0:  # the argument does not move (at first order)
            return out, 0.0, False
        limit, partial, jumped = (right if d > 0 else left)(a, out)
        return limit, times(partial, d), jumped

    return Kink(where, one_sided, jumps)


def _at_zero(a: float) -> bool:
    return a == 0


def _is_integer(a: float) -> bool:
    return math.isfinite(a) and a == math.floor(a)


def _is_half(a: float) -> bool:
    return math.isfinite(a) and a - math.floor(a) == 0.5


def _extremum_kink(pick: Callable[[float, float], float]) -> Kink:
    """max and min at a tie: the argument that moves up (max) or down (min)
    faster wins, ``max(a, b)' = max(a', b')``."""
    return Kink(
        lambda a, b: a == b,
        lambda args, out, dots: (out, pick(*dots), False),
    )


def _hypot_one_sided(args: tuple, out: float, dots: tuple) -> tuple[float, float, bool]:
    return out, math.hypot(*dots), False  # a cone: |(x', y')|


def _atan2_one_sided(args: tuple, out: float, dots: tuple) -> tuple[float, float, bool]:
    """atan2(y, x) on its branch cut (y = 0, x < 0: pi above, -pi below) and
    at the origin (along a ray it is the constant angle of the ray)."""
    (_y, x), (y_dot, x_dot) = args, dots
    if x < 0:
        limit = math.pi if y_dot > 0 else -math.pi if y_dot < 0 else out
        return limit, _div(y_dot, x), limit != out
    if y_dot == 0 and x_dot == 0:
        return out, 0.0, False
    limit = math.atan2(y_dot, x_dot)
    return limit, 0.0, limit != out


def _mod_one_sided(args: tuple, out: float, dots: tuple) -> tuple[float, float, bool]:
    """``a - b*floor(a/b)`` where ``a/b`` is an integer q: floor stays q
    while ``a/b`` grows, and is ``q - 1`` (the value jumps to b) while it
    shrinks."""
    (a, b), (a_dot, b_dot) = args, dots
    q = _div(a, b)
    q_dot = _div(a_dot - times(q, b_dot), b)
    whole = q if q_dot >= 0 or q_dot != q_dot else q - 1.0
    return a - b * whole, a_dot - times(whole, b_dot), whole != q


ABS_KINK = _unary_kink(
    _at_zero, lambda a, out: (0.0, -1.0, False), lambda a, out: (0.0, 1.0, False)
)


# ---------------------------------------------------------------------------
# The table


def _fn(
    name: str,
    fn: Callable[[float], float],
    partial: Callable[[Any, Any], Any],
    latex: str,
    tf: str | Callable[..., Any],
    **kw: Any,
) -> Primitive:
    """A one-argument function; ``partial(a, out)`` is its derivative."""
    return Primitive(
        name=name,
        arity=1,
        fn=fn,
        partials=lambda a, out: (partial(a, out),),
        latex=latex,
        tf=tf,
        **kw,
    )


def _square(q: Any) -> Any:
    return mul(q, q)


def _tf_log_base(base: float) -> Callable[..., Any]:
    def op(tf: Any, a: Any) -> Any:
        return tf.math.log(a) / tf.math.log(tf.constant(base, dtype=a.dtype))

    return op


_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _log1p(a: float) -> float:
    if a == -1:
        return -INF
    return _guarded(math.log1p)(a)


def _expm1(a: float) -> float:
    try:
        return math.expm1(a)
    except OverflowError:
        return INF


def _tf_hypot(tf: Any, x: Any, y: Any) -> Any:
    """hypot without overflow: m*sqrt((x/m)^2 + (y/m)^2), m = max(|x|, |y|)."""
    ax, ay = tf.math.abs(x), tf.math.abs(y)
    m = tf.math.maximum(ax, ay)
    safe = tf.where(m > 0, m, tf.ones_like(m))
    return m * tf.math.sqrt(tf.math.square(ax / safe) + tf.math.square(ay / safe))


def _tf_root(tf: Any, x: Any, n: Any) -> Any:
    odd = tf.math.logical_and(
        tf.math.equal(tf.math.floor(n), n), tf.math.equal(tf.math.floormod(n, 2.0), 1.0)
    )
    flip = tf.math.logical_and(x < 0, odd)
    magnitude = tf.math.pow(tf.where(flip, -x, x), 1.0 / n)
    return tf.where(flip, -magnitude, magnitude)


def _tf_gamma(tf: Any, a: Any) -> Any:
    """TensorFlow has lgamma, not gamma: the sign of gamma times exp(lgamma)."""
    negative_odd = tf.math.equal(tf.math.floormod(tf.math.ceil(-a), 2.0), 1.0)
    sign = tf.where(tf.math.logical_and(a < 0, negative_odd), -1.0, 1.0)
    return tf.cast(sign, a.dtype) * tf.math.exp(tf.math.lgamma(a))


_TABLE: list[Primitive] = [
    Primitive(
        "add", 2, lambda a, b: a + b,
        lambda a, b, out: (1.0, 1.0),
        symbol="+", precedence=PREC_SUM, latex="{0} + {1}",
        tf="math.add", is_function=False, finite_partials=True,
    ),
    Primitive(
        "sub", 2, lambda a, b: a - b,
        lambda a, b, out: (1.0, -1.0),
        symbol="-", precedence=PREC_SUM, latex="{0} - {1}",
        tf="math.subtract", is_function=False, finite_partials=True,
    ),
    Primitive(
        "mul", 2, lambda a, b: a * b,
        lambda a, b, out: (b, a),
        symbol="*", precedence=PREC_PRODUCT, latex="{0} {1}",
        tf="math.multiply", is_function=False, underflows=True,
        finite_partials=True,
    ),
    Primitive(
        "div", 2, _div,
        lambda a, b, out: (div(1.0, b), neg(div(out, b))),
        domain=_div_domain, domain_text="y != 0",
        symbol="/", precedence=PREC_PRODUCT, latex=r"\frac{{{0}}}{{{1}}}",
        tf="math.divide", is_function=False, underflows=True,
    ),
    Primitive(
        "neg", 1, lambda a: -a,
        lambda a, out: (-1.0,),
        symbol="-", precedence=PREC_UNARY, latex="-{0}",
        tf="math.negative", is_function=False, finite_partials=True,
    ),
    Primitive(
        "pow", 2, _pow,
        # the power rule's product absorbs b = 0 (x^0 is constant, also at
        # x = 0), and a^b·log(a) is xlogy: 0 where a^b is 0 (a = 0, b > 0)
        lambda a, b, out: (mul(b, pow_(a, sub(b, 1.0))), xlogy(out, a)),
        domain=_pow_domain,
        domain_text="x > 0; x < 0: y an integer; x = 0: y >= 0",
        symbol="^", precedence=PREC_POWER, latex="{0}^{{{1}}}",
        tf="math.pow", aliases=("pow",), is_function=False, underflows=True,
    ),
    Primitive(
        # x*log(y), 0 where x = 0 (scipy.special.xlogy, tf.math.xlogy)
        "xlogy", 2, _xlogy,
        lambda x, y, out: (log(y), div(x, y)),
        domain=lambda x, y: _log_domain(y), domain_text="y > 0",
        latex=r"\operatorname{{xlogy}}\left({0}, {1}\right)", tf="math.xlogy",
    ),
    _fn("sin", _guarded(math.sin), lambda a, out: cos(a),
        r"\sin\left({0}\right)", "math.sin", finite_partials=True),
    _fn("cos", _guarded(math.cos), lambda a, out: neg(sin(a)),
        r"\cos\left({0}\right)", "math.cos", finite_partials=True),
    _fn("tan", _guarded(math.tan), lambda a, out: add(1.0, pow_(out, 2.0)),
        r"\tan\left({0}\right)", "math.tan",
        domain_text="x != pi/2 + k*pi"),
    # 1 - a^2 as (1 - a)(1 + a): no cancellation near |a| = 1
    _fn("asin", _guarded(math.asin),
        lambda a, out: div(1.0, sqrt(mul(sub(1.0, a), add(1.0, a)))),
        r"\arcsin\left({0}\right)", "math.asin", domain=_arc_domain("asin"), domain_text="|x| <= 1",
        aliases=("arcsin",)),
    _fn("acos", _guarded(math.acos),
        lambda a, out: neg(div(1.0, sqrt(mul(sub(1.0, a), add(1.0, a))))),
        r"\arccos\left({0}\right)", "math.acos", domain=_arc_domain("acos"), domain_text="|x| <= 1",
        aliases=("arccos",)),
    _fn("atan", math.atan, lambda a, out: div(1.0, add(1.0, pow_(a, 2.0))),
        r"\arctan\left({0}\right)", "math.atan", finite_partials=True,
        aliases=("arctan",)),
    _fn("sinh", _sinh, lambda a, out: cosh(a),
        r"\sinh\left({0}\right)", "math.sinh", finite_partials=True),
    _fn("cosh", _cosh, lambda a, out: sinh(a),
        r"\cosh\left({0}\right)", "math.cosh", finite_partials=True),
    # (1/cosh(a))^2, not 1 - tanh(a)^2, which is 0 from |a| > 19 on; and not
    # cosh(a)^-2, whose derivative -2 cosh(a)^-3 sinh(a) underflows early
    _fn("tanh", math.tanh, lambda a, out: _square(div(1.0, cosh(a))),
        r"\tanh\left({0}\right)", "math.tanh", finite_partials=True),
    _fn("exp", _exp, lambda a, out: out,
        r"e^{{{0}}}", "math.exp", underflows=True, finite_partials=True),
    _fn("log", _logarithm(math.log), lambda a, out: div(1.0, a),
        r"\ln\left({0}\right)", "math.log",
        domain=_log_domain, domain_text="x > 0", aliases=("ln",)),
    _fn("log10", _logarithm(math.log10),
        lambda a, out: div(1.0, mul(a, log(10.0))),
        r"\log_{{10}}\left({0}\right)", _tf_log_base(10.0), domain=_log_domain,
        domain_text="x > 0"),
    _fn("log2", _logarithm(math.log2),
        lambda a, out: div(1.0, mul(a, log(2.0))),
        r"\log_{{2}}\left({0}\right)", _tf_log_base(2.0), domain=_log_domain,
        domain_text="x > 0"),
    _fn("sqrt", _guarded(math.sqrt), lambda a, out: div(1.0, mul(2.0, out)),
        r"\sqrt{{{0}}}", "math.sqrt", domain=_sqrt_domain,
        domain_text="x >= 0"),
    # abs has the subgradient 0 at 0 in every mode (sign(0) = 0)
    _fn("abs", abs, lambda a, out: sign(a),
        r"\left|{0}\right|", "math.abs", finite_partials=True, kink=ABS_KINK),
    _fn("sign", _sign, lambda a, out: 0.0,
        r"\operatorname{{sign}}\left({0}\right)", "math.sign", finite_partials=True,
        kink=_unary_kink(_at_zero, lambda a, out: (-1.0, 0.0, True),
                         lambda a, out: (1.0, 0.0, True), jumps=True)),
    # (1/cosh(a/2))^2/4, not s(1 - s), which is 0 from |a| > 37 on; its own
    # derivative has no cancellation at tiny a either (s(-a) - s(a) would)
    _fn("sigmoid", _sigmoid,
        lambda a, out: mul(0.25, _square(div(1.0, cosh(div(a, 2.0))))),
        r"\sigma\left({0}\right)", "math.sigmoid", underflows=True,
        finite_partials=True),
    # -- trigonometric and hyperbolic
    _fn("sec", _reciprocal(math.cos), lambda a, out: mul(out, tan(a)),
        r"\sec\left({0}\right)", lambda tf, a: 1.0 / tf.math.cos(a),
        finite_partials=True,
        domain_text="x != pi/2 + k*pi"),
    _fn("csc", _reciprocal(math.sin), lambda a, out: neg(mul(out, cot(a))),
        r"\csc\left({0}\right)", lambda tf, a: 1.0 / tf.math.sin(a),
        domain=_sin_pole("csc"), finite_partials=True,
        domain_text="x != k*pi"),
    _fn("cot", _cot, lambda a, out: neg(add(1.0, _square(out))),
        r"\cot\left({0}\right)", lambda tf, a: tf.math.cos(a) / tf.math.sin(a),
        domain=_sin_pole("cot"), finite_partials=True,
        domain_text="x != k*pi"),
    # 1/(|a| sqrt(|a| - 1) sqrt(|a| + 1)): exact near |a| = 1, and 1/|a|
    # first, so no overflow of a^2
    _fn("asec", _asec,
        lambda a, out: div(div(1.0, abs_(a)), mul(sqrt(sub(abs_(a), 1.0)), sqrt(add(abs_(a), 1.0)))),
        r"\operatorname{{arcsec}}\left({0}\right)", lambda tf, a: _tf_asec(tf, a),
        domain=_arc_outside_domain("asec"), domain_text="|x| >= 1", aliases=("arcsec",)),
    _fn("acsc", _acsc,
        lambda a, out: neg(div(div(1.0, abs_(a)),
                               mul(sqrt(sub(abs_(a), 1.0)), sqrt(add(abs_(a), 1.0))))),
        r"\operatorname{{arccsc}}\left({0}\right)", lambda tf, a: _tf_acsc(tf, a),
        domain=_arc_outside_domain("acsc"), domain_text="|x| >= 1", aliases=("arccsc",)),
    # atan(1/a): pi/2 at 0, and -pi/2 just below (a jump)
    _fn("acot", _acot, lambda a, out: neg(div(1.0, add(1.0, _square(a)))),
        r"\operatorname{{arccot}}\left({0}\right)", lambda tf, a: _tf_acot(tf, a),
        aliases=("arccot",), finite_partials=True,
        kink=_unary_kink(_at_zero, lambda a, out: (-math.pi / 2, -1.0, True),
                         lambda a, out: (math.pi / 2, -1.0, False), jumps=True)),
    # 1/hypot(1, a), not 1/sqrt(1 + a^2), which is 0 from |a| > 1e154 on
    _fn("asinh", math.asinh, lambda a, out: div(1.0, hypot(1.0, a)),
        r"\operatorname{{arsinh}}\left({0}\right)", "math.asinh",
        aliases=("arsinh", "arcsinh"), finite_partials=True),
    # 1/(sqrt(a - 1) sqrt(a + 1)): exact near a = 1 and no overflow of
    # (a - 1)(a + 1) beyond a ~ 1e154 (which made the derivative 0)
    _fn("acosh", _guarded(math.acosh),
        lambda a, out: div(1.0, mul(sqrt(sub(a, 1.0)), sqrt(add(a, 1.0)))),
        r"\operatorname{{arcosh}}\left({0}\right)", "math.acosh",
        domain=_below_domain("acosh", 1.0), domain_text="x >= 1", aliases=("arcosh", "arccosh")),
    _fn("atanh", _atanh, lambda a, out: div(1.0, mul(sub(1.0, a), add(1.0, a))),
        r"\operatorname{{artanh}}\left({0}\right)", "math.atanh",
        domain=_atanh_domain, domain_text="|x| < 1", aliases=("artanh", "arctanh")),
    # -- two or more arguments (min, max and logsumexp take any number: the
    # parser folds them left, see VARIADIC)
    Primitive(
        # the angle of (x, y); partials x/r^2 and -y/r^2 as (x/r)/r with
        # r = hypot(y, x): no overflow of x^2 + y^2
        "atan2", 2, math.atan2,
        lambda y, x, out: (div(div(x, hypot(y, x)), hypot(y, x)),
                           neg(div(div(y, hypot(y, x)), hypot(y, x)))),
        latex=r"\operatorname{{atan2}}\left({0}, {1}\right)", tf="math.atan2",
        finite_partials=True,
        # the branch cut (y = 0, x < 0) and the origin
        kink=Kink(lambda y, x: y == 0 and x <= 0, _atan2_one_sided, jumps=True),
    ),
    Primitive(
        "hypot", 2, math.hypot,
        lambda x, y, out: (div(x, out), div(y, out)),
        latex=r"\sqrt{{\left({0}\right)^{{2}} + \left({1}\right)^{{2}}}}",
        tf=lambda tf, x, y: _tf_hypot(tf, x, y), finite_partials=True,
        # a cone at the origin
        kink=Kink(lambda x, y: x == 0 and y == 0, _hypot_one_sided),
    ),
    Primitive(
        # x^(1/n); its partials through the value (1/(n out^(n-1)) is right
        # for negative x and odd n too, and infinite at x = 0 for n > 1)
        "root", 2, _root,
        lambda x, n, out: (div(1.0, mul(n, pow_(out, sub(n, 1.0)))),
                           neg(div(xlogy(out, abs_(x)), mul(n, n)))),
        domain=_root_domain,
        domain_text="y != 0; x < 0: y odd; x = 0: y > 0",
        latex=r"\sqrt[{1}]{{{0}}}", tf=lambda tf, x, n: _tf_root(tf, x, n),
    ),
    # at a tie each argument gets half (the middle of the subgradients, as
    # sign(0) = 0 is for abs)
    Primitive(
        "min", 2, _nan_or(min),
        lambda a, b, out: (heaviside(sub(b, a)), heaviside(sub(a, b))),
        latex=r"\min\left({0}, {1}\right)", tf="math.minimum",
        finite_partials=True, kink=_extremum_kink(min),
    ),
    Primitive(
        "max", 2, _nan_or(max),
        lambda a, b, out: (heaviside(sub(a, b)), heaviside(sub(b, a))),
        latex=r"\max\left({0}, {1}\right)", tf="math.maximum",
        finite_partials=True, kink=_extremum_kink(max),
    ),
    Primitive(
        "logsumexp", 2, _logsumexp,
        lambda a, b, out: (sigmoid(sub(a, b)), sigmoid(sub(b, a))),
        latex=r"\operatorname{{logsumexp}}\left({0}, {1}\right)",
        tf=lambda tf, a, b: tf.math.reduce_logsumexp(tf.stack([a, b]), axis=0),
        finite_partials=True,
    ),
    # -- special functions
    _fn("erf", math.erf, lambda a, out: mul(_TWO_OVER_SQRT_PI, exp(neg(_square(a)))),
        r"\operatorname{{erf}}\left({0}\right)", "math.erf", finite_partials=True),
    _fn("erfc", math.erfc,
        lambda a, out: neg(mul(_TWO_OVER_SQRT_PI, exp(neg(_square(a))))),
        r"\operatorname{{erfc}}\left({0}\right)", "math.erfc", underflows=True,
        finite_partials=True),
    _fn("gamma", _gamma, lambda a, out: mul(out, digamma(a)),
        r"\Gamma\left({0}\right)", lambda tf, a: _tf_gamma(tf, a),
        domain=_pole_domain("gamma"),
        domain_text="x not 0, -1, -2, ...", underflows=True),
    # log|gamma(a)|, as math.lgamma and tf.math.lgamma
    _fn("lgamma", _lgamma, lambda a, out: digamma(a),
        r"\ln\left|\Gamma\left({0}\right)\right|", "math.lgamma",
        domain=_pole_domain("lgamma"), domain_text="x not 0, -1, -2, ..."),
    _fn("digamma", _digamma, lambda a, out: polygamma(1.0, a),
        r"\psi\left({0}\right)", "math.digamma", domain=_pole_domain("digamma"),
        domain_text="x not 0, -1, -2, ...", aliases=("psi",)),
    Primitive(
        # the n-th derivative of digamma (n a nonnegative integer: its
        # partial in n is 0, as floor's is between the jumps)
        "polygamma", 2, _polygamma,
        lambda n, x, out: (0.0, polygamma(add(n, 1.0), x)),
        domain=_pole_domain("polygamma"),
        domain_text="x = 0, 1, 2, ...; y not 0, -1, -2, ...",
        latex=r"\psi^{{\left({0}\right)}}\left({1}\right)", tf="math.polygamma",
    ),
    _fn("cbrt", _cbrt, lambda a, out: div(1.0, mul(3.0, _square(out))),
        r"\sqrt[3]{{{0}}}", lambda tf, a: tf.math.sign(a) * tf.math.pow(tf.math.abs(a), 1.0 / 3.0)),
    _fn("log1p", _log1p, lambda a, out: div(1.0, add(1.0, a)),
        r"\operatorname{{log1p}}\left({0}\right)", "math.log1p",
        domain=_below_domain("log1p", -1.0, closed=True), domain_text="x > -1"),
    _fn("expm1", _expm1, lambda a, out: exp(a),
        r"\operatorname{{expm1}}\left({0}\right)", "math.expm1", finite_partials=True),
    # -- machine learning
    _fn("softplus", _softplus, lambda a, out: sigmoid(a),
        r"\operatorname{{softplus}}\left({0}\right)", "math.softplus",
        underflows=True, finite_partials=True),
    _fn("logsigmoid", _logsigmoid, lambda a, out: sigmoid(neg(a)),
        r"\ln\sigma\left({0}\right)", "math.log_sigmoid", finite_partials=True),
    _fn("relu", _relu, lambda a, out: heaviside(a),
        r"\operatorname{{ReLU}}\left({0}\right)", "nn.relu", finite_partials=True,
        kink=_unary_kink(_at_zero, lambda a, out: (0.0, 0.0, False),
                         lambda a, out: (0.0, 1.0, False))),
    _fn("heaviside", _heaviside, lambda a, out: 0.0,
        r"H\left({0}\right)", lambda tf, a: 0.5 * (1.0 + tf.math.sign(a)),
        finite_partials=True,
        kink=_unary_kink(_at_zero, lambda a, out: (0.0, 0.0, True),
                         lambda a, out: (1.0, 0.0, True), jumps=True)),
    # -- rounding: derivative 0 between the jumps
    _fn("floor", _rounding(math.floor), lambda a, out: 0.0,
        r"\left\lfloor {0} \right\rfloor", "math.floor", finite_partials=True,
        kink=_unary_kink(_is_integer, lambda a, out: (a - 1.0, 0.0, True),
                         lambda a, out: (a, 0.0, False), jumps=True)),
    _fn("ceil", _rounding(math.ceil), lambda a, out: 0.0,
        r"\left\lceil {0} \right\rceil", "math.ceil", finite_partials=True,
        kink=_unary_kink(_is_integer, lambda a, out: (a, 0.0, False),
                         lambda a, out: (a + 1.0, 0.0, True), jumps=True)),
    # halves to even, as Python's round, numpy and tf.math.round
    _fn("round", _rounding(round), lambda a, out: 0.0,
        r"\operatorname{{round}}\left({0}\right)", "math.round", finite_partials=True,
        kink=_unary_kink(
            _is_half, lambda a, out: (math.floor(a), 0.0, math.floor(a) != out),
            lambda a, out: (math.ceil(a), 0.0, math.ceil(a) != out), jumps=True)),
    Primitive(
        "mod", 2, _mod,
        lambda a, b, out: (1.0, neg(floor(div(a, b)))),
        domain=lambda a, b: "mod by zero" if b == 0 else None, domain_text="y != 0",
        # a jump where a/b is an integer
        kink=Kink(lambda a, b: b != 0 and _mod(a, b) == 0, _mod_one_sided, jumps=True),
        latex=r"\left({0}\right) \bmod \left({1}\right)",
        tf="math.floormod", finite_partials=True,
    ),
]  # fmt: skip

PRIMITIVES: dict[str, Primitive] = {p.name: p for p in _TABLE}

#: what the parser accepts as a function name -> primitive
FUNCTIONS: dict[str, Primitive] = {}
for _p in _TABLE:
    for _name in ((_p.name,) if _p.is_function else ()) + _p.aliases:
        FUNCTIONS[_name] = _p

#: functions that take any number (two or more) of arguments: the parser
#: folds the call left over the binary primitive, ``max(a, b, c)`` is
#: ``max(max(a, b), c)`` (exact for min and max, and for logsumexp each step
#: is the stable two-argument one)
VARIADIC: frozenset[str] = frozenset({"min", "max", "logsumexp"})


def _log_base(make: Callable[..., Any], x: Any, b: Any) -> Any:
    log_ = PRIMITIVES["log"]
    return make(PRIMITIVES["div"], (make(log_, (x,)), make(log_, (b,))))


#: a function name's other arities: name -> {arity: builder(make, *args)},
#: ``log(x, b)`` is ``log(x)/log(b)`` (printed so)
OVERLOADS: dict[str, dict[int, Callable[..., Any]]] = {"log": {2: _log_base}}


class ArityError(ValueError):
    """A call with a number of arguments its function does not take."""


def arities(name: str) -> str:
    """The numbers of arguments ``name`` takes, in words ("1 or 2")."""
    prim = FUNCTIONS[name]
    if prim.name in VARIADIC:
        return f"{prim.arity} or more"
    counts = sorted({prim.arity, *OVERLOADS.get(prim.name, {})})
    return " or ".join(str(c) for c in counts)


def call(name: str, args: list, make: Callable[..., Any]) -> Any:
    """The node for the call ``name(*args)``, built with ``make(prim, args)``.

    Resolves the function's arity: its primitive, another arity of the name
    (``OVERLOADS``), or a left fold for ``VARIADIC`` functions. A count it
    does not take raises ``ArityError`` with the message for the user.
    """
    prim = FUNCTIONS[name]
    if len(args) == prim.arity:
        return make(prim, tuple(args))
    if prim.name in VARIADIC and len(args) > prim.arity:
        out = args[0]
        for arg in args[1:]:  # a loop: no recursion however many arguments
            out = make(prim, (out, arg))
        return out
    build = OVERLOADS.get(prim.name, {}).get(len(args))
    if build is not None:
        return build(make, *args)
    takes = arities(name)
    plural = "" if takes == "1" else "s"
    raise ArityError(f"{name} takes {takes} argument{plural}, got {len(args)}")


#: named constants of the language; a variable cannot have these names
CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}


# ---------------------------------------------------------------------------
# Generic operations (used to write partials; work on every number type)


def _op(name: str) -> Callable[..., Any]:
    prim = PRIMITIVES[name]

    def op(*args: Any) -> Any:
        return apply(prim, *args)

    op.__name__ = name
    op.__doc__ = f"Generic ``{name}``: numbers, graph nodes or dual numbers."
    return op


def _absorbing(name: str, fn: Callable[..., float]) -> Primitive:
    """The variant of ``name`` that derivative computations use (0·∞ rule).

    Not in the table: graph nodes built with it are ordinary ``name`` nodes
    (``graph.build``), which derivative evaluation treats with the same rule.
    """
    from .records import replace

    return replace(PRIMITIVES[name], fn=fn, zero_absorbing=True)


#: ``*`` and ``/`` with the 0·∞ rule, as used in partials and chain rules
MUL_ABSORBING = _absorbing("mul", times)
DIV_ABSORBING = _absorbing("div", _div_absorbing)
ABSORBING: dict[str, Primitive] = {"mul": MUL_ABSORBING, "div": DIV_ABSORBING}


def _absorbing_op(prim: Primitive) -> Callable[..., Any]:
    def op(*args: Any) -> Any:
        return apply(prim, *args)

    op.__name__ = prim.name
    op.__doc__ = f"Generic ``{prim.name}`` with the 0·∞ rule (an exact 0 absorbs inf and nan)."
    return op


add = _op("add")
sub = _op("sub")
#: partials and chain rules multiply and divide with the 0·∞ rule
mul = _absorbing_op(MUL_ABSORBING)
div = _absorbing_op(DIV_ABSORBING)
neg = _op("neg")
pow_ = _op("pow")
sin = _op("sin")
cos = _op("cos")
tan = _op("tan")
sinh = _op("sinh")
cosh = _op("cosh")
exp = _op("exp")
log = _op("log")
sqrt = _op("sqrt")
sign = _op("sign")
tanh = _op("tanh")
sigmoid = _op("sigmoid")
xlogy = _op("xlogy")
abs_ = _op("abs")
cot = _op("cot")
hypot = _op("hypot")
heaviside = _op("heaviside")
digamma = _op("digamma")
polygamma = _op("polygamma")
floor = _op("floor")
