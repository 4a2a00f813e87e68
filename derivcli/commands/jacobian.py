"""``derivcli jacobian``: the Jacobian of several outputs, uᵀJ with ``--cotangent``.

One module per command: the group (:class:`derivcli.cli._Group`) imports
it when the command is asked for, so a command builds only its own options.
"""

from __future__ import annotations

from typing import Any

import click

from ..cli import (
    CONTEXT,
    _at_option,
    _derivative,
    _derivative_options,
    _expression_argument,
    _let_option,
    _points_format_option,
    _points_given,
    _points_options,
    _product,
    _side_option,
    cli,
)


@cli.command("jacobian", context_settings=CONTEXT)
@_expression_argument
@_let_option
@_at_option
@_derivative_options
@_side_option
@click.option(
    "--cotangent",
    metavar="U1,U2,...",
    default=None,
    help="A cotangent u, one number per output: uᵀ·J (one reverse pass) instead of J.",
)
@_points_options
@_points_format_option
def jacobian_command(expression: str | None, at: tuple[str, ...], fmt: str, **options: Any) -> None:
    """The Jacobian of EXPRESSION's outputs at a point: outputs down, variables across.

    Outputs are separated by commas at the top level and called f1, f2, ...
    unless named (u: x*y, v: x + y).

    \b
    Examples:
      derivcli jacobian "x*y, x + y, sin(x)" --at x=1,y=2         # 3×2
      derivcli jacobian "r*cos(t), r*sin(t)" --at r=2,t=pi/3 --mode forward
      derivcli jacobian "u: x*y, v: x + y" --at x=1,y=2 --format json
      derivcli jacobian "x*y, x + y" --at x=1,y=2 --cotangent 1,-1  # uᵀ·J: one reverse pass
      derivcli jacobian "x*y, x + y" --points points.csv           # df1/dx ... per row
    """
    from ..api import jacobian_at, vjp_at

    if _points_given("jacobian", expression, at, fmt, options, "cotangent"):
        return

    cotangent = options.pop("cotangent")
    if cotangent is not None:
        _product(vjp_at, cotangent, expression, at, fmt, options)
        return
    _derivative(jacobian_at, expression, at, fmt, options)
