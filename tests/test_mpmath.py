"""The mpmath mode: the forward mode's derivative graphs in arbitrary
precision, correctly rounded, against SymPy."""

from __future__ import annotations

import math
import time

import mpmath
import pytest
import sympy
from clirun import run, strict_json
from oracle import case_id, case_points, exact

import derivcli
from derivcli.api import gradient_at, hessian_at
from derivcli.backends import mpmath as mp_mode
from derivcli.errors import DomainError, ModeUnavailable, UsageError
from derivcli.primitives import PRIMITIVES

CASES = case_points()
IDS = [case_id(c) for c in CASES]


def within_an_ulp(ours: float, reference: float) -> bool:
    """Correctly rounded up to the oracle's own rounding (40 digits, then to a
    double: at most one ulp apart)."""
    if math.isnan(reference):
        return math.isnan(ours)
    if ours == reference:
        return True
    return abs(ours - reference) <= math.ulp(reference)


# ---------------------------------------------------------------------------
# The table of mpmath implementations follows the primitive table


def test_every_primitive_has_an_mpmath_implementation():
    missing = sorted(set(PRIMITIVES) - set(mp_mode.MP_FUNCTIONS))
    assert not missing, f"add these to MP_FUNCTIONS in derivcli/backends/mpmath.py: {missing}"
    assert "xlogy" in mp_mode.MP_FUNCTIONS  # ready for the primitive of issue 9 §1


def test_an_unknown_primitive_is_a_clear_error():
    with pytest.raises(ModeUnavailable, match="no implementation of the primitive 'frobnicate'"):
        mp_mode.implementation("frobnicate")


#: arguments at which every primitive is defined and its float version is
#: accurate, per arity
SAMPLES = {1: [(0.3,), (-0.7,), (0.9,), (2.5,)], 2: [(0.3, 1.7), (2.5, -0.5), (1.25, 3.0)]}
DOMAIN_LIMITED = {"asin": 1.0, "acos": 1.0}


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_each_implementation_agrees_with_the_float_one(name):
    prim = PRIMITIVES[name]
    ctx = mpmath.MPContext()
    ctx.dps = 40
    for args in SAMPLES[prim.arity]:
        if name in ("log", "log10", "log2", "sqrt") and args[0] < 0:
            args = (-args[0],)
        if name in DOMAIN_LIMITED and abs(args[0]) > 1:
            continue
        ours = mp_mode.to_double(mp_mode.MP_FUNCTIONS[name](ctx, *(ctx.mpf(a) for a in args)))
        expected = prim.fn(*args)
        if math.isnan(expected):  # outside the domain (xlogy(2.5, -0.5)): NaN in both
            assert math.isnan(ours), (name, args, ours)
            continue
        # libm is faithful (within an ulp or two); mpmath is exact. lgamma
        # is not near its zeros 1 and 2 (0.9: 11 ulp): 1e-15 absolute there
        bound = max(2 * math.ulp(expected), 1e-15 if name == "lgamma" else 0.0)
        assert abs(ours - expected) <= bound, (name, args, ours, expected)


@pytest.mark.parametrize(
    "name, args",
    [
        ("log", (-1.0,)), ("sqrt", (-4.0,)), ("asin", (2.0,)), ("acos", (-1.5,)),
        ("pow", (-8.0, 1 / 3)), ("div", (0.0, 0.0)), ("log", (0.0,)), ("div", (1.0, 0.0)),
        ("pow", (0.0, -1.0)), ("pow", (0.0, 2.0)), ("pow", (-2.0, 3.0)), ("pow", (5.0, 0.0)),
        # huge integer exponents: the magnitude guard must not make (-1)^1e300 zero
        ("pow", (-1.0, 1e300)), ("pow", (-1.0, -1e300)), ("pow", (-1.0, 2.0**60 + 2.0**8)),
        ("pow", (-3.0, 1e300)), ("pow", (-0.5, 1e300)), ("pow", (-1.5, 2.0**60 + 2.0**8)),
    ],
)  # fmt: skip
def test_outside_the_domain_like_ieee(name, args):
    """nan and inf where the float implementation gives them, never a
    complex number or an exception."""
    ctx = mpmath.MPContext()
    out = mp_mode.to_double(mp_mode.MP_FUNCTIONS[name](ctx, *(ctx.mpf(a) for a in args)))
    expected = PRIMITIVES[name].fn(*args)
    assert out == expected or (math.isnan(out) and math.isnan(expected)), (out, expected)


