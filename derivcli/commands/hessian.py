"""``derivcli hessian``: the Hessian at a point (or at many), H·v with ``--direction``.

One module per command: the group (:class:`derivcli.cli._Group`) imports
it when the command is asked for, so a command builds only its own options.
"""

from __future__ import annotations

from typing import Any

from ..cli import (
    CONTEXT,
    _at_option,
    _derivative,
    _derivative_options,
    _direction_option,
    _expression_argument,
    _let_option,
    _points_format_option,
    _points_given,
    _points_options,
    _product,
    _side_option,
    cli,
)


@cli.command("hessian", context_settings=CONTEXT)
@_expression_argument
@_let_option
@_at_option
@_derivative_options
@_side_option
@_direction_option
@_points_options
@_points_format_option
def hessian_command(expression: str | None, at: tuple[str, ...], fmt: str, **options: Any) -> None:
    """The Hessian (matrix of second derivatives) of EXPRESSION at a point.

    \b
    Examples:
      derivcli hessian "x*x*y + y + 2" --at x=3,y=4               # [[8, 6], [6, 0]]
      derivcli hessian "x*x*y + y + 2" --at x=3,y=4 --mode numeric
      derivcli hessian "x*x*y + y + 2" --at x=3,y=4 --format json  # .hessian.x.y
      derivcli hessian "x^2*y + y" --at x=3,y=4 --direction 1,0   # H·v, forward over reverse
      derivcli hessian "sin(x*y)" --points grid.csv --format csv  # d2/dxdy ... per row
    """
    from ..api import hessian_at, hvp_at

    if _points_given("hessian", expression, at, fmt, options, "direction"):
        return
    direction = options.pop("direction")
    if direction is not None:
        _product(hvp_at, direction, expression, at, fmt, options)
        return
    _derivative(hessian_at, expression, at, fmt, options)
