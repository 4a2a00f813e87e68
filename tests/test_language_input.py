"""The language people type: implicit products, pasted Unicode, errors that
suggest the fix, definitions and ``--let``. Every form is checked against
the same expression written with explicit operators (the graphs are
interned, so equal expressions are the same node)."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derivcli.errors import ParseError
from derivcli.graph import const, evaluate, make, var
from derivcli.parser import parse
from derivcli.primitives import PRIMITIVES
from derivcli.printing import to_infix
from tests.clirun import run


def same(a: str, b: str) -> None:
    """``a`` and ``b`` parse to the same graph."""
    assert parse(a).outputs == parse(b).outputs, (a, b)


def error(text: str) -> ParseError:
    with pytest.raises(ParseError) as info:
        parse(text)
    return info.value


def caret_column(detail: str) -> int:
    """The 0-based column of the caret under the quoted line."""
    lines = detail.split("\n")
    return lines[1].index("^") - 2


# ---------------------------------------------------------------------------
# Implicit multiplication


@pytest.mark.parametrize(
    "implicit, explicit",
    [
        ("2x", "2*x"),
        ("2 x", "2*x"),  # spaces do not matter
        ("3sin(x)", "3*sin(x)"),
        ("2(x+1)", "2*(x+1)"),
        ("(x+1)(x-1)", "(x+1)*(x-1)"),
        ("(x+1)x", "(x+1)*x"),
        ("sin(x)cos(x)", "sin(x)*cos(x)"),  # a call ends with ')'
        ("2x^2", "2*(x^2)"),  # ^ binds tighter
        ("-2x", "-2*x"),  # as -2*x: the number -2 times x
        ("1/2x", "(1/2)*x"),  # same level as * and /, left to right
        ("x/2y", "(x/2)*y"),
        ("2^3x", "(2^3)*x"),
        ("x^2y", "(x^2)*y"),
        ("2^-3x", "(2^-3)*x"),
        ("2xy", "2*xy"),  # xy is one name
        ("2e3x", "2000*x"),  # 2e3 is a number
        ("2e", "2*e"),  # 2 times the constant e
        ("2e^x", "2*e^x"),
        ("2.5x", "2.5*x"),
        (".5x", "0.5*x"),
        ("2x2", "2*x2"),
        ("x + 2y - 3z", "x + 2*y - 3*z"),
        ("2(x)(y)", "2*x*y"),
        ("max(2x, 3y)", "max(2*x, 3*y)"),
        ("2pi", "2*pi"),
    ],
)
def test_implicit_products(implicit, explicit):
    same(implicit, explicit)


@pytest.mark.parametrize(
    "text, column, fix",
    [
        ("x y", 2, "x*y"),  # two names: not a product (xy would be one name)
        ("2 3", 2, "2*3"),
        ("(x)2", 3, ")*2"),
        ("x(y+1)", 0, "x*(y+1)"),  # a name before ( is a call
        ("2x(y+1)", 1, "x*(y+1)"),
    ],
)
def test_juxtapositions_that_are_not_products(text, column, fix):
    exc = error(text)
    assert caret_column(exc.detail) == column
    assert fix in exc.message + exc.detail


def test_printed_output_writes_the_star():
    assert to_infix(parse("2x(x+1)".replace("x(", "x*(")).root) == "2*x*(x + 1)"
    result = run("diff", "3x^2 + 2(x+1)", "--wrt", "x")
    assert result.exit_code == 0 and result.stdout == "6*x + 2\n"


# ---------------------------------------------------------------------------
# Unicode that people paste


@pytest.mark.parametrize(
    "pasted, ascii_text",
    [
        ("x·y", "x*y"),
        ("x×y", "x*y"),
        ("x⋅y", "x*y"),
        ("x÷y", "x/y"),
        ("x − y", "x - y"),
        ("−x", "-x"),
        ("x²", "x^2"),
        ("x³", "x^3"),
        ("x⁻¹", "x^-1"),
        ("x¹⁰", "x^10"),
        ("x⁽⁻²⁾", "x^-2"),
        ("(x+1)²", "(x+1)^2"),
        ("sin(x)²", "sin(x)^2"),
        ("-x²", "-(x^2)"),
        ("e^x²", "e^(x^2)"),
        ("2x²y", "2*x^2*y"),
        ("π", "pi"),
        ("2πr", "2*pi*r"),
        ("πr²", "pi*r^2"),
        ("√x", "sqrt(x)"),
        ("√(x+1)", "sqrt(x+1)"),
        ("√x^2", "sqrt(x^2)"),
        ("2√x", "2*sqrt(x)"),
        ("√2x", "sqrt(2)*x"),
        ("-√x", "-sqrt(x)"),
    ],
)
def test_pasted_unicode(pasted, ascii_text):
    same(pasted, ascii_text)


def test_unicode_prints_ascii_and_latex():
    assert run("diff", "x³ − 2·x", "--wrt", "x").stdout == "3*x^2 - 2\n"
    latex = run("diff", "√x", "--wrt", "x", "--format", "latex").stdout
    assert latex.isascii() and "\\sqrt" in latex


def test_unicode_caret_points_at_the_users_character():
    exc = error("x² ÷÷ y")
    assert exc.message == "unexpected '÷' at column 5"
    assert caret_column(exc.detail) == 4


def test_unicode_values_against_math():
    assert evaluate(parse("√x·π − x⁻¹").root, {"x": 4.0}) == 2.0 * math.pi - 0.25


# ---------------------------------------------------------------------------
# Property: implicit products and Unicode parse to the graph with * and ASCII

_LEAVES = st.one_of(
    st.sampled_from([var("x"), var("y"), var("xy"), var("e3"), var("t1")]),
    st.sampled_from([const(2.0), const(0.5), const(3.0), const(1e-05), const(math.pi)]),
)


def _node(draw_children):
    binary = st.tuples(
        st.sampled_from(["add", "sub", "mul", "div", "pow"]), draw_children, draw_children
    ).map(lambda t: make(PRIMITIVES[t[0]], (t[1], t[2])))
    unary = st.tuples(st.sampled_from(["neg", "sin", "exp"]), draw_children).map(
        lambda t: make(PRIMITIVES[t[0]], (t[1],))
    )
    return st.one_of(binary, unary)


EXPRESSIONS = st.recursive(_LEAVES, _node, max_leaves=12)

_TOKEN = re.compile(r"\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|[A-Za-z_]\w*|\*\*|\S")


def implicit(text: str) -> str:
    """``text`` with every ``*`` that implicit multiplication can replace
    left out: after a number or ')', before a name or '(' (but never where the
    name would run into the number as an exponent: 2*e3 stays)."""
    tokens = _TOKEN.findall(text)
    out: list[str] = []
    for i, tok in enumerate(tokens):
        if tok == "*" and 0 < i < len(tokens) - 1:
            before, after = tokens[i - 1], tokens[i + 1]
            number = before[0].isdigit() or before[0] == "."
            if (number or before == ")") and (after[0].isalpha() or after[0] in "_("):
                if not (number and "e" not in before.lower() and re.match(r"[eE]\d", after)):
                    continue
        out.append(tok)
    return "".join(out)


def pasted(text: str) -> str:
    """``text`` as pasted from a document: · × ÷ − and superscript powers."""
    sup = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
    text = re.sub(r"\^(-?\d+)(?![\d.eE^])", lambda m: m.group(1).translate(sup), text)
    return text.replace("*", "·").replace("/", "÷").replace("-", "−")


@settings(max_examples=300, deadline=None)
@given(EXPRESSIONS)
def test_implicit_products_parse_to_the_same_graph(node):
    text = to_infix(node)
    assert parse(implicit(text)).outputs == parse(text).outputs, (text, implicit(text))


@settings(max_examples=300, deadline=None)
@given(EXPRESSIONS)
def test_pasted_unicode_parses_to_the_same_graph(node):
    text = to_infix(node)
    assert parse(pasted(implicit(text))).outputs == parse(text).outputs, pasted(implicit(text))


# ---------------------------------------------------------------------------
# Errors that suggest the fix


@pytest.mark.parametrize(
    "text, message, column",
    [
        ("sin x", "sin is a function; write sin(x) with", 4),
        ("exp 2", "exp is a function; write exp(2) with", 4),
        ("sin + 1", "sin is a function; write sin(...)", 0),
        ("sinn(x)", "unknown function 'sinn'. Did you mean sin?", 0),
        ("mni(x, y)", "unknown function 'mni'. Did you mean min?", 0),
        ("lg(x)", "unknown function 'lg'. Did you mean ln or log?", 0),
        ("asn(x)", "unknown function 'asn'. Did you mean asin?", 0),
        ("x(y+1)", "unknown function 'x'; for a product write x*(y+1).", 0),
    ],
)
def test_errors_suggest_the_fix(text, message, column):
    exc = error(text)
    assert exc.message.startswith(message)
    assert caret_column(exc.detail) == column
    result = run("eval", text, "--at", "x=1,y=2")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: " + message)
    assert "Traceback" not in result.stderr


def test_closeness_weighs_the_whole_name():
    from derivcli.parser import close_names
    from derivcli.primitives import FUNCTIONS

    known = sorted(FUNCTIONS)
    # a known name is never "corrected" to another known name that differs
    # in its first letter (min is not sin, cos is not sos)
    for name in known:
        others = [k for k in known if k != name]
        for suggestion in close_names(name, others):
            assert suggestion[1:] != name[1:], (name, suggestion)
    assert "sin" not in close_names("min", [k for k in known if k != "min"])
    assert close_names("sinn", known) == ["sin"]
    assert close_names("frobnicate", known) == []
