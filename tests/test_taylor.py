"""Taylor polynomials (issue 16): coefficients against SymPy (``series`` in
one variable, the multivariate expansion by differentiation in several) on
the oracle's table, every primitive of the table through the generic path,
the printed polynomial parsed back, the formats, and the points where no
Taylor polynomial exists."""

from __future__ import annotations

import math

import pytest
import sympy
from clirun import run, strict_json
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from oracle import CASES, _zero_jumps, close, sympy_expr
from test_property import COORD, EXPRESSIONS

import derivcli
from derivcli.errors import DomainError, UsageError
from derivcli.expansion import MAX_ORDER, monomial_key, monomials, taylor_at
from derivcli.graph import evaluate
from derivcli.parser import parse
from derivcli.primitives import PRIMITIVES

REL = 1e-9


def sympy_coefficients(text: str, names: tuple[str, ...], point, order: int) -> dict:
    """Every coefficient ∂^α f / α! at ``point`` by SymPy's differentiation,
    each partial from the previous one (the multivariate expansion)."""
    expr, symbols = sympy_expr(text, names)
    subs = {s: sympy.Float(v, 40) for s, v in zip(symbols, point)}
    partials = {(0,) * len(names): expr}
    out = {}
    for m in monomials(len(names), order):
        if m not in partials:
            i = max(p for p in range(len(m)) if m[p])  # the last variable with a power
            lower = m[:i] + (m[i] - 1,) + m[i + 1 :]
            partials[m] = sympy.diff(partials[lower], symbols[i])
        value = sympy.N(_zero_jumps(partials[m]).subs(subs), 40)
        out[m] = float(value) / math.prod(math.factorial(e) for e in m)
    return out


def assert_matches(result, reference: dict) -> None:
    for m, expected in reference.items():
        ours = result.terms[m]
        assert close(ours, expected, REL), (monomial_key(m, result.variables), ours, expected)


# ---------------------------------------------------------------------------
# One variable: SymPy's series


SERIES = [
    ("sin(x^2)", 0.5),
    ("exp(-x^2/2)/sqrt(2*pi)", 0.0),
    ("sqrt(1 + x)", 0.0),
    ("log(x)", 1.0),
    ("log(1 + x)", 0.0),
    ("tan(x)", 0.7),
    ("1/(1 - x)", 0.2),
    ("x^3 - 2*x + 1", -0.7),
    ("2^x", 0.7),
    ("atan(x)*cosh(x)", -0.4),
    ("cosh(x)^3/(2 + x)", 0.5),
    ("asin(x) + acos(x/2)", 0.3),
]


@pytest.mark.parametrize("text, x0", SERIES, ids=[f"{t} @ {x}" for t, x in SERIES])
def test_one_variable_matches_sympy_series(text, x0):
    order = 6
    expr, (x,) = sympy_expr(text, ("x",))
    a = sympy.nsimplify(x0)
    series = sympy.series(expr, x, a, order + 1).removeO()
    poly = sympy.Poly(sympy.expand(series.subs(x, x + a)), x)
    reference = {(k,): float(sympy.N(poly.coeff_monomial(x**k), 30)) for k in range(order + 1)}
    result = taylor_at(text, {"x": x0}, order=order)
    assert_matches(result, reference)


# ---------------------------------------------------------------------------
# The oracle's table: every case, one variable to order 6, several to order 4


#: primitives the oracle's table has no case of (sign appears in partials only)
EXTRA = [("sign(x)*x^2 + sign(x - y)*y", ("x", "y"), [(0.5, 0.2), (-1.5, 0.25)])]


def _analytic_cases():
    out = []
    for text, names, points in CASES + EXTRA:
        for point in points:
            if text == "abs(x)" and point == (0.0,):
                continue  # a kink: no Taylor polynomial (tested below)
            out.append((text, names, point))
    return out


@pytest.mark.parametrize(
    "text, names, point",
    _analytic_cases(),
    ids=[f"{t} @ {','.join(map(repr, p))}" for t, _n, p in _analytic_cases()],
)
def test_oracle_table_matches_sympy_expansion(text, names, point):
    order = 6 if len(names) == 1 else 3
    result = taylor_at(text, dict(zip(names, point)), order=order)
    assert result.variables == names
    assert_matches(result, sympy_coefficients(text, names, point, order))


