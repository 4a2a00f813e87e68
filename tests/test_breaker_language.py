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


# --let: an output in a definitions file was reported at line 1 with the
# caret under the first definition, wherever the output was.
@pytest.mark.parametrize(
    ("text", "line", "shown"),
    [
        ("k = 0.5\nx^2\n", 2, "x^2"),
        ("k = 0.5\n\n  x^2 + k\n", 3, "  x^2 + k"),
        ("# library\nk = 0.5\ng(t) = k*t\ng(2)\n", 4, "g(2)"),
        ("k = 1; 2x\n", None, "k = 1; 2x"),  # one line: no line number
    ],
)
def test_let_file_output_error_points_at_the_output(tmp_path, text, line, shown):
    from clirun import run

    path = tmp_path / "defs.txt"
    path.write_text(text)
    result = run("eval", "x", "--let", f"@{path}", "--at", "x=1")
    assert result.exit_code == 2
    first, quoted, caret = result.stderr.splitlines()[:3]
    where = f", line {line}" if line else ""
    assert f"defs.txt{where}: --let takes definitions only" in first
    assert quoted == "  " + shown
    # the caret is under the output's first character
    start = shown.index("2x") if "; 2x" in shown else len(shown) - len(shown.lstrip())
    assert caret == "  " + " " * start + "^"


# --let with nothing to define (an empty or comments-only library file, or
# an empty string from a script) defines nothing; it was a parse error.
@pytest.mark.parametrize("text", ["", "\n\n", "# nothing yet\n", "  # a\n# b\n", ";"])
def test_let_that_defines_nothing_is_accepted(tmp_path, text):
    from clirun import run

    path = tmp_path / "defs.txt"
    path.write_text(text)
    for let in (f"@{path}", text):
        result = run("eval", "x^2", "--let", let, "--at", "x=3", "--format", "value")
        assert result.exit_code == 0, result.output
        assert float(result.stdout) == 9.0


def _error(text: str):
    from derivcli.errors import ParseError

    with pytest.raises(ParseError) as info:
        parse(text)
    return info.value


# A function name typed in another case (Sin, LOG) got no suggestion and the
# whole list of functions; case is a slip, the closest one.
@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("Sin", "sin"),
        ("SIN", "sin"),
        ("Exp", "exp"),
        ("LOG", "log"),
        ("Min", "min"),
        ("Sinh", "sinh"),
        ("ATAN2", "atan2"),
        ("Softplus", "softplus"),
    ],
)
def test_a_function_in_another_case_suggests_the_function(typed, meant):
    error = _error(f"{typed}(x, y)" if meant in ("min", "atan2") else f"{typed}(x)")
    assert error.message == f"unknown function '{typed}'. Did you mean {meant}?"


# A number after ')' suggested ')*2' instead of the operand the ')' closes.
@pytest.mark.parametrize(
    ("text", "fix"),
    [
        ("(x)2", "(x)*2"),
        ("sin(x)2", "sin(x)*2"),
        ("2*(x+(y))3", "(x+(y))*3"),
        ("f(t) = t; f(x)2.5", "f(x)*2.5"),
    ],
)
def test_a_number_after_a_bracket_suggests_the_product(text, fix):
    assert _error(text).message.endswith(f"for a product write {fix}")


# An unknown name close to a known one: a variable spelt like a constant in
# another case (Pi, E) or glued to a function (sinx) only said "no value".
@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("2*Pi*x", "write pi: names are case-sensitive"),
        ("E^x", "write e: names are case-sensitive"),
        ("sinx + x", "write sin(x)"),
        ("log2x", "write log2(x)"),
        ("x*cos2", "write cos(2)"),
    ],
)
def test_missing_value_for_a_slip_suggests_the_fix(text, hint):
    from clirun import run

    result = run("eval", text, "--at", "x=1")
    assert result.exit_code == 2
    assert result.stderr.strip().endswith(hint + ")"), result.stderr


def test_missing_value_for_a_plain_variable_has_no_hint():
    from clirun import run

    result = run("eval", "a*x + sigma", "--at", "x=1")
    assert result.stderr.strip() == "Error: no value for a, sigma; add --at a=VALUE,sigma=VALUE"


