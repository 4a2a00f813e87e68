"""Dual and hyper-dual numbers: exact first and second derivatives.

A dual number ``a + b ε`` with ``ε² = 0`` carries a value and a first
derivative (the seed's ``NumeroDual``); by Taylor's theorem
``f(x + ε) = f(x) + f'(x) ε``. A hyper-dual number (Fike & Alonso)
``a + b ε₁ + c ε₂ + d ε₁ε₂`` with ``ε₁² = ε₂² = 0`` (``ε₁ε₂ ≠ 0``) carries a
second derivative as well:

    f(x + ε₁ + ε₂) = f(x) + f'(x) ε₁ + f'(x) ε₂ + f''(x) ε₁ε₂

with no truncation error: the infinitesimal parts are exact up to the
rounding of the ordinary arithmetic.

Neither type has its own list of derivative rules. Both join the generic
dispatch of :mod:`derivcli.primitives` (``apply_primitive``), and the rule
for a primitive is read from the primitive table: the value from ``fn``, the
first-order parts from ``partials`` evaluated on floats, and (hyper-duals)
the second-order part from the same ``partials`` evaluated on dual numbers,
which differentiates them once more.

Every product of the chain rule follows the 0·∞ rule (``primitives.times``):
a zero infinitesimal part or a zero partial contributes nothing, even when
the other factor is infinite or NaN. So ``x^3`` at ``x = -0.7`` stays exact
even though the partial of ``a^b`` by ``b`` (``a^b log a``) is NaN there: the
exponent is a constant and its partial is never used; and ``sqrt(x*y)`` at
``x = 0, y = 1`` has the derivative 0 by ``y`` (the tangent of ``x*y`` is 0
there, the partial of ``sqrt`` infinite). ``x^y`` at a negative ``x`` is NaN,
as it must be.

The seed notebook's examples:

>>> 3 + Dual(3, 4)
6.0 + 4.0ε
>>> Dual(3, 4) * Dual(5, 7)
15.0 + 41.0ε

The partial derivatives of ``f(x, y) = x*x*y + y + 2`` at ``x = 3, y = 4``,
one evaluation per variable with that variable seeded with ``ε = 1``:

>>> def f(x, y):
...     return x * x * y + y + 2
>>> f(Dual(3.0), Dual(4.0))
42.0
>>> f(Dual(3.0, 1.0), Dual(4.0)).eps
24.0
>>> f(Dual(3.0), Dual(4.0, 1.0)).eps
10.0

Its Hessian, ``[[8, 6], [6, 0]]`` in the notebook, one hyper-dual evaluation
per pair of variables:

>>> f(HyperDual(3.0, 1.0, 1.0), HyperDual(4.0))
42.0 + 24.0ε₁ + 24.0ε₂ + 8.0ε₁ε₂
>>> f(HyperDual(3.0, 1.0), HyperDual(4.0, 0.0, 1.0)).eps12
6.0
>>> f(HyperDual(3.0), HyperDual(4.0, 1.0, 1.0)).eps12
0.0

Every primitive of the table works, through the generic operations:

>>> from derivcli.primitives import sin
>>> sin(Dual(0.0, 1.0))
0.0 + 1.0ε
>>> sin(HyperDual(0.0, 1.0, 1.0))
0.0 + 1.0ε₁ + 1.0ε₂

``repr`` prints like the notebook's ``NumeroDual``: one decimal, and only the
value when the infinitesimal parts are zero. Where one decimal would lose
information the shortest exact form is printed instead (``0.25``, not the
notebook's ``0.2``), and a negative part is written with a minus sign:

>>> Dual(0.25, -1.5)
0.25 - 1.5ε
"""

from __future__ import annotations

import math
from typing import Any

from .primitives import PRIMITIVES, Primitive, apply, times

__all__ = ["Dual", "HyperDual"]

_ADD = PRIMITIVES["add"]
_SUB = PRIMITIVES["sub"]
_MUL = PRIMITIVES["mul"]
_DIV = PRIMITIVES["div"]
_POW = PRIMITIVES["pow"]
_NEG = PRIMITIVES["neg"]


