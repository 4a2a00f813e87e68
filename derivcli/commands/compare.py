"""``derivcli compare``: every mode side by side against the exact reference.

One module per command: the group (:class:`derivcli.cli._Group`) imports
it when the command is asked for, so a command builds only its own options.
"""

from __future__ import annotations

import sys

import click

from ..backends import MODES
from ..cli import (
    CONTEXT,
    EXIT_DISAGREE,
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
    from ..compare import compare, parse_modes

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
