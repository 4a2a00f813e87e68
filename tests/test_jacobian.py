"""Many outputs: Jacobians in every mode against SymPy's Matrix.jacobian,
JVP = J·v, VJP = uᵀ·J, HVP = H·v, the pass counts that make the seed's
point about shapes, and the command line of all of it."""

from __future__ import annotations

import json
import math

import pytest
from clirun import run
from oracle import (
    case_id,
    case_points,
    close,
    exact,
    exact_jacobian,
    vector_case_id,
    vector_case_points,
)

import derivcli
from derivcli.api import hvp_at, jacobian_at, jvp_at, vjp_at
from derivcli.errors import ParseError, UsageError
from derivcli.parser import parse

EXACT_REL = 1e-14
VECTOR = vector_case_points()
VECTOR_IDS = [vector_case_id(c) for c in VECTOR]
TF = pytest.param("tensorflow", marks=pytest.mark.tensorflow)
EXACT_MODES = ["forward", "dual", "reverse", "mpmath", TF]
ALL_MODES = ["numeric", *EXACT_MODES]


def _text(outputs) -> str:
    return ", ".join(outputs)


# ---------------------------------------------------------------------------
# The program


def test_outputs_are_named_by_position_unless_named():
    program = parse("u: x*y, x + y, w: sin(x)")
    assert program.names == ("u", "f2", "w")
    assert program.variables == ("x", "y")
    assert [str(o) for o in program.outputs] == ["x*y", "x + y", "sin(x)"]


def test_shared_sub_expressions_are_one_step():
    program = parse("exp(x*y) + z, exp(x*y)*z")
    steps = program.steps
    assert len(steps) == len(set(steps))
    assert sum(1 for s in steps if s.op == "exp") == 1
    # children before parents, every output included
    position = {s: i for i, s in enumerate(steps)}
    assert all(position[a] < position[s] for s in steps for a in s.args)
    assert all(o in position for o in program.outputs)


def test_variables_in_first_appearance_across_outputs():
    assert parse("z + x, y*x").variables == ("z", "x", "y")


def test_a_name_given_twice_is_a_parse_error():
    with pytest.raises(ParseError, match="u is given twice"):
        parse("u: x, u: y")


def test_commas_inside_calls_are_arguments():
    program = parse("xlogy(x, y), pow(x, 2)")
    assert len(program.outputs) == 2


@pytest.mark.parametrize("command", ["grad", "hessian", "diff"])
def test_one_output_commands_say_to_use_jacobian(command):
    extra = ["--wrt", "x"] if command == "diff" else ["--at", "x=1,y=2"]
    result = run(command, "x*y, x + y, sin(x)", *extra)
    assert result.exit_code == 2
    assert (
        f"Error: {command} needs one output; EXPRESSION has 3 (f1, f2, f3): use jacobian"
        in result.stderr
    )


def test_eval_prints_every_output():
    result = run("eval", "u: x*y, x + y", "--at", "x=1.5,y=2", "--format", "json")
    data = json.loads(result.stdout)
    assert data["outputs"] == ["u", "f2"]
    assert data["values"] == {"u": 3.0, "f2": 3.5}
    assert run("eval", "x*y, x + y", "--at", "x=1.5,y=2", "-f", "value").stdout == "3\n3.5\n"


def test_a_deep_program_of_several_outputs():
    deep = "(" * 100_000 + "x" + ")" * 100_000
    result = jacobian_at(f"{deep}, sin({deep})", {"x": 0.5})
    assert result.jacobian["f1"]["x"] == 1.0
    assert result.jacobian["f2"]["x"] == math.cos(0.5)


# ---------------------------------------------------------------------------
# Jacobians against SymPy


@pytest.mark.parametrize("mode", ALL_MODES)
@pytest.mark.parametrize("case", VECTOR, ids=VECTOR_IDS)
def test_jacobian_matches_sympy(mode, case):
    outputs, names, point = case
    values, rows, zeros = exact_jacobian(outputs, names, point)
    result = jacobian_at(_text(outputs), dict(zip(names, point)), mode=mode)
    rel = 1e-8 if mode == "numeric" else EXACT_REL
    assert result.outputs == tuple(f"f{i + 1}" for i in range(len(outputs)))
    assert result.variables == names
    for i, f in enumerate(result.outputs):
        assert close(result.values[f], values[i], EXACT_REL), (f, result.values[f], values[i])
        for j, x in enumerate(names):
            ours = result.jacobian[f][x]
            assert close(ours, rows[i][j], rel), (f, x, ours, rows[i][j])
    expected_zeros = {(result.outputs[i], names[j]) for i, j in zeros}
    assert set(result.structural_zeros) == expected_zeros
    assert not result.warnings


