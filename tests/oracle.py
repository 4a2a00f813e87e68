"""The exact oracle: SymPy, on one table of expressions shared by every mode.

Each case is an expression, its variables and the points to check it at.
``exact(expr, names, point)`` returns the value, gradient and Hessian computed
by SymPy and evaluated with 40 significant digits, so a mode's result can be
compared entry by entry. SymPy parses the text itself (its own parser, not
ours), so a misparse on our side shows up as a disagreement.
"""

from __future__ import annotations

import functools
import math

import sympy

# expression, variables (first appearance), points
CASES: list[tuple[str, tuple[str, ...], list[tuple[float, ...]]]] = [
    # the seed notebook
    ("x*x*y + y + 2", ("x", "y"), [(3.0, 4.0), (-1.5, 0.25), (0.0, 0.0)]),
    ("sin(x^2)", ("x",), [(3.0,), (0.5,), (-2.2,)]),
    # operators
    ("x + y", ("x", "y"), [(1.25, -3.5)]),
    ("x - y", ("x", "y"), [(1.25, -3.5)]),
    ("x*y", ("x", "y"), [(1.25, -3.5)]),
    ("x/y", ("x", "y"), [(1.25, -3.5), (-0.3, 0.7)]),
    ("-x", ("x",), [(2.5,)]),
    ("-x^2", ("x",), [(1.5,)]),
    ("x^3", ("x",), [(1.3,), (-0.7,)]),
    ("x^y", ("x", "y"), [(1.3, 2.7), (0.4, -1.5)]),
    ("x**y", ("x", "y"), [(2.1, 0.6)]),
    ("pow(x, y)", ("x", "y"), [(1.7, 3.1)]),
    ("2^x", ("x",), [(0.7,)]),
    ("x^2^y", ("x", "y"), [(1.1, 0.9)]),
    ("x^-2", ("x",), [(1.9,)]),
    # functions
    ("sin(x)", ("x",), [(0.7,), (-2.0,)]),
    ("cos(x)", ("x",), [(0.7,), (2.5,)]),
    ("tan(x)", ("x",), [(0.7,), (-1.2,)]),
    ("asin(x)", ("x",), [(0.3,), (-0.8,)]),
    ("acos(x)", ("x",), [(0.3,), (-0.8,)]),
    ("atan(x)", ("x",), [(0.3,), (-4.0,)]),
    ("sinh(x)", ("x",), [(0.3,), (-2.0,)]),
    ("cosh(x)", ("x",), [(0.3,), (-2.0,)]),
    ("tanh(x)", ("x",), [(0.3,), (-2.0,)]),
    ("exp(x)", ("x",), [(0.3,), (-2.0,)]),
    ("log(x)", ("x",), [(0.3,), (7.5,)]),
    ("ln(x)", ("x",), [(2.0,)]),
    ("log10(x)", ("x",), [(0.3,), (250.0,)]),
    ("log2(x)", ("x",), [(0.3,), (9.0,)]),
    ("sqrt(x)", ("x",), [(0.3,), (16.0,)]),
    ("abs(x)", ("x",), [(0.3,), (-2.5,), (0.0,)]),
    ("sigmoid(x)", ("x",), [(0.3,), (-2.0,)]),
    ("xlogy(x, y)", ("x", "y"), [(0.7, 2.5), (-1.3, 0.4)]),
    # issue 12: the functions people type
    ("sec(x) + csc(x) + cot(x)", ("x",), [(0.7,), (-2.0,)]),
    ("asec(x) + acsc(x) + acot(x)", ("x",), [(1.5,), (-2.0,)]),
    ("arcsec(x*y) + arccsc(x + y) + arccot(x - y)", ("x", "y"), [(1.5, 2.0), (-2.0, 0.75)]),
    ("asinh(x) + atanh(x/2) + acosh(x + 2)", ("x",), [(0.3,), (-0.8,)]),
    (
        "arcsin(x) + arccos(x) + arctan(x) + arsinh(x) + arccosh(x + 2) + arctanh(x)",
        ("x",),
        [(0.3,)],
    ),
    ("atan2(y, x)", ("y", "x"), [(1.0, 2.0), (-0.5, -3.0)]),
    ("hypot(x, y)", ("x", "y"), [(3.0, 4.0), (-1.2, 0.5)]),
    ("log(x, y)", ("x", "y"), [(8.0, 2.0), (0.3, 10.0)]),
    ("root(x, y)", ("x", "y"), [(8.0, 3.0), (0.3, 2.5)]),
    ("root(x, 3) + cbrt(x)", ("x",), [(-8.0,), (0.3,)]),
    ("min(x, y, 2*x) + max(x, y, y^2)", ("x", "y"), [(1.25, -3.5), (0.4, 0.9)]),
    ("logsumexp(x, y, x*y)", ("x", "y"), [(0.3, -1.2), (2.0, -0.5)]),
    ("erf(x) + erfc(x*y)", ("x", "y"), [(0.3, 1.5), (-1.1, 0.4)]),
    ("gamma(x) + lgamma(x) + digamma(x)", ("x",), [(4.5,), (0.3,)]),
    ("polygamma(1, x*y)", ("x", "y"), [(0.7, 1.5)]),
    ("log1p(x) + expm1(x)", ("x",), [(0.3,), (1e-10,), (-0.5,)]),
    ("softplus(x) - 2*logsigmoid(x)", ("x",), [(0.3,), (-4.0,)]),
    ("relu(x) + heaviside(x)*x", ("x",), [(0.3,), (-2.5,)]),
    ("floor(x) + ceil(x) + round(x) + x*mod(x, y)", ("x", "y"), [(2.7, 2.0), (-7.3, 2.0)]),
    # compositions of several variables
    ("exp(-x^2/2)/sqrt(2*pi)", ("x",), [(0.8,)]),
    ("log(1 + exp(x*y))", ("x", "y"), [(0.5, -1.2)]),
    ("sqrt(x^2 + y^2)", ("x", "y"), [(3.0, 4.0), (-1.2, 0.5)]),
    ("atan(y/x)", ("y", "x"), [(1.0, 2.0)]),
    ("sigmoid(x*y - 1)", ("x", "y"), [(0.9, 1.7)]),
    ("abs(x - y)*x", ("x", "y"), [(0.9, 1.7)]),
    ("tanh(x)*cosh(y) + sinh(x*y)", ("x", "y"), [(0.4, -0.6)]),
    ("(x + y)^3/(1 + x^2)", ("x", "y"), [(0.4, -0.6)]),
    ("x*y*z + sin(x*z) - z^2/y", ("x", "y", "z"), [(0.4, 1.6, -0.6)]),
    ("e^x + pi*y", ("x", "y"), [(0.4, 1.6)]),
    ("log10(x*y) + log2(x/y) + asin(x/(1 + y^2))", ("x", "y"), [(0.6, 1.3)]),
]


