"""Issue 9, sections 1 and 2: limits of pow, the 0·∞ rule, warnings that
name their cause, saturation, and folds that never change a value. Every
exact mode, every value against SymPy or mpmath."""

from __future__ import annotations

import math

import mpmath
import pytest
import sympy
from clirun import run, strict_json
from oracle import exact

from derivcli.api import gradient_at, hessian_at
from derivcli.graph import build, const, evaluate, make, var
from derivcli.primitives import PRIMITIVES

MODES = ("forward", "dual", "reverse", "tensorflow")
#: TensorFlow's own reverse sweep cannot keep an infinite partial symbolic
#: until two paths cancel (see backends/tensorflow.py): NaN there, warned
CANCELLING_INFINITE_PATHS = {("acos(x/x)", "tensorflow")}


@pytest.fixture(params=MODES)
def mode(request):
    if request.param == "tensorflow":
        pytest.importorskip("tensorflow")
    return request.param


def _limit(text: str, names: tuple[str, ...], point: dict, direction: str = "+"):
    """The gradient and Hessian of ``text`` as limits (SymPy), approaching
    the first variable's value from ``direction``."""
    symbols = sympy.symbols(names, positive=True)
    expr = sympy.sympify(text.replace("^", "**"), locals=dict(zip(names, symbols)))
    first = symbols[0]
    rest = {s: point[n] for s, n in zip(symbols[1:], names[1:])}

    def at(e):
        value = sympy.limit(e.subs(rest), first, point[names[0]], direction)
        return float(value)

    grads = [sympy.diff(expr, s) for s in symbols]
    return [at(g) for g in grads], [[at(sympy.diff(g, s)) for s in symbols] for g in grads]


# ---------------------------------------------------------------------------
# 1. Limits of pow


def test_x_to_the_zero_at_zero(mode):
    (grad,), _ = _limit("x^0", ("x",), {"x": 0})
    assert gradient_at("x^0", {"x": 0.0}, mode=mode).gradient == {"x": grad} == {"x": 0.0}


def test_zero_to_the_x(mode):
    g = gradient_at("0^x", {"x": 3.0}, mode=mode)
    assert g.gradient == {"x": 0.0}
    assert g.value == 0.0


def test_hessian_of_pow_at_base_zero(mode):
    grads, hessian = _limit("a^b", ("a", "b"), {"a": 0, "b": 3})
    h = hessian_at("pow(a, b)", {"a": 0.0, "b": 3.0}, mode=mode)
    assert [h.gradient[n] for n in "ab"] == grads
    assert [[h.hessian[a][b] for b in "ab"] for a in "ab"] == hessian
    assert all(not math.isnan(v) for row in h.hessian.values() for v in row.values())


@pytest.mark.parametrize("exponent", [0.5, 1.0, 2.0, 3.0])
def test_power_rule_at_base_zero(mode, exponent):
    """Constant exponents: the power rule's limit (infinite for 0.5)."""
    text = f"x^{exponent}"
    h = hessian_at(text, {"x": 0.0}, mode=mode)
    (grad,), ((second,),) = _limit(text, ("x",), {"x": 0})
    assert h.gradient["x"] == grad
    if exponent != 0.5:  # x^0.5: d2 is -inf, the gradient +inf already
        assert h.hessian["x"]["x"] == second


def test_printed_derivative_of_zero_to_the_x_is_defined():
    result = run("diff", "0^x")
    assert result.exit_code == 0
    assert "log(0)" not in result.stdout
    text = result.stdout.split("=", 1)[1].strip()
    value = run("eval", text, "--at", "x=3", "--format", "json")
    assert value.exit_code == 0, value.stderr
    assert strict_json(value.stdout)["value"] == 0.0


def test_xlogy_is_a_function_of_the_language():
    value, gradient, _ = exact("xlogy(x, y)", ("x", "y"), (0.7, 2.5))
    g = gradient_at("xlogy(x, y)", {"x": 0.7, "y": 2.5})
    assert g.value == pytest.approx(value, rel=1e-15)
    assert [g.gradient["x"], g.gradient["y"]] == pytest.approx(gradient, rel=1e-15)
    assert gradient_at("xlogy(x, y)", {"x": 0.0, "y": 0.0}).value == 0.0


