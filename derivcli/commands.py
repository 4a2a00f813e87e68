"""The commands beyond one derivative at one point: ``diff``, ``compare``,
``functions``, ``trace``, ``graph``, ``taylor`` and ``plot``. They register
on :data:`derivcli.cli.cli` when this module is imported, which the group
does when one of them is asked for (or for the help listing): the common
commands (``eval``, ``grad``, ``hessian``, ``jacobian``) start without
building these seven and their ~40 options (6M instructions, about 2 ms).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

import click

from .api import MAX_ORDER
from .backends import MODES
from .cli import (
    CONTEXT,
    EXIT_MATH,
    _at_option,
    _check_stdin,
    _compare_format_option,
    _echo,
    _emit,
    _expression_argument,
    _fail,
    _let_option,
    _point,
    _read_expression,
    cli,
)
from .errors import UsageError


@cli.command("diff", context_settings=CONTEXT)
@_expression_argument
@_let_option
@click.option(
    "--wrt",
    metavar="X,Y,...",
    help="Differentiate by these variables in this order: --wrt x,y is d2f/dxdy "
    "(default: the whole gradient, one line per variable).",
)
@click.option(
    "--order",
    type=click.IntRange(min=1, max=MAX_ORDER),
    default=None,
    metavar="N",
    help="The order of the derivative, 1 to 1000: repeats the last --wrt variable "
    "(--wrt x --order 3).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["infix", "latex", "json", "program"]),
    default="infix",
    show_default=True,
    help="infix (parses back as an expression), latex, json, or program (one line per "
    "shared node: t1 = sin(x), ..., the result last). Text over 1 MB is printed as a "
    "program, with a note.",
)
@click.option("--stats", is_flag=True, help="Report node counts (on stderr, or in the JSON).")
@click.option(
    "--steps",
    is_flag=True,
    help="Show the derivative as the rules a textbook applies (sum, product, chain, ...), "
    "one line per rule; the last line is the answer. One variable, first order.",
)
def diff_command(
    expression: str, wrt: str | None, order: int | None, fmt: str, stats: bool, steps: bool
) -> None:
    """The symbolic derivative of EXPRESSION, exact and simplified.

    \b
    Examples:
      derivcli diff "x*x*y + y + 2" --wrt x            # 2*x*y
      derivcli diff "x*x*y + y + 2" --wrt y            # x^2 + 1
      derivcli diff "x*x*y + y + 2" --wrt x,y          # 2*x   (d2f/dxdy)
      derivcli diff "x^3" --wrt x --order 3            # 6
      derivcli diff "sin(x^2)" --wrt x --format latex  # 2 x \\cos\\left(x^{2}\\right)
      derivcli diff "x*x*y + y + 2"                    # the gradient, a line per variable
      derivcli diff "sin(sin(sin(x)))" --format program  # t1 = sin(x), then the result
      derivcli diff "x^2*sin(x)" --wrt x --steps       # product rule, power rule, ...
    """
    from . import render
    from .api import as_graph, derivative_of, symbolic_gradient

    graph = as_graph(_read_expression(expression))
    if steps:
        _diff_steps(graph, wrt, order, fmt, stats)
        return
    gradient = wrt is None
    if gradient and order is not None:
        if len(graph.variables) != 1:
            raise click.UsageError("--order needs --wrt to say which variable, e.g. --wrt x")
        wrt, gradient = graph.variables[0], False
    if gradient:
        results = symbolic_gradient(graph, stats=stats, form=fmt)
        if not results:
            _echo("Warning: the expression has no variables; its gradient is empty", err=True)
    else:
        results = [derivative_of(graph, wrt, order=order, stats=stats, form=fmt)]
    for d in results:
        for warning in d.warnings:
            _echo(f"Warning: {warning}", err=True)
    _echo(render.derivatives_text(results, fmt, gradient), nl=False)
    if stats and fmt != "json":
        for d in results:
            _echo(render.stats_text(d), err=True)


EXIT_DISAGREE = 4


@cli.command("compare", context_settings=CONTEXT)
@_expression_argument
@_let_option
@_at_option
@click.option(
    "--modes",
    default="all",
    show_default=True,
    metavar="all|MODE,...",
    help=f"The modes to run, in this order: 'all' or some of {', '.join(MODES)}.",
)
@click.option("--hessian", is_flag=True, help="Compare Hessians instead of gradients.")
@click.option(
    "--jacobian",
    is_flag=True,
    help="Compare Jacobians of every output (forward vs reverse cost, measured).",
)
@click.option(
    "--wrt",
    metavar="X,Y,...",
    help="Variables to differentiate by, in this order (default: all, "
    "in order of first appearance).",
)
@click.option(
    "--check",
    is_flag=True,
    help="Exit with code 4 when a mode differs from the reference beyond its tolerance.",
)
@click.option(
    "--tolerance",
    type=float,
    default=None,
    metavar="T",
    help="Relative tolerance for every mode (absolute below 1) [default: 1e-12 for the "
    "exact modes, the numeric mode's own error estimate for numeric].",
)
@_compare_format_option
def compare_command(
    expression: str | None,
    at: tuple[str, ...],
    modes: str,
    hessian: bool,
    jacobian: bool,
    wrt: str | None,
    check: bool,
    tolerance: float | None,
    fmt: str,
) -> None:
    """Every mode side by side, measured against the correctly rounded (mpmath) result.

    One row per mode: the value, each derivative, the largest error against
    the mpmath mode (absolute and in ulps), the median time of the
    computation and its cost (evaluations of f or passes over the graph).
    A mode that cannot run here is listed as skipped.

    \b
    Examples:
      derivcli compare "x*x*y + y + 2" --at x=3,y=4
      derivcli compare "sin(x^2)" --at x=3 --modes numeric,dual,reverse
      derivcli compare "x*x*y + y + 2" --at x=3,y=4 --hessian
      derivcli compare "x*y, x + y, sin(x)" --at x=1,y=2 --jacobian
      derivcli compare "x*x*y + y + 2" --at x=3,y=4 --format json
      derivcli compare "x*x*y + y + 2" --at x=3,y=4 --check --tolerance 1e-9

    \b
    Exit codes: 0 every mode agrees (or --check not given); 4 with --check,
    some mode differs from the reference by more than its tolerance: 1e-12
    relative for the exact modes, the numeric mode's own error estimate for
    numeric, or --tolerance T for every mode; 1 with --check when no mode
    ran (all skipped), and 1 and 2 as for every command.
    """
    from .compare import compare, parse_modes

    _check_stdin(expression, at)
    result = compare(
        _read_expression(expression),
        _point(at),
        modes=parse_modes(modes),
        wrt=wrt,
        hessian=hessian,
        jacobian=jacobian,
        tolerance=tolerance,
    )
    _emit(result, fmt)
    if check and all(row.skipped is not None for row in result.rows):
        _fail("compare --check ran no mode (every one was skipped), so nothing was checked; "
              "add a mode that runs here to --modes", code=EXIT_MATH)  # fmt: skip
    if check and not result.agree:
        late = result.disagreeing
        _echo(
            f"Disagreement: {', '.join(late)} {'differs' if len(late) == 1 else 'differ'} "
            f"from {result.reference} beyond the tolerance (exit code {EXIT_DISAGREE})",
            err=True,
        )
        sys.exit(EXIT_DISAGREE)


@cli.command("functions", context_settings=CONTEXT)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table for people, json for scripts and editors.",
)
def functions_command(fmt: str) -> None:
    """The expression language: every function with its derivative, the
    constants, and the operators from the loosest to the tightest.

    Generated from derivcli's own table of primitives, so it is always the
    language this version reads.

    \b
    Examples:
      derivcli functions
      derivcli functions --format json
    """
    from .language import language, language_text

    if fmt == "json":
        import json

        _echo(json.dumps(language(), ensure_ascii=False))
    else:
        _echo(language_text(), nl=False)


# --- issue 14: seeing how a derivative is made (trace, graph)


def _limit_option(f: Callable) -> Callable:
    return click.option(
        "--limit",
        type=click.IntRange(min=1),
        default=None,
        metavar="N",
        help="Rows shown before the rest is counted [default: 200]; JSON, DOT and Mermaid "
        "are always whole.",
    )(f)


@cli.command("trace", context_settings=CONTEXT)
@_expression_argument
@_at_option
@click.option(
    "--wrt",
    metavar="X,Y,...",
    help="forward/dual: the variable seeded with 1 (default: the first); reverse: the "
    "variables whose adjoints are reported (default: all).",
)
@click.option(
    "--mode",
    type=click.Choice(["forward", "dual", "reverse"]),
    default="reverse",
    show_default=True,
    help="Whose sweep to show: tangents, dual numbers, or the backward sweep of adjoints.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "latex"]),
    default="table",
    show_default=True,
    help="table for people, json (every row) for scripts, latex (an align* environment).",
)
@_limit_option
def trace_command(
    expression: str | None,
    at: tuple[str, ...],
    wrt: str | None,
    mode: str,
    fmt: str,
    limit: int | None,
) -> None:
    """The evaluation trace: every step of the program with its value and the
    mode's chain-rule products written out.

    One row per step (s1, s2, ...: shared sub-expressions once), the operation
    in terms of earlier steps, its value and the mode's quantity: the tangent
    with each local partial times the incoming tangent (forward), the dual
    number (dual), or, after the values, the backward sweep with each
    contribution x̄ += s̄·∂s/∂x (reverse). The last line is the derivative.
    With several outputs, forward and dual give each output's derivative
    from the one sweep; reverse runs one backward sweep per output.

    \b
    Examples:
      derivcli trace "sin(x^2)" --at x=3 --mode forward        # ṡ1 = (2*x)·ẋ = 6, ...
      derivcli trace "x*x*y + y + 2" --at x=3,y=4 --mode reverse
      derivcli trace "x*x*y + y + 2" --at x=3,y=4 --mode dual --wrt y
      derivcli trace "sin(x^2)" --at x=3 --format latex
    """
    from . import trace

    _check_stdin(expression, at)
    shown = trace.DEFAULT_LIMIT if limit is None else limit
    result = trace.trace_at(
        _read_expression(expression),
        _point(at),
        mode=mode,
        wrt=wrt,
        limit=None if fmt == "json" else shown,
    )
    for warning in result.warnings:
        _echo(f"Warning: {warning}", err=True)
    if fmt == "json":
        import json

        _echo(json.dumps(trace.to_dict(result), allow_nan=False, ensure_ascii=False))
    elif fmt == "latex":
        _echo(trace.to_latex(result), nl=False)
    else:
        _echo(trace.table_text(result, sys.stdout), nl=False)


@cli.command("graph", context_settings=CONTEXT)
@_expression_argument
@_at_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["tree", "dot", "mermaid"]),
    default="tree",
    show_default=True,
    help="tree (indented, for the terminal), dot (graphviz: | dot -Tsvg > f.svg) or "
    "mermaid (a flowchart for Markdown).",
)
@_limit_option
def graph_command(expression: str | None, at: tuple[str, ...], fmt: str, limit: int | None) -> None:
    """The computational graph of EXPRESSION: one node per distinct
    sub-expression, an edge from each argument to the step that uses it.

    With --at every node carries its value and (one output) its adjoint from
    the reverse sweep. In the tree a step met again is shown by reference
    (→ s3): the graph is a DAG, each step is drawn once.

    \b
    Examples:
      derivcli graph "x*x*y + y + 2"
      derivcli graph "x*x*y + y + 2" --at x=3,y=4
      derivcli graph "x*x*y + y + 2" --at x=3,y=4 --format dot | dot -Tsvg > f.svg
      derivcli graph "sin(x^2)" --format mermaid
    """
    from . import drawing
    from .api import as_graph
    from .trace import DEFAULT_LIMIT

    _check_stdin(expression, at)
    program = as_graph(_read_expression(expression))
    d = drawing.drawing(program, _point(at) if at else None)
    for warning in d.warnings:
        _echo(f"Warning: {warning}", err=True)
    if fmt == "dot":
        _echo(drawing.to_dot(d), nl=False)
    elif fmt == "mermaid":
        _echo(drawing.to_mermaid(d), nl=False)
    else:
        lines = drawing.tree_lines(d, DEFAULT_LIMIT if limit is None else limit)
        _echo("\n".join(lines))


def _diff_steps(graph: Any, wrt: str | None, order: int | None, fmt: str, stats: bool) -> None:
    """``diff --steps``: the rules, one line each (text, latex or json)."""
    from .steps import derivative_steps, steps_dict, steps_latex, steps_text

    if order not in (None, 1) or (wrt is not None and "," in wrt):
        raise UsageError("--steps shows a first derivative by one variable; drop --order or "
                         "give one name to --wrt")  # fmt: skip
    if fmt == "program" or stats:
        raise UsageError("--steps writes infix, latex or json; drop --format program and --stats")
    if wrt is None:
        if len(graph.variables) != 1:
            names = ", ".join(graph.variables) or "none"
            raise UsageError(f"--steps needs --wrt to say which variable (the expression has: "
                             f"{names}), e.g. --wrt {(graph.variables or ('x',))[0]}")  # fmt: skip
        wrt = graph.variables[0]
    from .point import check_name

    result = derivative_steps(graph, check_name(wrt.strip(), "--wrt"))
    for warning in result.warnings:
        _echo(f"Warning: {warning}", err=True)
    if fmt == "json":
        import json

        _echo(json.dumps(steps_dict(result), ensure_ascii=False))
    elif fmt == "latex":
        _echo(steps_latex(result), nl=False)
    else:
        _echo(steps_text(result), nl=False)


# --- issue 16: Taylor polynomials and plots


@cli.command("taylor", context_settings=CONTEXT)
@_expression_argument
@_at_option
@click.option(
    "--order",
    type=click.IntRange(min=0, max=40),
    default=2,
    show_default=True,
    metavar="K",
    help="The total degree of the polynomial, 0 to 40.",
)
@click.option(
    "--wrt",
    metavar="X,Y,...",
    help="Expand in these variables, in this order (default: all); the others stay at "
    "their --at values.",
)
@click.option(
    "--radius",
    type=float,
    default=None,
    metavar="R",
    help="Also estimate the remainder on the box |x - a| <= R: the size of the first "
    "omitted terms (orders K + 1 and K + 2, the larger).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "infix", "latex", "json"]),
    default="table",
    show_default=True,
    help="table (each coefficient and partial derivative), infix (the polynomial as an "
    "expression that parses back), latex, or json (coefficient per monomial).",
)
def taylor_command(
    expression: str | None,
    at: tuple[str, ...],
    order: int,
    wrt: str | None,
    radius: float | None,
    fmt: str,
) -> None:
    """The Taylor polynomial of EXPRESSION around a point, in one or several variables.

    The coefficients are exact (the partial derivatives of the exact modes,
    divided by the factorials), computed by truncated Taylor arithmetic over
    the expression's graph. The polynomial is written in powers of (x - a):
    (x - 1)^2 around x = 1, x^2 around x = 0. JSON keys name the monomials:
    "1", "x", "x^2*y", ...

    \b
    Examples:
      derivcli taylor "exp(x)*sin(y)" --at x=0,y=0 --order 4
      derivcli taylor "sqrt(1 + x)" --at x=0 --order 6 --format latex
      derivcli taylor "log(x)" --at x=1 --order 5 --format json
      derivcli taylor "cos(x)" --at x=0 --order 4 --radius 0.5
    """
    from .expansion import table_text, taylor_at, to_json

    _check_stdin(expression, at)
    result = taylor_at(
        _read_expression(expression), _point(at), order=order, wrt=wrt, radius=radius
    )
    for warning in result.warnings:
        _echo(f"Warning: {warning}", err=True)
    if fmt == "json":
        _echo(to_json(result))
    elif fmt == "infix":
        _echo(result.polynomial)
    elif fmt == "latex":
        _echo(result.latex)
    else:
        _echo(table_text(result, sys.stdout), nl=False)


@cli.command("plot", context_settings=CONTEXT)
@_expression_argument
@click.option(
    "--wrt",
    metavar="X",
    help="The variable across (needed when the expression has several).",
)
@click.option("--from", "start", type=float, default=-5.0, show_default=True, metavar="A",
              help="The left end of the interval.")  # fmt: skip
@click.option("--to", "stop", type=float, default=5.0, show_default=True, metavar="B",
              help="The right end of the interval.")  # fmt: skip
@click.option(
    "--order",
    type=click.IntRange(min=0, max=10),
    default=1,
    show_default=True,
    metavar="K",
    help="Plot f and its derivatives of order 1 to K (0: f alone).",
)
@click.option(
    "--taylor",
    type=click.IntRange(min=0, max=40),
    default=None,
    metavar="N",
    help="Also plot the Taylor polynomial of order N around the --at value of the variable.",
)
@_at_option
@click.option(
    "--output",
    metavar="FILE",
    default=None,
    help="Write the plot to FILE.svg, .png or .pdf (needs matplotlib: "
    "pip install 'derivcli[plot]') instead of drawing it on the terminal.",
)
@click.option(
    "--points",
    type=click.IntRange(min=2, max=100_000),
    default=401,
    show_default=True,
    metavar="N",
    help="How many points of the interval are evaluated.",
)
def plot_command(
    expression: str | None,
    wrt: str | None,
    start: float,
    stop: float,
    order: int,
    taylor: int | None,
    at: tuple[str, ...],
    output: str | None,
    points: int,
) -> None:
    """Plot EXPRESSION and its derivatives over an interval, on the terminal or into a file.

    The derivatives are the exact (symbolic forward) ones; where f is
    undefined the curves have gaps; kinks (X) and jumps (O) of f are marked.
    Other variables stay at their --at values; with --taylor, --at gives the
    point of the expansion too.

    \b
    Examples:
      derivcli plot "sin(x^2)" --wrt x --from -3 --to 3
      derivcli plot "sin(x^2)" --from -3 --to 3 --order 2 --taylor 3 --at x=1
      derivcli plot "sin(x^2)" --from -3 --to 3 --taylor 3 --at x=1 --output plot.svg
      derivcli plot "x*y^2 + abs(x)" --wrt x --at y=0.5
    """
    import shutil

    from .plotting import check_output, figure, plot_data, save, terminal_text

    _check_stdin(expression, at)
    text = _read_expression(expression)
    point = _point(at)
    check_output(output)  # a bad name or no matplotlib: before any computation
    data = plot_data(
        text, wrt=wrt, start=start, stop=stop, order=order, taylor=taylor, point=point,
        points=points,
    )  # fmt: skip
    for warning in data.warnings:
        _echo(f"Warning: {warning}", err=True)
    if output is not None:
        save(figure(data), output)
        _echo(f"Wrote {output}: {', '.join(c.label for c in data.curves)}")
        return
    terminal = _stdout_is_terminal()
    if terminal:
        size = shutil.get_terminal_size()
        width, height = size.columns, size.lines - 4
    else:  # a pipe: a fixed size, unless COLUMNS and LINES say otherwise
        width = _environment_number("COLUMNS", 80)
        height = _environment_number("LINES", 24) - 4
    color = terminal and not os.environ.get("NO_COLOR")
    _echo(terminal_text(data, max(40, min(width, 240)), max(10, min(height, 60)), color), nl=False)


def _stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _environment_number(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, ""))
    except ValueError:
        return default
