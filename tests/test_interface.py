"""The interface a scripter can trust (issue 10): parsing of the command line,
printing at any width and encoding, the Python API, help and docs. Each case
runs through click's CliRunner and, where scripts depend on it, as the
installed console script."""

from __future__ import annotations

import json
import math
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
from derivcli.errors import DerivError, DomainError, MissingValue, UsageError
from derivcli.numbers import text_number
from derivcli.primitives import CONSTANTS, FUNCTIONS, PRIMITIVES

ROOT = Path(__file__).resolve().parent.parent
SEED = "x*x*y + y + 2"


def script(*args: str, input=None, env=None, stdin=None, stdout=None, cwd=None):
    """The installed ``derivcli`` as a subprocess (no COLUMNS: a pipe is 80
    wide); ``env`` adds variables, or removes those given as None."""
    path = Path(sys.executable).parent / "derivcli"
    assert path.exists(), "derivcli is not installed in this environment: pip install ."
    base = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    return subprocess.run(
        [str(path), *args],
        input=input,
        stdin=stdin,
        stdout=stdout if stdout is not None else subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={k: v for k, v in {**base, **(env or {})}.items() if v is not None},
        cwd=cwd or ROOT,
        timeout=120,
    )


def run_env(*args: str, env: dict, input: str | None = None, charset: str = "utf-8"):
    result = CliRunner(charset=charset).invoke(cli, list(args), input=input, env=env)
    assert "Traceback" not in result.output
    return result


# ---------------------------------------------------------------------------
# Parsing: an expression may start with '-', wherever it stands


def _negated_calls() -> list[str]:
    calls = []
    for name, prim in FUNCTIONS.items():
        # x = 0.5, or x + 1 / a first argument 1 where 0.5 is outside the domain
        candidates = [(["x", "1.5"], [0.5, 1.5]), (["x + 1", "1.5"], [1.5, 1.5]),
                      (["1", "x"], [1.0, 0.5])]  # fmt: skip
        arguments = next(a for a, v in candidates if math.isfinite(prim.fn(*v[: prim.arity])))
        calls.append(f"-{name}({', '.join(arguments[: prim.arity])})")
    return calls


@pytest.mark.parametrize("text", [*_negated_calls(), "-x*h", "-hx", "-3*x", "-.5*x", "-x^2"])
@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_an_expression_starting_with_minus_is_the_expression(text, where):
    at = {"x": 0.5, "h": 2.0, "hx": 0.25}
    point = ",".join(f"{k}={v}" for k, v in at.items() if re.search(rf"\b{k}\b", text))
    options = ["--at", point, "--format", "json"]
    args = {
        "first": [text, *options],
        "middle": [*options[:2], text, *options[2:]],
        "last": [*options, text],
    }[where]
    result = run("eval", *args)
    assert result.exit_code == 0, result.output
    data = strict_json(result.stdout)
    assert data["expression"] == text
    positive = derivcli.evaluate(text[1:], at={k: v for k, v in at.items() if k in data["point"]})
    assert data["value"] == -positive.value


