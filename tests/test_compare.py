"""``derivcli compare``: every mode side by side against the exact reference."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from clirun import run, strict_json
from oracle import exact

import derivcli.backends
from derivcli import compare as compare_module
from derivcli.backends import MODES
from derivcli.compare import (
    EXACT_TOLERANCE,
    FALLBACK_REFERENCE,
    REFERENCE,
    abs_error,
    allowed_error,
    compare,
    parse_modes,
    ulp_error,
)
from derivcli.errors import DerivError, ModeUnavailable, UsageError

SEED = "x*x*y + y + 2"
SEED_AT = "x=3,y=4"
# finite differences of a polynomial come out exact; of this, within ~1e-14
INEXACT = "exp(x)*y + log(y)"
EXACT_MODES = ("forward", "dual", "reverse", "tensorflow")
N = 50
SUM_OF_SQUARES = " + ".join(f"x{i}^2" for i in range(1, N + 1))
SUM_AT = ",".join(f"x{i}={i / 10}" for i in range(1, N + 1))


def by_mode(data) -> dict:
    return {item["mode"]: item for item in data["modes"]}


def unavailable(*missing: str):
    """A ``get_backend`` for which the ``missing`` modes cannot run."""
    real = derivcli.backends.get_backend

    def get_backend(mode):
        if mode in missing:
            if mode == "tensorflow":
                raise ModeUnavailable(
                    "the tensorflow mode needs TensorFlow: pip install 'derivcli[tensorflow]'"
                )
            raise ModeUnavailable(f"the {mode} mode is not available in this version")
        return real(mode)

    return get_backend


# ---------------------------------------------------------------------------
# The seed's function, every mode (TensorFlow is installed here and in CI)


@pytest.mark.tensorflow
def test_seed_gradient_all_modes_agree_with_the_oracle():
    result = run("compare", SEED, "--at", SEED_AT, "--modes", "all", "--check", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = strict_json(result.stdout)
    assert list(data)[:5] == ["expression", "point", "variables", "reference", "modes"]
    assert data["expression"] == SEED
    assert data["point"] == {"x": 3, "y": 4}
    assert data["variables"] == ["x", "y"]
    assert data["reference"] == "mpmath"
    assert data["agree"] is True
    assert [m["mode"] for m in data["modes"]] == list(MODES)
    value, gradient, _ = exact(SEED, ("x", "y"), (3.0, 4.0))
    modes = by_mode(data)
    for name, item in modes.items():
        assert "skipped" not in item, f"{name} was skipped: {item.get('skipped')}"
        assert item["value"] == value
        assert item["agrees"] is True
        assert item["seconds"] > 0
        assert isinstance(item["evaluations"], int)
        for var, expected in zip(("x", "y"), gradient):
            assert math.isclose(item["gradient"][var], expected, rel_tol=1e-12), (name, var)
    for name in EXACT_MODES:
        assert modes[name]["gradient"] == {"x": 24, "y": 10}
        assert modes[name]["max_abs_error"] == 0
        assert modes[name]["max_ulp_error"] == 0
    # the cost: numeric 2n + 1 or more, forward n, dual n + 1, reverse 2
    assert modes["numeric"]["evaluations"] >= 5
    assert modes["forward"]["evaluations"] == 2
    assert modes["dual"]["evaluations"] == 3
    assert modes["reverse"]["evaluations"] == 2
    assert modes["tensorflow"]["evaluations"] == 2
    assert modes["mpmath"]["evaluations"] == 2
    # TensorFlow's one-off import is reported apart from its time
    assert modes["tensorflow"]["import_seconds"] >= 0
    assert "import_seconds" not in modes["reverse"]


@pytest.mark.tensorflow
def test_seed_hessian_all_modes_agree_with_the_oracle():
    result = run(
        "compare",
        SEED,
        "--at",
        SEED_AT,
        "--modes",
        "all",
        "--hessian",
        "--check",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    data = strict_json(result.stdout)
    assert data["kind"] == "hessian"
    assert data["structural_zeros"] == [["y", "y"]]
    _, _, hessian = exact(SEED, ("x", "y"), (3.0, 4.0))
    modes = by_mode(data)
    assert list(modes) == list(MODES)
    for name, item in modes.items():
        assert "skipped" not in item, name
        assert "gradient" not in item
        assert item["agrees"] is True, name
        for i, a in enumerate(("x", "y")):
            for j, b in enumerate(("x", "y")):
                assert math.isclose(item["hessian"][a][b], hessian[i][j], abs_tol=1e-12)
    for name in EXACT_MODES:
        assert modes[name]["hessian"] == {"x": {"x": 8, "y": 6}, "y": {"x": 6, "y": 0}}
        assert modes[name]["max_ulp_error"] == 0


def test_sin_x_squared_some_modes_in_the_order_given():
    result = run(
        "compare", "sin(x^2)", "--at", "x=3", "--modes", "reverse,numeric,dual", "--format", "json"
    )
    assert result.exit_code == 0, result.stderr
    data = strict_json(result.stdout)
    assert [m["mode"] for m in data["modes"]] == ["reverse", "numeric", "dual"]
    value, gradient, _ = exact("sin(x^2)", ("x",), (3.0,))
    for item in data["modes"]:
        assert math.isclose(item["gradient"]["x"], gradient[0], rel_tol=1e-12)
        assert math.isclose(item["value"], value, rel_tol=1e-15)
    # the exact modes differ from the reference by a few ulps at most
    assert by_mode(data)["reverse"]["max_ulp_error"] <= 4


# ---------------------------------------------------------------------------
# The seed's point: cost grows with n for forward-type modes, not for reverse


def test_fifty_variables_cost_forward_grows_reverse_does_not():
    result = run(
        "compare",
        SUM_OF_SQUARES,
        "--at",
        SUM_AT,
        "--modes",
        "numeric,forward,dual,reverse",
        "--check",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    data = strict_json(result.stdout)
    assert len(data["variables"]) == N
    modes = by_mode(data)
    assert modes["forward"]["evaluations"] >= N
    assert modes["dual"]["evaluations"] >= N
    assert modes["numeric"]["evaluations"] >= 2 * N
    assert modes["reverse"]["evaluations"] == 2
    assert modes["forward"]["cost"] == f"{N} passes"
    assert modes["reverse"]["cost"] == "2 passes"
    for item in data["modes"]:
        assert item["gradient"]["x7"] == pytest.approx(1.4, rel=1e-12)


def table_rows(stdout: str) -> dict[str, list[str]]:
    """The table's rows by mode (a row starts with one space, a note with two)."""
    return {
        line.split()[0]: line.split()
        for line in stdout.splitlines()
        if line.startswith(" ") and not line.startswith("  ") and line.split()[0] in MODES
    }


