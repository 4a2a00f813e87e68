"""TensorFlow mode (the seed's last section), for real. The tests that run
TensorFlow carry ``@pytest.mark.tensorflow``: skipped (with the reason) where
TensorFlow is not installed, and never skipped in CI, which sets
DERIVCLI_REQUIRE_TENSORFLOW=1 (see conftest.py). This is the one test module
that runs TensorFlow, so its import cost is paid once.
"""

from __future__ import annotations

import json
import math
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from clirun import run
from oracle import case_id, case_points, close, exact

import derivcli
from derivcli.api import gradient_at, hessian_at
from derivcli.backends import gradient_graphs, structural_zeros_hessian
from derivcli.errors import UsageError
from derivcli.parser import parse

SEED = "x*x*y + y + 2"
MISSING = "Error: the tensorflow mode needs TensorFlow: pip install 'derivcli[tensorflow]'\n"
EXACT_REL = 1e-14
CASES = case_points()
IDS = [case_id(c) for c in CASES]


def _env() -> dict[str, str]:
    """The test's environment, importing this very derivcli, with no
    settings that would hide (or show) TensorFlow's log lines for us."""
    env = dict(os.environ)
    root = str(Path(derivcli.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    for key in ("DERIVCLI_DEBUG", "TF_CPP_MIN_LOG_LEVEL"):
        env.pop(key, None)
    return env


def _python(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_env(),
        timeout=300,
    )


def _cli_wrapper(prelude: str, args: list[str], epilogue: str = "") -> str:
    """A ``python -c`` program: ``prelude``, then the CLI with ``args``."""
    return "\n".join(
        [
            "import sys",
            prelude,
            f"sys.argv = ['derivcli', *{args!r}]",
            "from derivcli.cli import main",
            "try:",
            "    main()",
            "except SystemExit as exc:",
            "    code = exc.code",
            "else:",
            "    code = 0",
            epilogue,
            "sys.exit(code)",
        ]
    )


# ---------------------------------------------------------------------------
# The seed notebook


@pytest.mark.tensorflow
def test_seed_hessian_table_marks_the_structural_zero():
    result = run("hessian", SEED, "--at", "x=3,y=4", "--mode", "tensorflow")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert "(tensorflow mode)" in lines[0]
    rows = [line.split() for line in lines if line.split()[:1] in (["x"], ["y"])]
    assert rows == [["x", "y"], ["x", "8", "6"], ["y", "6", "0", "(none)"]]
    assert "(none): the variable does not reach that derivative" in result.stdout


@pytest.mark.tensorflow
def test_seed_hessian_json():
    result = run("hessian", SEED, "--at", "x=3,y=4", "--mode", "tensorflow", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["mode"] == "tensorflow"
    assert data["value"] == 42
    assert data["gradient"] == {"x": 24, "y": 10}
    assert data["hessian"] == {"x": {"x": 8, "y": 6}, "y": {"x": 6, "y": 0}}
    hessian = [[data["hessian"][a][b] for b in data["variables"]] for a in data["variables"]]
    assert hessian == [[8, 6], [6, 0]]
    assert data["structural_zeros"] == [["y", "y"]]


@pytest.mark.tensorflow
def test_seed_gradient():
    result = run("grad", SEED, "--at", "x=3,y=4", "--mode", "tensorflow", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["gradient"] == {"x": 24, "y": 10}
    assert data["structural_zeros"] == []


@pytest.mark.tensorflow
def test_structural_zeros_agree_with_the_graph_on_the_seed():
    graph = parse(SEED)
    wrt = ("x", "y")
    ours = structural_zeros_hessian(gradient_graphs(graph.root, wrt), wrt)
    result = hessian_at(SEED, {"x": 3, "y": 4}, mode="tensorflow")
    assert result.structural_zeros == ours == [("y", "y")]


@pytest.mark.tensorflow
def test_a_variable_missing_from_the_expression_is_a_structural_zero():
    result = gradient_at("x*y", {"x": 1.0, "y": 2.0}, wrt="x,y,z", mode="tensorflow")
    assert result.gradient == {"x": 2.0, "y": 1.0, "z": 0.0}
    assert result.structural_zeros == ["z"]
    h = hessian_at("x*y", {"x": 1.0, "y": 2.0}, wrt="x,z", mode="tensorflow")
    assert h.hessian == {"x": {"x": 0.0, "z": 0.0}, "z": {"x": 0.0, "z": 0.0}}
    assert sorted(h.structural_zeros) == [("x", "x"), ("x", "z"), ("z", "x"), ("z", "z")]


# ---------------------------------------------------------------------------
# Against the exact oracle, float64


def _point(names, values):
    return dict(zip(names, values))


@pytest.mark.tensorflow
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradient_matches_sympy(case):
    text, names, point = case
    value, gradient, _ = exact(text, names, point)
    result = gradient_at(text, _point(names, point), mode="tensorflow")
    assert result.mode == "tensorflow"
    assert result.variables == names
    assert close(result.value, value, EXACT_REL), (result.value, value)
    for name, ref in zip(names, gradient):
        ours = result.gradient[name]
        assert type(ours) is float
        assert close(ours, ref, EXACT_REL), (name, ours, ref)


@pytest.mark.tensorflow
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_hessian_matches_sympy(case):
    text, names, point = case
    _, gradient, hessian = exact(text, names, point)
    result = hessian_at(text, _point(names, point), mode="tensorflow")
    for name, ref in zip(names, gradient):
        assert close(result.gradient[name], ref, EXACT_REL), (name, result.gradient[name], ref)
    for a, ref_row in zip(names, hessian):
        for b, ref in zip(names, ref_row):
            ours = result.hessian[a][b]
            assert type(ours) is float
            assert close(ours, ref, EXACT_REL), (a, b, ours, ref)
    # TensorFlow's None answers are where our derivative graphs say so too
    graph = parse(text)
    expected = structural_zeros_hessian(gradient_graphs(graph.root, names), names)
    assert sorted(result.structural_zeros) == sorted(expected)


@pytest.mark.tensorflow
def test_abs_at_zero_has_subgradient_zero():
    g = gradient_at("abs(x)", {"x": 0.0}, mode="tensorflow")
    assert g.gradient == {"x": 0.0}
    # issue 12: the subgradient stays, and the kink is said with its sides
    assert g.warnings == [
        "abs(x) has a kink at x = 0: derivative -1 from the left, 1 from the right; reported: 0"
    ]
    h = hessian_at("abs(x)", {"x": 0.0}, mode="tensorflow")
    assert h.gradient == {"x": 0.0}
    assert h.hessian == {"x": {"x": 0.0}}


def test_domain_errors_are_ours_before_tensorflow_runs():
    result = run("grad", "log(x)", "--at", "x=-1", "--mode", "tensorflow")
    assert result.exit_code == 1
    assert result.stderr == "Error: log(x) is undefined at x = -1 (log of a negative number)\n"


@pytest.mark.tensorflow
def test_nonfinite_derivatives_are_warned():
    result = gradient_at("sqrt(x)", {"x": 0.0}, mode="tensorflow")
    assert result.gradient == {"x": math.inf}
    assert result.warnings == [
        "the derivative by x is Infinity at this point: sqrt(x) has an infinite derivative at x = 0"
    ]


# ---------------------------------------------------------------------------
# --dtype


def _is_float32(v: float) -> bool:
    return struct.unpack("f", struct.pack("f", v))[0] == v


@pytest.mark.tensorflow
def test_float32_gives_float32_precision():
    text, point = "sin(x^2)", {"x": 3.0}
    value, gradient, hessian = exact(text, ("x",), (3.0,))
    g = gradient_at(text, point, mode="tensorflow", dtype="float32")
    assert _is_float32(g.value) and _is_float32(g.gradient["x"])
    assert close(g.value, value, 1e-6)
    assert close(g.gradient["x"], gradient[0], 1e-5)
    h = hessian_at(text, point, mode="tensorflow", dtype="float32")
    assert _is_float32(h.hessian["x"]["x"])
    assert close(h.hessian["x"]["x"], hessian[0][0], 1e-5)
    # float64 is the default, and it is not float32
    g64 = gradient_at(text, point, mode="tensorflow")
    assert g64.gradient["x"] != g.gradient["x"]
    assert close(g64.gradient["x"], gradient[0], EXACT_REL)


@pytest.mark.tensorflow
def test_dtype_option_on_the_command_line():
    result = run(
        "grad", "sin(x^2)", "--at", "x=3", "--mode", "tensorflow", "--dtype", "float32",
        "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    derivative = json.loads(result.stdout)["gradient"]["x"]
    assert _is_float32(derivative)
    assert close(derivative, 6 * math.cos(9.0), 1e-5)
    explicit = run(
        "hessian", SEED, "--at", "x=3,y=4", "--mode", "tensorflow", "--dtype", "float64",
        "--format", "json",
    )  # fmt: skip
    assert json.loads(explicit.stdout)["structural_zeros"] == [["y", "y"]]


def test_dtype_belongs_to_the_tensorflow_mode():
    result = run("grad", SEED, "--at", "x=3,y=4", "--mode", "reverse", "--dtype", "float32")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: --dtype applies only to --mode tensorflow; drop it or add --mode tensorflow\n"
    )
    bad = run("grad", SEED, "--at", "x=3,y=4", "--mode", "tensorflow", "--dtype", "float16")
    assert bad.exit_code == 2


def test_unknown_dtype_in_the_python_api():
    with pytest.raises(UsageError, match="choose float64 \\(the default\\) or float32"):
        gradient_at(SEED, {"x": 3, "y": 4}, mode="tensorflow", dtype="float16")


# ---------------------------------------------------------------------------
# Processes: lazy import, missing TensorFlow, quiet logs


GRAD_ARGS = ["grad", SEED, "--at", "x=3,y=4"]


def test_reverse_mode_never_imports_tensorflow(tmp_path):
    program = _cli_wrapper(
        "",
        [*GRAD_ARGS, "--mode", "reverse"],
        "print('tensorflow imported:', 'tensorflow' in sys.modules)",
    )
    result = _python(tmp_path, "-c", program)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "tensorflow imported: False"
    # the real entry point too, as Python's import log sees it
    timed = _python(tmp_path, "-X", "importtime", "-m", "derivcli", *GRAD_ARGS)
    assert timed.returncode == 0, timed.stderr
    imported = [line.rsplit("|", 1)[-1].strip() for line in timed.stderr.splitlines()]
    assert "derivcli.cli" in imported
    assert not [name for name in imported if name.split(".")[0] == "tensorflow"]


def test_without_tensorflow_the_mode_is_unavailable(tmp_path):
    for command in (GRAD_ARGS, ["hessian", *GRAD_ARGS[1:]]):
        program = _cli_wrapper(
            "sys.modules['tensorflow'] = None  # as if it were not installed",
            [*command, "--mode", "tensorflow"],
        )
        result = _python(tmp_path, "-c", program)
        assert result.returncode == 1, result.stderr
        assert result.stderr == MISSING
        assert result.stdout == ""


@pytest.mark.tensorflow
def test_tensorflow_log_lines_do_not_reach_the_terminal(tmp_path):
    result = _python(
        tmp_path, "-m", "derivcli", "hessian", SEED, "--at", "x=3,y=4", "--mode", "tensorflow"
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "0 (none)" in result.stdout
