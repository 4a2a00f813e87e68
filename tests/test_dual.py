"""Dual and hyper-dual numbers, and the dual mode against the SymPy oracle."""

from __future__ import annotations

import doctest
import math

import pytest
from oracle import CASES as ORACLE_CASES
from oracle import case_id, case_points, close, exact

import derivcli
import derivcli.dual
from derivcli.backends import dual as dual_mode
from derivcli.dual import Dual, HyperDual
from derivcli.errors import DomainError
from derivcli.primitives import PRIMITIVES, apply

EXACT_REL = 1e-14
CASES = case_points()
IDS = [case_id(c) for c in CASES]


def _point(names, values):
    return dict(zip(names, values))


# ---------------------------------------------------------------------------
# The number types


def test_doctests():
    result = doctest.testmod(derivcli.dual)
    assert result.attempted > 0
    assert result.failed == 0


def test_notebook_sum_with_a_float():
    z = 3 + Dual(3, 4)
    assert (z.value, z.eps) == (6.0, 4.0)
    assert repr(z) == "6.0 + 4.0ε"
    z = Dual(3, 4) + 3
    assert (z.value, z.eps) == (6.0, 4.0)


def test_notebook_product():
    z = Dual(3, 4) * Dual(5, 7)
    assert (z.value, z.eps) == (15.0, 41.0)
    assert repr(z) == "15.0 + 41.0ε"
    assert str(z) == "15.0 + 41.0ε"


def test_repr_without_eps_is_the_value():
    assert repr(Dual(42.0)) == "42.0"
    assert repr(HyperDual(42.0)) == "42.0"


def test_hyperdual_repr():
    assert repr(HyperDual(1, 2, 3, 4)) == "1.0 + 2.0ε₁ + 3.0ε₂ + 4.0ε₁ε₂"
    assert repr(HyperDual(1, 0, 3, 0)) == "1.0 + 3.0ε₂"


def test_notebook_partials_by_dual_numbers():
    def f(x, y):
        return x * x * y + y + 2

    assert f(Dual(3.0), Dual(4.0)).value == 42.0
    assert f(Dual(3.0, 1.0), Dual(4.0)).eps == 24.0
    assert f(Dual(3.0), Dual(4.0, 1.0)).eps == 10.0


def test_notebook_hessian_by_hyperdual_numbers():
    """The notebook's [[8, 6], [6, 0]] for x*x*y + y + 2 at (3, 4)."""

    def f(x, y):
        return x * x * y + y + 2

    xx = f(HyperDual(3.0, 1.0, 1.0), HyperDual(4.0))
    xy = f(HyperDual(3.0, 1.0), HyperDual(4.0, 0.0, 1.0))
    yy = f(HyperDual(3.0), HyperDual(4.0, 1.0, 1.0))
    assert (xx.value, xx.eps1, xx.eps2) == (42.0, 24.0, 24.0)
    assert [[xx.eps12, xy.eps12], [xy.eps12, yy.eps12]] == [[8.0, 6.0], [6.0, 0.0]]


def test_operators_with_floats_on_both_sides():
    a = Dual(2.0, 1.0)
    for z, ref in [
        (a + 1, 3.0),
        (1 + a, 3.0),
        (a - 1, 1.0),
        (1 - a, -1.0),
        (a * 3, 6.0),
        (3 * a, 6.0),
        (a / 4, 0.5),
        (4 / a, 2.0),
        (a**3, 8.0),
        (3**a, 9.0),
        (-a, -2.0),
    ]:
        assert type(z) is Dual
        assert z.real == ref
    h = HyperDual(2.0, 1.0, 1.0)
    for z in [h + 1, 1 + h, h - 1, 1 - h, h * 3, 3 * h, h / 4, 4 / h, h**3, 3**h, -h]:
        assert type(z) is HyperDual


def test_mixing_the_two_types_is_refused():
    with pytest.raises(TypeError):
        Dual(1.0, 1.0) + HyperDual(1.0, 1.0)


# sign is not in the oracle's language; test_sign_has_zero_derivatives checks it
UNARY = [p.name for p in PRIMITIVES.values() if p.is_function and p.arity == 1 and p.name != "sign"]


