"""The language people type: implicit products, pasted Unicode, errors that
suggest the fix, definitions and ``--let``. Every form is checked against
the same expression written with explicit operators (the graphs are
interned, so equal expressions are the same node)."""

from __future__ import annotations

import math
import re

import pytest
from clirun import run
from hypothesis import given, settings
from hypothesis import strategies as st

from derivcli.errors import ParseError
from derivcli.graph import const, evaluate, make, var
from derivcli.parser import parse
from derivcli.primitives import PRIMITIVES
from derivcli.printing import to_infix


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
        ("x(y+1)", "x is not a function; for a product write x*(y+1)", 0),
        ("foo(y+1)", "unknown function 'foo'; for a product write foo*(y+1). Known", 0),
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


# ---------------------------------------------------------------------------
# Definitions


@pytest.mark.parametrize(
    "defined, expanded",
    [
        ("r = sqrt(x^2 + y^2); exp(-r)/r", "exp(-sqrt(x^2 + y^2))/sqrt(x^2 + y^2)"),
        ("f(t) = t^2 + 1; f(x)*f(y)", "(x^2 + 1)*(y^2 + 1)"),
        ("f(a, b) = a - b; f(b, a)", "b - a"),  # parameters replaced at once
        ("f(x) = x^2; f(y) + x", "y^2 + x"),  # a parameter is not the variable x
        ("k = 0.5; g(t) = k*t; g(x)", "0.5*x"),
        ("r = x + 1\ns = 2r\ns^2", "(2*(x + 1))^2"),  # newlines separate
        ("r = x +\n  1\nr", "x + 1"),  # a line ending in an operator continues
        ("r = (x\n + 1)\nr", "x + 1"),  # so does a line inside parentheses
        ("\n\nr = x;; r;\n", "x"),  # blank statements are nothing
        ("u = x*y; a: u, b: u + 1", "a: x*y, b: x*y + 1"),
        ("r = x·y; √r + r²", "sqrt(x*y) + (x*y)^2"),
        ("f(t) = 2t; f(x)f(y)", "2*x*(2*y)"),
    ],
)
def test_definitions_expand_into_the_graph(defined, expanded):
    assert parse(defined).outputs == parse(expanded).outputs
    assert parse(defined).names == parse(expanded).names


def test_a_function_used_twice_is_one_node():
    from derivcli.graph import count_nodes

    program = parse("f(t) = sin(t)^2 + t; f(x) + f(x)*y")
    total, shared = program.root.args
    assert shared.args[0] is total  # f(x) is one node
    assert count_nodes(program.root) == count_nodes(parse("s = sin(x)^2 + x; s + s*y").root)


@pytest.mark.parametrize(
    "text, message, column",
    [
        ("r + 1; r = x", "r is used before it is defined", 0),
        ("f(x) + 1; f(t) = t", "f is used before it is defined", 0),
        ("sin = x; sin", "sin is a built-in function; a definition cannot replace it", 0),
        ("sin(t) = t; sin(x)", "sin is a built-in function", 0),
        ("pi = 3; pi", "pi is a built-in constant", 0),
        ("r = x; r = y; r", "r is defined twice", 7),
        ("f(t) = t; f = 2; f", "f is defined twice", 10),
        ("f(t) = t; f(x, y)", "f takes 1 argument (t), not 2", 10),
        ("f(t, u) = t*u; f(x)", "f takes 2 arguments (t, u), not 1", 15),
        ("f(t) = f(t); f(x)", "f is used in its own definition", 7),
        ("r = r + 1; r", "r is used in its own definition", 4),
        ("r = x^2", "the definition of r has no output after it", 0),
        ("x + 1; r = x", "the definition of r comes after an output", 7),
        ("f(2) = 1; f(x)", "the parameters of f must be names", 0),
        ("f(t, t) = t; f(x, x)", "the parameter t of f is given twice", 0),
        ("f(t) = t; f + 1", "f is a function; write f(...)", 10),
    ],
)
def test_definition_errors(text, message, column):
    exc = error(text)
    assert exc.message.startswith(message), exc.message
    assert caret_column(exc.detail) == column
    result = run("eval", text, "--at", "x=1,y=2")
    assert result.exit_code == 2 and result.stderr.startswith("Error: " + message)
    assert "Traceback" not in result.stderr


def test_the_point_cannot_name_a_defined_value():
    result = run("grad", "r = sqrt(x^2 + y^2); exp(-r)/r", "--at", "x=1,y=2,r=1")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --at names r, which the expression defines")
    result = run("diff", "r = x^2; r", "--wrt", "r")
    assert result.exit_code == 2 and "--wrt names r" in result.stderr


def test_grad_of_a_definition_against_the_exact_gradient():
    import sympy

    x, y = sympy.symbols("x y")
    r = sympy.sqrt(x**2 + y**2)
    f = sympy.exp(-r) / r
    result = run("grad", "r = sqrt(x^2 + y^2); exp(-r)/r", "--at", "x=1,y=2", "-f", "value")
    got = [float(v) for v in result.stdout.split()]
    want = [float(sympy.diff(f, v).subs({x: 1, y: 2}).evalf(30)) for v in (x, y)]
    assert got == pytest.approx(want, rel=1e-14)