@pytest.mark.parametrize("mode", ["forward", "dual", "reverse", "mpmath"])
@pytest.mark.parametrize("case", case_points(), ids=[case_id(c) for c in case_points()])
def test_one_output_jacobian_is_the_gradient(mode, case):
    text, names, point = case
    at = dict(zip(names, point))
    result = jacobian_at(text, at, mode=mode)
    gradient = derivcli.grad(text, at, mode=mode)
    assert result.gradient == gradient.gradient
    assert result.value == gradient.value or math.isnan(gradient.value)


def test_named_outputs_in_the_result():
    result = jacobian_at("u: x*y, v: x + y", {"x": 1.0, "y": 2.0})
    assert result.jacobian == {"u": {"x": 2.0, "y": 1.0}, "v": {"x": 1.0, "y": 1.0}}


# ---------------------------------------------------------------------------
# Products with a vector

DIRECTION = (0.75, -1.25, 2.0)


@pytest.mark.parametrize("mode", ALL_MODES)
@pytest.mark.parametrize("case", VECTOR, ids=VECTOR_IDS)
def test_jvp_is_j_times_v(mode, case):
    outputs, names, point = case
    values, rows, _ = exact_jacobian(outputs, names, point)
    v = DIRECTION[: len(names)]
    result = jvp_at(_text(outputs), dict(zip(names, point)), list(v), mode=mode)
    rel = 1e-8 if mode == "numeric" else 1e-13
    for i, f in enumerate(result.outputs):
        expected = sum(rows[i][j] * v[j] for j in range(len(names)))
        assert close(result.product[f], expected, rel), (f, result.product[f], expected)


@pytest.mark.parametrize("mode", ALL_MODES)
@pytest.mark.parametrize("case", VECTOR, ids=VECTOR_IDS)
def test_vjp_is_u_transposed_j(mode, case):
    outputs, names, point = case
    _, rows, _ = exact_jacobian(outputs, names, point)
    u = [(-1.0) ** i * (i + 0.5) for i in range(len(outputs))]
    result = vjp_at(_text(outputs), dict(zip(names, point)), u, mode=mode)
    rel = 1e-8 if mode == "numeric" else 1e-13
    for j, x in enumerate(names):
        expected = sum(u[i] * rows[i][j] for i in range(len(outputs)))
        assert close(result.product[x], expected, rel), (x, result.product[x], expected)


@pytest.mark.parametrize("mode", ["forward", "dual", "reverse", "mpmath"])
@pytest.mark.parametrize(
    "case", case_points(smooth_only=True), ids=[case_id(c) for c in case_points(True)]
)
def test_hvp_is_h_times_v(mode, case):
    text, names, point = case
    _, _, hessian = exact(text, names, point)
    v = DIRECTION[: len(names)]
    result = hvp_at(text, dict(zip(names, point)), list(v), mode=mode)
    for i, x in enumerate(names):
        expected = sum(hessian[i][j] * v[j] for j in range(len(names)))
        assert close(result.product[x], expected, 1e-13), (x, result.product[x], expected)


def test_fast_paths_take_one_pass():
    at = {"x": 3.0, "y": 4.0}
    assert jvp_at("x^2*y + y, x*y", at, "1,0.5", mode="dual").evaluations == 1
    assert jvp_at("x^2*y + y, x*y", at, "1,0.5", mode="forward").evaluations == 1
    assert jvp_at("x^2*y + y, x*y", at, "1,0.5", mode="mpmath").evaluations == 1
    # one forward and one backward pass for the vjp, however many outputs
    assert vjp_at("x*y, x + y, sin(x)", at, "1,-1,2").evaluations == 2


def _sweeps(monkeypatch):
    """Count the passes the reverse mode's HVP really makes: evaluations of
    a graph and symbolic reverse sweeps."""
    from derivcli import backends
    from derivcli.backends import reverse

    calls = {"evaluate": 0, "sweep": 0}
    evaluate_all, gradient_graphs = reverse.evaluate_all, backends.gradient_graphs

    def counted_evaluate(*args, **kwargs):
        calls["evaluate"] += 1
        return evaluate_all(*args, **kwargs)

    def counted_sweep(*args, **kwargs):
        calls["sweep"] += 1
        return gradient_graphs(*args, **kwargs)

    monkeypatch.setattr(reverse, "evaluate_all", counted_evaluate)
    monkeypatch.setattr(backends, "gradient_graphs", counted_sweep)
    return calls