@pytest.mark.parametrize("name", UNARY)
def test_every_unary_function_by_its_own_numbers(name):
    """Dual and HyperDual straight from Python, on every unary primitive."""
    x = 0.3 if math.isfinite(PRIMITIVES[name].fn(0.3)) else 1.3  # (acosh)
    value, gradient, hessian = exact(f"{name}(x)", ("x",), (x,))
    prim = PRIMITIVES[name]
    d = apply(prim, Dual(x, 1.0))
    assert close(d.value, value, EXACT_REL)
    assert close(d.eps, gradient[0], EXACT_REL)
    h = apply(prim, HyperDual(x, 1.0, 1.0))
    assert close(h.eps1, gradient[0], EXACT_REL)
    assert close(h.eps2, gradient[0], EXACT_REL)
    assert close(h.eps12, hessian[0][0], EXACT_REL)


def test_sign_has_zero_derivatives():
    h = apply(PRIMITIVES["sign"], HyperDual(-2.0, 1.0, 1.0))
    assert (h.value, h.eps1, h.eps2, h.eps12) == (-1.0, 0.0, 0.0, 0.0)


def test_every_primitive_is_covered():
    """Every primitive of the table is exercised by the oracle cases."""
    texts = " ".join(text for text, _, _ in ORACLE_CASES)
    for prim in PRIMITIVES.values():
        if prim.name == "sign":
            continue  # checked above; not in the oracle's language
        if prim.is_function:
            assert f"{prim.name}(" in texts, prim.name
        else:
            assert prim.symbol in texts, prim.name


# ---------------------------------------------------------------------------
# The dual mode against the oracle


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradient_against_sympy(case):
    text, names, point = case
    value, gradient, _ = exact(text, names, point)
    result = derivcli.grad(text, _point(names, point), mode="dual")
    assert result.mode == "dual"
    assert result.variables == names
    assert close(result.value, value, EXACT_REL), (result.value, value)
    for name, ref in zip(names, gradient):
        ours = result.gradient[name]
        assert close(ours, ref, EXACT_REL), (name, ours, ref)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_hessian_against_sympy(case):
    text, names, point = case
    value, gradient, hessian = exact(text, names, point)
    result = derivcli.hessian(text, _point(names, point), mode="dual")
    assert result.mode == "dual"
    assert close(result.value, value, EXACT_REL)
    for name, ref in zip(names, gradient):
        ours = result.gradient[name]
        assert close(ours, ref, EXACT_REL), (name, ours, ref)
    for a, ref_row in zip(names, hessian):
        for b, ref in zip(names, ref_row):
            ours = result.hessian[a][b]
            assert close(ours, ref, EXACT_REL), (a, b, ours, ref)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_agrees_with_reverse_mode(case):
    text, names, point = case
    ours = derivcli.hessian(text, _point(names, point), mode="dual")
    theirs = derivcli.hessian(text, _point(names, point), mode="reverse")
    assert ours.structural_zeros == theirs.structural_zeros
    for a in names:
        assert close(ours.gradient[a], theirs.gradient[a], EXACT_REL)
        for b in names:
            assert close(ours.hessian[a][b], theirs.hessian[a][b], EXACT_REL)


def test_hessian_gradient_equals_dual_gradient():
    text, names, point = "x*y*z + sin(x*z) - z^2/y", ("x", "y", "z"), (0.4, 1.6, -0.6)
    g = derivcli.grad(text, _point(names, point), mode="dual")
    h = derivcli.hessian(text, _point(names, point), mode="dual")
    assert g.gradient == h.gradient
    assert g.value == h.value


# ---------------------------------------------------------------------------
# Special points


def test_abs_at_zero_is_the_zero_subgradient():
    value, gradient, hessian = exact("abs(x)", ("x",), (0.0,))
    g = derivcli.grad("abs(x)", x=0.0, mode="dual")
    h = derivcli.hessian("abs(x)", x=0.0, mode="dual")
    assert g.gradient["x"] == gradient[0] == 0.0
    assert h.hessian["x"]["x"] == hessian[0][0] == 0.0
    # issue 12: the subgradient stays, and the kink is said with its sides
    kink = "abs(x) has a kink at x = 0: derivative -1 from the left, 1 from the right; reported: 0"
    assert g.warnings == [kink]
    # the Hessian also says that f' = sign(x) jumps there (f'' does not exist)
    assert h.warnings[0] == kink
    assert h.warnings[1].startswith("second derivatives (d/dx differentiated again): sign(x) jumps")


@pytest.mark.parametrize("point", [(1.3, 2.7), (0.4, -1.5), (2.1, 0.6)])
def test_power_with_both_sides_variable(point):
    _, gradient, hessian = exact("x^y", ("x", "y"), point)
    h = derivcli.hessian("x^y", _point(("x", "y"), point), mode="dual")
    for i, a in enumerate("xy"):
        assert close(h.gradient[a], gradient[i], EXACT_REL)
        for j, b in enumerate("xy"):
            assert close(h.hessian[a][b], hessian[i][j], EXACT_REL)


