"""The numpy column of the primitive table: every primitive on whole arrays.

``COLUMNS[name]`` is a numpy callable with the IEEE conventions of the
primitive's float ``fn`` (``inf``/``nan`` instead of errors, the same signed
zeros, the same ``nan`` rules for ``min``/``max``), row by row. It is kept
here, keyed by primitive name, beside the table rather than in it; a test
checks that every primitive of ``PRIMITIVES`` has an entry and that each
entry agrees with ``fn`` on random and edge inputs. Where ``f`` is undefined
the reason comes from the primitive's own ``domain`` function, asked about
the failing rows only (``batch.py``).

Two variants:

* ``COLUMNS`` (the default) uses numpy's own ufuncs. numpy's ``exp``,
  ``log``, ``tan``, ``sinh``, ``cbrt``... are not the C library's that
  Python's ``math`` calls: on this machine (numpy 2.4, x86-64) they differ
  from ``math.*`` by at most 3 units in the last place (measured over 600,000
  inputs each; ``+ - * /``, ``sqrt``, ``sin`` and ``cos`` agree bitwise).
* ``EXACT_COLUMNS`` calls the float ``fn`` row by row wherever numpy's ufunc
  is not bitwise the C library's (about 6x slower for those primitives):
  a batch computed with it equals the single-point results bit for bit.
  ``--libm`` on the command line, ``libm=True`` in the API.

numpy is imported by this module only: nothing imports it for one point.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .primitives import ABSORBING, PRIMITIVES, Primitive

F64 = np.float64


def _rowwise(fn: Callable[..., float]) -> Callable[..., np.ndarray]:
    """``fn`` (a float function) applied row by row: the reference itself."""

    def loop(*args):
        arrays = np.broadcast_arrays(*(np.asarray(a, dtype=F64) for a in args))
        shape = arrays[0].shape
        flat = [a.ravel().tolist() for a in arrays]
        n = len(flat[0])
        return np.fromiter(map(fn, *flat), dtype=F64, count=n).reshape(shape)

    loop.__name__ = getattr(fn, "__name__", "rowwise")
    return loop


def _where(cond, a, b):
    return np.where(cond, a, b)


def _isnan(a):
    return np.isnan(a)


def _div(a, b):
    # IEEE division is what the float _div returns in every case (x/0 is a
    # signed inf, 0/0 and nan/0 are nan)
    return np.true_divide(a, b)


def _times(a, b):
    """``a*b`` with the 0·∞ rule (``primitives.times``)."""
    a = np.asarray(a, dtype=F64)
    b = np.asarray(b, dtype=F64)
    p = a * b
    return np.where(np.isnan(p) & ((a == 0) | (b == 0)), 0.0, p)


def _div_absorbing(a, b):
    a = np.asarray(a, dtype=F64)
    b = np.asarray(b, dtype=F64)
    return np.where((a == 0) & ((b == 0) | np.isnan(b)), 0.0, a / b)


def _is_odd_integer(b):
    return np.isfinite(b) & (b == np.floor(b)) & (np.fmod(b, 2.0) != 0)


def _pow(a, b):
    # C pow's special cases are IEEE's: numpy's power is the C library's,
    # and 0^-n, overflow and negative^fraction come out as the float _pow's
    return np.power(a, b)


def _logarithm(f):
    def log_fn(a):
        a = np.asarray(a, dtype=F64)
        return np.where(a > 0, f(np.where(a > 0, a, 1.0)), np.where(a == 0, -np.inf, np.nan))

    return log_fn


_log = _logarithm(np.log)


def _xlogy(x, y):
    x = np.asarray(x, dtype=F64)
    return np.where(x == 0, 0.0, x * _log(y))


def _sign(a):
    a = np.asarray(a, dtype=F64)
    return np.where(a > 0, 1.0, np.where(a < 0, -1.0, a * 0.0))


def _sigmoid(a):
    a = np.asarray(a, dtype=F64)
    pos = 1.0 / (1.0 + np.exp(-np.where(a >= 0, a, 0.0)))
    e = np.exp(np.where(a >= 0, 0.0, a))
    return np.where(a >= 0, pos, e / (1.0 + e))


def _reciprocal(f):
    return lambda a: np.true_divide(1.0, f(a))


def _cot(a):
    return np.true_divide(np.cos(a), np.sin(a))


def _root(x, n):
    x = np.asarray(x, dtype=F64)
    inv = np.true_divide(1.0, n)
    flip = (x < 0) & _is_odd_integer(n)
    return np.where(flip, -np.power(np.where(flip, -x, x), inv), np.power(x, inv))


def _min(a, b):
    a = np.asarray(a, dtype=F64)
    b = np.asarray(b, dtype=F64)
    # Python's min(a, b) is a unless b < a (so min(0.0, -0.0) is 0.0)
    return np.where(np.isnan(a) | np.isnan(b), np.nan, np.where(b < a, b, a))


def _max(a, b):
    a = np.asarray(a, dtype=F64)
    b = np.asarray(b, dtype=F64)
    return np.where(np.isnan(a) | np.isnan(b), np.nan, np.where(b > a, b, a))


_LOG2 = math.log(2.0)


def _logsumexp(a, b):
    a = np.asarray(a, dtype=F64)
    b = np.asarray(b, dtype=F64)
    same = a == b
    d = np.where(same, 0.0, a - b)
    general = _max(a, b) + np.log1p(np.exp(-np.abs(d)))
    out = np.where(same, a + _LOG2, general)
    return np.where(np.isnan(a) | np.isnan(b), np.nan, out)


def _softplus(a):
    a = np.asarray(a, dtype=F64)
    top = np.where(0.0 > a, 0.0, a)  # Python's max(a, 0.0)
    return np.where(np.isnan(a), a, top + np.log1p(np.exp(-np.abs(a))))


def _logsigmoid(a):
    return -_softplus(-np.asarray(a, dtype=F64))


def _relu(a):
    a = np.asarray(a, dtype=F64)
    return np.where((a > 0) | np.isnan(a), a, 0.0)


def _heaviside(a):
    a = np.asarray(a, dtype=F64)
    return np.where(a > 0, 1.0, np.where(a < 0, 0.0, np.where(a == 0, 0.5, np.nan)))


def _rounding(f):
    # float(math.floor(-0.5)) is -1.0 and float(math.ceil(-0.5)) is 0.0, not
    # numpy's -0.0: adding 0.0 turns -0.0 into 0.0 and keeps inf and nan
    return lambda a: f(a) + 0.0


def _atanh(a):
    return np.arctanh(a)


def _secant_root(a):
    m = np.abs(a)
    return np.sqrt(m - 1.0) * np.sqrt(m + 1.0)  # nan where |a| < 1


def _asec(a):
    angle = np.arctan2(_secant_root(a), 1.0)
    return np.where(a > 0, angle, np.pi - angle)


def _acsc(a):
    return np.copysign(np.arctan2(1.0, _secant_root(a)), a)


def _acot(a):
    a = np.asarray(a, dtype=F64)
    big = np.abs(a) >= 1
    with np.errstate(divide="ignore"):
        outer = np.arctan(np.true_divide(1.0, np.where(big, a, 1.0)))
    inner = np.copysign(np.pi / 2, a) - np.arctan(a)
    return np.where(a == 0, np.pi / 2, np.where(big, outer, inner))


def _guard(f):
    """A numpy function whose invalid result is nan (the float fn's
    ValueError): numpy already returns nan there."""
    return f


#: numpy ufuncs, by primitive name: the default column
COLUMNS: dict[str, Callable[..., np.ndarray]] = {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "div": _div,
    "neg": np.negative,
    "pow": _pow,
    "xlogy": _xlogy,
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "asin": np.arcsin,
    "acos": np.arccos,
    "atan": np.arctan,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "tanh": np.tanh,
    "exp": np.exp,
    "log": _log,
    "log10": _logarithm(np.log10),
    "log2": _logarithm(np.log2),
    "sqrt": np.sqrt,
    "abs": np.abs,
    "sign": _sign,
    "sigmoid": _sigmoid,
    "sec": _reciprocal(np.cos),
    "csc": _reciprocal(np.sin),
    "cot": _cot,
    "asinh": np.arcsinh,
    "acosh": np.arccosh,
    "atanh": _atanh,
    "asec": _asec,
    "acsc": _acsc,
    "acot": _acot,
    "atan2": np.arctan2,
    "hypot": np.hypot,
    "root": _root,
    "min": _min,
    "max": _max,
    "logsumexp": _logsumexp,
    "cbrt": np.cbrt,
    "log1p": np.log1p,
    "expm1": np.expm1,
    "softplus": _softplus,
    "logsigmoid": _logsigmoid,
    "relu": _relu,
    "heaviside": _heaviside,
    "floor": _rounding(np.floor),
    "ceil": _rounding(np.ceil),
    "round": _rounding(np.rint),
}

#: primitives numpy has no function for (or none with the float fn's
#: special cases): the float fn row by row, in both columns
ROWWISE = ("erf", "erfc", "gamma", "lgamma", "digamma", "polygamma", "mod")
for _name in ROWWISE:
    COLUMNS[_name] = _rowwise(PRIMITIVES[_name].fn)

#: the ufuncs measured bitwise equal to Python's math (the C library) on
#: every input: + - * /, sqrt, sin, cos and what is built only from them
BITWISE = frozenset(
    {
        "add", "sub", "mul", "div", "neg", "sqrt", "sin", "cos", "abs", "sign",
        "sec", "csc", "cot", "min", "max", "relu", "heaviside", "floor", "ceil",
        "round", *ROWWISE,
    }
)  # fmt: skip

#: the column that equals the single-point results bit for bit
EXACT_COLUMNS: dict[str, Callable[..., np.ndarray]] = {
    name: (f if name in BITWISE else _rowwise(PRIMITIVES[name].fn)) for name, f in COLUMNS.items()
}

#: the 0·∞ variants of ``*`` and ``/`` (derivative computations)
ABSORBING_COLUMNS: dict[str, Callable[..., np.ndarray]] = {"mul": _times, "div": _div_absorbing}
assert set(ABSORBING_COLUMNS) == set(ABSORBING)


class Column:
    """An array of values (one per row) that joins the primitive table's
    generic dispatch: the partials, written with generic operations, run on
    whole columns. ``a`` is a float64 array or a float."""

    __slots__ = ("a",)
    table: dict[str, Callable[..., np.ndarray]] = COLUMNS

    def __init__(self, a) -> None:
        self.a = a

    @classmethod
    def apply_primitive(cls, prim: Primitive, args: tuple) -> Column:
        raw = [a.a if isinstance(a, Column) else a for a in args]
        if prim.zero_absorbing:
            return cls(ABSORBING_COLUMNS[prim.name](*raw))
        return cls(_column(cls.table, prim)(*raw))


class ExactColumn(Column):
    """A :class:`Column` computed with :data:`EXACT_COLUMNS`."""

    __slots__ = ()
    table = EXACT_COLUMNS


def apply(prim: Primitive, args: list, exact: bool = False, absorbing: bool = False):
    """``prim`` on columns (arrays or floats); floats alone give a float by
    the float ``fn`` itself, as a single point would."""
    if all(type(a) is float for a in args):
        fn = ABSORBING[prim.name].fn if absorbing and prim.name in ABSORBING else prim.fn
        return fn(*args)
    if absorbing and prim.name in ABSORBING_COLUMNS:
        return ABSORBING_COLUMNS[prim.name](*args)
    return _column(EXACT_COLUMNS if exact else COLUMNS, prim)(*args)


def _column(table: dict, prim: Primitive) -> Callable[..., np.ndarray]:
    """The primitive's column; one the table lacks (a primitive added since,
    which the test of this table reports) runs its float ``fn`` row by row."""
    column = table.get(prim.name)
    if column is None:  # not cached in the table: its test must still see it missing
        column = _UNLISTED.get(prim.name)
        if column is None:
            column = _UNLISTED[prim.name] = _rowwise(prim.fn)
    return column


_UNLISTED: dict[str, Callable[..., np.ndarray]] = {}