@pytest.mark.parametrize("n", [2, 10, 50])
def test_hvp_passes_do_not_grow_with_n(n, monkeypatch):
    calls = _sweeps(monkeypatch)
    names = [f"x{i}" for i in range(n)]
    text = " + ".join(f"{a}^2*{b}" for a, b in zip(names, names[1:] + names[:1]))
    at = {x: 0.1 * (i + 1) for i, x in enumerate(names)}
    v = [1.0] * n
    result = hvp_at(text, at, v)
    # one symbolic reverse sweep, one dual pass of f, one dual pass of the gradient graphs
    assert calls == {"evaluate": 2, "sweep": 1}
    assert result.evaluations == 3
    # and the product is right: H·1, the row sums of the Hessian (SymPy's
    # for small n; for n = 50 the dual mode's hyper-dual Hessian, n(n+1)/2 passes)
    if n <= 10:
        _, _, hessian = exact(text, tuple(names), tuple(at.values()))
        rows = [sum(row) for row in hessian]
    else:
        full = derivcli.hessian(text, at, mode="dual").hessian
        rows = [sum(full[x].values()) for x in names]
    for x, expected in zip(names, rows):
        assert close(result.product[x], expected, 1e-13)


def test_vectors_of_the_wrong_length_are_usage_errors():
    with pytest.raises(UsageError, match="--direction has 1 number, but there are 2 variables"):
        jvp_at("x*y", {"x": 1.0, "y": 2.0}, "1")
    with pytest.raises(UsageError, match="--cotangent has 3 numbers, but there are 2 outputs"):
        vjp_at("x*y, x", {"x": 1.0, "y": 2.0}, "1,2,3")


# ---------------------------------------------------------------------------
# The command line


def test_jacobian_table():
    result = run("jacobian", "x*y, x + y, sin(x)", "--at", "x=1,y=2")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Jacobian of x*y, x + y, sin(x) at x = 1, y = 2 (reverse mode)"
    assert lines[1].split() == ["x", "y"]
    assert lines[3].split() == ["f1", "2", "1"]
    assert lines[5].split() == ["f3", repr(math.cos(1.0)), "0", "(none)"]


def test_jacobian_json_csv_and_value():
    args = ("jacobian", "u: x*y, v: x + y, sin(x)", "--at", "x=1,y=2")
    data = json.loads(run(*args, "--format", "json").stdout)
    assert data["outputs"] == ["u", "v", "f3"]
    assert data["jacobian"] == {
        "u": {"x": 2.0, "y": 1.0},
        "v": {"x": 1.0, "y": 1.0},
        "f3": {"x": math.cos(1.0), "y": 0.0},
    }
    assert data["values"] == {"u": 2.0, "v": 3.0, "f3": math.sin(1.0)}
    assert data["structural_zeros"] == [["f3", "y"]]
    assert data["evaluations"] == 4
    csv = run(*args, "--format", "csv").stdout
    assert csv == f"output,x,y\nu,2,1\nv,1,1\nf3,{math.cos(1.0)!r},0\n"
    assert run(*args, "-f", "value").stdout == f"2\n1\n1\n1\n{math.cos(1.0)!r}\n0\n"


@pytest.mark.parametrize("mode", ["numeric", "forward", "dual", "reverse", "mpmath"])
def test_jacobian_in_every_mode_from_the_command_line(mode):
    result = run("jacobian", "r*cos(t), r*sin(t)", "--at", "r=2,t=pi/3", "-m", mode, "-f", "json")
    data = json.loads(result.stdout)
    t = math.pi / 3
    expected = {"f1": [math.cos(t), -2 * math.sin(t)], "f2": [math.sin(t), 2 * math.cos(t)]}
    for f, row in expected.items():
        for x, ref in zip(("r", "t"), row):
            assert close(data["jacobian"][f][x], ref, 1e-9 if mode == "numeric" else 1e-15)


def test_direction_and_cotangent_from_the_command_line():
    at = ("--at", "x=3,y=4")
    data = json.loads(run("grad", "x^2*y + y", *at, "--direction", "1,0.5", "-f", "json").stdout)
    # J·v = 2xy·1 + (x² + 1)·0.5
    assert data["directional"] == {"f1": 24.0 + 5.0}
    assert data["direction"] == {"x": 1.0, "y": 0.5}
    data = json.loads(run("hessian", "x^2*y + y", *at, "--direction", "1,0", "-f", "json").stdout)
    assert data["hvp"] == {"x": 8.0, "y": 6.0}
    data = json.loads(
        run("jacobian", "x*y, x + y", "--at", "x=1,y=2", "--cotangent", "1,-1", "-f", "json").stdout
    )
    assert data["vjp"] == {"x": 2.0 - 1.0, "y": 1.0 - 1.0}
    bad = run("grad", "x*y", *at, "--direction", "1")
    assert bad.exit_code == 2 and "--direction has 1 number" in bad.stderr