def _doubling_calls(n: int) -> str:
    """f1(t) = t + 1; f2(t) = f1(f1(t)); ...: n lines, 2**n operations."""
    lines = ["f1(t) = t + 1"] + [f"f{i}(t) = f{i - 1}(f{i - 1}(t))" for i in range(2, n + 1)]
    return "; ".join(lines) + f"; f{n}(x)"


# Every call copies its function's body, so functions that call functions
# double at each line: 30 lines asked for 2**30 nodes and ran out of memory.
def test_definitions_that_expand_exponentially_are_refused(monkeypatch):
    import time

    from derivcli import parser
    from derivcli.errors import ParseError

    monkeypatch.setattr(parser, "MAX_EXPANSION", 10_000)
    began = time.perf_counter()
    with pytest.raises(ParseError) as info:
        parse(_doubling_calls(60))
    assert time.perf_counter() - began < 5
    assert info.value.message.startswith("the defined functions expand to more than 10,000")
    assert "^" in info.value.detail


@pytest.mark.parametrize("n", [1, 5, 12])
def test_nested_function_calls_under_the_limit_expand(n):
    from derivcli.graph import evaluate

    assert evaluate(parse(_doubling_calls(n)).root, {"x": 0.5}) == 0.5 + 2 ** (n - 1)


# Text pasted from documents: no-break and thin spaces were unexpected
# characters (shown as a space); dashes and look-alike operators gave no hint.
@pytest.mark.parametrize(
    ("pasted", "ascii_text"),
    [("2\u00a0x + 1", "2x + 1"), ("x\u2009*\u2009y", "x*y"), ("1\u202f000*x", "1 000*x")],
)
def test_pasted_spaces_are_spaces(pasted, ascii_text):
    if ascii_text == "1 000*x":  # a space never joins digits: both are errors
        assert _error(pasted).message == _error(ascii_text).message.replace(" 000", "\u202f000")
        return
    same(pasted, ascii_text)


@pytest.mark.parametrize(
    ("pasted", "fix"),
    [
        ("x \u2013 1", "for minus write -"),
        ("x \u2014 1", "for minus write -"),
        ("x\u2217y", "for a product write *"),
        ("x\u2044y", "for a quotient write /"),
    ],
)
def test_pasted_look_alike_operators_say_what_to_write(pasted, fix):
    assert _error(pasted).message.endswith(fix)


# CRLF text (a Windows file, piped): the quoted line kept its '\r'.
@pytest.mark.parametrize(
    "text", ["a = x\r\nb = a +* 2\r\nb\r\n", "x +* y\r\n", "sin x\r\n", "a = 1\r\nfoo(x)\r\n"]
)
def test_error_quotes_crlf_lines_without_the_carriage_return(text):
    assert "\r" not in _error(text).detail


# sin²(x) and cos⁻¹(x), as printed in books, said "write sin(...)"; pi(x)
# suggested the function psi.
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sin²(x)", "sin is a function; for its power write sin(x)²"),
        ("log³ (x+(1))", "log is a function; for its power write log(x+(1))³"),
        (
            "cos⁻¹(x)",
            "cos is a function; for its power write cos(x)⁻¹, for the inverse function acos(x)",
        ),
        ("pi(x+1)", "pi is a constant, not a function; for a product write pi*(x+1)"),
    ],
)
def test_book_notation_errors_say_what_to_write(text, message):
    assert _error(text).message == message


# A definition followed by an output line that starts with a sign: the line
# continues the definition (the documented rule), and the error said only
# "a is used in its own definition" or "no output after it".
@pytest.mark.parametrize(
    "text", ["a = x^2\n-a", "f(t) = t^2\n-f(x)", "u = x\nf(t) = t + x\n-1.5", "a = x\n  + a"]
)
def test_a_definition_continued_by_a_signed_line_says_why(text):
    assert "a line that starts with + or - continues the line before" in _error(text).message


@pytest.mark.parametrize("text", ["a = a + 1; a", "f(t) = f(t); 1"])
def test_plain_self_reference_has_no_continuation_hint(text):
    assert "continues" not in _error(text).message