def test_table_shows_the_cost_column_and_notes():
    result = run("compare", SEED, "--at", SEED_AT, "--modes", "numeric,forward,dual,reverse")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Gradient of x*x*y + y + 2 at x = 3, y = 4: every mode against mpmath"
    rows = table_rows(result.stdout)
    assert list(rows) == ["numeric", "forward", "dual", "reverse"]
    assert rows["reverse"][1:7] == ["42", "24", "10", "0", "0", "ulp"]
    assert rows["reverse"][-2:] == ["2", "passes"]
    assert rows["forward"][-2:] == ["2", "passes"]
    assert rows["dual"][-2:] == ["3", "passes"]
    assert rows["numeric"][-2:] == ["f", "evals"]
    assert int(rows["numeric"][-3]) >= 5  # 2n + 1 evaluations of f at least
    assert "cost for n = 2 variables:" in result.stdout
    assert "every mode that ran agrees with mpmath" in result.stdout


def test_table_marks_structural_zeros_the_same_in_every_row():
    result = run("compare", SEED, "--at", SEED_AT, "--modes", "numeric,dual,reverse", "--hessian")
    assert result.exit_code == 0, result.stderr
    rows = table_rows(result.stdout)
    assert len(rows) == 3
    assert all(" ".join(row[5:7]) == "0 (none)" for row in rows.values())
    assert "(none): the variable does not reach that derivative" in result.stdout


def test_csv_one_row_per_mode_and_entry():
    result = run(
        "compare", SEED, "--at", SEED_AT, "--modes", "dual,reverse", "--hessian", "--format", "csv"
    )
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "mode,quantity,wrt,result,reference,abs_error,ulp_error,agrees,seconds,evaluations,skipped"
    )
    assert len(lines) == 1 + 2 * 5  # the value and four entries, per mode
    assert lines[1].startswith("dual,value,,42,42,0,0,true,")
    assert lines[3].startswith("dual,hessian,x.y,6,6,0,0,true,")