@pytest.mark.parametrize(
    "text, names, point",
    [
        ("exp(x)*sin(y)", ("x", "y"), (0.0, 0.0)),
        ("log(1 + exp(x*y))", ("x", "y"), (0.5, -1.2)),
        ("atan2(y, x) + x^y", ("y", "x"), (0.5, 1.5)),
        ("hypot(x, y)/(1 + x^2)", ("x", "y"), (3.0, 4.0)),
    ],
)
def test_several_variables_to_order_six(text, names, point):
    result = taylor_at(text, dict(zip(names, point)), order=6)
    assert_matches(result, sympy_coefficients(text, names, point, 6))


def test_every_primitive_of_the_table_is_expanded():
    """The generic path (partials from the table) is what the oracle's table
    exercises, for every primitive: none is left out."""
    used = set()
    for text, _names, _points in CASES + EXTRA:
        used.update(step.op for step in parse(text).steps)
    assert set(PRIMITIVES) <= used


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(-3, 3), min_size=6, max_size=6),
    st.floats(-2, 2),
    st.floats(-2, 2),
)
def test_a_polynomial_is_its_own_taylor_polynomial(c, x0, y0):
    """Degree 4 in x and y, expanded to order 4 anywhere: the polynomial
    printed is the same function (the coefficients are exact)."""
    text = f"({c[0]} + {c[1]}*x + {c[2]}*y)^2*({c[3]} + {c[4]}*x*y) + {c[5]}*x^3"
    result = taylor_at(text, {"x": x0, "y": y0}, order=4)
    printed = parse(result.polynomial)
    for x, y in [(0.3, -1.1), (1.7, 0.4), (-2.0, 2.0)]:
        want = evaluate(parse(text).root, {"x": x, "y": y})
        assert math.isclose(evaluate(printed.root, {"x": x, "y": y}), want, abs_tol=1e-9)
        assert math.isclose(result(x=x, y=y), want, abs_tol=1e-9)


# ---------------------------------------------------------------------------
# The text parses back and approximates f near the point


@pytest.mark.parametrize(
    "text, point",
    [
        ("exp(x)*sin(y)", {"x": 0.0, "y": 0.0}),
        ("log(x)", {"x": 1.0}),
        ("sqrt(1 + x)*cos(y)", {"x": -0.5, "y": 2.0}),
        ("x^y", {"x": 2.0, "y": -3.0}),
    ],
)
def test_the_polynomial_parses_back_and_approximates_f(text, point):
    order = 5
    result = taylor_at(text, point, order=order)
    poly = parse(result.polynomial)
    f = parse(text)
    for h in (1e-2, -2e-2):
        near = {k: v + h for k, v in point.items()}
        p_value = evaluate(poly.root, near)
        assert math.isclose(p_value, result(near), rel_tol=1e-12, abs_tol=1e-15)
        # the error of a Taylor polynomial of order 5 is O(h^6)
        assert abs(p_value - evaluate(f.root, near)) < 1e2 * abs(h) ** (order + 1)


def test_offsets_are_written_as_people_do():
    assert taylor_at("x^2", {"x": 0}, order=2).polynomial == "x^2"
    assert taylor_at("x^2", {"x": 1}, order=2).polynomial == "1 + 2*(x - 1) + (x - 1)^2"
    assert taylor_at("x^2", {"x": -2}, order=2).polynomial == "4 - 4*(x + 2) + (x + 2)^2"
    assert taylor_at("x - x", {"x": 3}, order=2).polynomial == "0"


def test_order_zero_and_constants():
    assert taylor_at("sin(x)*y", {"x": 1, "y": 2}, order=0).coefficients == {"1": 2 * math.sin(1)}
    assert taylor_at("3", {}, order=2).polynomial == "3"
    assert run("taylor", "3").stdout.splitlines()[0] == "Taylor polynomial of 3, order 2"


def test_other_variables_stay_at_their_values_with_wrt():
    result = taylor_at("x^2*y", {"x": 1, "y": 3}, order=2, wrt="x")
    assert result.variables == ("x",)
    assert result.coefficients == {"1": 3.0, "x": 6.0, "x^2": 3.0}


