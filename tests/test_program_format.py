"""Symbolic output that cannot hang (issue 9, section 5): text sizes measured
per node, the program form and its parser, the 1 MB switch, ``--order``."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import CASES
from test_property import EXPRESSIONS

from derivcli.backends.forward import derivative
from derivcli.cli import cli
from derivcli.errors import ParseError
from derivcli.parser import parse
from derivcli.printing import (
    TEXT_LIMIT,
    infix_size,
    latex_size,
    parse_program,
    to_infix,
    to_latex,
    to_program,
)


def run(*args: str, stdin: str | None = None):
    result = CliRunner().invoke(cli, list(args), input=stdin)
    assert "Traceback" not in result.output + result.stderr
    return result


def nested_sine(depth: int) -> str:
    return "sin(" * depth + "x" + ")" * depth


def test_program_of_a_nested_sine():
    d = derivative(parse(nested_sine(3)).root, "x")
    assert to_program(d) == "t1 = sin(x)\ncos(x)*cos(t1)*cos(sin(t1))\n"
    assert parse_program(to_program(d)) is d


def test_a_derivative_without_shared_nodes_is_one_line():
    d = derivative(parse("x^3 + y").root, "x")
    assert to_program(d) == to_infix(d) == "3*x^2"


def test_program_names_avoid_the_variables():
    d = derivative(parse("sin(sin(t1*x))").root, "x")
    program = to_program(d)
    assert program.startswith("t_1 = ")
    assert parse_program(program) is d


def test_program_form_of_every_case_rebuilds_the_graph():
    for text, names, _points in CASES:
        for name in names:
            for order in (1, 2):
                d = parse(text).root
                for _ in range(order):
                    d = derivative(d, name)
                assert parse_program(to_program(d)) is d, (text, name, order)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS, st.sampled_from(["x", "y"]), st.integers(1, 3))
def test_random_derivatives_program_and_sizes(text, name, order):
    d = parse(text).root
    for _ in range(order):
        d = derivative(d, name)
    assert parse_program(to_program(d)) is d
    assert infix_size(d) == len(to_infix(d))
    assert latex_size(d) == len(to_latex(d))


@pytest.mark.parametrize(
    "program, message",
    [
        ("", "the program is empty"),
        ("t1 = sin(x)", "line 1: the last line is the result"),
        ("t1 = sin(x)\nsin x\nt1", "line 2: expected name = expression"),
        ("t1 = sin(x)\nt2 = (t1\nt2", "line 2: "),
        ("t1 = sin(x)\nt2 = t1) + (x\nt2", "line 2: "),
        ("t1 = x\nt1 = y\nt1", "line 2: t1 is defined twice"),
    ],
)
def test_program_errors(program, message):
    with pytest.raises(ParseError, match=message.replace("(", r"\(")):
        parse_program(program)


def test_diff_format_program_from_the_command_line():
    result = run("diff", "sin(sin(sin(x)))", "--wrt", "x", "--format", "program")
    assert result.exit_code == 0
    assert result.stdout == "t1 = sin(x)\ncos(x)*cos(t1)*cos(sin(t1))\n"
    gradient = run("diff", "sin(x*y)", "--format", "program")
    assert gradient.stdout == "# df/dx\ny*cos(x*y)\n# df/dy\nx*cos(x*y)\n"


def test_long_text_becomes_a_program_with_a_note():
    depth = 1500  # the infix text of d/dx would be about 7 MB
    d = derivative(parse(nested_sine(depth)).root, "x")
    assert infix_size(d) > TEXT_LIMIT
    result = run("diff", "-", "--wrt", "x", stdin=nested_sine(depth))
    assert result.exit_code == 0
    assert result.stderr.startswith("Warning: the derivative written out would take ")
    assert "as a program" in result.stderr
    assert len(result.stdout) < 20 * depth * 10
    assert parse_program(result.stdout) is d
    # JSON and LaTeX say the same
    latex = run("diff", "-", "--wrt", "x", "--format", "latex", stdin=nested_sine(depth))
    assert parse_program(latex.stdout) is d


def test_deep_nested_sine_from_the_installed_command():
    depth = 5000
    result = subprocess.run(
        [sys.executable, "-m", "derivcli", "diff", "-", "--wrt", "x"],
        input=nested_sine(depth),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == depth - 1  # t1 ... t4998 and the result
    assert result.stdout.startswith("t1 = sin(x)\nt2 = sin(t1)\n")


@pytest.mark.parametrize("order", ["1001", "2147483648", "18446744073709551616"])
def test_order_above_1000_is_a_usage_error(order):
    result = run("diff", "x^3", "--wrt", "x", "--order", order)
    assert result.exit_code == 2
    assert "--order" in result.stderr and "1<=x<=1000" in result.stderr


def test_order_1000_works():
    result = run("diff", "x^3", "--wrt", "x", "--order", "1000")
    assert result.exit_code == 0
    assert result.stdout == "0\n"
