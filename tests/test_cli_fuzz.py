"""Regressions found by breaking issue 10's interface: a fresh install used as
a new user would, and random command lines (benchmarks/fuzz_cli.py). Each
test is one defect as a kind; the last one is a derandomized hypothesis run
of the fuzzer's own checks."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from clirun import run, strict_json
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import exact

import derivcli
from derivcli.cli import cli
from derivcli.errors import ParseError, UsageError
from derivcli.numbers import text_number

ROOT = Path(__file__).resolve().parent.parent
DERIVCLI = Path(sys.executable).parent / "derivcli"


def _environment(extra: dict | None = None) -> dict:
    base = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    return {**base, **(extra or {})}


# ---------------------------------------------------------------------------
# | head: a reader that goes away in the middle of a large write


def _wide_gradient(n: int) -> tuple[str, str]:
    expression = "+".join(f"sin(x{i})" for i in range(1, n + 1))
    point = ",".join(f"x{i}=0.{i}" for i in range(1, n + 1))
    return expression, point


@pytest.mark.parametrize("fmt", ["table", "csv", "value"])
def test_head_closing_the_pipe_mid_write_exits_141(fmt, tmp_path):
    """Was: exit 0 and the output silently cut (CPython's buffered writer
    reports a short write only by its return value, which click.echo
    ignores), in every format; only a reader gone before the first byte
    gave 141."""
    expression, point = _wide_gradient(3000 if fmt == "table" else 6000)
    at = tmp_path / "point.txt"
    at.write_text(point)
    process = subprocess.Popen(
        [str(DERIVCLI), "grad", expression, "--at", f"@{at}", "--format", fmt],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_environment(),
    )
    assert process.stdout.readline()  # head -1
    process.stdout.close()
    stderr = process.stderr.read()
    assert process.wait(timeout=120) == 141
    assert stderr == b""


def test_head_on_a_large_diff_exits_141():
    # two long lines (df/dx, df/dy): head reads the first, the second fails
    expression = "+".join(f"sin({k}*x*y)" for k in range(1, 4000))
    process = subprocess.Popen(
        [str(DERIVCLI), "diff", expression],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_environment(),
    )
    assert process.stdout.readline().startswith(b"df/dx = ")
    process.stdout.close()
    stderr = process.stderr.read()
    assert process.wait(timeout=120) == 141
    assert stderr == b""


def test_the_whole_output_still_gets_through_a_pipe():
    expression, point = _wide_gradient(2000)
    result = subprocess.run(
        [str(DERIVCLI), "grad", expression, "--at", point, "--format", "value"],
        capture_output=True,
        text=True,
        env=_environment(),
        timeout=120,
    )
    assert result.returncode == 0
    import math

    expected = [repr(math.cos(float(f"0.{i}"))) for i in range(1, 2001)]
    assert [repr(float(v)) for v in result.stdout.splitlines()] == expected


# ---------------------------------------------------------------------------
# Integers with bounds; the API answers with DerivErrors in its own words


@pytest.mark.parametrize("order", ["1001", "100000000000000000000", "99999999999999999999999"])
def test_diff_order_has_an_upper_bound(order):
    """Was: an internal error (OverflowError) for a huge --order, and a list of
    that many names built for a merely large one."""
    result = run("diff", "x^3", "--wrt", "x", "--order", order)
    assert result.exit_code == 2
    assert "Invalid value for '--order'" in result.stderr
    assert "1<=x<=1000" in result.stderr
    assert "internal error" not in result.stderr


def test_diff_order_at_the_bound_works():
    assert run("diff", "x^3", "--wrt", "x", "--order", "1000").stdout == "0\n"


@pytest.mark.parametrize("order", [1001, 10**30])
def test_api_diff_order_has_the_same_bound(order):
    with pytest.raises(UsageError, match=rf"order={order} is above .* use order=1000 or less"):
        derivcli.diff("x^3", "x", order=order)


@pytest.mark.parametrize("function", [derivcli.evaluate, derivcli.grad, derivcli.hessian])
@pytest.mark.parametrize("value", [10**400, -(10**309)])
def test_api_a_value_too_large_for_a_double_is_a_deriv_error(function, value):
    """Was: OverflowError from float()."""
    with pytest.raises(UsageError, match=r"\(\): the value of x is too large for a double"):
        function("x^2", at={"x": value})


def test_api_integers_a_double_holds_are_exact_values():
    big = 2**1000
    assert derivcli.evaluate("x", at={"x": big}).value == float(big)
    assert derivcli.grad("x^2", at={"x": 3}).gradient == {"x": 6.0}


@pytest.mark.parametrize(
    "name, why",
    [
        ("pi", "is a constant"),
        ("e", "is a constant"),
        ("sin", "is a function"),
        ("a b", "is not a variable name"),
        ("1x", "is not a variable name"),
        ("", "is not"),
    ],
)
def test_api_point_names_are_checked_as_the_command_line_checks_them(name, why):
    """Was: accepted, then a warning 'pi is not in the expression'; --at pi=3
    is a usage error."""
    with pytest.raises(UsageError, match=rf"grad\(\): at: '{re.escape(name)}' {why}"):
        derivcli.grad("x^2", at={"x": 3, name: 1})
    cli_result = run("grad", "x^2", "--at", f"x=3,{name}=1")
    assert cli_result.exit_code == 2


def test_api_keyword_variables_are_checked_too():
    with pytest.raises(UsageError, match=r"grad\(\): keyword: 'sin' is a function"):
        derivcli.grad("x^2", x=3, sin=1)


@pytest.mark.parametrize("expression", [5, None, b"x", ["x"]])
def test_api_parse_of_a_non_string_is_a_deriv_error(expression):
    """Was: AttributeError ('int' object has no attribute 'strip')."""
    with pytest.raises(UsageError, match=r"parse\(\): expression must be a string"):
        derivcli.parse(expression)


def test_api_parse_still_parses():
    graph = derivcli.parse("x*x*y + y + 2")
    assert graph.variables == ("x", "y")
    assert derivcli.parse(graph) is graph
    with pytest.raises(ParseError):
        derivcli.parse("x^")


# ---------------------------------------------------------------------------
# Reading the expression


@pytest.mark.parametrize("command", ["eval", "grad", "hessian", "diff", "compare"])
@pytest.mark.parametrize("how", ["-", None])
def test_an_expression_from_standard_input_is_the_formula_not_the_line(command, how):
    """Was: ``echo "x^3" | derivcli diff --format json`` gave
    ``"expression": "x^3\\n"`` (the line's end kept in the JSON)."""
    args = [command, *([how] if how else [])]
    if command != "diff":
        args += ["--at", "x=2"]
    if command == "compare":
        args += ["--modes", "forward,reverse"]
    result = run(*args, "--format", "json", input="\ufeff  -x^3 \r\n\n")
    assert result.exit_code == 0, result.stderr
    assert strict_json(result.stdout)["expression"] == "-x^3"


@pytest.mark.parametrize("command", ["eval", "grad", "hessian", "diff", "compare"])
def test_no_expression_at_a_terminal_shows_this_commands_example(command, monkeypatch):
    """Was: every command's message showed ``derivcli grad ... --at x=3``
    (diff has no --at)."""
    import derivcli.cli as cli_module

    monkeypatch.setattr(cli_module, "_stdin_is_terminal", lambda: True)
    result = run(command)
    assert result.exit_code == 2
    at = "" if command == "diff" else " --at x=3"
    assert f'quote it, as in derivcli {command} "x^2"{at}, or pass -' in result.stderr


@pytest.mark.parametrize("text", ["--5", "--(x)", "--x^2 + 1", "---x"])
@pytest.mark.parametrize("where", ["first", "last"])
def test_a_double_minus_that_is_not_a_word_is_the_expression(text, where):
    """Was: ``No such option '--(x)'``; only ``--word`` is an option."""
    options = ["--at", "x=3", "--format", "value"]
    args = [text, *options] if where == "first" else [*options, text]
    result = run("eval", *args)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == text_number(exact(text, ("x",), (3.0,))[0]) + "\n"


def test_a_double_minus_word_is_still_an_option():
    result = run("eval", "--x", "--at", "x=1")
    assert result.exit_code == 2
    assert "No such option '--x'" in result.stderr


# ---------------------------------------------------------------------------
# An ASCII terminal


def _ascii(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(DERIVCLI), *args],
        capture_output=True,
        text=True,
        encoding="ascii",
        env=_environment({"PYTHONIOENCODING": "ascii"}),
        timeout=60,
    )


