"""``--points`` on the command line (issue 13): the issue's examples, CSV
and JSON lines, malformed rows, undefined rows, --strict, streaming."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest
from clirun import run, strict_json
from oracle import exact

import derivcli
from derivcli import stream

POINTS = "id,x,y\na,3,4\nb,1,2\nc,-1.5,0.25\n"


def _csv(text: str) -> list[list[str]]:
    return [line.split(",") for line in text.strip().split("\n")]


def test_grad_points_csv_carries_extra_columns_and_matches_the_oracle():
    r = run("grad", "x*x*y + y + 2", "--points", "-", input=POINTS)
    assert r.exit_code == 0, r.output
    rows = _csv(r.stdout)
    assert rows[0] == ["id", "x", "y", "value", "d/dx", "d/dy"]
    for row in rows[1:]:
        x, y = float(row[1]), float(row[2])
        value, gradient, _h = exact("x*x*y + y + 2", ("x", "y"), (x, y))
        assert float(row[3]) == value
        assert [float(v) for v in row[4:]] == gradient


def test_the_input_row_is_copied_byte_for_byte():
    text = 'name,x,note\n"Smith, J",1.50,"say ""hi"""\nB,2e0,\n'
    r = run("eval", "x^2", "--points", "-", input=text)
    assert r.exit_code == 0, r.output
    lines = r.stdout.split("\n")
    assert lines[0] == "name,x,note,value"
    assert lines[1] == '"Smith, J",1.50,"say ""hi""",2.25'
    assert lines[2] == "B,2e0,,4"


def test_jsonl_in_jsonl_out():
    text = '{"x": 1, "y": 2}\n{"y": 4, "x": 3, "id": "z"}\n'
    r = run("grad", "x*x*y + y + 2", "--points", "-", "--format", "jsonl", input=text)
    assert r.exit_code == 0, r.output
    rows = [strict_json(line) for line in r.stdout.strip().split("\n")]
    assert rows[0] == {"x": 1, "y": 2, "value": 6.0, "d/dx": 4.0, "d/dy": 2.0}
    assert rows[1] == {"y": 4, "x": 3, "id": "z", "value": 42.0, "d/dx": 24.0, "d/dy": 10.0}
    # the input object byte for byte, then the results
    assert r.stdout.split("\n")[1].startswith('{"y": 4, "x": 3, "id": "z", "value": ')


def test_jsonl_input_is_recognized_and_kept_by_default():
    r = run("eval", "x + 1", "--points", "-", input='{"x": "Infinity"}\n{"x": 2}\n')
    assert r.exit_code == 0, r.output
    assert [strict_json(line)["value"] for line in r.stdout.splitlines()] == ["Infinity", 3.0]


def test_hessian_and_jacobian_columns(tmp_path):
    grid = tmp_path / "grid.csv"
    grid.write_text("x,y\n0.5,-1\n2,3\n")
    r = run("hessian", "sin(x*y)", "--points", str(grid), "--format", "csv")
    assert r.exit_code == 0, r.output
    rows = _csv(r.stdout)
    assert rows[0][2:] == ["value", "d/dx", "d/dy", "d2/dxdx", "d2/dxdy", "d2/dydx", "d2/dydy"]
    for row in rows[1:]:
        point = (float(row[0]), float(row[1]))
        value, gradient, hessian = exact("sin(x*y)", ("x", "y"), point)
        numbers = [float(v) for v in row[2:]]
        expected = [value, *gradient, *hessian[0], *hessian[1]]
        assert all(
            math.isclose(a, b, rel_tol=1e-14, abs_tol=1e-15) for a, b in zip(numbers, expected)
        )
    r = run("jacobian", "x*y, x + y", "--points", "-", input=POINTS)
    rows = _csv(r.stdout)
    assert rows[0] == [
        "id",
        "x",
        "y",
        "value_f1",
        "value_f2",
        "df1/dx",
        "df1/dy",
        "df2/dx",
        "df2/dy",
    ]
    assert rows[1] == ["a", "3", "4", "12", "7", "4", "3", "1", "1"]


def test_at_fixes_a_variable_for_every_row():
    r = run("grad", "k*x", "--points", "-", "--at", "k=0.5", input="x\n2\n4\n")
    assert _csv(r.stdout) == [
        ["x", "value", "d/dk", "d/dx"],
        ["2", "1", "2", "0.5"],
        ["4", "2", "4", "0.5"],
    ]
    r = run("grad", "k*x", "--points", "-", "--at", "k=0.5", input="x,k\n2,1\n")
    assert r.exit_code == 2 and "both a column" in r.stderr