def test_constant_power_of_a_negative_base_stays_finite():
    """x^3 at a negative x: the exponent's partial (NaN there) is never used."""
    _, gradient, hessian = exact("x^3", ("x",), (-0.7,))
    h = derivcli.hessian("x^3", x=-0.7, mode="dual")
    assert math.isfinite(h.gradient["x"]) and math.isfinite(h.hessian["x"]["x"])
    assert close(h.gradient["x"], gradient[0], EXACT_REL)
    assert close(h.hessian["x"]["x"], hessian[0][0], EXACT_REL)
    assert not h.warnings


def test_variable_power_of_a_negative_base_is_nan():
    h = apply(PRIMITIVES["pow"], HyperDual(-2.0), HyperDual(3.0, 1.0, 1.0))
    assert h.value == PRIMITIVES["pow"].fn(-2.0, 3.0)
    assert math.isnan(h.eps1) and math.isnan(h.eps12)


def test_the_seed_examples():
    for text, names, point in [
        ("x*x*y + y + 2", ("x", "y"), (3.0, 4.0)),
        ("sin(x^2)", ("x",), (3.0,)),
    ]:
        value, gradient, hessian = exact(text, names, point)
        h = derivcli.hessian(text, _point(names, point), mode="dual")
        assert close(h.value, value, EXACT_REL)
        assert [h.gradient[n] for n in names] == pytest.approx(gradient, rel=EXACT_REL)
        for a, row in zip(names, hessian):
            for b, ref in zip(names, row):
                assert close(h.hessian[a][b], ref, EXACT_REL)


def test_domain_error():
    with pytest.raises(DomainError):
        derivcli.grad("log(x)", x=-1.0, mode="dual")
    with pytest.raises(DomainError):
        derivcli.hessian("log(x)", x=-1.0, mode="dual")


# ---------------------------------------------------------------------------
# The cost


@pytest.mark.parametrize(
    "text, names, point",
    [
        ("sin(x^2)", ("x",), (0.5,)),
        ("x*x*y + y + 2", ("x", "y"), (3.0, 4.0)),
        ("x*y*z + sin(x*z) - z^2/y", ("x", "y", "z"), (0.4, 1.6, -0.6)),
    ],
)
def test_evaluation_counts(text, names, point):
    n = len(names)
    g = derivcli.grad(text, _point(names, point), mode="dual")
    h = derivcli.hessian(text, _point(names, point), mode="dual")
    assert g.evaluations == n + 1  # one for the value, one per variable
    assert h.evaluations == n * (n + 1) // 2 + 1  # one for the value, one per pair j >= i


def test_variables_outside_the_expression_cost_nothing():
    _, gradient, hessian = exact("x*x", ("x",), (3.0,))
    graph = derivcli.parse("x*x")
    g = dual_mode.gradient(graph, {"x": 3.0, "y": 1.0}, ("x", "y"))
    assert close(g.gradient["x"], gradient[0], EXACT_REL)
    assert g.gradient["y"] == 0.0
    assert g.structural_zeros == ["y"]
    assert g.evaluations == 2
    h = dual_mode.hessian(graph, {"x": 3.0, "y": 1.0}, ("x", "y"))
    assert close(h.hessian["x"]["x"], hessian[0][0], EXACT_REL)
    assert h.hessian["x"]["y"] == h.hessian["y"]["x"] == h.hessian["y"]["y"] == 0.0
    assert ("x", "y") in h.structural_zeros
    assert h.evaluations == 2


# ---------------------------------------------------------------------------
# Large expressions: no recursion over the user's input


def test_hundred_thousand_terms():
    graph = derivcli.parse("+".join(["x"] * 100000))
    result = dual_mode.gradient(graph, {"x": 0.5}, ("x",))
    assert result.value == 50000.0
    assert result.gradient["x"] == 100000.0


@pytest.mark.parametrize("depth, sign", [(100000, 1.0), (99999, -1.0)])
def test_hundred_thousand_levels(depth, sign):
    graph = derivcli.parse("-(" * depth + "x" + ")" * depth)
    result = dual_mode.gradient(graph, {"x": 0.5}, ("x",))
    assert result.value == sign * 0.5
    assert result.gradient["x"] == sign
