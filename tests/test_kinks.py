"""Kinks, told honestly (issue 12): where the derivative does not exist,
every mode keeps its subgradient and says so, with the one-sided
derivatives of the whole output; ``--side`` reports one of them.

The one-sided derivatives are checked against SymPy: the limit of the
difference quotient from each side at the exact double of the point (and,
where SymPy's ``limit`` cannot take it, the quotient at ``h = 1e-40``
evaluated with 60 digits: a jump shows as a quotient beyond 1e20).
Table-driven: every primitive with a ``kink`` in the table needs its cases
here.
"""

from __future__ import annotations

import json
import math

import pytest
import sympy
from clirun import run

import derivcli
from derivcli.api import gradient_at
from derivcli.backends import MODES, SIDE_MODES
from derivcli.primitives import PRIMITIVES

H = sympy.Symbol("h", positive=True)
_LOCALS = {
    "Abs": sympy.Abs,
    "Max": sympy.Max,
    "Min": sympy.Min,
    "Heaviside": sympy.Heaviside,
    "floor": sympy.floor,
    "ceiling": sympy.ceiling,
    "acot": sympy.acot,
    "atan2": sympy.atan2,
    "sign": sympy.sign,
    "pi": sympy.pi,
}

#: every kinked primitive: (expression, variables, point at a kink, the
#: same function as SymPy writes it)
KINK_CASES: dict[str, list[tuple[str, tuple[str, ...], tuple[float, ...], str]]] = {
    "abs": [("abs(x)", ("x",), (0.0,), "Abs(x)")],
    "sign": [("sign(x)", ("x",), (0.0,), "sign(x)")],
    "relu": [("relu(x)", ("x",), (0.0,), "(x + Abs(x))/2")],
    "heaviside": [("heaviside(x)", ("x",), (0.0,), "Heaviside(x)")],
    "floor": [
        ("floor(x)", ("x",), (2.0,), "floor(x)"),
        ("floor(x)", ("x",), (-3.0,), "floor(x)"),
    ],
    "ceil": [("ceil(x)", ("x",), (2.0,), "ceiling(x)")],
    # halves to even: 2.5 rounds down (as ceiling(x - 1/2)), 3.5 and -2.5 up
    "round": [
        ("round(x)", ("x",), (2.5,), "ceiling(x - 1/2)"),
        ("round(x)", ("x",), (3.5,), "floor(x + 1/2)"),
        ("round(x)", ("x",), (-2.5,), "floor(x + 1/2)"),
    ],
    "acot": [("acot(x)", ("x",), (0.0,), "acot(x)")],
    "max": [("max(x, y)", ("x", "y"), (1.0, 1.0), "Max(x, y)")],
    "min": [("min(x, y)", ("x", "y"), (1.0, 1.0), "Min(x, y)")],
    "hypot": [("hypot(x, y)", ("x", "y"), (0.0, 0.0), "sqrt(x**2 + y**2)")],
    "atan2": [
        ("atan2(y, x)", ("y", "x"), (0.0, -1.0), "atan2(y, x)"),
        ("atan2(y, x)", ("y", "x"), (0.0, 0.0), "atan2(y, x)"),
    ],
    "mod": [
        ("mod(x, y)", ("x", "y"), (4.0, 2.0), "x - y*floor(x/y)"),
        ("mod(x, y)", ("x", "y"), (-3.0, 1.5), "x - y*floor(x/y)"),
    ],
}