def test_missing_variable_and_colliding_column_are_usage_errors():
    r = run("grad", "x*y", "--points", "-", input="x\n1\n")
    assert r.exit_code == 2 and "no column for y" in r.stderr and "--at y=VALUE" in r.stderr
    r = run("grad", "x", "--points", "-", input="x,value\n1,2\n")
    assert r.exit_code == 2 and "'value'" in r.stderr and "rename" in r.stderr


@pytest.mark.parametrize(
    ("text", "line", "what"),
    [
        ("x,y\n1,2\n3\n5,6\n", 3, "has 1 field, the header has 2"),
        ("x,y\n1,2\n3,abc\n5,6\n", 3, "holds 'abc', which is not a number"),
        ("x,y\n1,2\n\n3,\n", 4, "holds '', which is not a number"),
        ('{"x": 1, "y": 2}\n{"x": true, "y": 2}\n', 2, "which is not a number"),
        ('{"x": 1, "y": 2}\n{"x": 1\n', 2, "is not JSON"),
        ('{"x": 1, "y": 2}\n{"x": 1}\n', 2, "no value for y"),
    ],
)
def test_a_malformed_row_stops_with_its_line_and_keeps_what_was_written(text, line, what):
    r = run("grad", "x*y", "--points", "-", "--format", "csv", input=text)
    assert r.exit_code == 2
    assert f"line {line} of standard input" in r.stderr and what in r.stderr
    assert r.stderr.startswith("Error: ")
    assert _csv(r.stdout)[1] == ["1", "2", "2", "2", "1"]  # the row before it


def test_malformed_row_in_a_later_chunk_keeps_the_earlier_chunks(monkeypatch):
    monkeypatch.setattr(stream, "CHUNK", 3)
    text = "x\n" + "".join(f"{i}\n" for i in range(7)) + "oops\n"
    r = run("eval", "2*x", "--points", "-", input=text)
    assert r.exit_code == 2 and "line 9 of standard input" in r.stderr
    assert _csv(r.stdout)[1:] == [[str(i), str(2 * i)] for i in range(7)]


def test_undefined_rows_are_nan_and_reported():
    text = "x\n1\n-1\n0\n2\n"
    r = run("grad", "log(x)", "--points", "-", input=text)
    assert r.exit_code == 0
    assert _csv(r.stdout)[1:] == [
        ["1", "0", "1"], ["-1", "NaN", "NaN"], ["0", "NaN", "NaN"], ["2", "0.6931471805599453", "0.5"],
    ]  # fmt: skip
    assert r.stderr.splitlines() == [
        "Warning: line 3: log(x) is undefined at x = -1 (log of a negative number); "
        "its results are NaN",
        "Warning: line 4: log(x) is undefined at x = 0 (log of zero); its results are NaN",
    ]


def test_strict_stops_at_the_first_undefined_row_with_exit_1():
    r = run("grad", "log(x)", "--points", "-", "--strict", input="x\n1\n2\n-1\n3\n")
    assert r.exit_code == 1
    assert _csv(r.stdout)[1:] == [["1", "0", "1"], ["2", "0.6931471805599453", "0.5"]]
    assert r.stderr.startswith("Error: line 4 of standard input: log(x) is undefined at x = -1")


def test_strict_across_blocks_keeps_the_rows_before(monkeypatch):
    from derivcli import batch

    monkeypatch.setattr(batch, "BLOCK", 4)
    text = "x\n" + "".join(f"{i + 1}\n" for i in range(9)) + "-5\n1\n"
    r = run("eval", "sqrt(x)", "--points", "-", "--strict", input=text)
    assert r.exit_code == 1 and "line 11 " in r.stderr
    assert len(_csv(r.stdout)) == 10


def test_more_than_ten_notes_are_summarized():
    text = "x\n" + "".join(f"{-i - 1}\n" for i in range(25)) + "4\n"
    r = run("eval", "sqrt(x)", "--points", "-", input=text)
    assert r.exit_code == 0
    lines = r.stderr.splitlines()
    assert len(lines) == 11
    assert all("is undefined" in line for line in lines[:10])
    assert lines[10].startswith(
        "Warning: 15 more rows after the first 10 above: 15 undefined (NaN)"
    )
    assert _csv(r.stdout)[-1] == ["4", "2"]