# ---------------------------------------------------------------------------
# 2. The 0·∞ rule, the same in every mode


@pytest.mark.parametrize(
    ("text", "point", "wrt"),
    [
        ("acos(x/x)", {"x": 1.2}, None),  # x/x is constant: derivative 0
        ("sqrt(x*y)", {"x": 0.0, "y": 1.0}, "y"),  # sqrt(0*y) is 0 for every y
        ("acos(cos(x))", {"x": 0.0}, None),  # |x| near 0: no derivative
        ("sqrt(x)^2", {"x": 0.0}, None),
        ("sqrt(x^2 + y^2)", {"x": 0.0, "y": 0.0}, None),  # the cone's tip
    ],
)
def test_zero_times_infinity_is_zero_and_warned(mode, text, point, wrt):
    g = gradient_at(text, point, wrt=wrt, mode=mode)
    names = (wrt,) if wrt else tuple(point)
    if (text, mode) in CANCELLING_INFINITE_PATHS:
        assert math.isnan(g.gradient["x"])
        assert any(f"{text} has an infinite derivative" in w for w in g.warnings)
        return
    assert g.gradient == {n: 0.0 for n in names}
    where = ", ".join(f"{n} = {v:g}" for n, v in point.items() if n in text)
    inner = "sqrt(x)" if text == "sqrt(x)^2" else text
    assert g.warnings == [
        f"{inner} has an infinite derivative at {where}; "
        "the chain rule's 0·∞ was taken as 0 (the derivative may not exist there)"
    ]


def test_the_modes_agree_on_the_rule_for_hessians():
    for text, point in [("sqrt(x)^2", {"x": 0.0}), ("acos(cos(x))", {"x": 0.0})]:
        results = {m: hessian_at(text, point, mode=m) for m in ("forward", "dual", "reverse")}
        values = {m: (r.gradient["x"], r.hessian["x"]["x"]) for m, r in results.items()}
        assert len(set(values.values())) == 1, values


def test_a_nonzero_tangent_through_an_infinite_partial_stays_infinite(mode):
    g = gradient_at("sqrt(x)", {"x": 0.0}, mode=mode)
    assert g.gradient == {"x": math.inf}
    assert g.warnings == [
        "the derivative by x is Infinity at this point: sqrt(x) has an infinite derivative at x = 0"
    ]


# ---------------------------------------------------------------------------
# 3. Warnings name the cause


def test_underflow_is_named_in_a_domain_error():
    result = run("grad", "log(exp(-x))", "--at", "x=900")
    assert result.exit_code == 1
    assert "exp(-x) underflows to 0 at x = 900" in result.stderr
    assert "log of zero" in result.stderr


def test_underflow_is_named_where_it_meets_an_infinite_derivative(mode):
    g = gradient_at("sqrt(exp(-x))", {"x": 1500.0}, mode=mode)
    assert g.gradient == {"x": 0.0}  # -exp(-750)/2 underflows to 0 as well
    (warning,) = g.warnings
    assert "sqrt(exp(-x)) has an infinite derivative at x = 1500" in warning
    assert "exp(-x) underflows to 0 at x = 1500" in warning


def test_an_overflowing_value_is_named(mode):
    g = gradient_at("exp(x)", {"x": 710.0}, mode=mode)
    assert g.value == math.inf
    assert g.warnings == [
        "the value is Infinity at this point (exp(x) overflows to Infinity at x = 710); "
        "its derivatives mean little"
    ]


def test_an_overflowing_derivative_is_named(mode):
    x = 70.9
    assert math.isfinite(math.exp(10 * x)) and not math.isfinite(float(10 * mpmath.exp(10 * x)))
    g = gradient_at("exp(10*x)", {"x": x}, mode=mode)
    assert g.gradient == {"x": math.inf}
    assert g.warnings == ["the derivative by x overflows at x = 70.9 (it is Infinity in float64)"]