def test_rounding_to_the_nearest_double_also_below_the_normal_range():
    ctx = mpmath.MPContext()
    ctx.prec = 200
    for value in (1 / 3, 2.5e-310, 5e-324, 1.7976931348623157e308):
        exact_value = ctx.mpf(value) * (1 + ctx.mpf(2) ** -60)
        assert mp_mode.to_double(exact_value) == value
    assert mp_mode.to_double(ctx.mpf(2) ** -1076) == 0.0  # below half the smallest subnormal
    assert mp_mode.to_double(ctx.mpf(2) ** -1075 * 1.5) == 5e-324
    assert mp_mode.to_double(ctx.mpf(2) ** 1024) == math.inf
    assert mp_mode.to_double(-(ctx.mpf(2) ** 1024)) == -math.inf


# ---------------------------------------------------------------------------
# The oracle table: correctly rounded gradients and Hessians


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradient_and_hessian_against_the_oracle(case):
    text, names, point = case
    value, gradient, hessian = exact(text, names, point)
    at = dict(zip(names, point))
    g = gradient_at(text, at, mode="mpmath")
    assert within_an_ulp(g.value, value)
    for name, ref in zip(names, gradient):
        assert within_an_ulp(g.gradient[name], ref), (name, g.gradient[name], ref)
    h = hessian_at(text, at, mode="mpmath")
    for a, row in zip(names, hessian):
        for b, ref in zip(names, row):
            assert within_an_ulp(h.hessian[a][b], ref), (a, b, h.hessian[a][b], ref)


def _sympy_derivative(text: str, at: float, order: int = 1) -> float:
    x = sympy.Symbol("x", real=True)
    expr = sympy.sympify(text.replace("^", "**"), locals={"x": x})
    # the double as an exact rational: SymPy's evalf then adapts its precision
    return float(sympy.diff(expr, x, order).subs(x, sympy.Rational(at)).evalf(50))


@pytest.mark.parametrize(
    "text, at",
    [
        ("(1 - cos(x))/x^2", 1e-5),  # float modes: -0.0082757 (cancellation)
        ("(1 - cos(x))/x^2", 1e-3),
        ("(exp(x) - 1 - x)/x^2", 1e-6),
        ("x*x*x", 1e-120),  # the value underflows in float64
        ("tanh(x)", 20.0),  # 1 - tanh^2 saturates in float64
        ("exp(x)/exp(x - 1)", 800.0),  # overflowing intermediates
    ],
)
def test_what_float64_cannot(text, at):
    expected = _sympy_derivative(text, at)
    result = derivcli.grad(text, {"x": at}, mode="mpmath")
    assert within_an_ulp(result.gradient["x"], expected), (result.gradient["x"], expected)


def test_the_issue_example_digit_for_digit():
    result = derivcli.grad("(1 - cos(x))/x^2", {"x": 1e-5}, mode="mpmath")
    assert result.gradient["x"] == float("-8.3333333332777785e-7")
    assert result.gradient["x"] == _sympy_derivative("(1 - cos(x))/x^2", 1e-5)
    assert not result.warnings


def test_zero_times_infinity_in_the_chain_rule_is_zero():
    # the rule of DESIGN.md, applied by the evaluator: a^b is 0 for a = 0 and
    # b > 0, so its derivatives by b vanish (the partial a^b*log(a) meets 0*-inf)
    h = derivcli.hessian("pow(a, b)", {"a": 0.0, "b": 3.0}, mode="mpmath")
    assert h.gradient == {"a": 0.0, "b": 0.0}
    assert h.hessian["b"] == {"a": 0.0, "b": 0.0}
    assert h.hessian["a"]["b"] == 0.0
    assert derivcli.grad("0^x", {"x": 3.0}, mode="mpmath").gradient == {"x": 0.0}


