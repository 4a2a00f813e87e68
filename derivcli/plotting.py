"""Plots of f, its derivatives and its Taylor polynomial over an interval.

The curves are the expression and its symbolic forward derivatives of
order 1..K in the plotted variable (the exact modes' graphs), evaluated on a
grid; the others variables stay at their ``--at`` values. Where a curve is
undefined (``log`` of a negative number, a pole) it has a gap (NaN), never an
error. Discontinuities are found by bisection between grid points: a jump of
f is marked "jump", a jump of f' where f is continuous is a "kink"; lines are
broken at every discontinuity of their curve.

Drawing: on a terminal with plotext (a dependency, imported only here);
into a file (``.svg``, ``.png``, ``.pdf``) with matplotlib, the optional
extra ``derivcli[plot]``, imported only when a file or a figure is asked for.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ModeUnavailable, UsageError
from .graph import Node, Program
from .numbers import shorten, text_number

#: the highest derivative order plotted
MAX_PLOT_ORDER = 10
DEFAULT_POINTS = 401
MAX_POINTS = 100_000
INSTALL_HINT = "pip install 'derivcli[plot]'"
FILE_FORMATS = ("svg", "png", "pdf")
#: bisection steps between two grid points (the interval shrinks to an ulp)
_BISECTIONS = 80
#: at most this many suspicious intervals are bisected per curve
_MAX_SUSPECTS = 50


def _evaluate_on_grid(
    program: Program, variable: str, xs: list[float], fixed: Mapping[str, float]
) -> list[list[float]]:
    """Every output of ``program`` at each x of ``xs`` (the other variables
    at ``fixed``): one list per output, NaN where it is undefined.

    The one place where the grid is evaluated: the batch evaluator (numpy
    columns through the program's steps, ``batch.evaluate_columns``).
    """
    import numpy as np

    from .batch import evaluate_columns

    n = len(xs)
    columns = {name: np.full(n, float(value)) for name, value in fixed.items()}
    columns[variable] = np.asarray(xs, dtype=np.float64)
    values = evaluate_columns(program.steps, columns, n)
    return [values[output].tolist() for output in program.outputs]


@dataclass
class Curve:
    label: str
    ys: list[float]
    #: grid indices i where the line from point i to point i + 1 is broken
    breaks: set[int] = field(default_factory=set)


@dataclass
class PlotData:
    """What a plot shows: the grid, the curves (f, f', ..., then the Taylor
    polynomial), the marks (x, y, "kink" or "jump") and the y range."""

    expression: str
    variable: str
    xs: list[float]
    curves: list[Curve]
    marks: list[tuple[float, float, str]]
    ylim: tuple[float, float] | None
    title: str
    warnings: list[str] = field(default_factory=list)


def _label(k: int) -> str:
    return "f" + ("'" * k if k <= 3 else f"^({k})")


def _grid(start: float, stop: float, points: int) -> list[float]:
    step = (stop - start) / (points - 1)
    return [start + i * step for i in range(points - 1)] + [stop]


def _finite(v: float) -> bool:
    return v - v == 0


def _discontinuities(
    curve: int, evaluate_at: Any, xs: list[float], ys: list[float]
) -> list[tuple[int, float, float, float]]:
    """Where the curve jumps between grid points: (i, x, left, right) for
    the interval [xs[i], xs[i+1]], found by bisection. A suspect is an
    interval whose change is much larger than its neighbours' at distance 2;
    it is bisected down to adjacent doubles, and a change that does not
    shrink with the interval is a discontinuity (a smooth steep curve's
    does)."""
    n = len(xs)
    deltas = [
        abs(ys[i + 1] - ys[i]) if _finite(ys[i]) and _finite(ys[i + 1]) else math.nan
        for i in range(n - 1)
    ]
    finite = [abs(y) for y in ys if _finite(y)]
    scale = max(finite, default=1.0) or 1.0
    suspects = []
    for i, d in enumerate(deltas):
        if not d == d or d <= 1e-12 * scale:
            continue
        around = [deltas[j] for j in (i - 2, i + 2) if 0 <= j < n - 1 and deltas[j] == deltas[j]]
        if d > 3 * max(around, default=0.0):
            suspects.append(i)
    suspects.sort(key=lambda i: -deltas[i])
    found = []
    for i in suspects[:_MAX_SUSPECTS]:
        a, b, ya, yb = xs[i], xs[i + 1], ys[i], ys[i + 1]
        for _ in range(_BISECTIONS):
            m = 0.5 * (a + b)
            if m <= a or m >= b:
                break
            ym = evaluate_at(m)[curve]
            if not _finite(ym):
                break
            if abs(ym - ya) >= abs(yb - ym):
                b, yb = m, ym
            else:
                a, ya = m, ym
        if abs(yb - ya) > 1e-3 * max(1.0, min(abs(ya), abs(yb))):
            found.append((i, 0.5 * (a + b), ya, yb))
    return found


def _y_range(curves: list[Curve]) -> tuple[float, float] | None:
    """The y range to show: everything, unless a few values (near a pole)
    would squash the rest; then the 2nd to 98th percentiles, padded."""
    values = sorted(y for c in curves for y in c.ys if _finite(y))
    if not values:
        return None
    lo, hi = values[0], values[-1]
    q_lo = values[int(0.02 * (len(values) - 1))]
    q_hi = values[int(0.98 * (len(values) - 1))]
    if hi - lo > 10 * (q_hi - q_lo) and q_hi > q_lo:
        pad = 0.25 * (q_hi - q_lo)
        return q_lo - pad, q_hi + pad
    return None


def _padded(curves: list[Curve]) -> tuple[float, float] | None:
    values = [y for c in curves for y in c.ys if _finite(y)]
    if not values:
        return None
    lo, hi = min(values), max(values)
    pad = 0.05 * (hi - lo) or 1.0
    return lo - pad, hi + pad


def plot_data(
    expression: str | Program,
    *,
    wrt: str | None,
    start: float,
    stop: float,
    order: int = 1,
    taylor: int | None = None,
    point: Mapping[str, float] | None = None,
    points: int | None = None,
) -> PlotData:
    """The curves of a plot, computed (no drawing)."""
    from .api import as_graph
    from .backends.forward import derivative
    from .expansion import check_order, taylor_at
    from .point import check_name, check_point

    program = as_graph(expression)
    root = program.single("plot")
    point = {k: float(v) for k, v in (point or {}).items()}
    variables = program.variables
    if wrt is None:
        if len(variables) != 1:
            names = ", ".join(variables) or "none"
            raise UsageError(
                f"plot needs --wrt to say which variable is across (the expression has {names}), "
                "e.g. --wrt x"
            )
        wrt = variables[0]
    wrt = check_name(wrt.strip(), "--wrt")
    for value, flag in ((start, "--from"), (stop, "--to")):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not _finite(value):
            raise UsageError(f"{flag} must be a finite number, got {value!r}")
    start, stop = float(start), float(stop)
    if not start < stop:
        raise UsageError(
            f"--from {text_number(start)} is not below --to {text_number(stop)}; "
            "give an interval such as --from -3 --to 3"
        )
    if isinstance(order, bool) or not isinstance(order, int) or not 0 <= order <= MAX_PLOT_ORDER:
        raise UsageError(
            f"--order must be a whole number from 0 to {MAX_PLOT_ORDER}, got {order!r}"
        )
    points = DEFAULT_POINTS if points is None else points
    if isinstance(points, bool) or not isinstance(points, int) or not 2 <= points <= MAX_POINTS:
        raise UsageError(f"--points must be a whole number from 2 to {MAX_POINTS}, got {points!r}")
    fixed = {k: v for k, v in point.items() if k != wrt}
    others = [n for n in variables if n != wrt]
    warnings = check_point(others, fixed)
    if wrt not in variables:
        warnings.append(f"{wrt} is not in the expression; the curves are constant")
    center = point.get(wrt)
    if taylor is not None:
        check_order(taylor, "--taylor")
        if center is None:
            raise UsageError(f"--taylor needs the point to expand around: add --at {wrt}=VALUE")

    # f and its derivatives in wrt, as the forward mode builds them; f' is
    # computed also when not drawn: its jumps are f's kinks
    graphs: list[Node] = [root]
    for _ in range(max(order, 1)):
        graphs.append(derivative(graphs[-1], wrt, simplified=False))
    curves_program = Program.of(graphs, program.source)
    xs = _grid(start, stop, points)
    columns = _evaluate_on_grid(curves_program, wrt, xs, fixed)

    def at(x: float) -> list[float]:
        return [column[0] for column in _evaluate_on_grid(curves_program, wrt, [x], fixed)]

    found = [_discontinuities(k, at, xs, ys) for k, ys in enumerate(columns)]
    curves = []
    defined = [_finite(y) for y in columns[0]]
    for k in range(order + 1):
        # a derivative exists only where f does (1/x is log(x)'s only for x > 0)
        ys = [y if ok and _finite(y) else math.nan for y, ok in zip(columns[k], defined)]
        curves.append(Curve(_label(k), ys, {i for i, *_ in found[k]}))
    ylim = _y_range(curves)
    marks: list[tuple[float, float, str]] = []
    spacing = (stop - start) / (points - 1)
    jumps = [(x, ya, yb) for _i, x, ya, yb in found[0]]
    for x, ya, yb in jumps:
        if max(abs(ya), abs(yb)) < 1e6 * max(1.0, _scale(columns[0])):  # not a pole
            marks.append((x, 0.5 * (ya + yb), "jump"))
    for _i, x, _a, _b in found[1]:
        if all(abs(x - j) > spacing for j, _a2, _b2 in jumps):
            y = at(x)[0]
            if _finite(y):
                marks.append((x, y, "kink"))
    marks = _one_per_place(sorted(marks), spacing)
    if taylor is not None:
        polynomial = taylor_at(program, point, order=taylor, wrt=wrt)
        warnings.extend(w for w in polynomial.warnings if w not in warnings)
        curves.append(
            Curve(
                f"Taylor order {taylor} at {wrt} = {text_number(center)}",
                [polynomial({wrt: x}) for x in xs],
            )
        )
        if ylim is None:  # the polynomial leaves the picture rather than squash f
            ylim = _padded(curves[:-1])
    undefined = sum(1 for y in curves[0].ys if y != y)
    if undefined:
        warnings.append(
            f"f is undefined (or infinite) at {undefined} of {points} points: gaps in the plot"
        )
    where = ", ".join(f"{k} = {text_number(v)}" for k, v in fixed.items())
    title = f"{shorten(program.source, 50)}" + (f" at {where}" if where else "")
    return PlotData(
        expression=program.source,
        variable=wrt,
        xs=xs,
        curves=curves,
        marks=marks,
        ylim=ylim,
        title=title,
        warnings=warnings,
    )


def _one_per_place(marks: list, spacing: float) -> list:
    """A grid point at a kink lies on two suspect intervals: one mark."""
    out: list = []
    for mark in marks:
        if not out or mark[0] - out[-1][0] > spacing or mark[2] != out[-1][2]:
            out.append(mark)
    return out


def _scale(ys: list[float]) -> float:
    finite = sorted(abs(y) for y in ys if _finite(y))
    return finite[len(finite) // 2] if finite else 1.0


# ---------------------------------------------------------------------------
# Drawing: the terminal


def _segments(xs: list[float], curve: Curve) -> list[tuple[list[float], list[float]]]:
    """The curve cut into runs of finite points, also at its breaks."""
    runs: list[tuple[list[float], list[float]]] = []
    current: tuple[list[float], list[float]] = ([], [])
    for i, (x, y) in enumerate(zip(xs, curve.ys)):
        if y == y:
            current[0].append(x)
            current[1].append(y)
        if (y != y or i in curve.breaks) and current[0]:
            runs.append(current)
            current = ([], [])
    if current[0]:
        runs.append(current)
    return runs


def _clipped(xs: list[float], ys: list[float], lo: float, hi: float):
    """The run cut at one height of the window past its edges: plotext draws
    a line pixel by pixel, so a segment to exp(700) (1e304 rows of pixels
    below a window of a few units) aborted the process (std::bad_alloc). A
    segment that leaves is cut where it crosses that height, so what shows
    in the window keeps its slope; beyond, the run stays at that height."""
    span = hi - lo
    bottom, top = lo - span, hi + span
    out_x: list[float] = []
    out_y: list[float] = []
    for i, (x, y) in enumerate(zip(xs, ys)):
        if i:
            x0, y0 = xs[i - 1], ys[i - 1]
            for edge in (bottom, top):
                if (y0 - edge) * (y - edge) < 0:  # the segment crosses the edge
                    out_x.append(x0 + (edge - y0) / (y - y0) * (x - x0))
                    out_y.append(edge)
        out_x.append(x)
        out_y.append(min(max(y, bottom), top))
    return out_x, out_y


#: how each curve is drawn on a terminal: told apart without colors too
_MARKERS = ["hd", "*", "+", "=", "~", "^", "#", "%", "&", "@", "$"]


def _terminal_marker(label: str) -> str:
    if label.startswith("Taylor"):
        return "."
    for k, marker in enumerate(_MARKERS):
        if label == _label(k):
            return marker
    return "~"  # pragma: no cover - the orders stop at MAX_PLOT_ORDER


def terminal_text(data: PlotData, width: int = 80, height: int = 20, color: bool = False) -> str:
    """The plot drawn by plotext as text (ANSI colors only with ``color``)."""
    import plotext

    fig = plotext.figure
    fig.clear()
    plotext.terminal.limit(False, False)
    fig.plot_size(width, height)
    for curve in data.curves:
        first = True
        marker = _terminal_marker(curve.label)
        for xs, ys in _segments(data.xs, curve):
            if data.ylim is not None:
                xs, ys = _clipped(xs, ys, *data.ylim)
            signal = fig.signal(xs, ys, marker=marker).lines()
            if first:
                signal.label(curve.label)
                first = False
            fig.draw(signal)
    for kind in ("kink", "jump"):
        chosen = [(x, y) for x, y, k in data.marks if k == kind]
        if chosen:
            marker = "X" if kind == "kink" else "O"
            signal = fig.signal([x for x, _ in chosen], [y for _, y in chosen], marker=marker)
            fig.draw(signal.label(kind))
    if data.ylim is not None:
        fig.ruler("y").lim(*data.ylim)
    fig.title(data.title)
    fig.label(data.variable, axis="x")
    fig.legend(active=False)  # inside the canvas it would hide curves: a line below instead
    text = fig.build().string(colorless=not color)
    fig.clear()
    lines = [line.rstrip() for line in text.rstrip("\n").split("\n")]
    return "\n".join(lines) + "\n" + legend_line(data) + "\n"


def legend_line(data: PlotData) -> str:
    """``▚ f   * f'   . Taylor order 3 at x = 1   X kink``"""
    items = []
    for curve in data.curves:
        marker = _terminal_marker(curve.label)
        items.append(f"{'▚' if marker == 'hd' else marker} {curve.label}")
    kinds = {k for _x, _y, k in data.marks}
    items.extend(f"{'X' if k == 'kink' else 'O'} {k}" for k in ("kink", "jump") if k in kinds)
    return "   ".join(items)


# ---------------------------------------------------------------------------
# Drawing: matplotlib


def _matplotlib() -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ModeUnavailable(f"plot --output needs matplotlib: {INSTALL_HINT}") from None
    return Figure


def figure(data: PlotData) -> Any:
    """The plot as a matplotlib ``Figure`` (no pyplot, no window)."""
    figure_class = _matplotlib()
    fig = figure_class(figsize=(7.0, 4.2))
    ax = fig.subplots()
    for k, curve in enumerate(data.curves):
        xs: list[float] = []
        ys: list[float] = []
        for run_xs, run_ys in _segments(data.xs, curve):
            if xs:
                xs.append(math.nan)
                ys.append(math.nan)
            xs.extend(run_xs)
            ys.extend(run_ys)
        style = "--" if curve.label.startswith("Taylor") else "-"
        # gid: the SVG group of the curve is <g id="curve-0"> (f), "curve-1" (f') ...
        ax.plot(
            xs, ys, style, label=curve.label, linewidth=1.6 if k == 0 else 1.2, gid=f"curve-{k}"
        )
    for kind, marker in (("kink", "x"), ("jump", "o")):
        chosen = [(x, y) for x, y, k in data.marks if k == kind]
        if chosen:
            ax.plot(
                [x for x, _ in chosen],
                [y for _, y in chosen],
                marker,
                color="black",
                linestyle="none",
                label=kind,
                gid=f"marks-{kind}",
            )
    if data.ylim is not None:
        ax.set_ylim(*data.ylim)
    ax.axhline(0.0, color="0.8", linewidth=0.8, zorder=0)
    ax.set_xlabel(data.variable)
    ax.set_title(data.title)
    ax.grid(True, linewidth=0.4, alpha=0.5)
    ax.legend(loc="best", fontsize="small")
    fig.tight_layout()
    return fig


def save(fig: Any, output: str) -> None:
    """Save ``fig`` by the file's extension (the SVG without a date, so the
    same plot gives the same file)."""
    extension = output.rsplit(".", 1)[-1].lower() if "." in output else ""
    if extension not in FILE_FORMATS:
        raise UsageError(
            f"--output {output}: the file name must end in {', '.join('.' + f for f in FILE_FORMATS)}"
        )
    import matplotlib

    metadata = {"Date": None} if extension in ("svg", "pdf") else {}
    try:
        with matplotlib.rc_context({"svg.hashsalt": "derivcli"}):
            fig.savefig(output, format=extension, metadata=metadata)
    except OSError as exc:
        raise UsageError(f"cannot write --output {output}: {exc.strerror or exc}") from None


def check_output(output: str | None) -> None:
    """A bad file name or a missing matplotlib, before any computation."""
    if output is None:
        return
    extension = output.rsplit(".", 1)[-1].lower() if "." in output else ""
    if extension not in FILE_FORMATS:
        raise UsageError(
            f"--output {output}: the file name must end in {', '.join('.' + f for f in FILE_FORMATS)}"
        )
    _matplotlib()


def plot_figure(expression: str | Program, *, output: str | None = None, **options: Any) -> Any:
    """The matplotlib figure of the plot (saved to ``output`` if given)."""
    check_output(output)
    _matplotlib()
    data = plot_data(expression, **options)
    fig = figure(data)
    if output is not None:
        save(fig, output)
    return fig
