"""``derivcli taylor``: Taylor polynomials around a point.

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
    _point,
    _read_expression,
    cli,
)


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
    from ..expansion import table_text, taylor_at, to_json

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