@pytest.mark.parametrize("letter", ["é", "ê", "ñ", "ü", "ﬁ"])
def test_an_ascii_terminal_never_shows_a_letter_as_another_valid_one(letter):
    """Was: ``--at é=1`` said "'e' is not a variable name" (e is a constant)
    and a parse error showed the expression with 'e' under the caret."""
    result = _ascii("eval", f"{letter}+1", "--at", f"{letter}=1")
    assert result.returncode == 2
    assert result.stderr == (
        "Error: --at: '?' is not a variable name; use letters, digits and _, "
        "not starting with a digit\n"
    )
    parse_error = _ascii("eval", f"{letter}+1")
    assert parse_error.stderr.splitlines()[1:3] == ["  ?+1", "  ^"]


def test_an_ascii_terminal_still_gets_derivcli_own_symbols_spelled_out():
    result = _ascii("hessian", "sin(x*y)", "-a", "x=1,y=2", "-m", "numeric")
    assert result.returncode == 0
    assert "+/-" in result.stdout and "?" not in result.stdout


# ---------------------------------------------------------------------------
# One spelling for a number in every column


def test_a_zero_error_estimate_is_0_in_every_table():
    """Was: ``0 (none) ± 0.0e+00`` in the numeric Hessian, ``0`` in compare."""
    result = run("hessian", "sqrt(x)*y", "--at", "x=0,y=1", "--mode", "numeric")
    data = strict_json(
        run("hessian", "sqrt(x)*y", "--at", "x=0,y=1", "-m", "numeric", "-f", "json").stdout
    )
    assert data["error_estimate"]["y"]["y"] == 0.0
    assert "0.0e+00" not in result.stdout
    assert re.search(r"^ y .* 0 \(none\) ± 0$", result.stdout, re.M), result.stdout


