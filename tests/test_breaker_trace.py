"""Breaker regressions for trace, graph and diff --steps (issue 14): each
test failed before its fix."""

from __future__ import annotations

import re

import pytest

from tests.clirun import run


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
