"""derivcli trace: the evaluation trace of every mode (issue 14).

The trace's numbers are the modes' own environments and its written-out
products the primitive table's partials: here every trace of the oracle
table is multiplied out again (forward: Σ ∂s/∂a · ȧ per step; reverse: the
contributions summed into each adjoint) and compared with the mode's result
(``derivcli.grad``) and with SymPy's exact derivative.
"""

from __future__ import annotations

import json
import math
import unicodedata

import pytest
from clirun import run
from oracle import (
    VECTOR_CASES,
    case_id,
    case_points,
    close,
    exact,
    exact_jacobian,
    vector_case_id,
    vector_case_points,
)

import derivcli
from derivcli.api import as_graph
from derivcli.primitives import times
from derivcli.trace import DEFAULT_LIMIT, trace

CASES = case_points()


def _nfc(text: str) -> str:
    """The marks of ẋ and x̄ are combining characters: compare in one form."""
    return unicodedata.normalize("NFC", text)


def _out(*args: str) -> str:
    r = run(*args)
    assert r.exit_code == 0, r.output
    return _nfc(r.stdout)


def _same(a: float, b: float) -> bool:
    return a == b or (a != a and b != b)


def _forward_products(t) -> None:
    """Each step's tangent is the sum of its written-out products, each
    product the local partial times the argument's tangent (0·∞ rule), and
    each argument's tangent the one its own row shows."""
    tangent = {row.name: row.tangent for row in t.rows}
    for row in t.rows:
        if not row.terms:
            assert row.operation == "input" or row.tangent == 0, row
            continue
        total = None
        for term in row.terms:
            if term.arg in tangent:  # (constants have no row, and no term)
                assert _same(term.factor, tangent[term.arg]), (row, term)
            product = times(term.partial_value, term.factor)
            assert _same(product, term.product)
            total = product if total is None else total + product
        assert _same(total, row.tangent), row


@pytest.mark.parametrize("mode", ["forward", "dual"])
@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_forward_traces_multiply_out_to_the_mode_and_the_oracle(case, mode):
    text, names, point = case
    at = dict(zip(names, point))
    reference = derivcli.grad(text, at, mode=mode).gradient
    _value, gradient, _hessian = exact(text, names, point)
    for name, expected in zip(names, gradient):
        t = trace(as_graph(text), at, mode=mode, wrt=name, limit=None)
        _forward_products(t)
        got = t.derivatives["f1"][name]
        assert _same(got, reference[name]), (name, got, reference[name])
        assert close(got, expected, 1e-9), (name, got, expected)
        if mode == "dual":
            for row in t.rows:
                # the dual number's ε part is the step's tangent
                eps = getattr(row.dual, "eps", 0.0)
                assert _same(eps, row.tangent), row


def _reverse_contributions(sweep, variables) -> dict[str, float]:
    """Sum the contributions in the order of the sweep: every step's adjoint
    is what reached it before its row; returns the variables' sums."""
    received: dict[str, float] = {}
    for row in sweep.rows:
        if row.seed:
            assert row.adjoint == 1.0
        else:
            assert _same(received[row.name], row.adjoint), row
        for c in row.contributions:
            assert _same(times(c.factor, c.partial_value), c.product)
            assert c.factor == row.adjoint
            received[c.arg] = c.product if c.arg not in received else received[c.arg] + c.product
    return {name: received.get(name, 0.0) for name in variables}


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_reverse_traces_sum_to_the_mode_and_the_oracle(case):
    text, names, point = case
    at = dict(zip(names, point))
    reference = derivcli.grad(text, at, mode="reverse").gradient
    _value, gradient, _hessian = exact(text, names, point)
    t = trace(as_graph(text), at, mode="reverse", limit=None)
    (sweep,) = t.sweeps
    sums = _reverse_contributions(sweep, names)
    for name, expected in zip(names, gradient):
        assert _same(sweep.adjoints[name], reference[name])
        # the mode adds with compensated summation: the plain sum is within rounding
        assert close(sums[name], reference[name], 1e-12), (name, sums[name], reference[name])
        assert close(t.derivatives["f1"][name], expected, 1e-9)