#: points where the expression is not twice differentiable (abs at its
#: kink): exact modes report the subgradient convention, finite differences
#: cannot and are not asked to
NON_SMOOTH = {("abs(x)", (0.0,))}


def _sigmoid(z):
    return 1 / (1 + sympy.exp(-z))


_LOCALS = {
    "sigmoid": _sigmoid,
    "xlogy": lambda a, b: a * sympy.log(b),
    "ln": sympy.log,
    "log10": lambda z: sympy.log(z, 10),
    "log2": lambda z: sympy.log(z, 2),
    "abs": sympy.Abs,
    "pow": sympy.Pow,
    "e": sympy.E,
    "pi": sympy.pi,
    "asin": sympy.asin,
    "acos": sympy.acos,
    "atan": sympy.atan,
    "arcsin": sympy.asin,
    "arccos": sympy.acos,
    "arctan": sympy.atan,
    "arsinh": sympy.asinh,
    "arccosh": sympy.acosh,
    "arctanh": sympy.atanh,
    "arcsec": sympy.asec,
    "arccsc": sympy.acsc,
    "arccot": sympy.acot,
    "atan2": sympy.atan2,
    "hypot": lambda a, b: sympy.sqrt(a**2 + b**2),
    "log": lambda a, b=None: sympy.log(a) if b is None else sympy.log(a) / sympy.log(b),
    # the real root (negative a, odd n)
    "root": lambda a, n: sympy.sign(a) * sympy.Abs(a) ** (1 / sympy.S(n)),
    "cbrt": lambda a: sympy.sign(a) * sympy.Abs(a) ** sympy.Rational(1, 3),
    "min": sympy.Min,
    "max": sympy.Max,
    "logsumexp": lambda *a: sympy.log(sum(sympy.exp(t) for t in a)),
    "erf": sympy.erf,
    "erfc": sympy.erfc,
    "lgamma": sympy.loggamma,
    # the order is an integer: its partial is 0, as floor's
    "polygamma": lambda n, a: sympy.polygamma(sympy.floor(n), a),
    "log1p": lambda a: sympy.log(1 + a),
    "expm1": lambda a: sympy.exp(a) - 1,
    "softplus": lambda a: sympy.log(1 + sympy.exp(a)),
    "logsigmoid": lambda a: -sympy.log(1 + sympy.exp(-a)),
    "relu": lambda a: sympy.Max(a, 0),
    "heaviside": sympy.Heaviside,
    "ceil": sympy.ceiling,
    "round": lambda a: sympy.floor(a + sympy.Rational(1, 2)),  # (no ties among the points)
    "mod": lambda a, b: a - b * sympy.floor(a / b),
}


@functools.cache
def sympy_expr(text: str, names: tuple[str, ...]):
    """``text`` as a SymPy expression over real symbols ``names``."""
    from sympy.parsing.sympy_parser import convert_xor, parse_expr, standard_transformations

    symbols = {name: sympy.Symbol(name, real=True) for name in names}
    expr = parse_expr(
        text,
        local_dict={**_LOCALS, **symbols},
        transformations=standard_transformations + (convert_xor,),
        evaluate=True,
    )
    return expr, tuple(symbols[n] for n in names)