def _text(v: float) -> str:
    """``v`` with one decimal like the notebook, unless that loses digits."""
    short = f"{v:.1f}"
    try:
        exact = float(short) == v
    except ValueError:  # pragma: no cover - "{:.1f}" always parses
        exact = False
    return short if exact else repr(v)


def _term(v: float, unit: str) -> str:
    """`` + 4.0ε`` / `` - 4.0ε`` for a nonzero part ``v`` of ``unit``."""
    if math.copysign(1.0, v) < 0:
        return f" - {_text(-v)}{unit}"
    return f" + {_text(v)}{unit}"


def _is_plain(a: Any) -> bool:
    return type(a) is float or type(a) is int


def _mismatch(cls: type, a: Any) -> TypeError:
    return TypeError(f"cannot combine {cls.__name__} with {type(a).__name__}")


class _Arithmetic:
    """Operators through the primitive table, with plain numbers on either side."""

    __slots__ = ()
    value: float

    @property
    def real(self) -> float:
        """The value (the primal part), as for Python's numbers."""
        return self.value

    @classmethod
    def _of(cls, a: Any) -> Any:
        """``a`` as this type (a plain number has zero infinitesimal parts)."""
        if type(a) is cls:
            return a
        if _is_plain(a):
            return cls(a)
        raise _mismatch(cls, a)

    def __add__(self, other: Any) -> Any:
        return apply(_ADD, self, other)

    def __radd__(self, other: Any) -> Any:
        return apply(_ADD, other, self)

    def __sub__(self, other: Any) -> Any:
        return apply(_SUB, self, other)

    def __rsub__(self, other: Any) -> Any:
        return apply(_SUB, other, self)

    def __mul__(self, other: Any) -> Any:
        return apply(_MUL, self, other)

    def __rmul__(self, other: Any) -> Any:
        return apply(_MUL, other, self)

    def __truediv__(self, other: Any) -> Any:
        return apply(_DIV, self, other)

    def __rtruediv__(self, other: Any) -> Any:
        return apply(_DIV, other, self)

    def __pow__(self, other: Any) -> Any:
        return apply(_POW, self, other)

    def __rpow__(self, other: Any) -> Any:
        return apply(_POW, other, self)

    def __neg__(self) -> Any:
        return apply(_NEG, self)

    def __pos__(self) -> Any:
        return self

    def __str__(self) -> str:
        return repr(self)


class Dual(_Arithmetic):
    """A dual number ``value + eps ε`` with ``ε² = 0``.

    ``f(Dual(x, 1.0))`` is ``f(x) + f'(x) ε``: the value and the derivative in
    one evaluation (the seed's ``NumeroDual``).

    >>> Dual(3, 4) * Dual(5, 7)
    15.0 + 41.0ε
    >>> 3 + Dual(3, 4)
    6.0 + 4.0ε
    >>> Dual(2.0, 1.0) ** 3
    8.0 + 12.0ε
    >>> (1 / Dual(2.0, 1.0)).eps
    -0.25
    """

    __slots__ = ("value", "eps")

    value: float
    eps: float

    def __init__(self, value: float = 0.0, eps: float = 0.0) -> None:
        self.value = float(value)
        self.eps = float(eps)

    def __repr__(self) -> str:
        if self.eps:
            return _text(self.value) + _term(self.eps, "ε")
        return _text(self.value)

    @classmethod
    def apply_primitive(cls, prim: Primitive, args: tuple) -> Dual:
        """``prim`` applied to dual numbers (floats become ``x + 0ε``).

        ``value = fn(a)``, ``eps = Σ ∂fn/∂aᵢ · epsᵢ`` over the arguments whose
        ``eps`` is nonzero, the partials read from the primitive table.
        """
        duals = [cls._of(a) for a in args]
        values = [d.value for d in duals]
        out = prim.fn(*values)
        if not any(d.eps for d in duals):
            return cls(out)
        partials = prim.partials(*values, out)
        eps = 0.0
        for d, partial in zip(duals, partials, strict=True):
            if d.eps:
                eps += times(partial, d.eps)
        return cls(out, eps)