#: compositions: the one-sided derivatives are of the whole output
COMPOSITIONS = [
    ("abs(abs(x))", ("x",), (0.0,), "Abs(Abs(x))"),
    ("abs(x)^2", ("x",), (0.0,), "Abs(x)**2"),
    ("max(x, 2*x)", ("x",), (0.0,), "Max(x, 2*x)"),
    ("relu(sin(x))", ("x",), (0.0,), "(sin(x) + Abs(sin(x)))/2"),
    # sin of the double nearest pi is 1.2e-16 > 0: no kink there
    ("relu(sin(x))", ("x",), (math.pi,), "(sin(x) + Abs(sin(x)))/2"),
    ("3*abs(x - 1) + y", ("x", "y"), (1.0, 2.0), "3*Abs(x - 1) + y"),
    ("abs(x*y)", ("x", "y"), (0.0, 2.0), "Abs(x*y)"),
    ("heaviside(x)*x", ("x",), (0.0,), "Heaviside(x)*x"),
    ("floor(x) - floor(x)", ("x",), (2.0,), "0*x"),
    ("cos(floor(x))", ("x",), (0.0,), "cos(floor(x))"),
    ("x + floor(x)", ("x",), (0.0,), "x + floor(x)"),
    ("floor(x^2)", ("x",), (1.0,), "floor(x**2)"),
    ("min(x, y, 2*x) + max(x, y)", ("x", "y"), (1.0, 1.0), "Min(x, y, 2*x) + Max(x, y)"),
    ("hypot(x, y) + x", ("x", "y"), (0.0, 0.0), "sqrt(x**2 + y**2) + x"),
    ("mod(x, 2)*x", ("x",), (4.0,), "(x - 2*floor(x/2))*x"),
    ("exp(abs(x - 1))*x", ("x",), (1.0,), "exp(Abs(x - 1))*x"),
]


def _quotient(expr, subs, s, side):
    """(f(p + side*h) - f(p))/(side*h) at h = 1e-40, 60 digits: None for a
    jump (the quotient is beyond 1e20)."""
    h = sympy.Rational(1, 10**40)
    moved = expr.subs({**subs, s: subs[s] + side * h}, simultaneous=True)
    value = expr.subs(subs)
    if value is sympy.nan:  # atan2(0, 0): 0 by IEEE's (and math.atan2's) convention
        value = sympy.S.Zero
    q = sympy.N((moved - value) / (side * h), 60)
    return None if abs(q) > 1e20 else float(q)


_REFERENCES: dict = {}


def one_sided_reference(sympy_text, names, point):
    """{variable: (left, right)} by SymPy, ``None`` where the one-sided
    derivative does not exist."""
    key = (sympy_text, names, point)
    if key in _REFERENCES:
        return _REFERENCES[key]
    symbols = {n: sympy.Symbol(n, real=True) for n in names}
    expr = sympy.sympify(sympy_text, locals={**_LOCALS, **symbols})
    subs = {symbols[n]: sympy.Rational(v) for n, v in zip(names, point)}
    out = {}
    for name in names:
        s = symbols[name]
        sides = []
        for side in (-1, 1):
            if expr.has(sympy.atan2):  # (SymPy's limit does not finish there)
                sides.append(_quotient(expr, subs, s, side))
                continue
            moved = expr.subs({**subs, s: subs[s] + side * H}, simultaneous=True)
            quotient = _quotient(expr, subs, s, side)
            try:
                lim = sympy.limit((moved - expr.subs(subs)) / (side * H), H, 0, "+")
            except (NotImplementedError, ValueError):
                sides.append(quotient)
                continue
            lim = float(lim) if lim.is_finite else None
            # SymPy's limit takes cos(floor(-h)) for cos(0) (0 from the left,
            # where the quotient jumps): where the two disagree, the quotient
            # at 60 digits decides
            sides.append(lim if _same(lim, quotient) else quotient)
        out[name] = tuple(sides)
    _REFERENCES[key] = out
    return out


def _same(ours, ref) -> bool:
    if ours is None or ref is None:
        return ours is ref
    return ours == pytest.approx(ref, rel=1e-12, abs=1e-30)  # (the quotient: O(h))


def _check(result, names, refs):
    """The result's kinks are the reference's, and every variable at which
    the derivative does not exist has one (with a warning)."""
    for entry in result.kinks:
        left, right = refs[entry["variable"]]
        assert _same(entry["left"], left), (entry, left)
        assert _same(entry["right"], right), (entry, right)
    listed = {e["variable"] for e in result.kinks}
    for name in names:
        left, right = refs[name]
        if left is None or right is None or left != pytest.approx(right, abs=1e-12):
            assert name in listed, (name, refs[name], result.kinks)
    kink_warnings = [w for w in result.warnings if " a kink at " in w or " jump" in w]
    assert bool(kink_warnings) == bool(result.kinks), result.warnings


