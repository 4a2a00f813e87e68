"""``derivcli plot``: f and its derivatives over an interval.

One module per command: the group (:class:`derivcli.cli._Group`) imports
it when the command is asked for, so a command builds only its own options.
"""

from __future__ import annotations

import os
import sys

import click

from ..cli import (
    CONTEXT,
    _at_option,
    _check_stdin,
    _echo,
    _expression_argument,
    _point,
    _read_expression,
    cli,
)


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

    from ..plotting import check_output, figure, plot_data, save, terminal_text

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