# ---------------------------------------------------------------------------
# Disagreement is an answer a script can use: --check and exit code 4


def test_planted_disagreement_exits_4():
    result = run(
        "compare",
        INEXACT,
        "--at",
        SEED_AT,
        "--modes",
        "numeric,forward",
        "--check",
        "--tolerance",
        "0",
        "--format",
        "json",
    )
    assert result.exit_code == 4
    assert "numeric differs from mpmath" in result.stderr
    data = strict_json(result.stdout)  # the answer is printed all the same
    assert data["agree"] is False
    assert data["tolerance"] == 0
    modes = by_mode(data)
    assert modes["numeric"]["agrees"] is False
    assert modes["numeric"]["out_of_tolerance"]
    assert modes["forward"]["agrees"] is True


def test_disagreement_without_check_exits_0_and_is_marked():
    result = run(
        "compare", INEXACT, "--at", SEED_AT, "--modes", "numeric,forward", "--tolerance", "0"
    )
    assert result.exit_code == 0
    numeric = next(line for line in result.stdout.splitlines() if line.startswith(" numeric"))
    assert "*" in numeric
    assert "* beyond the tolerance: numeric differs from mpmath" in result.stdout


def test_as_a_script_exits_4(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    args = ["compare", INEXACT, "--at", SEED_AT, "--modes", "numeric,forward", "--check"]

    def script(*more: str):
        command = [sys.executable, "-m", "derivcli", *args, *more]
        return subprocess.run(
            command, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300
        )

    agree = script()
    assert agree.returncode == 0, agree.stderr
    differ = script("--tolerance", "0")
    assert differ.returncode == 4, differ.stderr
    assert differ.stderr.startswith("Disagreement: numeric differs from mpmath")


def test_nonfinite_entries_are_strict_json_and_a_disagreement():
    # d sqrt(x)/dx at 0 is Infinity; finite differences cannot get there
    result = run(
        "compare",
        "sqrt(x)",
        "--at",
        "x=0",
        "--modes",
        "numeric,dual,reverse",
        "--check",
        "--format",
        "json",
    )
    assert result.exit_code == 4
    modes = by_mode(strict_json(result.stdout))
    assert modes["dual"]["gradient"] == {"x": "Infinity"}
    assert modes["dual"]["max_abs_error"] == 0
    assert modes["numeric"]["max_abs_error"] == "Infinity"
    assert modes["numeric"]["agrees"] is False


def test_help_documents_exit_code_4():
    result = run("compare", "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.stdout
    assert "4 with --check" in result.stdout
    assert "4 a disagreement found by 'compare --check'" in " ".join(run("--help").stdout.split())


# ---------------------------------------------------------------------------
# Modes that cannot run, and bad usage


def test_unavailable_mode_is_listed_as_skipped(monkeypatch):
    monkeypatch.setattr(derivcli.backends, "get_backend", unavailable("tensorflow"))
    result = run("compare", SEED, "--at", SEED_AT, "--modes", "all", "--check", "--format", "json")
    assert result.exit_code == 0, result.stderr
    modes = by_mode(strict_json(result.stdout))
    assert list(modes) == list(MODES)
    assert modes["tensorflow"] == {
        "mode": "tensorflow",
        "skipped": "the tensorflow mode needs TensorFlow: pip install 'derivcli[tensorflow]'",
    }
    assert modes["reverse"]["agrees"] is True


def test_tensorflow_not_importable_is_skipped_in_the_table(monkeypatch):
    from derivcli.backends import tensorflow as tf_backend

    def refuse():
        raise ModeUnavailable(
            "the tensorflow mode needs TensorFlow: pip install 'derivcli[tensorflow]'"
        )

    monkeypatch.setattr(tf_backend, "import_library", refuse)
    result = run("compare", SEED, "--at", SEED_AT, "--modes", "reverse,tensorflow")
    assert result.exit_code == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if line.startswith(" tensorflow"))
    assert row.split() == ["tensorflow", "skipped"]
    assert "tensorflow skipped: the tensorflow mode needs TensorFlow" in result.stdout


def test_without_mpmath_the_forward_mode_is_the_reference(monkeypatch):
    monkeypatch.setattr(derivcli.backends, "get_backend", unavailable(REFERENCE))
    result = run("compare", SEED, "--at", SEED_AT, "--modes", "reverse", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = strict_json(result.stdout)
    assert data["reference"] == FALLBACK_REFERENCE == "forward"
    assert any("measured against the forward mode instead" in w for w in data["warnings"])
    assert by_mode(data)["reverse"]["agrees"] is True


def test_missing_reference_is_an_error(monkeypatch):
    monkeypatch.setattr(
        derivcli.backends, "get_backend", unavailable(REFERENCE, FALLBACK_REFERENCE)
    )
    result = run("compare", SEED, "--at", SEED_AT, "--modes", "reverse")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: compare measures every mode against the mpmath mode")


def test_unknown_mode_is_a_usage_error():
    result = run("compare", SEED, "--at", SEED_AT, "--modes", "numeric,backprop")
    assert result.exit_code == 2
    assert "unknown mode 'backprop'" in result.stderr
    assert "numeric, forward, dual, reverse, tensorflow, mpmath" in result.stderr


def test_negative_tolerance_is_a_usage_error():
    result = run("compare", SEED, "--at", SEED_AT, "--modes", "reverse", "--tolerance", "-1")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --tolerance")


def test_domain_error_of_the_reference_exits_1():
    result = run("compare", "log(x)", "--at", "x=-1", "--modes", "reverse")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error:")


# ---------------------------------------------------------------------------
# The pieces


def test_parse_modes():
    assert parse_modes("all") == MODES
    assert parse_modes(" dual , reverse,dual") == ("dual", "reverse")
    with pytest.raises(UsageError):
        parse_modes("")
    with pytest.raises(UsageError):
        parse_modes("forwards")


def test_errors_in_ulps():
    assert ulp_error(24.0, 24.0) == 0
    assert ulp_error(24.0 + 3 * math.ulp(24.0), 24.0) == 3
    # a reference of 0 counts in ulps of 1.0, not of 0
    assert ulp_error(math.ulp(1.0), 0.0) == 1
    assert ulp_error(math.nan, math.nan) == 0
    assert ulp_error(math.inf, math.inf) == 0
    assert ulp_error(1.0, math.inf) == math.inf
    assert ulp_error(math.nan, 1.0) == math.inf
    assert abs_error(math.nan, 2.0) == math.inf
    assert abs_error(-math.inf, math.inf) == math.inf


def test_tolerances():
    # exact modes: relative, with an absolute floor below 1
    assert allowed_error("dual", 1e6, None, None) == EXACT_TOLERANCE * 1e6
    assert allowed_error("dual", 0.0, None, None) == EXACT_TOLERANCE
    # numeric: its own error estimate, never below the floor
    assert allowed_error("numeric", 2.0, 1e-6, None) == 1e-6
    assert allowed_error("numeric", 2.0, 0.0, None) == 2 * EXACT_TOLERANCE
    # an explicit tolerance applies to every mode
    assert allowed_error("numeric", 2.0, 1e-6, 0.0) == 0
    assert allowed_error("reverse", 4.0, None, 1e-3) == 4e-3
    # a non-finite reference must be matched exactly
    assert allowed_error("numeric", math.inf, 1.0, None) == 0


def test_python_api_with_a_custom_lookup():
    calls = []

    def lookup(mode):
        calls.append(mode)
        return derivcli.backends.get_backend(mode)

    result = compare(SEED, {"x": 3, "y": 4}, modes="dual,reverse", backend_for=lookup)
    assert calls[0] == REFERENCE
    assert [row.mode for row in result.rows] == ["dual", "reverse"]
    assert result.agree
    assert result.reference_entries == {("x",): 24.0, ("y",): 10.0}
    assert all(3 <= row.repetitions <= compare_module.MAX_REPEATS for row in result.rows)
    with pytest.raises(DerivError):
        compare(SEED, {"x": 3, "y": 4}, modes="dual", tolerance=math.nan)


def test_a_mode_that_fails_where_the_reference_answers_disagrees():
    from types import SimpleNamespace

    from derivcli import render
    from derivcli.errors import DomainError

    def broken(*args, **options):
        raise DomainError("log(x) is undefined at x = -1 (log of a negative number)")

    def lookup(mode):
        if mode == "dual":
            return SimpleNamespace(gradient=broken, hessian=broken)
        return derivcli.backends.get_backend(mode)

    result = compare(SEED, {"x": 3, "y": 4}, modes="dual,reverse", backend_for=lookup)
    assert not result.agree
    assert result.disagreeing == ["dual"]
    data = strict_json(render.to_json(result))
    assert by_mode(data)["dual"] == {
        "mode": "dual",
        "failed": "log(x) is undefined at x = -1 (log of a negative number)",
        "agrees": False,
    }
    assert "dual,,,,,,,false,,,failed: log(x)" in render.to_csv(result)


# ---------------------------------------------------------------------------
# mpmath as the reference (issue 9 §4): errors are true errors


def test_cancellation_blames_the_float_modes_not_the_numeric_one():
    text, at = "(1 - cos(x))/x^2", 1e-5
    value, gradient, _ = exact(text, ("x",), (at,))
    result = run(
        "compare", text, "--at", f"x={at}", "--modes", "numeric,forward,dual,reverse,mpmath",
        "--check", "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 4
    assert "Disagreement: forward, dual, reverse differ from mpmath" in result.stderr
    data = strict_json(result.stdout)
    modes = by_mode(data)
    assert data["reference"] == "mpmath"
    # the reference is the exact derivative, correctly rounded
    assert modes["mpmath"]["gradient"]["x"] == gradient[0]
    assert modes["mpmath"]["value"] == value
    assert modes["numeric"]["agrees"] is True
    assert math.isclose(modes["numeric"]["gradient"]["x"], gradient[0], rel_tol=1e-7)
    for name in ("forward", "dual", "reverse"):
        assert modes[name]["agrees"] is False
        assert modes[name]["out_of_tolerance"] == ["gradient.x"]
    # the float64 value of the formula is off too, for every float mode alike:
    # said once, blamed on none
    assert any("shared by every float mode" in w for w in data["warnings"])


def test_a_nan_agrees_only_with_a_nan_reference():
    # 0^x at x = 3: the derivative is 0 (the function is 0 for x > 0)
    data = strict_json(run("compare", "0^x", "--at", "x=3", "--format", "json").stdout)
    assert data["reference"] == "mpmath"
    assert by_mode(data)["mpmath"]["gradient"] == {"x": 0}
    for item in data["modes"]:
        if "skipped" in item:
            continue
        finite = item["gradient"]["x"] not in ("NaN", "Infinity", "-Infinity")
        assert item["agrees"] is finite, item


def test_an_unreliable_numeric_entry_is_a_disagreement():
    # abs has a kink at 0: its second difference diverges, whatever the step
    result = run(
        "compare", "abs(x)", "--at", "x=0", "--hessian", "--modes", "numeric,reverse",
        "--check", "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 4
    assert "numeric differs from mpmath" in result.stderr
    modes = by_mode(strict_json(result.stdout))
    assert modes["numeric"]["agrees"] is False
    assert "hessian.x.x" in modes["numeric"]["out_of_tolerance"]
    assert modes["reverse"]["agrees"] is True


def test_check_with_no_mode_run_is_not_a_success(monkeypatch):
    monkeypatch.setattr(derivcli.backends, "get_backend", unavailable("tensorflow"))
    result = run("compare", SEED, "--at", SEED_AT, "--modes", "tensorflow", "--check")
    assert result.exit_code == 1
    assert "Error: compare --check ran no mode" in result.stderr
    # without --check the (empty) comparison is an answer like any other
    result = run("compare", SEED, "--at", SEED_AT, "--modes", "tensorflow")
    assert result.exit_code == 0


def test_no_mode_ran_is_not_reported_as_agreement():
    """With every requested mode skipped, the table must not claim agreement."""
    from derivcli import render
    from derivcli.compare import compare
    from derivcli.errors import ModeUnavailable

    def unavailable(mode):
        if mode == "dual":
            raise ModeUnavailable("the dual mode is switched off in this test")
        from derivcli.backends import get_backend

        return get_backend(mode)

    result = compare("x^2", {"x": 3.0}, modes="dual", backend_for=unavailable)
    import io

    out = io.StringIO()
    render.print_table(result, file=out)
    text = out.getvalue()
    assert "no mode ran here" in text
    assert "agrees" not in text