class HyperDual(_Arithmetic):
    """A hyper-dual number ``value + eps1 ε₁ + eps2 ε₂ + eps12 ε₁ε₂``.

    ``ε₁² = ε₂² = 0`` but ``ε₁ε₂ ≠ 0`` (Fike & Alonso, 2011). Seeding
    ``ε₁`` on ``xᵢ`` and ``ε₂`` on ``xⱼ`` gives ``∂²f/∂xᵢ∂xⱼ`` in the
    ``ε₁ε₂`` part, exactly (no step, no truncation error); seeding both on
    the same variable gives ``∂²f/∂xᵢ²``.

    >>> x = HyperDual(2.0, 1.0, 1.0)
    >>> x * x * x
    8.0 + 12.0ε₁ + 12.0ε₂ + 12.0ε₁ε₂
    >>> HyperDual(1, 2, 3, 4)
    1.0 + 2.0ε₁ + 3.0ε₂ + 4.0ε₁ε₂
    >>> (3 + HyperDual(3, 4)) * HyperDual(5, 0, 7)
    30.0 + 20.0ε₁ + 42.0ε₂ + 28.0ε₁ε₂
    """

    __slots__ = ("value", "eps1", "eps2", "eps12")

    value: float
    eps1: float
    eps2: float
    eps12: float

    def __init__(
        self, value: float = 0.0, eps1: float = 0.0, eps2: float = 0.0, eps12: float = 0.0
    ) -> None:
        self.value = float(value)
        self.eps1 = float(eps1)
        self.eps2 = float(eps2)
        self.eps12 = float(eps12)

    def __repr__(self) -> str:
        text = _text(self.value)
        for part, unit in ((self.eps1, "ε₁"), (self.eps2, "ε₂"), (self.eps12, "ε₁ε₂")):
            if part:
                text += _term(part, unit)
        return text

    @classmethod
    def apply_primitive(cls, prim: Primitive, args: tuple) -> HyperDual:
        """``prim`` applied to hyper-dual numbers (floats have zero parts).

        With ``fᵢ`` the partials and ``fᵢⱼ`` the second partials of ``fn``::

            value = f(a)
            eps1  = Σᵢ fᵢ b₁ᵢ
            eps2  = Σᵢ fᵢ b₂ᵢ
            eps12 = Σᵢ fᵢ b₁₂ᵢ + Σᵢ b₁ᵢ Σⱼ fᵢⱼ b₂ⱼ

        ``fᵢ`` are the table's partials on floats. ``Σⱼ fᵢⱼ b₂ⱼ`` is the
        derivative of ``fᵢ`` along the ε₂ parts: the same partials evaluated
        on dual numbers ``Dual(aⱼ, b₂ⱼ)`` (and ``Dual(out, eps2)`` for the
        output, which some partials use), read off their ``eps``. Only
        arguments with nonzero parts contribute.
        """
        hypers = [cls._of(a) for a in args]
        values = [h.value for h in hypers]
        out = prim.fn(*values)
        if not any(h.eps1 or h.eps2 or h.eps12 for h in hypers):
            return cls(out)
        partials = prim.partials(*values, out)
        eps1 = eps2 = eps12 = 0.0
        for h, partial in zip(hypers, partials, strict=True):
            if h.eps1:
                eps1 += times(partial, h.eps1)
            if h.eps2:
                eps2 += times(partial, h.eps2)
            if h.eps12:
                eps12 += times(partial, h.eps12)
        if any(h.eps1 for h in hypers) and any(h.eps2 for h in hypers):
            # the partials differentiated once more, along the ε₂ direction
            along = prim.partials(*[Dual(h.value, h.eps2) for h in hypers], Dual(out, eps2))
            for h, partial in zip(hypers, along, strict=True):
                if h.eps1 and type(partial) is Dual and partial.eps:
                    eps12 += times(h.eps1, partial.eps)
        return cls(out, eps1, eps2, eps12)