# ---------------------------------------------------------------------------
# Parse-back: what diff prints (infix and program) is the same graph


PARSE_BACK = [
    "2x^3 + 3x(y+1)".replace("x(", "x*("),
    "(x+1)(x-1)sin(x)",
    "x²y − 3·x÷y",
    "√(x² + y²)",
    "2πr²h",
    "r = sqrt(x^2 + y^2); exp(-r)/r",
    "f(t) = t^2 + 1; f(x)*f(y)",
    "u = sin(x)y; v = u^2 + u; v/u + exp(v)",
    "t1 = x*y; t1^2 + sin(t1)",
]


@pytest.mark.parametrize("text", PARSE_BACK)
def test_printed_derivatives_parse_back(text):
    """For each variable: the infix and the program form of the derivative
    parse to the same graph, and it is the derivative of the expression
    written out in plain ASCII with every * (no definitions)."""
    from derivcli.api import derivative_of

    graph = parse(text)
    plain = to_infix(graph.root)
    assert plain.isascii() and parse(plain).outputs == graph.outputs
    for name in graph.variables:
        infix = derivative_of(graph, name).derivative
        program = derivative_of(graph, name, form="program").derivative
        assert parse(program).outputs == parse(infix).outputs, (infix, program)
        assert infix == derivative_of(plain, name).derivative


def test_program_form_uses_the_definitions_names():
    result = run("diff", "r = sqrt(x^2 + y^2); exp(-r)/r", "--wrt", "x", "--format", "program")
    lines = result.stdout.splitlines()
    assert lines[0] == "r = sqrt(x^2 + y^2)"
    assert all(not line.startswith("t1 = sqrt") for line in lines)
    back = parse(result.stdout)
    direct = parse(run("diff", "exp(-sqrt(x^2 + y^2))/sqrt(x^2 + y^2)", "--wrt", "x").stdout)
    assert back.outputs == direct.outputs


# ---------------------------------------------------------------------------
# --let


def test_let_adds_definitions_on_every_command(tmp_path):
    defs = tmp_path / "defs.txt"
    defs.write_text("# a library of formulas\nf(t) = t^2 + 1\nk = 0.5; g(t) = k*t\n")
    common = ["--let", f"@{defs}", "--let", "c=3"]
    at = ["--at", "x=2,y=1"]
    assert run("eval", "c*f(x)", *common, *at, "-f", "value").stdout == "15\n"
    assert run("grad", "g(x)*y", *common, *at, "-f", "value").stdout == "0.5\n1\n"
    assert run("hessian", "c*f(x)", *common, "--at", "x=2", "-f", "value").stdout == "6\n"
    jac = run("jacobian", "f(x), g(y)", *common, *at, "-f", "value")
    assert jac.exit_code == 0, jac.stderr
    assert run("diff", "c*f(x)", *common, "--wrt", "x").stdout == "6*x\n"
    cmp = run("compare", "c*f(x)", *common, "--at", "x=2", "--modes", "reverse,forward")
    assert cmp.exit_code == 0, cmp.stderr


def test_let_errors_name_the_file_and_line(tmp_path):
    defs = tmp_path / "defs.txt"
    defs.write_text("f(t) = t^2\n\nh(t) = t +* 1\n")
    result = run("eval", "h(x)", "--let", f"@{defs}", "--at", "x=1")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {defs}, line 3: unexpected '*'")
    assert "  h(t) = t +* 1\n" in result.stderr
    missing = run("eval", "x", "--let", f"@{tmp_path / 'none.txt'}", "--at", "x=1")
    assert missing.exit_code == 2 and "cannot read" in missing.stderr
    inline = run("eval", "x", "--let", "x^2", "--at", "x=1")
    assert inline.exit_code == 2
    assert inline.stderr.startswith("Error: --let 'x^2': --let takes definitions only")
    clash = run("eval", "sin(x)", "--let", "sin(t) = t", "--at", "x=1")
    assert clash.exit_code == 2 and "sin is a built-in function" in clash.stderr
    twice = run("eval", "k = 2; k*x", "--let", "k=1", "--at", "x=1")
    assert twice.exit_code == 2 and "k is defined twice" in twice.stderr


@pytest.mark.parametrize(
    "text, expected",
    [
        ("x^2\n+ y^2", "x^2 + y^2"),  # a line starting with an operator continues
        ("x^2 +\ny^2", "x^2 + y^2"),
        ("max(x,\n y)", "max(x, y)"),
        ("x # a comment\n", "x"),
        ("a: x\nb: y", "a: x, b: y"),  # a newline also separates outputs
    ],
)
def test_newlines(text, expected):
    assert parse(text).outputs == parse(expected).outputs


@settings(max_examples=200, deadline=None)
@given(EXPRESSIONS, EXPRESSIONS)
def test_definitions_are_their_expansion(a, b):
    from derivcli.printing import to_program

    ta, tb = to_infix(a), to_infix(b)
    defined = parse(f"u = {ta}\nf(t) = t*({tb})\nf(u) + u^2")
    assert defined.outputs == parse(f"({ta})*({tb}) + ({ta})^2").outputs
    # the program form (named shared nodes) parses back with the same parser
    root = defined.root
    assert parse(to_program(root, defined.definitions)).outputs == parse(to_infix(root)).outputs
