"""The command line, through click's CliRunner and as the installed script."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from clirun import run, strict_json
from oracle import exact

SEED = "x*x*y + y + 2"


# ---------------------------------------------------------------------------
# The main job


def test_eval_table():
    result = run("eval", SEED, "--at", "x=3,y=4")
    assert result.exit_code == 0
    assert "x*x*y + y + 2" in result.stdout
    assert "42" in result.stdout


def test_grad_table_one_row_per_variable():
    result = run("grad", SEED, "--at", "x=3,y=4")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "Gradient of x*x*y + y + 2 at x = 3, y = 4 (reverse mode)"
    assert any(line.split() == ["x", "24"] for line in lines)
    assert any(line.split() == ["y", "10"] for line in lines)


def test_hessian_table_has_names_on_both_axes():
    result = run("hessian", SEED, "--at", "x=3,y=4")
    assert result.exit_code == 0
    rows = [line.split() for line in result.stdout.splitlines()]
    assert ["x", "y"] in rows
    assert ["x", "8", "6"] in rows
    assert ["y", "6", "0", "(none)"] in rows


def test_json_contract():
    result = run("hessian", SEED, "--at", "x=3", "--at", "y=4", "--format", "json")
    data = strict_json(result.stdout)
    assert list(data)[:7] == [
        "expression",
        "mode",
        "point",
        "variables",
        "value",
        "gradient",
        "hessian",
    ]
    assert data["expression"] == SEED
    assert data["mode"] == "reverse"
    assert data["point"] == {"x": 3, "y": 4}
    assert data["variables"] == ["x", "y"]
    assert data["value"] == 42
    assert data["gradient"] == {"x": 24, "y": 10}
    assert data["hessian"]["x"]["y"] == 6
    assert data["hessian"] == {"x": {"x": 8, "y": 6}, "y": {"x": 6, "y": 0}}
    assert data["structural_zeros"] == [["y", "y"]]


def test_grad_json_sin_x_squared_matches_the_oracle():
    result = run("grad", "sin(x^2)", "--at", "x=3", "--format", "json")
    data = strict_json(result.stdout)
    reference = exact("sin(x^2)", ("x",), (3.0,))[1][0]
    assert abs(data["gradient"]["x"] - reference) <= 1e-15
    assert str(data["gradient"]["x"]).startswith("-5.46678157")


def test_numeric_json_carries_error_estimates():
    result = run("grad", SEED, "--at", "x=3,y=4", "--mode", "numeric", "--format", "json")
    data = strict_json(result.stdout)
    assert data["mode"] == "numeric"
    assert abs(data["gradient"]["x"] - 24) < 1e-9
    assert set(data["error_estimate"]) == {"x", "y"}
    assert 0 < data["error_estimate"]["x"] < 1e-9


def test_numeric_forward_reproduces_the_seed():
    result = run(
        "grad", SEED, "--at", "x=3,y=4", "--mode", "numeric", "--scheme", "forward",
        "--step", "1e-4", "--format", "json",
    )  # fmt: skip
    data = strict_json(result.stdout)
    assert data["gradient"] == {"x": 24.000400000048216, "y": 10.000000000047748}


def test_csv_outputs():
    assert run("eval", SEED, "--at", "x=3,y=4", "--format", "csv").stdout == "value\n42\n"
    grad = run("grad", SEED, "--at", "x=3,y=4", "--format", "csv").stdout
    assert grad == "variable,derivative\nx,24\ny,10\n"
    hess = run("hessian", SEED, "--at", "x=3,y=4", "--format", "csv").stdout
    assert hess == "variable,x,y\nx,8,6\ny,6,0\n"


def test_wrt_chooses_and_orders():
    data = strict_json(
        run("grad", SEED, "--at", "x=3,y=4", "--wrt", "y,x", "--format", "json").stdout
    )
    assert data["variables"] == ["y", "x"]
    assert list(data["gradient"]) == ["y", "x"]


def test_wrt_variable_not_in_expression_is_zero_with_a_warning():
    result = run("grad", SEED, "--at", "x=3,y=4", "--wrt", "x,z", "--format", "json")
    assert result.exit_code == 0
    assert strict_json(result.stdout)["gradient"] == {"x": 24, "z": 0}
    assert "Warning: z is not in the expression; its derivative is 0" in result.stderr


def test_expression_may_start_with_a_minus():
    assert run("eval", "-x^2", "--at", "x=3", "--format", "csv").stdout == "value\n-9\n"


def test_at_values_are_constant_expressions():
    data = strict_json(run("eval", "sin(x)", "--at", "x=pi/6", "--format", "json").stdout)
    assert data["value"] == pytest.approx(0.5, rel=1e-15)
    data = strict_json(run("eval", "x", "--at", "x=pow(2,3)", "--format", "json").stdout)
    assert data["value"] == 8


def test_expression_from_stdin_and_point_from_file(tmp_path):
    point = tmp_path / "point.txt"
    point.write_text("# the seed's point\nx=3\ny=4\n")
    result = run("grad", "-", "--at", f"@{point}", "--format", "json", input=SEED + "\n")
    assert strict_json(result.stdout)["gradient"] == {"x": 24, "y": 10}


def test_nonfinite_numbers_are_strings_and_warned():
    result = run("grad", "sqrt(x)", "--at", "x=0", "--format", "json")
    assert result.exit_code == 0
    assert strict_json(result.stdout)["gradient"] == {"x": "Infinity"}
    assert "Warning:" in result.stderr
    result = run("eval", "9^9^9^9", "--format", "json")
    assert strict_json(result.stdout)["value"] == "Infinity"
    assert "Warning: the value overflows the range of a double" in result.stderr
    result = run("eval", "exp(1000) - exp(1000)", "--format", "json")
    assert strict_json(result.stdout)["value"] == "NaN"


def test_abs_at_zero_uses_the_subgradient_zero():
    data = strict_json(run("hessian", "abs(x)", "--at", "x=0", "--format", "json").stdout)
    assert data["gradient"] == {"x": 0} and data["hessian"] == {"x": {"x": 0}}


# ---------------------------------------------------------------------------
# Errors: one clear message, the right exit code, never a traceback


def test_parse_error_with_caret():
    result = run("grad", "x +* y", "--at", "x=1,y=2")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: unexpected '*' at column 4\n"
        "  x +* y\n"
        "     ^\n"
        "expected a number, a name, '(' or a function\n"
    )


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["grad", "sn(x)", "--at", "x=1"], 2, "Error: unknown function 'sn'. Did you mean sin"),
        (["grad", "sin(x, y)", "--at", "x=1"], 2, "Error: sin takes 1 argument, got 2"),
        (["grad", "x*y", "--at", "x=1"], 2, "Error: no value for y; add --at y=VALUE"),
        (["grad", "x*y"], 2, "Error: no value for x, y; add --at x=VALUE,y=VALUE"),
        (["grad", "x", "--at", "x"], 2, "Error: malformed --at entry 'x'; write NAME=VALUE"),
        (["grad", "x", "--at", "x=abc"], 2, "Error: --at x: 'abc' is not a number"),
        (["grad", "x", "--at", "x=1+"], 2, "Error: --at x: '1+' is not a number"),
        (["grad", "x", "--at", "2x=1"], 2, "Error: --at: '2x' is not a variable name"),
        (["grad", "x", "--at", "x=1", "--at", "x=2"], 2, "Error: x is given twice in --at"),
        (["grad", "x", "--at", "@/nonexistent/p.txt"], 2, "Error: cannot read the --at file"),
        (["grad", "x", "--at", "x=1", "--wrt", "2x"], 2, "Error: --wrt: '2x' is not a variable"),
        (["grad", "x", "--at", "x=1", "--wrt", "x,x"], 2, "Error: --wrt names x twice"),
        (["grad", "x", "--at", "x=1", "--mode", "magic"], 2, "Invalid value for '-m' / '--mode'"),
        (["grad", "x", "--at", "x=1", "--step", "0", "--mode", "numeric"], 2, "Error: --step must be a positive number"),
        (["grad", "x", "--at", "x=1", "--scheme", "central"], 2, "Error: --scheme applies only to --mode numeric"),
        (["grad", "", "--at", "x=1"], 2, "Error: the expression is empty"),
        (["grad", "log(x)", "--at", "x=-1"], 1, "Error: log(x) is undefined at x = -1 (log of a negative number)"),
        (["grad", "1/x", "--at", "x=0"], 1, "Error: 1/x is undefined at x = 0 (division by zero)"),
        (["grad", "sqrt(x)", "--at", "x=-4"], 1, "Error: sqrt(x) is undefined at x = -4 (square root of a negative number)"),
        (["eval", "asin(2)"], 1, "Error: asin(2) is undefined (asin of a number outside [-1, 1])"),
        (["hessian", "x^y", "--at", "x=-8,y=0.5"], 1, "Error: x^y is undefined at x = -8, y = 0.5"),
        (["eval", "log(x)*y", "--at", "x=0,y=1"], 1, "Error: log(x) is undefined at x = 0 (log of zero)"),
    ],
)  # fmt: skip
def test_errors(args, code, message):
    result = run(*args)
    assert result.exit_code == code, result.stderr
    assert message in result.stderr
    assert result.stdout == ""


def test_extra_name_in_at_is_a_warning_not_an_error():
    result = run("grad", "x", "--at", "x=1,w=5", "--format", "csv")
    assert result.exit_code == 0
    assert result.stderr == "Warning: w is not in the expression; its value is ignored\n"


def test_every_command_help_shows_examples():
    assert "derivcli grad" in run("--help").stdout
    for command in ("eval", "grad", "hessian"):
        result = run(command, "--help")
        assert result.exit_code == 0
        assert "Examples:" in result.stdout


# ---------------------------------------------------------------------------
# The installed console script, as scripts use it


def script() -> list[str]:
    path = Path(sys.executable).parent / "derivcli"
    assert path.exists(), "derivcli is not installed in this environment: pip install ."
    return [str(path)]


def run_script(*args: str, input: str | None = None, env=None, cwd=None):
    return subprocess.run(
        [*script(), *args],
        input=input,
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd or Path(__file__).parent.parent.parent,
        timeout=300,
    )


def test_installed_script_runs_from_another_directory(tmp_path):
    result = run_script("grad", SEED, "--at", "x=3,y=4", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert strict_json(result.stdout)["gradient"] == {"x": 24, "y": 10}


def test_python_dash_m(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "derivcli", "--help"], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: derivcli [OPTIONS] COMMAND [ARGS]...\n")


def test_script_errors_have_no_traceback_unless_debugging(tmp_path):
    result = run_script("grad", "log(x)", "--at", "x=-1", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == "Error: log(x) is undefined at x = -1 (log of a negative number)\n"
    env = {**os.environ, "DERIVCLI_DEBUG": "1"}
    debug = run_script("grad", "log(x)", "--at", "x=-1", env=env, cwd=tmp_path)
    assert debug.returncode == 1
    assert "Traceback" in debug.stderr


def _rosenbrock(n: int) -> tuple[str, dict[str, float]]:
    terms = [f"100*(x{i + 1} - x{i}^2)^2 + (1 - x{i})^2" for i in range(1, n)]
    point = {f"x{i}": 1.0 + ((i * 37) % 11 - 5) / 10 for i in range(1, n + 1)}
    return " + ".join(terms), point


def _rosenbrock_gradient(n: int, x: dict[str, float]) -> dict[str, float]:
    """The Rosenbrock gradient written out by hand (an exact oracle)."""
    g = {name: 0.0 for name in x}
    for i in range(1, n):
        a, b = x[f"x{i}"], x[f"x{i + 1}"]
        g[f"x{i}"] += -400 * a * (b - a * a) - 2 * (1 - a)
        g[f"x{i + 1}"] += 200 * (b - a * a)
    return g


def test_400_kb_rosenbrock_through_stdin_and_a_point_file(tmp_path):
    n = 10_000
    text, point = _rosenbrock(n)
    assert len(text.encode()) > 128 * 1024  # too long for one shell argument
    point_file = tmp_path / "point.txt"
    point_file.write_text("\n".join(f"{k}={v!r}" for k, v in point.items()))
    result = run_script(
        "grad", "-", "--at", f"@{point_file}", "--format", "json", input=text, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    data = strict_json(result.stdout)
    assert len(data["gradient"]) == n
    reference = _rosenbrock_gradient(n, point)
    for name, ref in reference.items():
        assert math.isclose(data["gradient"][name], ref, rel_tol=1e-12, abs_tol=1e-9), name
