"""The expression language: numbers, names, precedence, functions, errors."""

from __future__ import annotations

import math

import pytest

from derivcli.errors import ParseError, UnknownFunction
from derivcli.graph import evaluate, to_infix
from derivcli.parser import parse
from derivcli.primitives import FUNCTIONS


def value(text: str, **point: float) -> float:
    return evaluate(parse(text).root, {k: float(v) for k, v in point.items()})


@pytest.mark.parametrize(
    "text, expected",
    [("3", 3.0), ("3.5", 3.5), (".5", 0.5), ("1e-3", 1e-3), ("2E2", 200.0), ("5.", 5.0)],
)
def test_numbers(text, expected):
    assert value(text) == expected


def test_numbers_are_floats_and_huge_powers_overflow_quickly():
    assert value("9^9^9^9") == math.inf
    assert value("exp(1000)") == math.inf
    assert value("2^3^2") == 512.0  # right-associative
    assert value("2**3**2") == 512.0


@pytest.mark.parametrize(
    "text, point, expected",
    [
        ("-x^2", {"x": 3}, -9.0),  # unary minus binds looser than power
        ("(-x)^2", {"x": 3}, 9.0),
        ("2^-x", {"x": 1}, 0.5),
        ("-x*y", {"x": 2, "y": 3}, -6.0),
        ("x - y - z", {"x": 1, "y": 2, "z": 3}, -4.0),  # left-associative
        ("x / y / z", {"x": 8, "y": 2, "z": 2}, 2.0),
        ("x + y * z", {"x": 1, "y": 2, "z": 3}, 7.0),
        ("+x", {"x": 4}, 4.0),
        ("--x", {"x": 4}, 4.0),
        ("pow(x, 3)", {"x": 2}, 8.0),
        ("x1 + alpha*w_2", {"x1": 1, "alpha": 2, "w_2": 3}, 7.0),
        ("e", {}, math.e),
        ("pi/4", {}, math.pi / 4),
        ("ln(e)", {}, 1.0),
        ("log10(1000)", {}, 3.0),
        ("log2(8)", {}, 3.0),
        ("abs(-2)", {}, 2.0),
        ("sigmoid(0)", {}, 0.5),
    ],
)
def test_precedence_and_functions(text, point, expected):
    assert value(text, **point) == pytest.approx(expected, rel=1e-15)


def test_every_function_of_the_issue_is_known():
    wanted = "sin cos tan asin acos atan sinh cosh tanh exp log ln log10 log2 sqrt abs sigmoid pow"
    assert set(wanted.split()) <= set(FUNCTIONS)


def test_variables_in_first_appearance_order():
    assert parse("y*sin(x) + z + x").variables == ("y", "x", "z")
    assert parse("x*x*y + y + 2").variables == ("x", "y")


def test_hash_consing_shares_equal_subexpressions():
    g = parse("x*y + x*y")
    left, right = g.root.args
    assert left is right
    assert parse("sin(x)").root is parse("sin( x )").root


@pytest.mark.parametrize(
    "text",
    [
        "x*x*y + y + 2",
        "2^3^2",
        "(2^3)^2",
        "-x^2",
        "(-x)^2",
        "a - (b - c)",
        "a/(b*c)",
        "a/b*c",
        "-(a*b)",
        "x^-y",
        "sin(x)^2 + cos(x)^2",
        "pow(x, y + 1)",
        "exp(-x^2/2)/sqrt(2*pi)",
        "--x",
        "2*-x",
    ],
)
def test_printer_round_trip(text):
    g = parse(text)
    printed = to_infix(g.root)
    assert parse(printed).root is g.root


def test_printer_uses_minimal_parentheses():
    assert to_infix(parse("((x))*((y)) + ((2))").root) == "x*y + 2"
    assert to_infix(parse("a - (b - c)").root) == "a - (b - c)"
    assert to_infix(parse("(a - b) - c").root) == "a - b - c"
    assert to_infix(parse("pow(x, 2)").root) == "x^2"


def test_parse_error_shows_caret_and_expectation():
    with pytest.raises(ParseError) as info:
        parse("x +* y")
    assert info.value.message == "unexpected '*' at column 4"
    assert info.value.detail == ("  x +* y\n     ^\nexpected a number, a name, '(' or a function")


@pytest.mark.parametrize(
    "text, message",
    [
        ("x +", "unexpected end of expression"),
        ("(x", "unexpected end of expression"),
        ("x $ y", "unexpected character '$' at column 3"),
        ("x y", "unexpected 'y' at column 3"),
        ("", "the expression is empty"),
        ("sin + 1", "sin is a function; write sin(...) with its argument"),
        ("sin(x, y)", "sin takes 1 argument, got 2"),
        ("pow(x)", "pow takes 2 arguments, got 1"),
    ],
)
def test_parse_errors(text, message):
    with pytest.raises(ParseError) as info:
        parse(text)
    assert info.value.message.startswith(message)


def test_unknown_function_suggests_close_matches():
    with pytest.raises(UnknownFunction) as info:
        parse("sn(x)")
    assert info.value.message.startswith("unknown function 'sn'. Did you mean sin")
    with pytest.raises(UnknownFunction) as info:
        parse("frobnicate(x)")
    assert "Known functions:" in info.value.message


def test_e_and_pi_are_constants_not_variables():
    assert parse("e*x + pi").variables == ("x",)