def _number(value) -> float:
    value = sympy.N(value, 40)
    if value.has(sympy.zoo, sympy.oo, -sympy.oo) or value is sympy.nan:
        return math.nan
    return float(value)


def _zero_jumps(e):
    """d sign(x)/dx (DiracDelta) is 0 away from 0 and, by our subgradient
    convention, at 0; floor and ceiling have derivative 0 between the jumps."""
    e = sympy.sympify(e.replace(sympy.DiracDelta, lambda *a: 0))
    return e.replace(
        lambda t: isinstance(t, sympy.Derivative) and t.expr.has(sympy.floor, sympy.ceiling),
        lambda t: sympy.S.Zero,
    ).doit()


def exact(text: str, names: tuple[str, ...], point: tuple[float, ...]):
    """Value, gradient (list) and Hessian (list of lists) at ``point``."""
    expr, symbols = sympy_expr(text, names)
    subs = {s: sympy.Float(v, 40) for s, v in zip(symbols, point)}
    grads = [sympy.diff(expr, s) for s in symbols]
    value = _number(expr.subs(subs))
    gradient = [_number(_zero_jumps(g).subs(subs)) for g in grads]
    # d sign(x)/dx is 0 away from 0 and, by our subgradient convention, at 0
    hessian = [[_number(_zero_jumps(sympy.diff(g, s)).subs(subs)) for s in symbols] for g in grads]
    return value, gradient, hessian


def close(ours: float, reference: float, rel: float) -> bool:
    """``ours`` within ``rel`` of ``reference`` (relative; absolute below 1)."""
    if math.isnan(reference):
        return math.isnan(ours)
    if ours == reference:  # also equal infinities
        return True
    return abs(ours - reference) <= rel * max(abs(reference), 1.0)


def case_points(smooth_only: bool = False):
    """(expression, variables, point) for every case, for parametrize."""
    return [
        (text, names, point)
        for text, names, points in CASES
        for point in points
        if not (smooth_only and (text, point) in NON_SMOOTH)
    ]


def case_id(case) -> str:
    text, _names, point = case
    return f"{text} @ {','.join(repr(v) for v in point)}"


# ---------------------------------------------------------------------------
# Vector functions: (outputs, variables in first appearance, points)

VECTOR_CASES: list[tuple[tuple[str, ...], tuple[str, ...], list[tuple[float, ...]]]] = [
    # the examples; f3 does not depend on y (a structural zero)
    (("x*y", "x + y", "sin(x)"), ("x", "y"), [(1.0, 2.0), (-0.7, 0.3)]),
    (("r*cos(t)", "r*sin(t)"), ("r", "t"), [(2.0, math.pi / 3)]),
    # outputs sharing sub-expressions (one node in the program)
    (("exp(x*y) + z", "exp(x*y)*z", "sin(exp(x*y))"), ("x", "y", "z"), [(0.3, -1.2, 0.8)]),
    (("x^2", "y^3", "z"), ("x", "y", "z"), [(1.5, -0.5, 2.0)]),
    (
        ("r*sin(t)*cos(p)", "r*sin(t)*sin(p)", "r*cos(t)"),
        ("r", "t", "p"),
        [(1.3, 0.7, -2.1)],
    ),
    (
        ("log(1 + exp(x*y))", "sigmoid(x*y - 1)", "sqrt(x^2 + y^2)", "atan(y/x)"),
        ("x", "y"),
        [(0.5, -1.2), (3.0, 4.0)],
    ),
    (("x*y*z + sin(x*z)", "z^2/y", "xlogy(x, y)", "tanh(z)"), ("x", "y", "z"), [(0.4, 1.6, -0.6)]),
    # a constant output, and an output that is a bare variable
    (("x + y", "3", "y"), ("x", "y"), [(0.25, -4.0)]),
]


def exact_jacobian(outputs: tuple[str, ...], names: tuple[str, ...], point: tuple[float, ...]):
    """Values (list) and Jacobian (list of rows) by SymPy's Matrix.jacobian,
    and the entries (i, j) that are 0 by structure (no free symbol)."""
    exprs = [sympy_expr(text, names)[0] for text in outputs]
    symbols = sympy_expr(outputs[0], names)[1]
    subs = {s: sympy.Float(v, 40) for s, v in zip(symbols, point)}
    matrix = sympy.Matrix(exprs).jacobian(sympy.Matrix(symbols))
    values = [_number(e.subs(subs)) for e in exprs]
    rows = [
        [_number(matrix[i, j].subs(subs)) for j in range(len(symbols))] for i in range(len(exprs))
    ]
    zeros = {
        (i, j)
        for i, e in enumerate(exprs)
        for j, s in enumerate(symbols)
        if s not in e.free_symbols
    }
    return values, rows, zeros


def vector_case_points():
    return [(outputs, names, p) for outputs, names, points in VECTOR_CASES for p in points]


def vector_case_id(case) -> str:
    outputs, _names, point = case
    return f"{', '.join(outputs)} @ {','.join(f'{v:.3g}' for v in point)}"
