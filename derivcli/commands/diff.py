"""``derivcli diff``: the symbolic derivative, with ``--steps`` the rules that make it.

One module per command: the group (:class:`derivcli.cli._Group`) imports
it when the command is asked for, so a command builds only its own options.
"""

from __future__ import annotations

from typing import Any

import click

from ..api import MAX_ORDER
from ..cli import (
    CONTEXT,
    _echo,
    _expression_argument,
    _let_option,
    _read_expression,
    cli,
)
from ..errors import UsageError


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
    from .. import render
    from ..api import as_graph, derivative_of, symbolic_gradient

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


def _diff_steps(graph: Any, wrt: str | None, order: int | None, fmt: str, stats: bool) -> None:
    """``diff --steps``: the rules, one line each (text, latex or json)."""
    from ..steps import derivative_steps, steps_dict, steps_latex, steps_text

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
    from ..point import check_name

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