def test_infinite_derivative_is_infinity_with_a_warning():
    result = derivcli.grad("sqrt(x)", {"x": 0.0}, mode="mpmath")
    assert result.gradient["x"] == math.inf
    assert result.warnings


def test_domain_error_names_the_sub_expression():
    with pytest.raises(DomainError, match=r"log\(x\) is undefined at x = -1"):
        derivcli.grad("y + log(x)", {"x": -1.0, "y": 2.0}, mode="mpmath")
    with pytest.raises(DomainError, match=r"1/x is undefined at x = 0 \(division by zero\)"):
        derivcli.grad("1/x", {"x": 0.0}, mode="mpmath")


def test_huge_powers_do_not_hang():
    start = time.perf_counter()
    result = derivcli.grad("9^9^9^9*x", {"x": 1.0}, mode="mpmath")
    assert result.value == math.inf
    assert time.perf_counter() - start < 5


# ---------------------------------------------------------------------------
# Precision: --digits, and the check at higher precision


def test_precision_that_is_not_enough_is_raised_until_the_rounding_settles():
    # 1 - cos(1e-30) is 5e-61: 50 digits see 0, 70 digits see 10 digits of it;
    # the precision doubles until the rounding settles
    text, at = "(1 - cos(x))/x^2", 1e-30
    result = derivcli.grad(text, {"x": at}, mode="mpmath")
    assert result.value == 0.5
    assert result.gradient["x"] == _sympy_derivative(text, at)
    assert not result.warnings
    # past what the doublings reach, a warning says so
    deep = derivcli.grad("(1 - cos(x))/x^2", {"x": 1e-300}, mode="mpmath")
    assert any("may not be correctly rounded" in w for w in deep.warnings)
    settled = gradient_at("(1 - cos(x))/x^2", {"x": 1e-300}, mode="mpmath", digits=1000)
    assert settled.value == 0.5
    assert not settled.warnings


@pytest.mark.parametrize("digits", [14, 10_001, 0, -5])
def test_digits_out_of_range_is_a_usage_error(digits):
    with pytest.raises(UsageError, match="--digits must be a whole number from 15 to 10000"):
        gradient_at("x^2", {"x": 1.0}, mode="mpmath", digits=digits)


def test_cli_digits_and_json_digits():
    result = run(
        "grad", "(1 - cos(x))/x^2", "--at", "x=1e-5", "--mode", "mpmath", "--digits", "30",
        "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = strict_json(result.stdout)
    assert data["mode"] == "mpmath"
    text = data["digits"]["gradient"]["x"]
    assert isinstance(text, str) and len(text.replace("-", "").replace(".", "")) >= 30
    assert float(text) == data["gradient"]["x"]
    assert float(data["digits"]["value"]) == data["value"]
    bad = run("grad", "x", "--at", "x=1", "--mode", "mpmath", "--digits", "5")
    assert bad.exit_code == 2
    assert bad.stderr.startswith("Error: --digits must be")
    other = run("grad", "x", "--at", "x=1", "--digits", "60")
    assert other.exit_code == 2
    assert "--digits applies only to --mode mpmath" in other.stderr


def test_cli_hessian_json_has_every_digit():
    result = run(
        "hessian", "x*x*y + y + 2", "--at", "x=3,y=4", "--mode", "mpmath", "--format", "json"
    )
    assert result.exit_code == 0, result.stderr
    data = strict_json(result.stdout)
    assert data["hessian"] == {"x": {"x": 8, "y": 6}, "y": {"x": 6, "y": 0}}
    assert data["digits"]["hessian"]["x"]["y"] == "6.0"
    assert data["structural_zeros"] == [["y", "y"]]


def test_mpmath_is_imported_only_by_its_mode():
    import subprocess
    import sys

    code = (
        "import sys, derivcli\n"
        "derivcli.grad('x*y', x=1, y=2); derivcli.grad('x*y', x=1, y=2, mode='numeric')\n"
        "print('before', 'mpmath' in sys.modules)\n"
        "derivcli.grad('x*y', x=1, y=2, mode='mpmath')\n"
        "print('after', 'mpmath' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["before", "False", "after", "True"], out.stderr
