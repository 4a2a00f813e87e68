"""Breaker regressions for trace, graph and diff --steps (issue 14): each
test failed before its fix."""

from __future__ import annotations

import re

import pytest
from clirun import run


def _latex(*args: str) -> str:
    result = run("trace", *args, "--format", "latex")
    assert result.exit_code == 0, result.output
    return result.stdout


# A non-finite value in a LaTeX trace was written as the words Infinity and
# NaN (italic letters in math mode); a numeric partial after an adjoint was
# juxtaposed (\bar{s}_{1} 2 x reads as s-bar-1 times 2x only by guessing).
@pytest.mark.parametrize(
    ("expression", "point", "mode"),
    [
        ("x^2", "x=1e308", "reverse"),
        ("exp(x) - exp(x)", "x=1000", "forward"),
        ("exp(x) - exp(x)", "x=1000", "dual"),
        ("exp(x) - exp(x)", "x=1000", "reverse"),
        ("-exp(x)", "x=1000", "forward"),
        ("sqrt(x)", "x=0", "reverse"),
        ("sqrt(x)", "x=0", "dual"),
    ],
)
def test_latex_trace_writes_non_finite_values_as_latex(expression, point, mode):
    text = _latex(expression, "--at", point, "--mode", mode)
    assert "Infinity" not in text and re.search(r"(?<!mathrm\{)NaN", text) is None, text
    assert "\\infty" in text or "\\mathrm{NaN}" in text, text


@pytest.mark.parametrize(
    ("expression", "point"),
    [("x^2", "x=3"), ("3*x*x*y + y + 2", "x=3,y=4"), ("x*1e-20", "x=1"), ("x/0.5", "x=1")],
)
def test_latex_adjoint_times_a_number_has_a_product_sign(expression, point):
    text = _latex(expression, "--at", point)
    for line in text.splitlines():
        if "\\mathrel{+}=" in line:
            # the adjoint is followed by a letter or by \cdot, never a digit
            assert re.search(r"\\bar\{[^}]*\}(?:_\{[^}]*\})? [\d.]", line) is None, line


# A value equal to e or pi was printed as the symbol (\bar{s}_{3} += ... = e,
# x = \pi) in a LaTeX trace, where the table prints the digits.
@pytest.mark.parametrize(
    ("expression", "point", "mode", "value"),
    [
        ("exp(x)", "x=1", "reverse", "2.718281828459045"),
        ("exp(x)", "x=1", "forward", "2.718281828459045"),
        ("exp(x)", "x=1", "dual", "2.718281828459045"),
        ("x*y", "x=pi,y=1", "reverse", "3.141592653589793"),
    ],
)
def test_latex_trace_values_are_digits_not_constants(expression, point, mode, value):
    text = _latex(expression, "--at", point, "--mode", mode)
    assert f"= {value}" in text, text
    assert re.search(r"= (e|\\pi)( |$)", text, re.M) is None, text


def _doubling(n: int) -> str:
    """a1 = x*x; a2 = a1*a1; ...: n nodes, 2**n factors written out."""
    return "; ".join(["a1 = x*x"] + [f"a{i} = a{i - 1}*a{i - 1}" for i in range(2, n + 1)]) + (
        f"; a{n}"
    )


# diff --steps wrote each step as a tree: on a graph with shared nodes the
# text is exponential in the number of nodes (40 nodes: ~10^12 characters),
# so it ran out of memory and time instead of refusing.
@pytest.mark.parametrize("fmt", ["infix", "latex", "json"])
@pytest.mark.parametrize("n", [25, 40, 62])
def test_steps_refuse_text_exponential_in_shared_nodes(n, fmt):
    import time

    began = time.perf_counter()
    result = run("diff", _doubling(n), "--wrt", "x", "--steps", "--format", fmt)
    assert time.perf_counter() - began < 10
    assert result.exit_code == 2, result.output[:300]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--steps" in lines[0] and "too long" in lines[0], lines