def _mode_available(mode):
    if mode == "tensorflow":
        pytest.importorskip("tensorflow")


def test_every_kinked_primitive_has_cases():
    kinked = {name for name, prim in PRIMITIVES.items() if prim.kink is not None}
    assert kinked == set(KINK_CASES)
    for name in kinked:  # and the kinks are where the table says
        for _text, _names, point, _ref in KINK_CASES[name]:
            assert PRIMITIVES[name].kink.where(*point), (name, point)


@pytest.mark.parametrize("name", sorted(KINK_CASES))
def test_no_kink_away_from_it(name):
    kink = PRIMITIVES[name].kink
    arity = PRIMITIVES[name].arity
    for point in [(0.3,), (-1.7,), (2.2,)] if arity == 1 else [(0.3, 1.7), (-2.5, 0.75)]:
        assert not kink.where(*point), (name, point)


CASES = [case for cases in KINK_CASES.values() for case in cases]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}@{c[2]}" for c in CASES])
def test_each_kinked_primitive_in_every_mode(case, mode):
    _mode_available(mode)
    text, names, point, sympy_text = case
    refs = one_sided_reference(sympy_text, names, point)
    result = derivcli.grad(text, dict(zip(names, point)), mode=mode)
    assert result.kinks, result.warnings
    _check(result, names, refs)


@pytest.mark.parametrize("case", COMPOSITIONS, ids=[f"{c[0]}@{c[2]}" for c in COMPOSITIONS])
def test_compositions_against_sympy_limits(case):
    text, names, point, sympy_text = case
    refs = one_sided_reference(sympy_text, names, point)
    for mode in ("reverse", "forward"):
        result = derivcli.grad(text, dict(zip(names, point)), mode=mode)
        _check(result, names, refs)
    # --side gives exactly the one-sided derivatives (NaN where none)
    for side, i in (("left", 0), ("right", 1)):
        result = gradient_at(text, dict(zip(names, point)), mode="dual", side=side)
        for name in names:
            ref = refs[name][i]
            ours = result.gradient[name]
            assert math.isnan(ours) if ref is None else _same(ours, ref), (name, side, ours)


def test_a_jump_that_does_not_move_at_first_order_is_unknown():
    """floor(x^2) does not jump at 0 and floor(-x^2) does (SymPy), but their
    arguments have tangent 0 there: the first-order sweep cannot tell them
    apart, and says so instead of guessing."""
    assert one_sided_reference("floor(x**2)", ("x",), (0.0,)) == {"x": (0.0, 0.0)}
    assert one_sided_reference("floor(-x**2)", ("x",), (0.0,)) == {"x": (None, None)}
    for text in ("floor(x^2)", "floor(-x^2)"):
        result = derivcli.grad(text, {"x": 0.0})
        assert result.kinks == [
            {"at": text, "variable": "x", "left": "unknown", "right": "unknown"}
        ]
        assert result.warnings == [
            f"{text} may jump at x = 0: derivative unknown from the left, unknown from the "
            "right; reported: 0 (an argument does not move at first order: a jump may or may "
            "not happen)"
        ]
        side = gradient_at(text, {"x": 0.0}, side="right")
        assert math.isnan(side.gradient["x"])
    # a continuous corner that does not move is differentiable: abs(x^2)' = 0
    assert derivcli.grad("abs(x^2)", {"x": 0.0}).warnings == []


def test_a_differentiable_composition_says_nothing():
    for text, point in [("abs(x)^2", 0.0), ("floor(x) - floor(x)", 2.0), ("abs(x)", 0.5)]:
        result = derivcli.grad(text, {"x": point})
        assert result.kinks == [] and result.warnings == [], text
    assert derivcli.grad("relu(sin(x))", {"x": math.pi}).gradient["x"] == -1.0


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("text", "at", "warning"),
    [
        ("abs(x)", "x=0", "abs(x) has a kink at x = 0: derivative -1 from the left, "
         "1 from the right; reported: "),
        ("max(x, y)", "x=1,y=1", "max(x, y) has a kink at x = 1, y = 1: derivative by x "
         "0 from the left, 1 from the right, reported "),
        ("relu(x)", "x=0", "relu(x) has a kink at x = 0: derivative 0 from the left, "
         "1 from the right; reported: "),
        ("floor(x)", "x=2", "floor(x) jumps at x = 2: derivative none from the left "
         "(the value jumps there), 0 from the right; reported: "),
    ],
)  # fmt: skip
def test_the_cli_warns_in_every_mode(text, at, warning, mode):
    _mode_available(mode)
    out = run("grad", text, "--at", at, "--mode", mode, "--format", "json")
    assert out.exit_code == 0, out.stderr
    assert f"Warning: {warning}" in out.stderr
    data = json.loads(out.stdout)
    assert data["kinks"][0]["at"] == text
    assert any(w.startswith(warning) for w in data["warnings"])