def test_no_warning_ever_claims_non_existence_without_a_cause():
    for mode in ("numeric", "forward", "dual", "reverse"):
        g = gradient_at("exp(x)", {"x": 709.5}, mode=mode)
        assert not any("does not exist" in w for w in g.warnings), (mode, g.warnings)


def test_the_warning_function_takes_a_mode_s_own_cause():
    from derivcli.backends import nonfinite_warnings

    warnings = nonfinite_warnings(
        1.0, {"x": math.nan}, "the derivative by {}", causes={"x": "f overflows within the step"}
    )
    assert warnings == ["the derivative by x is NaN at this point: f overflows within the step"]


# ---------------------------------------------------------------------------
# 4. Saturation and cancellation


def _mp_derivative(f, x: float, n: int = 1) -> float:
    with mpmath.workdps(50):
        return float(mpmath.diff(f, mpmath.mpf(x), n))


def test_tanh_at_twenty(mode):
    expected = _mp_derivative(mpmath.tanh, 20.0)
    assert expected == pytest.approx(1.6993417021166356e-17, rel=1e-16)
    got = gradient_at("tanh(x)", {"x": 20.0}, mode=mode).gradient["x"]
    assert got == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize("x", [40.0, -40.0, 700.0, -700.0])
def test_sigmoid_saturates_with_every_digit(mode, x):
    with mpmath.workdps(50):
        expected = float(
            mpmath.exp(-abs(mpmath.mpf(x))) / (1 + mpmath.exp(-abs(mpmath.mpf(x)))) ** 2
        )
    got = gradient_at("sigmoid(x)", {"x": x}, mode=mode).gradient["x"]
    assert expected > 0
    assert got == pytest.approx(expected, rel=1e-14)


def test_tanh_of_log_second_derivative_at_a_tiny_x(mode):
    x = 1e-8
    expected = _mp_derivative(lambda t: mpmath.tanh(mpmath.log(t)), x, 2)
    got = hessian_at("tanh(ln(x))", {"x": x}, mode=mode).hessian["x"]["x"]
    assert got == pytest.approx(expected, rel=1e-12)


# ---------------------------------------------------------------------------
# 5. Folds in graph.build never change a value


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_no_fold_turns_a_non_finite_constant_times_zero_into_zero(bad):
    mul = PRIMITIVES["mul"]
    for args in [(const(bad), const(0.0)), (const(0.0), const(bad))]:
        node = build(mul, args)
        assert math.isnan(evaluate(node, {}))
    assert build(mul, (var("x"), const(0.0))) is const(0.0)  # absorbed in derivatives


def test_no_fold_turns_zero_over_nan_into_zero():
    div = PRIMITIVES["div"]
    assert math.isnan(evaluate(build(div, (const(0.0), const(math.nan))), {}))
    assert math.isnan(evaluate(build(div, (const(0.0), const(0.0))), {}, strict=False))
    assert build(div, (const(0.0), const(2.0))) is const(0.0)


def test_constant_folds_are_the_same_ieee_operation():
    mul, pow_ = PRIMITIVES["mul"], PRIMITIVES["pow"]
    big = const(1.7976931348623157e308)
    node = build(mul, (big, const(2.0)))  # overflows: kept as a node
    assert node is make(mul, (big, const(2.0)))
    assert build(pow_, (const(2.0), const(10.0))) is const(1024.0)
    assert build(mul, (const(0.5), const(3.0))) is const(1.5)


def test_second_derivative_warnings_name_the_derivative_s_sub_expression(mode):
    h = hessian_at("x^1.5", {"x": 0.0}, mode=mode)
    assert h.gradient == {"x": 0.0}
    assert h.hessian == {"x": {"x": math.inf}}  # 0.75/sqrt(x) at 0
    assert h.warnings == [
        "the second derivative by x,x is Infinity at this point: "
        "x^0.5 has an infinite derivative at x = 0"
    ]


def test_xlogy_prints_as_a_function_in_latex():
    result = run("diff", "pow(a + 1, b)", "--wrt", "b", "--format", "latex")
    assert result.exit_code == 0
    assert result.stdout.strip() == (
        r"\operatorname{xlogy}\left(\left(a + 1\right)^{b}, a + 1\right)"
    )
