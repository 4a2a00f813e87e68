"""``derivcli eval``: the value of an expression at a point (or at many).

One module per command: the group (:class:`derivcli.cli._Group`) imports
it when the command is asked for, so a command builds only its own options.
"""

from __future__ import annotations

from typing import Any

from ..cli import (
    CONTEXT,
    _at_option,
    _check_stdin,
    _emit,
    _expression_argument,
    _let_option,
    _point,
    _points_format_option,
    _points_given,
    _points_options,
    _read_expression,
    cli,
)


@cli.command("eval", context_settings=CONTEXT)
@_expression_argument
@_let_option
@_at_option
@_points_options
@_points_format_option
def eval_command(expression: str | None, at: tuple[str, ...], fmt: str, **options: Any) -> None:
    """Evaluate EXPRESSION at a point.

    \b
    Examples:
      derivcli eval "x*x*y + y + 2" --at x=3,y=4        # 42
      derivcli eval "sin(x)^2 + cos(x)^2" --at x=pi/4
      derivcli eval - --at @point.txt < formula.txt      # long inputs
      derivcli eval "exp(-x^2)" --points - < xs.csv      # one row per point
    """
    from ..api import evaluate_at

    if _points_given("eval", expression, at, fmt, options):
        return

    _check_stdin(expression, at)
    _emit(evaluate_at(_read_expression(expression), _point(at)), fmt)