def test_the_issue_examples_exactly():
    out = run("grad", "abs(x)", "--at", "x=0")
    assert out.exit_code == 0
    assert out.stderr == (
        "Warning: abs(x) has a kink at x = 0: derivative -1 from the left, 1 from the right; "
        "reported: 0\n"
    )
    data = json.loads(run("grad", "abs(x)", "--at", "x=0", "--format", "json").stdout)
    assert data["kinks"] == [{"at": "abs(x)", "variable": "x", "left": -1.0, "right": 1.0}]
    assert data["gradient"] == {"x": 0.0}  # the subgradient convention stays
    data = json.loads(run("grad", "max(x, y)", "--at", "x=1,y=1", "--format", "json").stdout)
    assert data["gradient"] == {"x": 0.5, "y": 0.5}
    assert data["kinks"] == [
        {"at": "max(x, y)", "variable": "x", "left": 0.0, "right": 1.0},
        {"at": "max(x, y)", "variable": "y", "left": 0.0, "right": 1.0},
    ]
    data = json.loads(run("grad", "floor(x)", "--at", "x=2", "--format", "json").stdout)
    assert data["kinks"] == [{"at": "floor(x)", "variable": "x", "left": None, "right": 0.0}]


def test_kink_free_json_has_no_kinks_key():
    for command, at in (("grad", "x=0.5"), ("hessian", "x=0.5"), ("jacobian", "x=0.5")):
        data = json.loads(run(command, "abs(x)*x", "--at", at, "--format", "json").stdout)
        assert "kinks" not in data, command
        assert data["warnings"] == []


@pytest.mark.parametrize("mode", SIDE_MODES)
def test_side_in_the_exact_modes(mode):
    for side, expected in (("left", "-1"), ("right", "1")):
        out = run("grad", "abs(x)", "--at", "x=0", "--side", side, "--mode", mode, "--format",
                  "value")  # fmt: skip
        assert out.exit_code == 0, out.stderr
        assert out.stdout == f"{expected}\n"
    out = run("jacobian", "abs(x), max(x, y)", "--at", "x=0,y=0", "--side", "left", "--mode",
              mode, "--format", "json")  # fmt: skip
    data = json.loads(out.stdout)
    assert data["jacobian"] == {"f1": {"x": -1.0, "y": 0.0}, "f2": {"x": 0.0, "y": 0.0}}
    assert {e["output"] for e in data["kinks"]} == {"f1", "f2"}


def test_side_where_the_value_jumps_is_nan_with_a_warning():
    out = run("grad", "floor(x)", "--at", "x=2", "--side", "left", "--format", "json")
    assert out.exit_code == 0
    data = json.loads(out.stdout)
    assert data["gradient"] == {"x": "NaN"}
    assert "the derivative by x from the left does not exist" in out.stderr
    out = run("grad", "floor(x)", "--at", "x=2", "--side", "right", "--format", "value")
    assert out.stdout == "0\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("grad", "abs(x)", "--at", "x=0", "--side", "left", "--mode", "numeric"),
         "--side needs an exact mode"),
        (("grad", "abs(x)", "--at", "x=0", "--side", "left", "--mode", "tensorflow"),
         "--side needs an exact mode"),
        (("hessian", "abs(x)", "--at", "x=0", "--side", "left"),
         "--side applies to grad and jacobian"),
        (("grad", "abs(x)", "--at", "x=0", "--side", "left", "--direction", "1"),
         "--side does not combine with --direction"),
        (("grad", "abs(x)", "--at", "x=0", "--side", "up"), "Invalid value for '--side'"),
    ],
)  # fmt: skip
def test_side_is_refused_where_it_has_no_meaning(args, message):
    out = run(*args)
    assert out.exit_code == 2
    assert message in out.stderr


