"""The numeric mode at the ends of the doubles: a step sequence that
underflows (a subnormal x scales its own steps), a scale whose square
overflows (x beyond 1e154), a product of steps that underflows. Each is a
result (possibly NaN or flagged unreliable) or a clear DerivError, never
an internal ZeroDivisionError or OverflowError; finite entries of smooth
polynomials stay close to the exact derivative."""

from __future__ import annotations

import itertools
import math

import pytest
import sympy

from derivcli.api import gradient_at, hessian_at, jacobian_at
from derivcli.errors import DerivError

EDGES = (0.0, 5e-324, -5e-324, 1e-310, -1e-310, 1e300, -1e300, 1.7976931348623157e308)
EXPRESSIONS = ("x*y", "x^2*y", "sin(x)*y", "exp(x) + y^3", "sqrt(x^2 + y^2)")
SCHEMES = (("richardson", None), ("central", None), ("forward", None))
POINTS = [(a, b) for a, b in itertools.product(EDGES, (1.0, -1e-310, 1e308))]


def _run(compute, text, point, scheme):
    try:
        return compute(text, {"x": point[0], "y": point[1]}, mode="numeric", scheme=scheme)
    except DerivError:
        return None  # a clear error is an answer too


@pytest.mark.parametrize("scheme", [s for s, _ in SCHEMES])
@pytest.mark.parametrize("text", EXPRESSIONS)
def test_no_internal_error_at_the_ends_of_the_doubles(text, scheme):
    x, y = sympy.symbols("x y")
    exact = sympy.sympify(text.replace("^", "**"))
    for point in POINTS:
        g = _run(gradient_at, text, point, scheme)
        _run(hessian_at, text, point, scheme)
        _run(jacobian_at, f"{text}, x + y", point, scheme)
        if g is None or text != "x*y":
            continue
        # x*y: the differences are exact whenever they are finite
        for name, var in (("x", x), ("y", y)):
            want = float(sympy.diff(exact, var).subs({x: point[0], y: point[1]}))
            ours = g.gradient[name]
            if math.isfinite(ours) and name not in g.unreliable:
                assert ours == pytest.approx(want, rel=1e-9, abs=1e-300), (point, name)
