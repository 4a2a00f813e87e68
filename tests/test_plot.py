"""Plots (issue 16): the curves' values against SymPy, gaps and marks, the
terminal plot's text, and the SVG file read back for its curves.

matplotlib is the optional extra ``derivcli[plot]``: the tests that draw
into files are skipped without it, except under DERIVCLI_REQUIRE_PLOT=1
(CI sets it in .ci/run), where a missing matplotlib fails them instead.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
import sympy
from clirun import run
from oracle import sympy_expr

import derivcli
from derivcli.errors import UsageError
from derivcli.expansion import taylor_at
from derivcli.plotting import plot_data, terminal_text

REQUIRE_PLOT = "DERIVCLI_REQUIRE_PLOT"


@pytest.fixture
def matplotlib():
    try:
        import matplotlib
    except ImportError:
        if os.environ.get(REQUIRE_PLOT):
            pytest.fail(f"{REQUIRE_PLOT} is set but matplotlib is not installed")
        pytest.skip("matplotlib is not installed here: pip install 'derivcli[plot]'")
    return matplotlib


# ---------------------------------------------------------------------------
# The curves


def test_the_curves_are_f_and_its_derivatives():
    data = plot_data("sin(x^2)", wrt="x", start=-3, stop=3, order=2, points=61)
    expr, (x,) = sympy_expr("sin(x^2)", ("x",))
    exact = [expr, sympy.diff(expr, x), sympy.diff(expr, x, 2)]
    assert [c.label for c in data.curves] == ["f", "f'", "f''"]
    assert data.xs[0] == -3 and data.xs[-1] == 3 and len(data.xs) == 61
    for curve, e in zip(data.curves, exact):
        for xv, yv in list(zip(data.xs, curve.ys))[::7]:
            assert math.isclose(yv, float(e.subs(x, xv)), rel_tol=1e-12, abs_tol=1e-12)
    assert data.marks == []


def test_other_variables_stay_at_their_values():
    data = plot_data("x^2*y", wrt="x", start=0, stop=1, order=1, point={"y": 3.0}, points=5)
    assert data.curves[0].ys == [3 * x * x for x in data.xs]
    assert data.curves[1].ys == [6 * x for x in data.xs]


def test_the_taylor_curve_is_the_taylor_polynomial():
    data = plot_data(
        "exp(x)*cos(x)", wrt="x", start=-1, stop=2, order=0, taylor=3, point={"x": 0.5}
    )
    polynomial = taylor_at("exp(x)*cos(x)", {"x": 0.5}, order=3)
    taylor = data.curves[-1]
    assert taylor.label == "Taylor order 3 at x = 0.5"
    assert taylor.ys == [polynomial(x=x) for x in data.xs]
    # it touches f at the point
    i = min(range(len(data.xs)), key=lambda i: abs(data.xs[i] - 0.5))
    assert math.isclose(taylor.ys[i], data.curves[0].ys[i], rel_tol=1e-6)


def test_undefined_points_are_gaps_not_errors():
    data = plot_data("log(x)", wrt="x", start=-2, stop=2, order=1, points=41)
    for curve in data.curves:  # f' = 1/x exists only where log does
        assert all((y != y) == (x <= 0) for x, y in zip(data.xs, curve.ys))
    assert any("gaps in the plot" in w for w in data.warnings)


@pytest.mark.parametrize(
    "text, kinks, jumps",
    [
        ("abs(x - 0.5)", [0.5], []),
        ("x*abs(x - 1) + relu(x + 1)", [-1.0, 1.0], []),
        ("max(x, 1 - x)", [0.5], []),
        ("floor(x)", [], [-2.0, -1.0, 0.0, 1.0, 2.0]),
        ("heaviside(x - 1)*x^2", [], [1.0]),
        ("tanh(50*x)", [], []),  # steep, but smooth
        ("tan(x)", [], []),  # poles are gaps, not jumps
    ],
)
def test_kinks_and_jumps_are_found(text, kinks, jumps):
    data = plot_data(text, wrt="x", start=-2.5, stop=2.5, order=1, points=201)
    for kind, expected in (("kink", kinks), ("jump", jumps)):
        found = [x for x, _y, k in data.marks if k == kind]
        assert len(found) == len(expected), (kind, found)
        for x, want in zip(found, expected):
            assert abs(x - want) < 1e-9


def test_lines_are_broken_at_poles():
    data = plot_data("tan(x)", wrt="x", start=-3, stop=3, order=0, points=2001)
    pole = math.pi / 2
    assert any(data.xs[i] < pole < data.xs[i + 1] for i in data.curves[0].breaks)
    # values near the poles (up to 830 here) do not squash the rest
    assert max(data.curves[0].ys) > 500 and data.ylim is not None and data.ylim[1] < 50


@pytest.mark.parametrize(
    "options, message",
    [
        ({"wrt": None}, "plot needs --wrt"),
        ({"start": 3.0, "stop": 1.0}, "is not below"),
        ({"taylor": 2}, "--taylor needs the point"),
        ({"order": 11}, "--order"),
        ({"points": 1}, "--points"),
    ],
)
def test_usage_errors(options, message):
    arguments = {"wrt": "x", "start": -1.0, "stop": 1.0, "point": {"y": 1.0}, **options}
    with pytest.raises(UsageError, match=message):
        plot_data("x*y", **arguments)


# ---------------------------------------------------------------------------
# The terminal


def _canvas(text: str) -> list[str]:
    lines = text.splitlines()
    top = next(i for i, line in enumerate(lines) if "┌" in line)
    bottom = next(i for i, line in enumerate(lines) if "└" in line)
    return [
        line.split("│")[1] if "│" in line else line.split("┤", 1)[1]
        for line in lines[top + 1 : bottom]
    ]


def test_the_terminal_plot_draws_the_curve_where_it_is():
    """An increasing line goes from the bottom left to the top right."""
    data = plot_data("2*x + 1", wrt="x", start=-1, stop=1, order=0, points=50)
    text = terminal_text(data, width=60, height=16)
    canvas = _canvas(text)
    painted = [(r, c) for r, row in enumerate(canvas) for c, ch in enumerate(row) if ch.strip()]
    left = min(painted, key=lambda p: p[1])
    right = max(painted, key=lambda p: p[1])
    assert left[0] > right[0] and left[0] >= len(canvas) - 2 and right[0] <= 1
    assert "\x1b[" not in text
    assert text.splitlines()[-1] == "▚ f"


def test_the_terminal_plot_from_the_command():
    result = run("plot", "sin(x^2)", "--wrt", "x", "--from", "-3", "--to", "3")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].strip() == "sin(x^2)"
    assert lines[-1] == "▚ f   * f'"
    assert len(lines) == 20 + 1  # LINES unset: 24 - 4 rows, then the legend
    assert re.search(r"-3\s+-2\s+-1\s+0\s+1\s+2\s+3", result.stdout)
    assert result.stdout.count("*") > 100  # f' is drawn with *
    # several curves, Taylor and marks: each in the legend line
    result = run(
        "plot", "abs(x) + sin(x)", "--from", "-2", "--to", "2", "--order", "2",
        "--taylor", "2", "--at", "x=1",
    )  # fmt: skip
    assert result.stdout.splitlines()[-1] == (
        "▚ f   * f'   + f''   . Taylor order 2 at x = 1   X kink"
    )


def test_the_command_without_matplotlib_draws_on_the_terminal_only():
    code = (
        "import sys; from click.testing import CliRunner; from derivcli.cli import cli; "
        "r = CliRunner().invoke(cli, ['plot', 'x^2', '--order', '0', '--points', '20']); "
        "print(r.exit_code, 'matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "False"]


def test_a_missing_matplotlib_is_a_one_line_hint(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    result = run("plot", "x^2", "--output", str(tmp_path / "p.svg"))
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: plot --output needs matplotlib: pip install 'derivcli[plot]'\n"
    )
    assert not (tmp_path / "p.svg").exists()


# ---------------------------------------------------------------------------
# Files


def _curves_in_svg(path) -> list[list[tuple[float, float]]]:
    """The vertices of each curve's path, in the order drawn: the SVG groups
    ``curve-0`` (f), ``curve-1`` (f'), ... (the axes, ticks and legend are
    other groups)."""
    svg = "{http://www.w3.org/2000/svg}"
    curves = []
    for group in ET.parse(path).iter(f"{svg}g"):
        if group.get("id", "").startswith("curve-"):
            (element,) = group.iter(f"{svg}path")
            vertices = re.findall(r"[ML] ([-\d.e]+) ([-\d.e]+)", element.get("d", ""))
            curves.append([(float(a), float(b)) for a, b in vertices])
    return curves


def test_the_svg_has_one_path_per_curve(tmp_path, matplotlib):
    out = tmp_path / "plot.svg"
    result = run(
        "plot", "sin(x^2)", "--wrt", "x", "--from", "-3", "--to", "3", "--order", "2",
        "--taylor", "3", "--at", "x=1", "--output", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Wrote {out}: f, f', f'', Taylor order 3 at x = 1\n"
    curves = _curves_in_svg(out)
    assert len(curves) == 4
    # f and its derivatives span the interval (the Taylor polynomial leaves
    # the picture, which is clipped to f's range)
    left, right = curves[0][0][0], curves[0][-1][0]
    for curve in curves[:3]:
        assert (curve[0][0], curve[-1][0]) == (left, right)
    # f = sin(x^2) is even and f' odd: equal heights at both ends for f,
    # mirrored about f's zero line for f' (the SVG's y grows downwards)
    f, df = curves[0], curves[1]
    assert math.isclose(f[0][1], f[-1][1], abs_tol=1e-3)
    assert df[0][1] < f[0][1] < df[-1][1]


def test_png_and_pdf(tmp_path, matplotlib):
    for name, magic in (("p.png", b"\x89PNG"), ("p.pdf", b"%PDF")):
        result = run("plot", "x^3", "--from", "-1", "--to", "1", "--output", str(tmp_path / name))
        assert result.exit_code == 0, result.output
        assert (tmp_path / name).read_bytes().startswith(magic)


def test_output_must_be_svg_png_or_pdf(tmp_path):
    result = run("plot", "x", "--output", str(tmp_path / "p.txt"))
    assert result.exit_code == 2
    assert ".svg, .png, .pdf" in result.stderr


def test_the_api_returns_the_figure(tmp_path, matplotlib):
    fig = derivcli.plot("x^2 - 1", "x", start=-2, stop=2, order=1, points=9)
    ax = fig.axes[0]
    lines = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert [line.get_label() for line in lines] == ["f", "f'"]
    f, df = lines
    assert list(f.get_ydata()) == [x * x - 1 for x in f.get_xdata()]
    assert list(df.get_ydata()) == [2 * x for x in df.get_xdata()]
    out = tmp_path / "api.svg"
    derivcli.plot("sin(x)*y", "x", at={"y": 2, "x": 0.5}, taylor=1, output=str(out))
    assert len(_curves_in_svg(out)) == 3


def test_kinks_are_marked_in_the_file(tmp_path, matplotlib):
    out = tmp_path / "kink.svg"
    result = run("plot", "abs(x - 1)*x", "--from", "-1", "--to", "2", "--output", str(out))
    assert result.exit_code == 0, result.output
    ids = [g.get("id", "") for g in ET.parse(out).iter("{http://www.w3.org/2000/svg}g")]
    assert "marks-kink" in ids and "marks-jump" not in ids