# ---------------------------------------------------------------------------
# compare --jacobian: the seed's point about shapes, measured


def _compare(text, at, modes="forward,dual,reverse"):
    from derivcli.compare import compare

    return compare(text, at, modes=modes, jacobian=True)


def test_many_inputs_one_output_reverse_wins():
    names = [f"x{i}" for i in range(50)]
    text = " + ".join(f"sin({x})*{y}" for x, y in zip(names, names[1:] + names[:1]))
    result = _compare(text, {x: 0.01 * (i + 1) for i, x in enumerate(names)})
    cost = {row.mode: row.evaluations for row in result.rows}
    assert cost == {"forward": 50, "dual": 51, "reverse": 2}
    assert result.agree and result.kind == "jacobian"


def test_one_input_many_outputs_forward_wins():
    text = ", ".join(f"sin({k}*x)" for k in range(1, 51))
    result = _compare(text, {"x": 0.3})
    cost = {row.mode: row.evaluations for row in result.rows}
    assert cost == {"forward": 1, "dual": 2, "reverse": 51}
    assert result.agree
    assert set(result.reference_entries) == {(f"f{k}", "x") for k in range(1, 51)}
    for k in range(1, 51):
        assert close(result.reference_entries[f"f{k}", "x"], k * math.cos(k * 0.3), 1e-13)


def test_compare_jacobian_from_the_command_line():
    result = run("compare", "x*y, x + y, sin(x)", "--at", "x=1,y=2", "--jacobian", "-f", "json")
    data = json.loads(result.stdout)
    assert data["kind"] == "jacobian" and data["agree"]
    reverse = next(m for m in data["modes"] if m["mode"] == "reverse")
    assert reverse["jacobian"]["f3"] == {"x": math.cos(1.0), "y": 0.0}
    assert reverse["evaluations"] == 4
    assert data["structural_zeros"] == [["f3", "y"]]
    table = run("compare", "x*y, x + y, sin(x)", "--at", "x=1,y=2", "--jacobian").stdout
    assert table.startswith("Jacobian of x*y, x + y, sin(x) at x = 1, y = 2: every mode against")


@pytest.mark.parametrize("mode", ["forward", "dual", "reverse", "mpmath"])
def test_warnings_name_their_output(mode):
    # f2 meets the 0·∞ rule (issue 9); f1 is innocent
    result = jacobian_at("x, sqrt(x)^2", {"x": 0.0}, mode=mode)
    alone = derivcli.grad("sqrt(x)^2", {"x": 0.0}, mode=mode)
    assert alone.warnings
    assert result.warnings == [f"f2: {w}" for w in alone.warnings]
    assert result.jacobian == {"f1": {"x": 1.0}, "f2": {"x": alone.gradient["x"]}}


@pytest.mark.parametrize("case", case_points(), ids=[case_id(c) for c in case_points()])
def test_numeric_one_output_jacobian_is_the_numeric_gradient(case):
    text, names, point = case
    at = dict(zip(names, point))
    result = jacobian_at(text, at, mode="numeric")
    gradient = derivcli.grad(text, at, mode="numeric")
    assert result.gradient == gradient.gradient
    assert result.error_estimate == {"f1": gradient.error_estimate}
    assert result.evaluations == gradient.evaluations
    assert result.unreliable == [("f1", x) for x in gradient.unreliable]


def test_numeric_outputs_share_the_evaluations_of_an_input():
    text = ", ".join(f"sin({k}*x)" for k in range(1, 11))
    together = jacobian_at(text, {"x": 0.3}, mode="numeric").evaluations
    apart = sum(
        derivcli.grad(f"sin({k}*x)", {"x": 0.3}, mode="numeric").evaluations for k in range(1, 11)
    )
    # each point x ± h is evaluated once for all ten outputs
    assert together < apart / 5


def test_compare_hessian_builds_the_symbolic_gradient_once(monkeypatch):
    """The gradient graphs that Hessian warnings and structural zeros read
    are built once per program, before any mode is timed: no mode's timed
    run repeats that sweep."""
    from derivcli import backends
    from derivcli.compare import compare

    calls = []
    original = backends.gradient_graphs

    def counted(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(backends, "gradient_graphs", counted)
    result = compare("x*x*y + y + 2", {"x": 3, "y": 4}, modes="numeric,forward,dual", hessian=True)
    assert result.agree
    assert len(calls) == 1
