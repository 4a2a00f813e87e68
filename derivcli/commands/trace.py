"""``derivcli trace``: the evaluation trace (Wengert list) of a mode, step by step.

One module per command: the group (:class:`derivcli.cli._Group`) imports
it when the command is asked for, so a command builds only its own options.
"""

from __future__ import annotations

import sys

import click

from ..cli import (
    CONTEXT,
    _at_option,
    _check_stdin,
    _echo,
    _expression_argument,
    _limit_option,
    _point,
    _read_expression,
    cli,
)


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
    from .. import trace

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