def test_warnings_of_a_row_are_the_single_point_warnings():
    r = run("grad", "sqrt(x)^2", "--points", "-", input="x\n0\n1\n")
    single = run("grad", "sqrt(x)^2", "--at", "x=0")
    warning = single.stderr.strip().removeprefix("Warning: ")
    assert r.stderr.strip() == f"Warning: line 2: {warning}"


def test_nonfinite_numbers_as_in_the_single_point_contract():
    r = run("eval", "x*1e308", "--points", "-", input="x\n10\n-10\nnan\n")
    assert [row[1] for row in _csv(r.stdout)[1:]] == ["Infinity", "-Infinity", "NaN"]
    assert len(r.stderr.splitlines()) == 3  # each row says why, as one point would
    r = run("eval", "x*1e308", "--points", "-", "--format", "jsonl", input="x\n10\n")
    assert strict_json(r.stdout) == {"x": 10.0, "value": "Infinity"}


@pytest.mark.parametrize("mode", ["numeric", "dual", "mpmath", "forward", "reverse"])
def test_every_mode_gives_the_single_point_numbers(mode):
    r = run("grad", "sin(x)*y", "--points", "-", "--mode", mode, input="x,y\n0.5,2\n")
    single = run("grad", "sin(x)*y", "--at", "x=0.5,y=2", "--mode", mode, "--format", "json")
    one = strict_json(single.stdout)
    row = _csv(r.stdout)[1]
    assert [float(v) for v in row[2:]] == [one["value"], *one["gradient"].values()]


def test_table_for_a_few_rows_and_a_clear_error_for_many(monkeypatch):
    r = run("grad", "x*y", "--points", "-", "--format", "table", input=POINTS)
    assert r.exit_code == 0 and "d/dx" in r.stdout and "-1.5" in r.stdout
    monkeypatch.setattr(stream, "TABLE_ROWS", 2)
    r = run("grad", "x*y", "--points", "-", "--format", "table", input=POINTS)
    assert r.exit_code == 2 and "at most 2 rows" in r.stderr


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("csv", 'x,label\n1,[/bold]\n2,:x: [red]r\n3,"a:b"\n'),
        ("jsonl", '{"x": 1, "label": "[/bold]"}\n{"x": 2, "label": ":x: [red]r"}\n'),
    ],
)
def test_a_points_table_prints_the_user_s_cells_as_written(kind, text):
    """The carried-through cells are the user's text: never rich markup
    (``[/bold]`` was a MarkupError, an internal error) nor emoji codes."""
    r = run("grad", "x^2", "--points", "-", "--format", "table", input=text)
    assert r.exit_code == 0, r.stderr
    assert "[/bold]" in r.stdout and ":x: [red]r" in r.stdout and "\u274c" not in r.stdout


def test_flags_that_need_points():
    assert run("grad", "x", "--at", "x=1", "--strict").exit_code == 2
    r = run("grad", "x", "--points", "-", "--direction", "1", input="x\n1\n")
    assert r.exit_code == 2 and "does not combine" in r.stderr
    r = run("grad", "x", "--at", "x=1", "--format", "jsonl")
    assert strict_json(r.stdout)["gradient"] == {"x": 1.0}


def test_the_issue_examples_as_a_user_runs_them(tmp_path):
    (tmp_path / "points.csv").write_text("x,y\n3,4\n1,2\n")
    (tmp_path / "pts.jsonl").write_text('{"x": 3, "y": 4}\n')
    (tmp_path / "grid.csv").write_text("x,y\n0,0\n1,2\n")
    (tmp_path / "xs.csv").write_text("x\n0\n1\n")
    exe = os.path.join(os.path.dirname(sys.executable), "derivcli")
    commands = [
        f'{exe} grad "x*x*y + y + 2" --points points.csv',
        f'{exe} grad "x*x*y + y + 2" --points - --format jsonl < pts.jsonl',
        f'{exe} hessian "sin(x*y)" --points grid.csv --format csv > hess.csv',
        f'{exe} jacobian "x*y, x + y" --points points.csv',
        f'{exe} eval "exp(-x^2)" --points - < xs.csv',
        f"seq 0 0.5 2 | sed '1i x' | {exe} grad \"sin(x^2)\" --points -",
    ]
    outputs = [
        subprocess.run(c, shell=True, cwd=tmp_path, capture_output=True, text=True)
        for c in commands
    ]
    assert all(o.returncode == 0 and o.stderr == "" for o in outputs), outputs
    assert outputs[0].stdout == "x,y,value,d/dx,d/dy\n3,4,42,24,10\n1,2,6,4,2\n"
    assert json.loads(outputs[1].stdout)["d/dx"] == 24.0
    assert (tmp_path / "hess.csv").read_text().splitlines()[1] == "0,0,0,0,0,0,1,1,0"
    assert outputs[3].stdout.splitlines()[1] == "3,4,12,7,4,3,1,1"
    assert outputs[4].stdout == "x,value\n0,1\n1,0.36787944117144233\n"
    assert len(outputs[5].stdout.splitlines()) == 6