def test_the_remainder_estimate_is_the_first_omitted_terms():
    # cos to order 4: the order-5 term is 0, the order-6 one is R^6/720
    result = taylor_at("cos(x)", {"x": 0}, order=4, radius=0.5)
    assert math.isclose(result.remainder_estimate, 0.5**6 / 720, rel_tol=1e-12)
    # and it bounds the actual error at the radius here
    assert abs(math.cos(0.5) - result(x=0.5)) <= result.remainder_estimate


# ---------------------------------------------------------------------------
# No Taylor polynomial: an infinite derivative or a jump, in every such primitive


@pytest.mark.parametrize(
    "text, point, why",
    [
        ("sqrt(x)", {"x": 0.0}, "derivative of order 1 is infinite"),
        ("x^2.5", {"x": 0.0}, "value is undefined on one side"),
        ("hypot(x, y)", {"x": 0.0, "y": 0.0}, "derivative of order 1 jumps"),
        ("log(x)^2", {"x": 0.0}, "log of zero"),
        ("abs(x)", {"x": 0.0}, "derivative of order 1 jumps"),
        ("sign(x)", {"x": 0.0}, "value jumps"),
        ("relu(x - 1)", {"x": 1.0}, "derivative of order 1 jumps"),
        ("heaviside(x)", {"x": 0.0}, "value jumps"),
        ("floor(x)", {"x": 2.0}, "value jumps"),
        ("ceil(x)", {"x": -1.0}, "value jumps"),
        ("round(x)", {"x": 0.5}, "value jumps"),
        ("min(x, y)", {"x": 1.0, "y": 1.0}, "derivative of order 1 jumps"),
        ("max(x, 2*y)", {"x": 1.0, "y": 0.5}, "derivative of order 1 jumps"),
        ("mod(x, 2)", {"x": 4.0}, "value jumps"),
        ("asin(x)", {"x": 1.0}, "infinite"),
        ("cbrt(x)", {"x": 0.0}, "infinite"),
    ],
)
def test_no_taylor_polynomial_where_f_is_not_smooth(text, point, why):
    with pytest.raises(DomainError) as info:
        taylor_at(text, point, order=3)
    assert why in str(info.value)


def test_x_squared_at_zero_is_smooth():
    # the power rule's higher partials meet 0·∞ at 0, which the 0·∞ rule absorbs
    assert taylor_at("x^2 + x^3", {"x": 0.0}, order=5).polynomial == "x^2 + x^3"


def test_a_kink_the_variables_do_not_reach_is_no_obstacle():
    assert taylor_at("abs(y)*x", {"x": 1.0, "y": 0.0}, order=2, wrt="x").polynomial == "0"


# ---------------------------------------------------------------------------
# The command and the API


def test_cli_json_has_a_coefficient_per_monomial():
    result = run("taylor", "log(x)", "--at", "x=1", "--order", "5", "--format", "json")
    assert result.exit_code == 0, result.output
    data = strict_json(result.stdout)
    assert list(data["coefficients"]) == ["1", "x", "x^2", "x^3", "x^4", "x^5"]
    for k, value in enumerate(data["coefficients"].values()):
        assert close(value, 0.0 if k == 0 else (-1) ** (k + 1) / k, 1e-15)
    assert data["polynomial"].startswith("x - 1 - 0.5*(x - 1)^2")
    assert data["variables"] == ["x"] and data["order"] == 5


def test_cli_json_keys_in_two_variables():
    result = run("taylor", "exp(x)*sin(y)", "--at", "x=0,y=0", "--order", "3", "-f", "json")
    data = strict_json(result.stdout)
    assert list(data["coefficients"]) == [
        "1", "x", "y", "x^2", "x*y", "y^2", "x^3", "x^2*y", "x*y^2", "y^3",
    ]  # fmt: skip
    assert data["coefficients"]["x^2*y"] == 0.5


def test_cli_infix_latex_and_table():
    infix = run("taylor", "sqrt(1 + x)", "--at", "x=0", "--order", "2", "--format", "infix")
    assert infix.stdout == "1 + 0.5*x - 0.125*x^2\n"
    latex = run("taylor", "sqrt(1 + x)", "--at", "x=0", "--order", "2", "--format", "latex")
    assert latex.stdout == "1 + 0.5 x - 0.125 x^{2}\n"
    table = run("taylor", "log(x)", "--at", "x=1", "--order", "2", "--radius", "0.1")
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    assert lines[0] == "Taylor polynomial of log(x) at x = 1, order 2"
    assert any(line.split() == ["(x", "-", "1)^2", "-0.5", "-1"] for line in lines)
    assert "polynomial: x - 1 - 0.5*(x - 1)^2" in table.stdout
    assert "remainder estimate at radius 0.1:" in table.stdout