VECTORS = vector_case_points()


@pytest.mark.parametrize("case", VECTORS, ids=[vector_case_id(c) for c in VECTORS])
def test_several_outputs_forward_one_column_reverse_one_row_per_sweep(case):
    outputs, names, point = case
    at = dict(zip(names, point))
    text = ", ".join(outputs)
    _values, rows, _zeros = exact_jacobian(outputs, names, point)
    reverse = trace(as_graph(text), at, mode="reverse", limit=None)
    assert [s.output for s in reverse.sweeps] == [f"f{i + 1}" for i in range(len(outputs))]
    for i, sweep in enumerate(reverse.sweeps):
        _reverse_contributions(sweep, names)
        for j, name in enumerate(names):
            assert close(sweep.adjoints[name], rows[i][j], 1e-9)
    for j, name in enumerate(names):
        forward = trace(as_graph(text), at, mode="forward", wrt=name, limit=None)
        _forward_products(forward)
        for i in range(len(outputs)):
            assert close(forward.derivatives[f"f{i + 1}"][name], rows[i][j], 1e-9)


def test_vector_cases_are_used():
    assert len(VECTOR_CASES) >= 5


# ---------------------------------------------------------------------------
# The command


def test_forward_trace_of_the_seed_example():
    """The notebook: z = sin(s1), s1 = x², dz/dx = ds1/dx · dz/ds1 = 6·cos(9)."""
    lines = _out("trace", "sin(x^2)", "--at", "x=3", "--mode", "forward").splitlines()
    s1 = next(line for line in lines if line.split()[:1] == ["s1"])
    assert s1.split()[1:3] == ["x^2", "9"]
    assert _nfc("(2*x)·ẋ = 6·1") in s1 and s1.split()[-1] == "6"
    s2 = next(line for line in lines if line.split()[:1] == ["s2"])
    assert _nfc(f"cos(s1)·ṡ1 = ({math.cos(9.0)!r})·6") in s2
    assert s2.split()[-1] == repr(6 * math.cos(9.0))
    assert lines[-1] == _nfc(f"df/dx = ṡ2 = {6 * math.cos(9.0)!r}")


def test_dual_trace_prints_the_notebooks_dual_numbers():
    r = run("trace", "x*x*y + y + 2", "--at", "x=3,y=4", "--mode", "dual")
    assert r.exit_code == 0, r.output
    # x seeded by default (with a warning naming --wrt), as the notebook's 3 + ε
    assert "seeds one variable: x" in r.stderr
    text = r.stdout
    for dual in ("3.0 + 1.0ε", "9.0 + 6.0ε", "(9.0 + 6.0ε)*4.0", "42.0 + 24.0ε"):
        assert dual in text
    assert _nfc(text).splitlines()[-1] == _nfc("df/dx = ṡ4 = 24")
    by_y = run("trace", "x*x*y + y + 2", "--at", "x=3,y=4", "--mode", "dual", "--wrt", "y")
    assert "42.0 + 10.0ε" in by_y.stdout and by_y.stderr == ""


def test_reverse_trace_shows_each_contribution():
    text = _out("trace", "x*x*y + y + 2", "--at", "x=3,y=4")  # reverse is the default
    assert "Backward sweep from s4" in text
    assert _nfc("s̄4 = 1 (seed)") in text
    assert _nfc("s̄1 += s̄2·y = 1·4 = 4") in text
    assert _nfc("ȳ += s̄2·s1 = 1·9 = 9") in text
    assert text.count(_nfc("x̄ += s̄1·x = 4·3 = 12")) == 2  # x*x: one contribution per use
    assert text.splitlines()[-1] == _nfc("df/dx = x̄ = 24, df/dy = ȳ = 10")


def test_shared_nodes_are_one_step():
    t = trace(as_graph("sin(x)*sin(x) + sin(x)"), {"x": 0.5}, mode="forward", limit=None)
    assert [row.operation for row in t.rows] == ["input", "sin(x)", "s1*s1", "s2 + s1"]