def test_single_point_start_up_does_not_import_numpy():
    code = (
        "import sys; from derivcli.cli import cli\n"
        "try:\n    cli(['grad', 'x*x*y + y + 2', '--at', 'x=3,y=4', '--format', 'json'])\n"
        "except SystemExit:\n    pass\n"
        "print('numpy' in sys.modules, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stderr.strip().splitlines()[-1] == "False"
    assert json.loads(done.stdout)["gradient"] == {"x": 24.0, "y": 10.0}
    # and the API for one point neither
    code = "import sys, derivcli; derivcli.grad('x^2', x=3); print('numpy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "False"
    assert derivcli.grad("x^2", x=3).gradient == {"x": 6.0}


def test_points_usage_errors():
    r = run("grad", "-", "--points", "-", input="x\n1\n")
    assert r.exit_code == 2 and "not both" in r.output
    r = run("grad", "x", "--points", "-", "--format", "value", input="x\n1\n")
    assert r.exit_code == 2 and "csv or jsonl" in r.output
    r = run("grad", "x", "--points", "no-such-file.csv")
    assert r.exit_code == 2 and "cannot read the --points file" in r.stderr
    r = run("grad", "x", "--points", "-", input="")
    assert r.exit_code == 2 and "is empty" in r.stderr
    r = run("grad", "x, y", "--points", "-", input="x,y\n1,2\n")
    assert r.exit_code == 2 and "use jacobian" in r.stderr


def test_progress_bar_only_after_a_second_on_a_terminal(monkeypatch):
    bar = stream._Progress(100, enabled=False)
    bar.advance(50)
    assert bar.bar is None  # not a terminal: never
    bar = stream._Progress(100, enabled=True)
    bar.advance(10)
    assert bar.bar is None  # a terminal, but not yet a second
    monkeypatch.setattr(stream, "PROGRESS_AFTER", 0.0)
    bar.advance(10)
    assert bar.bar is not None and bar.done == 20
    bar.stop()


def test_eval_of_several_outputs_and_a_constant():
    r = run("eval", "u: x*2, x + 1", "--points", "-", input="x\n3\n")
    assert _csv(r.stdout) == [["x", "value_u", "value_f2"], ["3", "6", "4"]]
    r = run("grad", "x*0 + 2", "--points", "-", input="x\n3\n")
    assert _csv(r.stdout) == [["x", "value", "d/dx"], ["3", "2", "0"]]


def test_an_expression_without_row_variables_gives_every_row():
    r = run("eval", "2 + 2", "--points", "-", input="id\na\nb\nc\n")
    assert _csv(r.stdout) == [["id", "value"], ["a", "4"], ["b", "4"], ["c", "4"]]
    r = run("grad", "k^2", "--at", "k=3", "--points", "-", input="id\na\nb\n")
    assert _csv(r.stdout) == [["id", "value", "d/dk"], ["a", "9", "6"], ["b", "9", "6"]]
    g = derivcli.grad("k*x", at={"k": [1.0, 2.0], "x": 3.0})
    assert g.gradient["x"].tolist() == [1.0, 2.0]


def test_points_that_are_not_utf8(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("x,name\n1,caf\xe9\n".encode("latin-1"))
    r = run("eval", "x", "--points", str(path))
    assert r.exit_code == 2 and "is not UTF-8 text" in r.stderr


def test_crlf_and_a_byte_order_mark(tmp_path):
    path = tmp_path / "windows.csv"
    path.write_bytes("\ufeffx,y\r\n1,2\r\n".encode())
    r = run("grad", "x*y", "--points", str(path))
    assert r.stdout == "x,y,value,d/dx,d/dy\n1,2,2,2,1\n"


def test_a_jsonl_key_named_like_an_output_keeps_the_rows_before():
    r = run("eval", "x", "--points", "-", input='{"x": 1}\n{"x": 2, "value": 3}\n')
    assert r.exit_code == 2 and "line 2 of standard input has the key 'value'" in r.stderr
    assert strict_json(r.stdout) == {"x": 1, "value": 1.0}
