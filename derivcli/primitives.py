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
from dataclasses import dataclass
from typing import Any

INF = math.inf
NAN = math.nan

# Printing precedence, loosest first. The grammar has the same levels.
PREC_SUM = 1
PREC_PRODUCT = 2
PREC_UNARY = 3
PREC_POWER = 4
PREC_ATOM = 5


@dataclass(frozen=True, eq=False)
class Primitive:
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
        domain=_div_domain,
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
        symbol="^", precedence=PREC_POWER, latex="{0}^{{{1}}}",
        tf="math.pow", aliases=("pow",), is_function=False, underflows=True,
    ),
    Primitive(
        # x*log(y), 0 where x = 0 (scipy.special.xlogy, tf.math.xlogy)
        "xlogy", 2, _xlogy,
        lambda x, y, out: (log(y), div(x, y)),
        domain=lambda x, y: _log_domain(y),
        latex=r"\operatorname{{xlogy}}\left({0}, {1}\right)", tf="math.xlogy",
    ),
    _fn("sin", _guarded(math.sin), lambda a, out: cos(a),
        r"\sin\left({0}\right)", "math.sin", finite_partials=True),
    _fn("cos", _guarded(math.cos), lambda a, out: neg(sin(a)),
        r"\cos\left({0}\right)", "math.cos", finite_partials=True),
    _fn("tan", _guarded(math.tan), lambda a, out: add(1.0, pow_(out, 2.0)),
        r"\tan\left({0}\right)", "math.tan"),
    # 1 - a^2 as (1 - a)(1 + a): no cancellation near |a| = 1
    _fn("asin", _guarded(math.asin),
        lambda a, out: div(1.0, sqrt(mul(sub(1.0, a), add(1.0, a)))),
        r"\arcsin\left({0}\right)", "math.asin", domain=_arc_domain("asin")),
    _fn("acos", _guarded(math.acos),
        lambda a, out: neg(div(1.0, sqrt(mul(sub(1.0, a), add(1.0, a))))),
        r"\arccos\left({0}\right)", "math.acos", domain=_arc_domain("acos")),
    _fn("atan", math.atan, lambda a, out: div(1.0, add(1.0, pow_(a, 2.0))),
        r"\arctan\left({0}\right)", "math.atan", finite_partials=True),
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
        domain=_log_domain, aliases=("ln",)),
    _fn("log10", _logarithm(math.log10),
        lambda a, out: div(1.0, mul(a, log(10.0))),
        r"\log_{{10}}\left({0}\right)", _tf_log_base(10.0), domain=_log_domain),
    _fn("log2", _logarithm(math.log2),
        lambda a, out: div(1.0, mul(a, log(2.0))),
        r"\log_{{2}}\left({0}\right)", _tf_log_base(2.0), domain=_log_domain),
    _fn("sqrt", _guarded(math.sqrt), lambda a, out: div(1.0, mul(2.0, out)),
        r"\sqrt{{{0}}}", "math.sqrt", domain=_sqrt_domain),
    # abs has the subgradient 0 at 0 in every mode (sign(0) = 0)
    _fn("abs", abs, lambda a, out: sign(a),
        r"\left|{0}\right|", "math.abs", finite_partials=True),
    _fn("sign", _sign, lambda a, out: 0.0,
        r"\operatorname{{sign}}\left({0}\right)", "math.sign", finite_partials=True),
    # (1/cosh(a/2))^2/4, not s(1 - s), which is 0 from |a| > 37 on; its own
    # derivative has no cancellation at tiny a either (s(-a) - s(a) would)
    _fn("sigmoid", _sigmoid,
        lambda a, out: mul(0.25, _square(div(1.0, cosh(div(a, 2.0))))),
        r"\sigma\left({0}\right)", "math.sigmoid", underflows=True,
        finite_partials=True),
]  # fmt: skip

PRIMITIVES: dict[str, Primitive] = {p.name: p for p in _TABLE}

#: what the parser accepts as a function name -> primitive
FUNCTIONS: dict[str, Primitive] = {}
for _p in _TABLE:
    for _name in ((_p.name,) if _p.is_function else ()) + _p.aliases:
        FUNCTIONS[_name] = _p

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
    from dataclasses import replace

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
