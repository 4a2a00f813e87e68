"""Breaker regressions for the language of issue 12: each test failed before
its fix. Expected graphs are the same expression written out by hand."""

from __future__ import annotations

import pytest

from derivcli.parser import parse


def same(a: str, b: str) -> None:
    assert parse(a).outputs == parse(b).outputs, (a, b)


# A parameter is bound in its function's body only: a variable of the
# expression that shares its name (reached through a defined value or
# another function's body) is not captured by the substitution.
@pytest.mark.parametrize(
    ("defined", "expanded"),
    [
        ("r = x^2; f(x) = x + r; f(y)", "y + x^2"),
        ("k = x; f(x) = x*k; f(2)", "2*x"),
        ("g(u) = u + t; f(t) = g(t)*t; f(x)", "(x + t)*x"),
        ("g(u) = u*t; f(t) = g(2*t); f(y)", "2*y*t"),
        ("a = t + 1; f(t, u) = t*u*a; f(u, t)", "u*t*(t + 1)"),
        ("f(x) = x; f(x)", "x"),
        ("f(x, y) = x - y; f(y, x)", "y - x"),
    ],
)
def test_parameters_do_not_capture_the_expressions_variables(defined, expanded):
    same(defined, expanded)


# --format program: a result that starts with a sign, after definition
# lines, was read back as the continuation of the last definition
# (t1 = sin(x)\n-t1 + ... is t1 = sin(x) - t1 + ...).
@pytest.mark.parametrize(
    "text",
    ["cos(x) + sin(x)*sin(x)", "u = x^3; -u*cos(u)", "-sin(x)*sin(x)", "u = x^2; -u + u^2"],
)
def test_program_form_with_a_leading_sign_parses_back(text):
    from derivcli.api import derivative_of
    from derivcli.printing import parse_program, to_program

    program = parse(text)
    printed = to_program(program.root, program.definitions)
    assert parse(printed).root is program.root, printed
    assert parse_program(printed) is program.root, printed
    # what diff prints in the program form: the same graph as the infix form
    d = derivative_of(text, "x", form="program").derivative
    assert parse(d).root is parse(derivative_of(text, "x").derivative).root, d