@pytest.mark.parametrize("n", [1, 3, 5])
def test_steps_of_small_shared_graphs_still_end_at_diff(n):
    steps = run("diff", _doubling(n), "--wrt", "x", "--steps")
    answer = run("diff", _doubling(n), "--wrt", "x")
    assert steps.exit_code == answer.exit_code == 0
    last = steps.stdout.rstrip("\n").split("\n")[-1]
    expected = "2*x" if n == 1 else f"{2**n}*x^{2**n - 1}"
    assert last.split("  ")[-1].strip() == answer.stdout.strip() == expected


# The user's definition names s1, s2 were reused for the numbered steps:
# two steps called s1 ("s1 = s1*s2"), in the trace and in the graph.
@pytest.mark.parametrize(
    "expression",
    ["s1 = x^2; s2 = sin(x); s1*s2 + exp(x)", "s1 = x^2; s1*exp(x)", "s_1 = x; s1 = x^2; s1*s_1*x"],
)
@pytest.mark.parametrize("command", ["trace", "graph"])
def test_step_names_never_repeat_the_users_names(expression, command):
    import json

    if command == "trace":
        result = run("trace", expression, "--at", "x=1", "--format", "json")
        names = [row["step"] for row in json.loads(result.stdout)["steps"]]
    else:
        result = run("graph", expression, "--format", "dot")
        names = re.findall(r'n\d+ \[label="([^"\\]+?)(?: = |\\n|")', result.stdout)
    assert result.exit_code == 0, result.output
    assert len(names) == len(set(names)), names


# --wrt a variable the expression does not use: forward and dual crashed with
# an internal error (KeyError), and reverse said "the output is an input
# itself" of x^2.
@pytest.mark.parametrize("mode", ["forward", "dual", "reverse"])
@pytest.mark.parametrize("fmt", ["table", "json", "latex"])
@pytest.mark.parametrize(("expression", "point"), [("x^2", "x=1"), ("x^2", "x=1,z=2")])
def test_trace_by_a_variable_the_expression_lacks_is_zero(mode, fmt, expression, point):
    import json

    result = run("trace", expression, "--at", point, "--wrt", "z", "--mode", mode, "-f", fmt)
    assert result.exit_code == 0, result.output
    assert "z is not in the expression" in result.stderr
    if fmt == "json":
        assert json.loads(result.stdout)["derivatives"] == {"f1": {"z": 0.0}}
    elif fmt == "table":
        assert result.stdout.rstrip().endswith("= 0")
        assert "the output is an input itself" not in result.stdout


# An ASCII terminal got '?' for the symbols of trace and graph: the
# adjoint's bar and the tangent's dot (combining marks), the tree's branches;
# and the dual number's ε became 'e' (1.0 + 1.0e reads as an exponent).
@pytest.mark.parametrize(
    "args",
    [
        ("trace", "x*y + sin(x)", "--at", "x=1,y=2"),
        ("trace", "x*y + sin(x)", "--at", "x=1,y=2", "--mode", "forward"),
        ("trace", "x*y + sin(x)", "--at", "x=1,y=2", "--mode", "dual"),
        ("graph", "x*y + sin(x) + x*y", "--at", "x=1,y=2"),
        ("graph", "x*y + sin(x)", "--at", "x=1,y=2", "--format", "dot"),
        ("graph", "x*y + sin(x)", "--at", "x=1,y=2", "--format", "mermaid"),
        ("diff", "x^2*sin(x)", "--steps"),
    ],
)
def test_an_ascii_terminal_gets_trace_and_graph_symbols_spelled_out(args):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "derivcli"), *args],
        capture_output=True,
        text=True,
        encoding="ascii",
        env={**env, "PYTHONIOENCODING": "ascii"},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "?" not in result.stdout, result.stdout
    if "dual" in args:
        assert "1.0 + 1.0eps" in result.stdout
    if args[0] == "trace" and "--mode" not in args:
        assert "x_bar" in result.stdout