def test_json_has_every_row_and_is_strict():
    r = run("trace", "x*x*y + y + 2", "--at", "x=3,y=4", "--mode", "forward", "--format", "json")
    data = json.loads(r.stdout)
    assert data["mode"] == "forward" and data["seed"] == "x"
    assert [s["step"] for s in data["steps"]] == ["x", "s1", "y", "s2", "s3", "s4"]
    s2 = data["steps"][3]
    assert s2["operation"] == "s1*y" and s2["value"] == 36
    assert s2["terms"] == [
        {"from": "s1", "partial": "y", "partial_value": 4, "tangent": 6, "product": 24}
    ]
    assert data["derivatives"] == {"f1": {"x": 24}}
    reverse = json.loads(run("trace", "x*x*y + y + 2", "--at", "x=3,y=4", "-f", "json").stdout)
    (sweep,) = reverse["backward"]
    assert sweep["steps"][0] == {
        "step": "s4",
        "adjoint": 1,
        "seed": True,
        "contributions": [
            {"to": "s3", "partial": "1", "partial_value": 1, "adjoint": 1, "contribution": 1}
        ],
    }
    assert reverse["derivatives"] == {"f1": {"x": 24, "y": 10}}


def test_json_non_finite_numbers_are_strings():
    r = run("trace", "sqrt(x)", "--at", "x=0", "--mode", "forward", "--format", "json")
    data = json.loads(r.stdout)
    assert data["derivatives"]["f1"]["x"] == "Infinity"
    assert "Warning:" in r.stderr


def test_latex_is_an_align_environment():
    r = run("trace", "sin(x^2)", "--at", "x=3", "--mode", "forward", "--format", "latex")
    lines = r.stdout.splitlines()
    assert lines[0] == "\\begin{align*}" and lines[-1] == "\\end{align*}"
    assert "s_{1} &= x^{2} = 9 & \\dot{s}_{1} &= 2 x \\dot{x} = 6 \\\\" in lines
    assert lines[-2].startswith("\\frac{\\partial f}{\\partial x} &= ")
    reverse = run("trace", "x*y", "--at", "x=3,y=4", "--format", "latex").stdout
    assert "\\bar{x} &\\mathrel{+}= \\bar{s}_{1} y = 4" in reverse


def _long(n: int) -> str:
    return " + ".join(f"sin({i}*x)" for i in range(1, n + 1))


@pytest.mark.parametrize("mode", ["forward", "dual", "reverse"])
def test_long_traces_are_cut_with_a_count(mode):
    n = 150  # 1 input + 150 products + 150 sines + 149 sums = 450 rows
    r = run("trace", _long(n), "--at", "x=0.5", "--mode", mode)
    assert r.exit_code == 0, r.output
    rows = 1 + 3 * n - 1
    assert f"... {rows - DEFAULT_LIMIT:,} more steps; use --limit N or --format json" in r.stdout
    if mode == "reverse":
        backward = 3 * n - 1
        assert f"... {backward - DEFAULT_LIMIT:,} more backward steps" in r.stdout
    short = run("trace", _long(n), "--at", "x=0.5", "--mode", mode, "--limit", "5")
    assert f"... {rows - 5:,} more steps" in short.stdout
    whole = json.loads(run("trace", _long(n), "--at", "x=0.5", "--mode", mode, "-f", "json").stdout)
    assert len(whole["steps"]) == rows
    # the derivative is whole whatever is shown
    expected = sum(i * math.cos(i * 0.5) for i in range(1, n + 1))
    assert close(whole["derivatives"]["f1"]["x"], expected, 1e-12)


def test_deep_nesting_has_no_recursion():
    depth = 10_000
    text = "sin(" * depth + "x" + ")" * depth
    r = run("trace", text, "--at", "x=0.1", "--mode", "forward", "--limit", "3")
    assert r.exit_code == 0, r.output[-500:]
    assert f"... {depth + 1 - 3:,} more steps" in r.stdout