def test_the_issue_command_gives_json_not_help():
    result = script("grad", "-sinh(x)", "--at", "x=1", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = strict_json(result.stdout)
    _, gradient, _ = exact("-sinh(x)", ("x",), (1.0,))
    assert data["gradient"]["x"] == pytest.approx(gradient[0], rel=1e-15)


def test_a_double_dash_still_works():
    assert run("eval", "--at", "h=2", "-f", "value", "--", "-h").stdout == "-2\n"


@pytest.mark.parametrize("command", ["eval", "grad", "hessian", "compare"])
def test_a_mistyped_option_is_named_with_a_suggestion(command):
    result = run(command, SEED, "--at", "x=3,y=4", "--foramt", "json")
    assert result.exit_code == 2
    assert "No such option" in result.stderr and "'--foramt'" in result.stderr
    assert "Did you mean" in result.stderr and "--format" in result.stderr
    assert result.stdout == ""


def test_a_mistyped_option_from_the_script():
    result = script("grad", SEED, "--at", "x=3,y=4", "--foramt", "json")
    assert result.returncode == 2
    assert "No such option" in result.stderr and "--format" in result.stderr


@pytest.mark.parametrize(
    "args", [["--version"], ["-V"], ["grad", "--version"], ["grad", "-V"], ["diff", "-V"]]
)
def test_version_anywhere(args):
    result = run(*args)
    assert result.exit_code == 0
    assert result.stdout == f"derivcli, version {derivcli.__version__}\n"


def test_short_options_mean_the_long_ones():
    long = run("grad", SEED, "--at", "x=3,y=4", "--wrt", "y", "--mode", "dual", "--format", "json")
    short = run("grad", SEED, "-a", "x=3,y=4", "-w", "y", "-m", "dual", "-f", "json")
    assert short.exit_code == 0, short.stderr
    assert strict_json(short.stdout) == strict_json(long.stdout)
    assert strict_json(short.stdout)["gradient"] == {"y": 10}
    assert run("diff", SEED, "-w", "x", "-f", "json").exit_code == 0
    help_text = run("grad", "--help").stdout
    for pair in ("-a, --at", "-w, --wrt", "-m, --mode", "-f, --format", "-V, --version"):
        assert pair in help_text


def test_format_value_is_just_the_numbers():
    assert run("eval", "2+2", "--format", "value").stdout == "4\n"
    grad = run("grad", SEED, "-a", "x=3,y=4", "-f", "value")
    assert grad.stdout == "24\n10\n"
    hessian = run("hessian", SEED, "-a", "x=3,y=4", "-f", "value", "-w", "y,x")
    assert hessian.stdout == "0\n6\n6\n8\n"
    nonfinite = run("grad", "sqrt(x)", "-a", "x=0", "-f", "value")
    assert nonfinite.stdout == "Infinity\n"
    # v=$(derivcli eval "2+2")
    assert script("eval", "2+2", "-f", "value").stdout == "4\n"
    shell = subprocess.run(
        ["sh", "-c", f'v=$("{Path(sys.executable).parent / "derivcli"}" eval "2+2" -f value); '
         'echo "[$v]"'],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert shell.stdout == "[4]\n"


def test_no_expression_with_a_pipe_reads_standard_input():
    result = run("grad", "-a", "x=3,y=4", "-f", "json", input=SEED + "\n")
    assert strict_json(result.stdout)["gradient"] == {"x": 24, "y": 10}
    piped = script("eval", "-a", "x=3,y=4", "-f", "value", input=SEED)
    assert piped.stdout == "42\n"


def test_no_expression_at_a_terminal_says_what_to_do(monkeypatch):
    import derivcli.cli as cli_module

    monkeypatch.setattr(cli_module, "_stdin_is_terminal", lambda: True)
    result = run("grad", "--at", "x=1")
    assert result.exit_code == 2
    assert "no EXPRESSION given" in result.stderr
    assert "pass - to read it from standard input" in result.stderr


def test_no_expression_at_a_real_terminal():
    import pty

    leader, follower = pty.openpty()
    try:
        result = script("grad", "--at", "x=1", stdin=follower)
    finally:
        os.close(follower)
        os.close(leader)
    assert result.returncode == 2
    assert result.stderr.startswith("Error: no EXPRESSION given; quote it")


def test_integer_options_are_bounded():
    result = run("diff", "x^3", "--wrt", "x", "--order", "0")
    assert result.exit_code == 2
    assert "Invalid value for '--order'" in result.stderr


# ---------------------------------------------------------------------------
# Printing: every digit, at any width


def _tokens(text: str) -> set[str]:
    return set(re.split(r"[\s,:]+", text))


def _expected_numbers(data: dict) -> list[str]:
    if "hessian" in data:  # the table shows the matrix, not the gradient
        numbers = [data["value"], *(v for row in data["hessian"].values() for v in row.values())]
    else:
        numbers = [data["value"], *data.get("gradient", {}).values()]
    return [text_number(float(n)) for n in numbers]


SIX = "exp(a*b/3)*sin(c*d + 0.1)*cos(g*f/7) + a*b*c*d*g*f/9"
SIX_AT = "a=0.31,b=1.7,c=-0.45,d=2.3,g=0.77,f=-1.3"
WIDE_CASES = [
    ("eval", "sin(x)", "x=1"),
    ("grad", "sin(x)", "x=1"),
    ("grad", SEED, "x=3,y=4"),
    ("grad", "sin(x*y)", "x=1.1,y=0.7", "--mode", "numeric"),
    ("hessian", SEED, "x=3,y=4"),
    ("hessian", SIX, SIX_AT),
    ("hessian", "sin(x*y)", "x=1.1,y=0.7", "--mode", "numeric"),
]


@pytest.mark.parametrize("case", WIDE_CASES, ids=lambda c: f"{c[0]}-{c[1][:12]}")
@pytest.mark.parametrize("columns", ["0", "1", "6", "20", "40", "80", "200"])
def test_tables_never_cut_a_number(case, columns):
    command, text, at, *rest = case
    data = strict_json(run(command, text, "--at", at, *rest, "--format", "json").stdout)
    result = run_env(command, text, "--at", at, *rest, env={"COLUMNS": columns})
    assert result.exit_code == 0
    tokens = _tokens(result.stdout)
    for number in _expected_numbers(data):
        assert number in tokens, (number, result.stdout)
    for line in result.stdout.splitlines():
        assert line == line.rstrip(), repr(line)
    assert result.stdout.splitlines()[0].endswith("mode)") or command == "eval"


def test_a_piped_six_by_six_hessian_keeps_every_digit():
    data = strict_json(script("hessian", SIX, "--at", SIX_AT, "-f", "json").stdout)
    result = script("hessian", SIX, "--at", SIX_AT)
    assert result.returncode == 0, result.stderr
    tokens = _tokens(result.stdout)
    assert all(n in tokens for n in _expected_numbers(data))
    assert max(len(line) for line in result.stdout.splitlines()[1:]) <= 80
    assert "\x1b[" not in result.stdout


def test_piped_titles_and_notes_are_not_wrapped():
    text = " + ".join(f"sin({v}*{w})" for v, w in zip("abcdfghk", "bcdfghka"))
    at = ",".join(f"{v}=0.{i + 1}" for i, v in enumerate("abcdfghk"))
    result = script("grad", text, "--at", at)
    first = result.stdout.splitlines()[0]
    assert first.startswith("Gradient of ") and first.endswith("(reverse mode)")
    assert len(first) > 80
    compare = script("compare", SEED, "--at", "x=3,y=4", "--modes", "numeric,reverse")
    lines = compare.stdout.splitlines()
    assert any(line.startswith("time: median of") and line.endswith("excluded") for line in lines)
    assert all(line == line.rstrip() for line in lines)


def test_ascii_terminals_get_ascii():
    result = script(
        "compare", "x", "--at", "x=1", "--modes", "numeric,reverse",
        env={"PYTHONIOENCODING": "ascii"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.isascii() and "Error" not in result.stderr
    assert re.search(r"\d us\b", result.stdout)  # µs
    numeric = run_env(
        "hessian", "sin(x*y)", "-a", "x=1,y=2", "-m", "numeric", env={}, charset="ascii"
    )
    assert numeric.exit_code == 0, numeric.output
    assert "+/-" in numeric.stdout


NONFINITE = [
    ("grad", "sqrt(x)", "x=0"),
    ("eval", "9^9^9^9", "x=0"),
    ("eval", "exp(1000) - exp(1000)", "x=0"),
    ("hessian", "sqrt(x)*y", "x=0,y=1"),
    ("grad", "sqrt(x)", "x=0", "--mode", "numeric"),
    ("hessian", "sqrt(x)*y", "x=0,y=1", "--mode", "numeric"),
]


@pytest.mark.parametrize("case", NONFINITE, ids=lambda c: f"{c[0]}-{c[1]}-{c[3:]}")
@pytest.mark.parametrize("fmt", ["table", "json", "csv", "value"])
def test_one_spelling_for_non_finite_numbers(case, fmt):
    command, text, at, *rest = case
    result = run(command, text, "--at", at, *rest, "--format", fmt)
    if result.exit_code != 0:  # a mode may refuse the point: then say so
        assert result.stderr.startswith("Error:")
        return
    words = set(re.findall(r"[A-Za-z]+", result.stdout))
    assert not words & {"nan", "inf", "Inf", "infinity", "NAN"}, result.stdout
    warnings = set(re.findall(r"[A-Za-z]+", result.stderr))
    assert not warnings & {"nan", "inf", "Inf", "infinity", "NAN"}, result.stderr
    assert "NaN" in words or "Infinity" in words


@pytest.mark.parametrize("command", ["grad", "hessian"])
def test_a_constant_has_no_variables(command):
    result = run(command, "3")
    assert result.exit_code == 0
    assert "no variables: 3 is a constant" in result.stdout
    assert "value 3" in result.stdout
    assert strict_json(run(command, "3", "-f", "json").stdout)["variables"] == []


def test_compare_of_a_constant_says_so():
    result = run("compare", "3", "--modes", "numeric,reverse")
    assert result.exit_code == 0
    assert "no variables: 3 is a constant; only its value is compared" in result.stdout


def test_diff_json_of_a_constant_carries_the_expression():
    data = strict_json(run("diff", "5", "--format", "json").stdout)
    assert data["expression"] == "5"
    assert data["gradient"] == {}


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "value"])
def test_a_closed_pipe_exits_141_in_every_format(fmt):
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first byte is written
    try:
        result = script("hessian", SEED, "--at", "x=3,y=4", "--format", fmt, stdout=write)
    finally:
        os.close(write)
    assert result.returncode == 141
    assert result.stderr == ""


def test_a_byte_order_mark_in_an_at_file_is_ignored(tmp_path):
    point = tmp_path / "point.txt"
    point.write_bytes(b"\xef\xbb\xbfx=3\r\ny=4\r\n")
    assert run("eval", SEED, "--at", f"@{point}", "-f", "value").stdout == "42\n"
    assert script("eval", SEED, "--at", f"@{point}", "-f", "value").stdout == "42\n"


# ---------------------------------------------------------------------------
# The Python API


def test_the_point_is_a_mapping_and_options_are_options():
    result = derivcli.grad("x^2", at={"x": 3}, mode="numeric", scheme="forward", step=1e-3)
    assert result.gradient["x"] == pytest.approx(6 + 1e-3, rel=1e-9)  # (f(x+h) - f(x))/h
    assert result.mode == "numeric"
    assert derivcli.grad("x^2", x=3).gradient == {"x": 6.0}
    named = derivcli.grad("mode*step", at={"mode": 2, "step": 3})
    assert named.gradient == {"mode": 3.0, "step": 2.0}
    h = derivcli.hessian(SEED, {"x": 3, "y": 4}, wrt=["y", "x"])
    assert h.hessian == {"y": {"y": 0.0, "x": 6.0}, "x": {"y": 6.0, "x": 8.0}}
    assert derivcli.evaluate(SEED, at={"x": 3}, y=4).value == 42.0


@pytest.mark.parametrize(
    "call, kind, words",
    [
        (lambda: derivcli.grad("x^2", x=3, step=1e-3), UsageError, "step applies only to mode='numeric'"),
        (lambda: derivcli.grad("x^2", x=3, mode="numeric", step=0), UsageError, "try step=1e-4"),
        (lambda: derivcli.grad("x^2", x=3, mode="numeric", scheme="fwd"), UsageError, "unknown scheme 'fwd'"),
        (lambda: derivcli.grad("x*y", x=3), MissingValue, "add at={'y': VALUE}"),
        (lambda: derivcli.grad("x^2", x="three"), UsageError, "the value of x is not a number"),
        (lambda: derivcli.grad("x^2", at=3), UsageError, "at must map variable names to numbers"),
        (lambda: derivcli.grad("x^2", at={"x": 1}, x=2), UsageError, "x is given twice"),
        (lambda: derivcli.evaluate("mode*2", mode=3), UsageError, "at={'mode': ...}"),
        (lambda: derivcli.grad("x", x=1, wrt="x,x"), UsageError, "wrt names x twice"),
        (lambda: derivcli.grad("x", x=1, mode="magic"), DerivError, "unknown mode 'magic'"),
        (lambda: derivcli.diff("x*y", "x,y", order=1), UsageError, "order=1 is less than"),
        (lambda: derivcli.diff("x*y", ""), UsageError, "wrt needs variable names, e.g. wrt='x'"),
        (lambda: derivcli.diff("x", "x", order=1.5), UsageError, "order must be a whole number"),
        (lambda: derivcli.grad("log(x)", x=-1), DomainError, "log(x) is undefined at x = -1"),
    ],
)  # fmt: skip
def test_api_errors_are_deriv_errors_in_python_words(call, kind, words):
    with pytest.raises(kind) as info:
        call()
    assert isinstance(info.value, DerivError)
    assert words in str(info.value)
    assert "--" not in str(info.value)


_ANY = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12),
    st.lists(st.text(max_size=3), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    function=st.sampled_from(["evaluate", "grad", "hessian", "diff"]),
    expression=st.one_of(st.sampled_from(["x*y", "log(x)", "-x^2", ""]), _ANY),
    at=_ANY,
    keywords=st.dictionaries(
        st.sampled_from(["x", "y", "wrt", "mode", "step", "scheme", "dtype", "order"]),
        st.one_of(_ANY, st.sampled_from(["numeric", "dual", "reverse", "x", "forward"])),
        max_size=4,
    ),
)
def test_the_api_answers_anything_with_a_result_or_a_deriv_error(
    function, expression, at, keywords
):
    call = getattr(derivcli, function)
    try:
        if function == "diff":
            order = keywords.get("order")
            call(
                expression,
                keywords.get("wrt", at),
                **({"order": order} if order is not None else {}),
            )
        else:
            call(expression, at, **keywords)
    except DerivError as exc:
        assert exc.message and "\n" not in exc.message
        assert "--" not in exc.message


def test_every_public_function_is_documented():
    for name in ("evaluate", "grad", "hessian", "diff"):
        doc = getattr(derivcli, name).__doc__
        assert doc and "Returns" in doc or name == "diff", name
    import doctest

    assert doctest.testmod(derivcli).failed == 0


# ---------------------------------------------------------------------------
# Help: the language, completion, the environment


def test_functions_lists_the_primitive_table():
    text = run("functions").stdout
    for name in FUNCTIONS:
        assert f"{name}(" in text, name
    for name, value in CONSTANTS.items():
        assert re.search(rf"^  {name}\s+{re.escape(text_number(value))}$", text, re.M)
    for prim in PRIMITIVES.values():
        if not prim.is_function:
            assert prim.symbol in text
    operators = text[text.index("Operators") :].splitlines()
    levels = [next(i for i, line in enumerate(operators) if line.startswith(f"  {form}"))
              for form in ("a + b", "a * b", "-a", "a ^ b")]  # fmt: skip
    assert levels == sorted(levels)


def test_functions_derivatives_match_the_oracle():
    data = strict_json(run("functions", "--format", "json").stdout)
    assert {f["name"] for f in data["functions"]} | {
        a for f in data["functions"] for a in f["aliases"]
    } == set(FUNCTIONS)
    points = {1: [(0.3,), (1.3,)], 2: [(1.3, 0.7), (1.0, 0.7)]}
    for f in data["functions"]:
        names = tuple(f["derivatives"])
        fn = FUNCTIONS[f["name"]].fn  # a point inside the domain (acosh, polygamma)
        point = next(p for p in points[f["arity"]] if math.isfinite(fn(*p)))
        _, gradient, _ = exact(f["call"], names, point)
        for name, ref in zip(names, gradient):
            ours = derivcli.evaluate(f["derivatives"][name], at=dict(zip(names, point))).value
            assert ours == pytest.approx(ref, rel=1e-14, abs=1e-300), (f["call"], name)


def test_a_new_primitive_shows_up_without_an_edit(monkeypatch):
    monkeypatch.setitem(FUNCTIONS, "sinus", PRIMITIVES["sin"])
    assert "sin(x), sinus(x)" in run("functions").stdout


def test_help_teaches_the_language_completion_and_environment():
    text = " ".join(run("--help").stdout.split())
    for words in (
        "derivcli functions",
        'bash: eval "$(_DERIVCLI_COMPLETE=bash_source derivcli)"',
        'zsh: eval "$(_DERIVCLI_COMPLETE=zsh_source derivcli)"',
        "_DERIVCLI_COMPLETE=fish_source derivcli | source",
        "NO_COLOR",
        "DERIVCLI_DEBUG",
        "standard input",
    ):
        assert words in text, words
    for command in ("eval", "grad", "hessian", "diff", "compare"):
        assert "derivcli functions" in " ".join(run(command, "--help").stdout.split())


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_completion_lines_work(shell):
    source = script(env={"_DERIVCLI_COMPLETE": f"{shell}_source"})
    assert source.returncode == 0
    assert "_DERIVCLI_COMPLETE" in source.stdout
    if shell == "bash":
        env = {
            "_DERIVCLI_COMPLETE": "bash_complete",
            "COMP_WORDS": "derivcli gr",
            "COMP_CWORD": "1",
        }
        assert "grad" in script(env=env).stdout
        env = {**env, "COMP_WORDS": "derivcli grad x --fo", "COMP_CWORD": "3"}
        assert "--format" in script(env=env).stdout


# ---------------------------------------------------------------------------
# The repository: documents that exist, a license


def test_the_readme_points_only_at_documents_in_the_repository():
    readme = (ROOT / "README.md").read_text()
    links = re.findall(r"\]\(([^)#]+)\)", readme)
    mentioned = re.findall(r"`([\w./-]+\.(?:md|txt|toml|lark|py))`", readme)
    for path in [*links, *mentioned]:
        if "://" in path or path.endswith(".txt"):  # URLs; example inputs (point.txt)
            continue
        assert (ROOT / path).exists(), path
    assert "docs/ARCHITECTURE.md" in readme


def test_architecture_and_license():
    architecture = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    for words in (
        "primitives.py",
        "How to add a primitive",
        "How to add a mode",
        "How to add a command",
    ):
        assert words in architecture
    license_text = (ROOT / "LICENSE").read_text()
    assert license_text.startswith("MIT License")
    # the one generated file keeps the license its generator gives it
    assert "derivcli/_lark_parser.py" in license_text and "Mozilla Public License" in license_text
    assert "Mozilla Public License" in (ROOT / "derivcli" / "_lark_parser.py").read_text()
    assert 'license = { text = "MIT AND MPL-2.0" }' in (ROOT / "pyproject.toml").read_text()


def test_ci_requires_tensorflow():
    assert "export DERIVCLI_REQUIRE_TENSORFLOW=1" in (ROOT / ".ci" / "run").read_text()


def test_without_tensorflow_its_tests_skip_with_a_reason_and_ci_fails(tmp_path):
    hidden = tmp_path / "hide" / "tensorflow"
    hidden.mkdir(parents=True)
    (hidden / "__init__.py").write_text("raise ImportError('No module named tensorflow')\n")
    env = {k: v for k, v in os.environ.items() if k != "DERIVCLI_REQUIRE_TENSORFLOW"}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path / "hide"), str(ROOT)])
    command = [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
               "tests/test_tensorflow.py", "-k", "seed_gradient or dtype_belongs"]  # fmt: skip
    local = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert local.returncode == 0, local.stdout
    assert "1 passed, 1 skipped" in local.stdout
    assert "TensorFlow is not installed here" in local.stdout
    env["DERIVCLI_REQUIRE_TENSORFLOW"] = "1"
    ci = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert ci.returncode != 0
    assert (
        "DERIVCLI_REQUIRE_TENSORFLOW is set but TensorFlow cannot run here" in ci.stderr + ci.stdout
    )


