"""The command line: click commands that wire the parser, the modes and the
renderers together. Only this module knows about exit codes:

  0  success
  1  the mathematics failed at the point (domain error), or a mode is
     unavailable here
  2  bad usage, or an expression that does not parse
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from typing import Any

import click

from . import __version__
from .backends import DEFAULT_MODE, MODES
from .backends.numeric import SCHEMES
from .errors import DerivError
from .render import FORMATS

EXIT_OK, EXIT_MATH, EXIT_USAGE = 0, 1, 2


def _fail(message: str, detail: str = "", code: int = EXIT_USAGE) -> None:
    click.echo(f"Error: {message}", err=True)
    if detail:
        click.echo(detail, err=True)
    sys.exit(code)


class _Group(click.Group):
    """Turns every ``DerivError`` into ``Error: ...`` on stderr and its exit
    code; any other exception is a bug, reported in one line (the traceback
    only with ``DERIVCLI_DEBUG=1``)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DerivError as exc:
            if os.environ.get("DERIVCLI_DEBUG"):
                traceback.print_exc()
            _fail(exc.message, exc.detail, exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            _fail("interrupted", code=130)
        except MemoryError:
            _fail("out of memory; the expression or the request is too large", code=EXIT_MATH)
        except Exception as exc:  # a bug: say so, briefly
            if os.environ.get("DERIVCLI_DEBUG"):
                traceback.print_exc()
            _fail(
                f"internal error ({type(exc).__name__}: {exc}); "
                "please report it; DERIVCLI_DEBUG=1 shows the traceback",
                code=EXIT_MATH,
            )


CONTEXT = {
    "help_option_names": ["-h", "--help"],
    "max_content_width": 100,
    # lets an expression start with '-' ("-x^2") without a '--' before it
    "ignore_unknown_options": True,
}


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="derivcli")
def cli() -> None:
    """derivcli: values, gradients and Hessians of formulas, five ways.

    \b
      derivcli eval    "x*x*y + y + 2" --at x=3,y=4      # 42
      derivcli grad    "x*x*y + y + 2" --at x=3,y=4      # x: 24, y: 10
      derivcli hessian "x*x*y + y + 2" --at x=3,y=4      # [[8, 6], [6, 0]]

    Modes (--mode): numeric (finite differences), forward, dual, reverse
    (the default, backpropagation) and tensorflow. Output (--format): a
    table, json or csv. Exit codes: 0 success, 1 the mathematics failed at
    the point or a mode is unavailable, 2 bad usage or an expression that
    does not parse. Run 'derivcli COMMAND --help' for examples.
    """


# ---------------------------------------------------------------------------
# Options shared by the commands


def _expression_argument(f: Callable) -> Callable:
    return click.argument("expression", metavar="EXPRESSION")(f)


def _at_option(f: Callable) -> Callable:
    return click.option(
        "--at",
        "at",
        multiple=True,
        metavar="NAME=VALUE,...",
        help="The point: --at x=3,y=4 (repeat to merge; values may be constant "
        "expressions such as pi/4); --at @FILE reads NAME=VALUE pairs from a file.",
    )(f)


def _format_option(f: Callable) -> Callable:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="table",
        show_default=True,
        help="table for people, json or csv for scripts.",
    )(f)


def _derivative_options(f: Callable) -> Callable:
    options = [
        click.option(
            "--wrt",
            metavar="X,Y,...",
            help="Variables to differentiate by, in this order (default: all, "
            "in order of first appearance).",
        ),
        click.option(
            "--mode",
            type=click.Choice(MODES),
            default=DEFAULT_MODE,
            show_default=True,
            help="How to differentiate.",
        ),
        click.option(
            "--scheme",
            type=click.Choice(SCHEMES),
            default=None,
            help="numeric mode: forward, central or richardson differences [default: richardson].",
        ),
        click.option(
            "--step",
            type=float,
            default=None,
            metavar="H",
            help="numeric mode: the step h (default: scaled to |x|, never 0).",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _read_expression(expression: str) -> str:
    if expression == "-":
        return sys.stdin.read()
    return expression


def _point(at: tuple[str, ...]) -> dict[str, float]:
    from .point import parse_point

    return parse_point(at)


def _emit(result: Any, fmt: str) -> None:
    from . import render

    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    if fmt == "json":
        click.echo(render.to_json(result))
    elif fmt == "csv":
        click.echo(render.to_csv(result), nl=False)
    else:
        render.print_table(result, file=sys.stdout)


def _check_stdin(expression: str, at: tuple[str, ...]) -> None:
    if expression == "-" and "@-" in at:
        raise click.UsageError(
            "standard input can hold the expression or the point, not both; "
            "put the point in a file: --at @FILE"
        )


# ---------------------------------------------------------------------------
# Commands


@cli.command("eval", context_settings=CONTEXT)
@_expression_argument
@_at_option
@_format_option
def eval_command(expression: str, at: tuple[str, ...], fmt: str) -> None:
    """Evaluate EXPRESSION at a point.

    \b
    Examples:
      derivcli eval "x*x*y + y + 2" --at x=3,y=4        # 42
      derivcli eval "sin(x)^2 + cos(x)^2" --at x=pi/4
      derivcli eval - --at @point.txt < formula.txt      # long inputs
    """
    from .api import evaluate_at

    _check_stdin(expression, at)
    _emit(evaluate_at(_read_expression(expression), _point(at)), fmt)


@cli.command("grad", context_settings=CONTEXT)
@_expression_argument
@_at_option
@_derivative_options
@_format_option
def grad_command(
    expression: str,
    at: tuple[str, ...],
    wrt: str | None,
    mode: str,
    scheme: str | None,
    step: float | None,
    fmt: str,
) -> None:
    """The gradient of EXPRESSION at a point.

    \b
    Examples:
      derivcli grad "x*x*y + y + 2" --at x=3,y=4                  # x: 24, y: 10
      derivcli grad "x*x*y + y + 2" --at x=3,y=4 --mode numeric
      derivcli grad "x*x*y + y + 2" --at x=3,y=4 --mode numeric --scheme forward --step 1e-4
      derivcli grad "sin(x^2)" --at x=3 --format json
      derivcli grad "x*x*y + y + 2" --at x=3,y=4 --wrt y
    """
    from .api import gradient_at

    _check_stdin(expression, at)
    result = gradient_at(
        _read_expression(expression), _point(at), wrt=wrt, mode=mode, scheme=scheme, step=step
    )
    _emit(result, fmt)


@cli.command("hessian", context_settings=CONTEXT)
@_expression_argument
@_at_option
@_derivative_options
@_format_option
def hessian_command(
    expression: str,
    at: tuple[str, ...],
    wrt: str | None,
    mode: str,
    scheme: str | None,
    step: float | None,
    fmt: str,
) -> None:
    """The Hessian (matrix of second derivatives) of EXPRESSION at a point.

    \b
    Examples:
      derivcli hessian "x*x*y + y + 2" --at x=3,y=4               # [[8, 6], [6, 0]]
      derivcli hessian "x*x*y + y + 2" --at x=3,y=4 --mode numeric
      derivcli hessian "x*x*y + y + 2" --at x=3,y=4 --format json  # .hessian.x.y
    """
    from .api import hessian_at

    _check_stdin(expression, at)
    result = hessian_at(
        _read_expression(expression), _point(at), wrt=wrt, mode=mode, scheme=scheme, step=step
    )
    _emit(result, fmt)


def main() -> None:
    """The console script ``derivcli``."""
    cli(prog_name="derivcli")