def test_usage_errors():
    r = run("trace", "x*y", "--at", "x=1,y=2", "--mode", "forward", "--wrt", "x,y")
    assert r.exit_code == 2 and "seeds one variable" in r.stderr
    r = run("trace", "2 + 3", "--at", "x=1")
    assert r.exit_code == 2 and "no variables" in r.stderr
    r = run("trace", "x", "--at", "x=1", "--mode", "numeric")
    assert r.exit_code == 2
    r = run("trace", "log(x)", "--at", "x=-1")
    assert r.exit_code == 1 and r.stderr.startswith("Error: log(x) is undefined")


# where the chain rule meets 0·∞: the trace shows what the mode does
KINKS = [
    ("sqrt(x)^2", {"x": 0.0}),
    ("acos(x/x)", {"x": 0.5}),
    ("sqrt(x*y)", {"x": 0.0, "y": 1.0}),
    ("acos(cos(x))", {"x": 0.0}),
    ("acos(y) - acos(y) + x", {"x": 1.0, "y": 1.0}),
]


@pytest.mark.parametrize("mode", ["forward", "dual", "reverse"])
@pytest.mark.parametrize("text, at", KINKS, ids=[k[0] for k in KINKS])
def test_infinite_partials_follow_the_modes_zero_times_infinity_rule(text, at, mode):
    gradient = derivcli.grad(text, at, mode=mode)
    if mode == "reverse":
        t = trace(as_graph(text), at, mode=mode, limit=None)
        for name, value in gradient.gradient.items():
            assert _same(t.derivatives["f1"][name], value)
        # the same diagnosis, the same warnings
        assert t.warnings == gradient.warnings
    else:
        for name, value in gradient.gradient.items():
            t = trace(as_graph(text), at, mode=mode, wrt=name, limit=None)
            _forward_products(t)
            assert _same(t.derivatives["f1"][name], value)


def test_a_cancelled_infinity_is_explained():
    r = run("trace", "acos(x/x)", "--at", "x=0.5")
    out = _nfc(r.stdout)
    assert _nfc("x̄ = 0, not the plain sum of its contributions (NaN)") in out
    assert "infinite local partial of s2" in out
    assert out.splitlines()[-1] == _nfc("df/dx = x̄ = 0")
    assert "0·∞ was taken as 0" in r.stderr
    data = json.loads(run("trace", "acos(x/x)", "--at", "x=0.5", "-f", "json").stdout)
    assert data["backward"][0]["notes"] and data["derivatives"]["f1"]["x"] == 0


def test_dual_numbers_spell_non_finite_parts():
    out = _out("trace", "sqrt(x)^2", "--at", "x=0", "--mode", "dual")
    assert "0 + Infinityε" in out


def test_installed_script_in_a_pipe_prints_plain_text(tmp_path):
    """As scripts use it: the installed command, its output a pipe (no
    colors, no control characters), the whole trace, then graph's DOT."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = Path(sys.executable).parent / "derivcli"
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    done = subprocess.run(
        [str(script), "trace", "x*x*y + y + 2", "--at", "x=3,y=4"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout
    assert _nfc(done.stdout).splitlines()[-1] == _nfc("df/dx = x̄ = 24, df/dy = ȳ = 10")
    dot = subprocess.run(
        [str(script), "graph", "x*x*y + y + 2", "--format", "dot"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert dot.returncode == 0 and dot.stdout.startswith("digraph derivcli {")


def test_steps_can_carry_the_users_names():
    """A definition's name (``r = x^2``) replaces the step's number; the
    others keep theirs."""
    program = as_graph("sin(x^2) + x^2")
    square = program.root.args[1]
    t = trace(program, {"x": 3.0}, mode="forward", limit=None, names={square: "r"})
    assert [(row.name, row.operation) for row in t.rows] == [
        ("x", "input"),
        ("r", "x^2"),
        ("s1", "sin(r)"),
        ("s2", "s1 + r"),
    ]