@pytest.mark.parametrize(
    "args, code, message",
    [
        (("sqrt(x)", "--at", "x=0"), 1, "has no Taylor polynomial"),
        (("log(x)", "--at", "x=-1"), 1, "log of a negative number"),
        (("x*y, x", "--at", "x=1,y=1"), 2, "taylor needs one output"),
        (("x", "--at", "x=1", "--order", "41"), 2, "41"),
        (("x", "--at", "x=1", "--radius", "-1"), 2, "--radius"),
        (("x*y", "--at", "x=1"), 2, "no value for y"),
    ],
)
def test_cli_errors(args, code, message):
    result = run("taylor", *args)
    assert result.exit_code == code
    assert message in result.stderr


def test_the_api_returns_the_coefficients():
    result = derivcli.taylor("exp(x)*sin(y)", at={"x": 0, "y": 0}, order=2)
    assert result.coefficients == {
        "1": 0.0, "x": 0.0, "y": 1.0, "x^2": 0.0, "x*y": 1.0, "y^2": 0.0,
    }  # fmt: skip
    assert result.derivatives["x*y"] == 1.0
    assert derivcli.taylor("x^3", x=2, order=3).terms[(2,)] == 6.0
    with pytest.raises(UsageError, match="order"):
        derivcli.taylor("x", x=1, order=MAX_ORDER + 1)
    with pytest.raises(UsageError, match="order"):
        derivcli.taylor("x", x=1, order=2.5)


def test_a_zero_factor_absorbs_a_sub_expression_without_taylor_polynomial():
    # the 0·∞ rule, as in every chain rule: 0*sqrt(x) is 0 at 0
    assert taylor_at("0*sqrt(x) + x", {"x": 0.0}, order=3).polynomial == "x"


def test_high_orders_without_swelling():
    """Order 25 of tan and order 12 of atan2 in two variables: each
    primitive is expanded degree by degree from its first partials."""
    expr, (x,) = sympy_expr("tan(x)", ("x",))
    series = sympy.series(expr, x, 0, 26).removeO()
    result = taylor_at("tan(x)", {"x": 0.0}, order=25)
    for k in range(26):
        assert close(result.terms[(k,)], float(series.coeff(x, k)), 1e-12)
    # atan2(y, x) = atan(y/x) for x > 0: the same coefficients by two routes
    a = taylor_at("atan2(y, x)", {"x": 1.0, "y": 0.5}, order=12)
    b = taylor_at("atan(y/x)", {"x": 1.0, "y": 0.5}, order=12)
    assert a.variables == ("y", "x") and b.variables == ("y", "x")
    for m, c in b.terms.items():
        assert close(a.terms[m], c, 1e-10), m


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS, COORD, COORD, COORD)
def test_order_two_is_the_gradient_and_the_hessian(text, x, y, z):
    """On random expressions: the Taylor coefficients of order 1 and 2 are
    the gradient and half the Hessian of the reverse mode (order 3 too, so
    that the composition runs deeper than the Hessian)."""
    graph = parse(text)
    point = {"x": x, "y": y, "z": z}
    names = ("x", "y", "z")
    try:
        result = taylor_at(graph, point, order=3, wrt=names)
    except DomainError:  # a kink or a domain edge at the point: no polynomial
        assume(False)
    h = derivcli.hessian(graph, point, wrt=names)
    assume(
        all(math.isfinite(v) and abs(v) < 1e8 for row in h.hessian.values() for v in row.values())
    )
    c = result.coefficients
    assert close(c["1"], h.value, 1e-12)
    for a in names:
        assert close(c[a], h.gradient[a], 1e-9)
        for b in names:
            key = monomial_key(tuple(int(a == n) + int(b == n) for n in names), names)
            expected = h.hessian[a][b] * (0.5 if a == b else 1.0)
            assert close(c[key], expected, 1e-9), (key, c[key], expected)