@pytest.mark.parametrize(
    "value, text",
    [(0.0, "0"), (1.234e-13, "1.2e-13"), (float("inf"), "Infinity"), (float("nan"), "NaN")],
)
def test_error_text(value, text):
    from derivcli.numbers import error_text

    assert error_text(value) == text


# ---------------------------------------------------------------------------
# The fuzzer's checks, derandomized (benchmarks/fuzz_cli.py runs thousands)

_ATOMS = ["x", "h", "y", "2.5", "1e308", "5e-324", "pi"]
_FUNCTIONS = ["sin", "sinh", "tanh", "exp", "log", "sqrt", "abs"]


@st.composite
def _expressions(draw):
    text = draw(st.sampled_from(_ATOMS))
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["call", "op", "neg"]))
        if kind == "call":
            text = f"{draw(st.sampled_from(_FUNCTIONS))}({text})"
        elif kind == "op":
            op = draw(st.sampled_from("+-*/^"))
            text = f"{text}{op}{draw(st.sampled_from(_ATOMS))}"
        else:
            text = f"-{text}"
    return draw(st.sampled_from(["", "-", "--"])) + text


@settings(max_examples=120, deadline=None, derandomize=True, database=None)
@given(
    command=st.sampled_from(["eval", "grad", "hessian"]),
    text=_expressions(),
    at=st.sampled_from(["x=1,h=2,y=0.5", "x=0,h=-1,y=1e-300", "x=1e308,h=0.5,y=3"]),
    mode=st.sampled_from([[], ["-m", "numeric"], ["--mode", "dual"], ["-m", "forward"]]),
    fmt=st.sampled_from(["table", "json", "csv", "value"]),
    columns=st.sampled_from(["0", "1", "20", "80"]),
    order=st.randoms(use_true_random=False),
)
def test_random_command_lines(command, text, at, mode, fmt, columns, order):
    if command == "eval":
        mode = []
    groups = [[text], ["-a", at], mode, ["-f", fmt]]
    order.shuffle(groups)
    args = [command, *(a for g in groups for a in g)]
    result = CliRunner().invoke(cli, args, env={"COLUMNS": columns})
    assert "Traceback" not in result.output + result.stderr
    assert "internal error" not in result.stderr
    assert result.exit_code in (0, 1, 2), result.stderr
    if result.exit_code:
        assert [line.startswith("Error:") for line in result.stderr.splitlines()].count(True) == 1
        return
    as_json = CliRunner().invoke(cli, [*args, "-f", "json"], env={"COLUMNS": columns})
    data = strict_json(as_json.stdout)
    assert data["expression"] == text
    if "hessian" in data:
        numbers = [v for row in data["hessian"].values() for v in row.values()]
    else:
        numbers = list(data.get("gradient", {}).values()) or [data["value"]]
    numbers = [text_number(float(n)) for n in numbers]
    if fmt == "value":
        assert result.stdout.splitlines() == numbers
    elif fmt == "table":
        tokens = set(re.split(r"[\s,:]+", result.stdout))
        assert all(n in tokens for n in numbers), result.stdout
        assert all(line == line.rstrip() for line in result.stdout.splitlines())


@pytest.mark.parametrize("how", ["stdin", "argument"])
def test_an_expression_that_is_not_utf8_says_so(how):
    """Was: "unexpected character '\\udcff' at column 1" and the expression
    shown as surrogate escapes."""
    raw = b"\xff\xfex^2"
    args = [os.fsencode(str(DERIVCLI)), b"grad", b"--at", b"x=1"]
    if how == "argument":
        args.append(raw)
    result = subprocess.run(
        args,
        input=raw + b"\n" if how == "stdin" else None,
        capture_output=True,
        env=_environment({"LC_ALL": "C.UTF-8"}),
        timeout=60,
    )
    assert result.returncode == 2
    where = "standard input" if how == "stdin" else "the EXPRESSION"
    assert (
        result.stderr.decode() == f"Error: {where} is not UTF-8 text; give the formula in UTF-8\n"
    )
