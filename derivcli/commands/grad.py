"""``derivcli grad``: the gradient at a point (or at many), J·v with ``--direction``.

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


@cli.command("grad", context_settings=CONTEXT)
@_expression_argument
@_let_option
@_at_option
@_derivative_options
@_side_option
@_direction_option
@_points_options
@_points_format_option
def grad_command(expression: str | None, at: tuple[str, ...], fmt: str, **options: Any) -> None:
    """The gradient of EXPRESSION at a point.

    \b
    Examples:
      derivcli grad "x*x*y + y + 2" --at x=3,y=4                  # x: 24, y: 10
      derivcli grad "x*x*y + y + 2" --at x=3,y=4 --mode numeric
      derivcli grad "x*x*y + y + 2" --at x=3,y=4 --mode numeric --scheme forward --step 1e-4
      derivcli grad "sin(x^2)" --at x=3 --format json
      derivcli grad "x*x*y + y + 2" --at x=3,y=4 --wrt y
      derivcli grad "x^2*y + y" --at x=3,y=4 --direction 1,0.5    # J·v: one forward pass
      derivcli grad "abs(x)" --at x=0 --side right                # 1 (a kink: see README)
      derivcli grad "x*x*y + y + 2" --points points.csv            # a row per point
      seq 0 0.001 10 | sed '1i x' | derivcli grad "sin(x^2)" --points -
    """
    from ..api import gradient_at, jvp_at

    if _points_given("gradient", expression, at, fmt, options, "direction"):
        return
    direction = options.pop("direction")
    if direction is not None:
        _product(jvp_at, direction, expression, at, fmt, options)
        return
    _derivative(gradient_at, expression, at, fmt, options)