def test_hessian_reports_the_kinks_of_the_first_derivatives():
    result = derivcli.hessian("abs(x)*y", {"x": 0.0, "y": 2.0})
    assert result.kinks[0] == {"at": "abs(x)", "variable": "x", "left": -2.0, "right": 2.0}
    assert result.gradient == {"x": 0.0, "y": 0.0}


@pytest.mark.parametrize("mode", ["forward", "reverse", "dual", "mpmath", "tensorflow"])
@pytest.mark.parametrize(
    ("text", "point", "wrt", "by", "left", "right"),
    [
        # f = x*|x|: f' = 2|x| is continuous, f'' = 2 sign(x) has no value at 0
        ("abs(x)*x", {"x": 0.0}, "x", "x", -2.0, 2.0),
        ("relu(x)^2", {"x": 0.0}, "x", "x", 0.0, 2.0),
        # the mixed partial of |x|*y: d/dy = |x|, by x -1 and 1
        ("abs(x)*y", {"x": 0.0, "y": 2.0}, "y", "x", -1.0, 1.0),
    ],
)
def test_hessian_reports_the_kinks_of_the_second_derivatives(
    text, point, wrt, by, left, right, mode
):
    """Where a first derivative has a kink the Hessian entry is a subgradient:
    the result says so, with the one-sided second derivatives, checked
    against SymPy's one-sided limits of the first derivative's quotient."""
    if mode == "tensorflow":
        pytest.importorskip("tensorflow")
    names = sorted(point)
    symbols = sympy.symbols(names, real=True)
    env = dict(zip(names, symbols))
    x = env["x"]
    expr = {
        "abs(x)*x": x * sympy.Abs(x),
        "relu(x)^2": sympy.Max(0, x) ** 2,
        "abs(x)*y": sympy.Abs(x) * env.get("y", 0),
    }[text]
    first = sympy.diff(expr, env[wrt])
    h = sympy.Symbol("h", positive=True)
    at = {env[n]: v for n, v in point.items()}
    base = first.subs(at)
    sides = []
    for sign in (-1, 1):
        moved = dict(at)
        moved[env[by]] = at[env[by]] + sign * h
        quotient = (first.subs(moved) - base) / (sign * h)
        sides.append(float(sympy.limit(sympy.simplify(quotient), h, 0)))
    assert sides == [left, right]
    result = derivcli.hessian(text, point, mode=mode)
    entry = {"output": f"d/d{wrt}", "variable": by, "left": left, "right": right}
    assert any(all(k.get(key) == v for key, v in entry.items()) for k in result.kinks), result.kinks
    assert any(w.startswith(f"second derivatives (d/d{wrt}") for w in result.warnings)


def test_deep_nesting_of_kinks_is_linear_and_names_the_first_three():
    text = "x"
    for _ in range(5000):  # far beyond Python's recursion limit
        text = f"abs({text})"
    result = gradient_at(text, {"x": 0.0})
    assert [e["at"] for e in result.kinks] == ["abs(x)", "abs(abs(x))", "abs(abs(abs(x)))"]
    assert all((e["left"], e["right"]) == (-1.0, 1.0) for e in result.kinks)
    assert gradient_at(text, {"x": 0.0}, side="right").gradient["x"] == 1.0


def test_functions_lists_each_domain_and_marks_kinks():
    from derivcli.language import language, language_text

    data = language()
    for f in data["functions"]:
        prim = PRIMITIVES[f["name"]] if f["name"] in PRIMITIVES else None
        if prim is None:  # a function shown by its alias (pow)
            continue
        assert f["domain"] == prim.domain_text
        assert f.get("kinks", False) == (prim.kink is not None)
    text = language_text()
    assert "  abs(x)" in text and "all reals *" in text
    assert any(line.startswith("  log(x)") and " x > 0 " in line for line in text.splitlines())