def test_json_of_every_format_is_strict():
    # the JSON contract of the commands is unchanged by the new options
    data = json.loads(run("hessian", SEED, "-a", "x=3,y=4", "-f", "json").stdout)
    assert list(data)[:7] == [
        "expression",
        "mode",
        "point",
        "variables",
        "value",
        "gradient",
        "hessian",
    ]


def _on_a_terminal(*args: str, env: dict) -> bytes:
    """The installed script's stdout when it is a terminal (a pty)."""
    import pty

    leader, follower = pty.openpty()
    try:
        script(*args, stdout=follower, env=env)
    finally:
        os.close(follower)
    out = b""
    try:
        while chunk := os.read(leader, 65536):
            out += chunk
    except OSError:  # the pty is drained
        pass
    os.close(leader)
    return out


def test_colors_only_on_a_terminal_and_never_with_no_color():
    args = ("compare", "sin(x)", "--at", "x=1", "--modes", "numeric,reverse", "--tolerance", "0")
    colored = _on_a_terminal(*args, env={"NO_COLOR": None})
    assert b"\x1b[1;31m" in colored  # the out-of-tolerance numeric row
    plain = _on_a_terminal(*args, env={"NO_COLOR": "1"})
    assert not re.search(rb"\x1b\[[0-9;]*3[0-9]m", plain)
    assert b"numeric" in plain
    assert "\x1b[" not in script(*args).stdout


def test_the_readme_documents_help_completion_and_environment():
    readme = (ROOT / "README.md").read_text()
    for words in (
        'eval "$(_DERIVCLI_COMPLETE=bash_source derivcli)"',
        'eval "$(_DERIVCLI_COMPLETE=zsh_source derivcli)"',
        "_DERIVCLI_COMPLETE=fish_source derivcli | source",
        "NO_COLOR",
        "DERIVCLI_DEBUG",
        "derivcli functions",
        "read from standard input",
        "--format value",
    ):
        assert words in readme, words
