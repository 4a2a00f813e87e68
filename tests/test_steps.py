"""diff --steps: the textbook's rules, one line each, ending at diff's answer
(issue 14).

On the whole oracle table: the last line is exactly ``diff``'s answer (text
and LaTeX), and every line before it is the same derivative: with each
pending ``d/dx(u)`` evaluated (dual numbers), every line has SymPy's value
at the oracle's points.
"""

from __future__ import annotations

import json
import math

import pytest
from clirun import run
from oracle import CASES, close, exact

import derivcli
from derivcli.api import as_graph, derivative_of
from derivcli.dual import Dual
from derivcli.errors import ParseError
from derivcli.graph import evaluate
from derivcli.primitives import FUNCTIONS, PRIMITIVES
from derivcli.steps import MAX_STEPS, derivative_steps

PAIRS = [(text, name) for text, names, _points in CASES for name in names]


@pytest.mark.parametrize("text, name", PAIRS, ids=[f"d/d{n} {t}" for t, n in PAIRS])
def test_the_last_step_is_diffs_answer(text, name):
    result = derivative_steps(as_graph(text), name)
    answer = derivative_of(as_graph(text), (name,))
    assert result.steps[-1].text == answer.derivative == derivcli.diff(text, name)
    assert result.steps[-1].latex == answer.latex
    assert result.steps[0].text == f"d/d{name}({as_graph(text)})"
    assert all(s.rule for s in result.steps[1:])


def _line_value(step, name: str, point: dict) -> float:
    """A line's value at ``point``: its pending derivatives d/dx(u) by dual
    numbers (u at x + ε), the rest as written."""
    at = dict(point)
    for token, u in step.pending.items():
        seeded = dict(point)
        seeded[name] = Dual(point[name], 1.0)
        d = evaluate(u, seeded, strict=False)
        at[token] = d.eps if isinstance(d, Dual) else 0.0
    return float(evaluate(step.node, at, strict=False))


CHECKED = [
    (text, names, point, name)
    for text, names, points in CASES
    for point in points
    for name in names
]


@pytest.mark.parametrize(
    "text, names, point, name",
    CHECKED,
    ids=[f"d/d{n} {t} @ {p}" for t, _ns, p, n in CHECKED],
)
def test_every_line_is_the_exact_derivative(text, names, point, name):
    at = dict(zip(names, point))
    _value, gradient, _hessian = exact(text, names, point)
    expected = gradient[names.index(name)]
    if not math.isfinite(expected):
        pytest.skip("no finite derivative at this point")
    result = derivative_steps(as_graph(text), name)
    for step in result.steps[1:]:
        if step.rule == "simplification":
            node = as_graph(step.text).root
            got = float(evaluate(node, at, strict=False))
        else:
            got = _line_value(step, name, at)
        assert close(got, expected, 1e-9), (step.rule, step.text, got, expected)


def _rules(text: str, name: str = "x") -> list[str]:
    return [s.rule for s in derivative_steps(as_graph(text), name).steps[1:]]


def test_rule_names():
    assert _rules("x^2*sin(x)") == ["product rule", "power rule", "sin rule", "simplification"]
    assert _rules("sin(x^2)")[:2] == ["sin rule, chain rule", "power rule"]
    assert _rules("x/y", "y")[0] == "quotient rule"
    assert _rules("x/3")[0] == "constant multiple rule"
    assert _rules("3*x")[0] == "constant multiple rule"
    assert _rules("x + y")[0] == "sum rule"
    assert _rules("x - y")[0] == "difference rule"
    assert _rules("2^x")[0] == "exponential rule"
    assert _rules("x^y")[0] == "power rule"
    assert _rules("x^x")[0] == "general power rule"
    assert _rules("x") == ["variable rule"]
    assert _rules("y") == ["constant rule"]


FUNCTION_PRIMITIVES = sorted({p.name for p in FUNCTIONS.values() if p.is_function})


@pytest.mark.parametrize("name", FUNCTION_PRIMITIVES)
def test_every_function_of_the_table_names_its_rule(name):
    """Table-driven: a rule per primitive, named from the primitive; of x
    itself no chain rule, of 3*x the chain rule too."""
    prim = PRIMITIVES[name]
    args = ["x"] + ["2"] * (prim.arity - 1)
    direct = _rules(f"{name}({', '.join(args)})")
    assert direct[0] == f"{name} rule"
    inner = ["3*x"] + ["2"] * (prim.arity - 1)
    chained = _rules(f"{name}({', '.join(inner)})")
    assert chained[0] == f"{name} rule, chain rule"


def test_a_shared_subexpression_is_expanded_once():
    steps = derivative_steps(as_graph("sin(x)^2 + sin(x)"), "x").steps
    assert [s.text for s in steps] == [
        "d/dx(sin(x)^2 + sin(x))",
        "d/dx(sin(x)^2) + d/dx(sin(x))",
        "2*sin(x)*d/dx(sin(x)) + d/dx(sin(x))",
        "2*sin(x)*cos(x) + cos(x)",
    ]
    # the last line is diff's answer, so no simplification line was needed
    assert steps[-1].text == derivcli.diff("sin(x)^2 + sin(x)", "x")


def test_command_text_latex_json():
    r = run("diff", "x^2*sin(x)", "--wrt", "x", "--steps")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    answer = run("diff", "x^2*sin(x)", "--wrt", "x").stdout.strip()
    assert lines[0].strip() == "d/dx(x^2*sin(x))"
    assert lines[1].split("  ")[0] == "product rule"
    assert lines[-1].startswith("simplification") and lines[-1].endswith("  " + answer)
    latex = run("diff", "x^2*sin(x)", "--wrt", "x", "--steps", "--format", "latex").stdout
    latex_answer = run("diff", "x^2*sin(x)", "--wrt", "x", "--format", "latex").stdout.strip()
    rows = latex.splitlines()
    assert rows[0] == "\\begin{align*}" and rows[-1] == "\\end{align*}"
    assert rows[-2] == f"&= {latex_answer} && \\text{{simplification}}"
    data = json.loads(run("diff", "x^2*sin(x)", "--steps", "--format", "json").stdout)
    assert data["derivative"] == answer and data["steps"][-1]["expression"] == answer
    assert data["steps"][1]["rule"] == "product rule"


def test_usage_errors():
    for args in (
        ["diff", "x*y", "--steps"],  # which variable?
        ["diff", "x^3", "--wrt", "x", "--order", "2", "--steps"],
        ["diff", "x*y", "--wrt", "x,y", "--steps"],
        ["diff", "x^2", "--steps", "--format", "program"],
    ):
        r = run(*args)
        assert r.exit_code == 2 and r.stderr.startswith("Error: --steps"), (args, r.output)
    big = " + ".join(f"sin({i}*x)" for i in range(MAX_STEPS))
    r = run("diff", big, "--wrt", "x", "--steps")
    assert r.exit_code == 2 and "drop --steps" in r.stderr
    r = run("diff", "x^2", "--steps")  # one variable: no --wrt needed
    assert r.exit_code == 0 and r.stdout.splitlines()[-1].endswith("2*x")


def test_a_variable_named_like_the_placeholders_cannot_exist():
    """The pending derivatives are variables no expression can name."""
    with pytest.raises(ParseError):
        as_graph("\u27e61\u27e7 + x")
