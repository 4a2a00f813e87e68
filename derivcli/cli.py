"""The command line: the click group, and the options and helpers that the
commands (``derivcli/commands/``, one module each, imported when asked
for) share to wire the parser, the modes and the renderers together. Only
this module (and the commands, through its ``EXIT_*`` names) knows about
exit codes:

  0  success
  1  the mathematics failed at the point (domain error), or a mode is
     unavailable here
  2  bad usage, or an expression that does not parse
  4  disagreement found by compare --check
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from typing import Any

import click

from . import __version__
from .backends import DEFAULT_MODE, MODE_OPTIONS, MODES
from .errors import DerivError, UsageError
from .render import COMPARE_FORMATS, FORMATS

EXIT_OK, EXIT_MATH, EXIT_USAGE, EXIT_DISAGREE = 0, 1, 2, 4


def _fail(message: str, detail: str = "", code: int = EXIT_USAGE) -> None:
    _echo(f"Error: {message}", err=True)
    if detail:
        _echo(detail, err=True)
    sys.exit(code)


def _show_help(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(ctx.get_help(), color=ctx.color)
        ctx.exit()


class _HelpOption:
    """``-h/--help`` as click makes it, with its text given: click looks its
    default text up in translation catalogs when it makes the option, which
    imports ``locale`` and searches for catalog files at every start (about
    1.5 ms); derivcli's texts are English, as click's own default."""

    _derivcli_help: click.Option | None = None

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        if self._derivcli_help is None:
            names = self.get_help_option_names(ctx)  # type: ignore[attr-defined]
            if not names or not self.add_help_option:  # type: ignore[attr-defined]
                return None
            self._derivcli_help = click.Option(
                names,
                is_flag=True,
                expose_value=False,
                is_eager=True,
                callback=_show_help,
                help="Show this message and exit.",
            )
        return self._derivcli_help


class _Group(_HelpOption, click.Group):
    """Turns every ``DerivError`` into ``Error: ...`` on stderr and its exit
    code; any other exception is a bug, reported in one line (the traceback
    only with ``DERIVCLI_DEBUG=1``)."""

    #: every command: ``derivcli/commands/<name>.py`` defines it, imported
    #: when the command is asked for (the others are never built)
    NAMES = (
        "compare",
        "diff",
        "eval",
        "functions",
        "grad",
        "graph",
        "hessian",
        "jacobian",
        "plot",
        "taylor",
        "trace",
    )

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.NAMES})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            import importlib

            # one command's module; for a name that is no command, every
            # module (click's "Did you mean" looks among those it holds)
            for name in (cmd_name,) if cmd_name in self.NAMES else self.NAMES:
                importlib.import_module(f"{__package__}.commands.{name}")
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            result = super().invoke(ctx)
            sys.stdout.flush()  # a closed pipe shows here, not at exit
            return result
        except DerivError as exc:
            if os.environ.get("DERIVCLI_DEBUG"):
                import traceback  # only with DERIVCLI_DEBUG

                traceback.print_exc()
            _fail(exc.message, exc.detail, exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            _fail("interrupted", code=130)
        except BrokenPipeError:  # the reader went away (| head): stop quietly
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(141)
        except MemoryError:
            _fail("out of memory; the expression or the request is too large", code=EXIT_MATH)
        except Exception as exc:  # a bug: say so, briefly
            if os.environ.get("DERIVCLI_DEBUG"):
                import traceback  # only with DERIVCLI_DEBUG

                traceback.print_exc()
            _fail(
                f"internal error ({type(exc).__name__}: {exc}); "
                "please report it; DERIVCLI_DEBUG=1 shows the traceback",
                code=EXIT_MATH,
            )


CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

#: the short name of each common option, on every command that has it
SHORT_NAMES = {"--at": "-a", "--wrt": "-w", "--mode": "-m", "--format": "-f"}

COMMAND_EPILOG = (
    "The language (functions, constants, operators and precedence): derivcli functions. "
    "EXPRESSION may start with '-' (-x^2); '-' or no EXPRESSION with a pipe reads it "
    "from standard input."
)


def _echo(text: str, *, err: bool = False, nl: bool = True) -> None:
    """``click.echo``, in ASCII for a stream that cannot show more
    (``PYTHONIOENCODING=ascii``): ``±`` is ``+/-``, ``µs`` is ``us``."""
    from .numbers import register_ascii_fallback

    stream = sys.stderr if err else sys.stdout
    encoding = (getattr(stream, "encoding", None) or "utf-8").lower().replace("-", "")
    if not encoding.startswith("utf"):
        try:
            text = text.encode(encoding, errors=register_ascii_fallback()).decode(encoding)
        except LookupError:  # an encoding Python does not know: ASCII is safe
            text = text.encode("ascii", errors=register_ascii_fallback()).decode("ascii")
    click.echo(text, file=None if err else _WholeWrites(sys.stdout), err=err, nl=nl)


class _WholeWrites:
    """A text stream whose ``write`` gets every byte out or raises.

    CPython's buffered writer reports a short write (the reader of a pipe
    went away in the middle of a large write: ``| head -1``) only by its
    return value, which ``click.echo`` ignores: the output was silently cut
    and the exit code 0. Here the rest is written again, so the closed pipe
    raises ``BrokenPipeError`` and the command exits 141 like the others."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        binary = getattr(self._stream, "buffer", None)
        if binary is None:
            return self._stream.write(text)
        self._stream.flush()
        data = memoryview(
            text.encode(self._stream.encoding or "utf-8", self._stream.errors or "strict")
        )
        while data:
            written = binary.write(data)
            if not written:  # nothing more goes out: the reader is gone
                raise BrokenPipeError(32, "Broken pipe")
            data = data[written:]
        binary.flush()
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


#: what a long option looks like (``--word``, ``--word=value``); ``--5``,
#: ``--(x)`` or ``--x^2 + 1`` is an expression
_LONG_OPTION = re.compile(r"--[A-Za-z][\w-]*(?:=|\Z)")


def _expression_last(args: list[str], valued: set[str], known: set[str]) -> list[str]:
    """``args`` with every argument that starts with '-' but is not an option
    moved behind a ``--``, so click reads it as the EXPRESSION wherever it
    stands: ``grad -sinh(x) --at x=1`` and ``grad --at x=1 -sinh(x)`` alike.

    An option is ``--word`` (known or not: a mistyped one gets click's "No
    such option ... Did you mean") or exactly a known short option (``-a``);
    ``valued`` options take the next argument as their value, whatever it is.
    A ``--`` already given leaves everything as it is.
    """
    if "--" in args:
        return args
    kept: list[str] = []
    moved: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in valued:
            kept.extend(args[i : i + 2])
            i += 2
            continue
        if _LONG_OPTION.match(arg) or arg in known or arg == "-" or not arg.startswith("-"):
            kept.append(arg)
        else:
            moved.append(arg)
        i += 1
    return kept + ["--", *moved] if moved else kept


def _show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(f"derivcli, version {__version__}")
        ctx.exit()


class _Command(_HelpOption, click.Command):
    """Every command: the short option names of ``SHORT_NAMES``, ``-V``, an
    epilog that points at ``derivcli functions``, and an EXPRESSION that may
    start with '-'."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if isinstance(param, click.Option):
                for long, short in SHORT_NAMES.items():
                    if long in param.opts and short not in param.opts:
                        param.opts.insert(0, short)
        self.params.append(
            click.Option(
                ["-V", "--version"],
                is_flag=True,
                expose_value=False,
                is_eager=True,
                callback=_show_version,
                help="Show the version and exit.",
            )
        )
        if self.epilog is None and self.name != "functions":
            self.epilog = COMMAND_EPILOG

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        valued: set[str] = set()
        known: set[str] = set()
        for param in self.get_params(ctx):
            if isinstance(param, click.Option):
                names = [*param.opts, *param.secondary_opts]
                known.update(names)
                if not (param.is_flag or param.count):
                    valued.update(names)
        return super().parse_args(ctx, _expression_last(args, valued, known))


@click.group(cls=_Group, context_settings=CONTEXT)
@click.option(  # (click.version_option looks its texts up in translation catalogs)
    "-V",
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show_version,
    help="Show the version and exit.",
)
def cli() -> None:
    """derivcli: values, gradients, Hessians and Jacobians of formulas, six ways.

    \b
      derivcli eval    "x*x*y + y + 2" --at x=3,y=4      # 42
      derivcli grad    "x*x*y + y + 2" --at x=3,y=4      # x: 24, y: 10
      derivcli hessian "x*x*y + y + 2" --at x=3,y=4      # [[8, 6], [6, 0]]
      derivcli jacobian "x*y, x + y" --at x=1,y=2        # [[2, 1], [1, 1]]
      derivcli diff    "x*x*y + y + 2" --wrt x           # 2*x*y
      derivcli compare "sin(x^2)" --at x=3               # every mode side by side
      derivcli grad "x*y" --points points.csv            # one row per point
      derivcli trace "sin(x^2)" --at x=3 --mode forward  # the chain rule, step by step
      derivcli graph "x*x*y + y + 2" --format dot        # the graph, for graphviz
      derivcli taylor "exp(x)*sin(y)" --at x=0,y=0 --order 4
      derivcli plot "sin(x^2)" --wrt x --from -3 --to 3  # f and f' on the terminal
      derivcli functions                                 # the language

    Modes (-m/--mode): numeric (finite differences), forward, dual, reverse
    (the default, backpropagation), tensorflow and mpmath (arbitrary
    precision, correctly rounded). Output (-f/--format): a
    table, json, csv, or value (just the numbers, one per line). The point:
    -a/--at x=3,y=4; the variables: -w/--wrt x,y. An EXPRESSION of '-' (or
    none, with a pipe) is read from standard input; one that starts with '-'
    (-x^2) needs no '--'. Run 'derivcli COMMAND --help' for examples and
    'derivcli functions' for the functions, constants and operators.

    \b
    Exit codes: 0 success; 1 the mathematics failed at the point or a mode
    is unavailable; 2 bad usage or an expression that does not parse; 4 a
    disagreement found by 'compare --check'.

    \b
    Environment: NO_COLOR=1 turns colors off; DERIVCLI_DEBUG=1 shows the
    traceback of an error.

    \b
    Shell completion (add the line to your shell's start-up file):
      bash:  eval "$(_DERIVCLI_COMPLETE=bash_source derivcli)"
      zsh:   eval "$(_DERIVCLI_COMPLETE=zsh_source derivcli)"
      fish:  _DERIVCLI_COMPLETE=fish_source derivcli | source
    """


cli.command_class = _Command


# ---------------------------------------------------------------------------
# Options shared by the commands


def _expression_argument(f: Callable) -> Callable:
    return click.argument("expression", metavar="EXPRESSION", required=False)(f)


def _at_option(f: Callable) -> Callable:
    return click.option(
        "--at",
        "at",
        multiple=True,
        metavar="NAME=VALUE,...",
        help="The point: --at x=3,y=4 (repeat to merge; values may be constant "
        "expressions such as pi/4); --at @FILE reads NAME=VALUE pairs from a file.",
    )(f)


def _store_lets(ctx: click.Context, _param: click.Parameter, value: tuple[str, ...]) -> None:
    ctx.meta["derivcli.lets"] = value


def _let_option(f: Callable) -> Callable:
    return click.option(
        "--let",
        multiple=True,
        metavar="DEFINITIONS",
        expose_value=False,
        callback=_store_lets,
        help="Definitions read before EXPRESSION: --let k=0.5, --let 'f(t) = t^2; g(t) = 2t' "
        "(repeatable); --let @FILE reads them from a file (one a line, or separated by ;).",
    )(f)


def _lets() -> list[tuple[str, str]]:
    """The --let definitions as (where, text) pairs, files read."""
    out = []
    for value in click.get_current_context().meta.get("derivcli.lets", ()):
        if value.startswith("@"):
            path = value[1:]
            try:
                with open(path, encoding="utf-8") as file:
                    text = file.read().removeprefix("\ufeff")
            except OSError as exc:
                raise UsageError(f"--let {value}: cannot read {path} ({exc.strerror})") from None
            except UnicodeDecodeError:
                raise UsageError(f"--let {value}: {path} is not UTF-8 text") from None
            out.append((path, text))
        else:
            out.append((f"--let {value!r}", value))
    return out


def _format_option(f: Callable, formats: tuple[str, ...] = FORMATS) -> Callable:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(formats),
        default="table",
        show_default=True,
        help="table for people, json or csv for scripts"
        + (", value for just the numbers, one per line." if "value" in formats else "."),
    )(f)


def _compare_format_option(f: Callable) -> Callable:
    return _format_option(f, COMPARE_FORMATS)


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
    ]
    # each mode's own options, as the mode module declares them
    for name, (_mode, option) in MODE_OPTIONS.items():
        options.append(
            click.option(
                "--" + name.replace("_", "-"),
                name,
                type=click.Choice(option.choices) if option.choices else option.type,
                default=None,
                metavar=option.metavar,
                help=option.help,
            )
        )
    for option in reversed(options):
        f = option(f)
    return f


def _stdin_is_terminal() -> bool:
    try:
        return sys.stdin is None or sys.stdin.isatty()
    except (AttributeError, ValueError):  # closed or replaced by something odd
        return True


def _read_expression(expression: str | None) -> Any:
    """The EXPRESSION argument; ``-``, or none with a pipe, reads stdin."""
    if expression is None:
        if _stdin_is_terminal():
            command = click.get_current_context().info_name or "grad"
            example = f'derivcli {command} "x^2"' + ("" if command == "diff" else " --at x=3")
            raise UsageError(
                f"no EXPRESSION given; quote it, as in {example}, "
                "or pass - to read it from standard input"
            )
        expression = "-"
    where = "the EXPRESSION"
    if expression == "-":
        # a byte-order mark and the newline that ends the input are not the formula
        expression, where = sys.stdin.read().removeprefix("\ufeff").strip(), "standard input"
    try:
        expression.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes, kept by Python as surrogates
        raise UsageError(f"{where} is not UTF-8 text; give the formula in UTF-8") from None
    lets = _lets()
    if lets:  # the definitions of --let, then the expression: one program
        from .parser import parse

        return parse(expression, lets)
    return expression


def _point(at: tuple[str, ...]) -> dict[str, float]:
    from .point import parse_point

    return parse_point(at)


def _emit(result: Any, fmt: str) -> None:
    from . import render

    for warning in result.warnings:
        _echo(f"Warning: {warning}", err=True)
    if fmt in ("json", "jsonl"):  # one point: jsonl is one line of json
        _echo(render.to_json(result))
    elif fmt == "csv":
        _echo(render.to_csv(result), nl=False)
    elif fmt == "value":
        _echo(render.to_values(result), nl=False)
    else:
        _echo(render.table_text(result, sys.stdout), nl=False)


def _check_stdin(expression: str | None, at: tuple[str, ...]) -> None:
    if expression in ("-", None) and "@-" in at:
        raise click.UsageError(
            "standard input can hold the expression or the point, not both; "
            "put the point in a file: --at @FILE"
        )


def _derivative(
    compute: Callable, expression: str | None, at: tuple[str, ...], fmt: str, options
) -> None:
    """``grad``, ``hessian`` and ``jacobian``: read the input, compute, print."""
    _check_stdin(expression, at)
    _emit(compute(_read_expression(expression), _point(at), **options), fmt)


def _product(
    compute: Callable,
    vector: str,
    expression: str | None,
    at: tuple[str, ...],
    fmt: str,
    options,
) -> None:
    """``--direction`` / ``--cotangent``: a product with a vector."""
    _check_stdin(expression, at)
    _emit(compute(_read_expression(expression), _point(at), vector, **options), fmt)


def _side_option(f: Callable) -> Callable:
    return click.option(
        "--side",
        type=click.Choice(("left", "right")),
        default=None,
        help="At a kink (abs(x) at 0), the one-sided derivative from this side instead "
        "of the subgradient (exact modes: forward, dual, reverse, mpmath).",
    )(f)


def _direction_option(f: Callable) -> Callable:
    return click.option(
        "--direction",
        metavar="V1,V2,...",
        default=None,
        help="A direction v, one number per variable (--wrt order): the product with v "
        "instead of the whole matrix.",
    )(f)


#: --points: the formats of a run over many points
POINTS_FORMATS = (*FORMATS, "jsonl")


def _points_format_option(f: Callable) -> Callable:
    return _format_option(f, POINTS_FORMATS)


def _points_options(f: Callable) -> Callable:
    """--points, --strict and --libm (issue 13: many points in one call)."""
    options = [
        click.option(
            "--points",
            metavar="FILE|-",
            default=None,
            help="Many points: a CSV file with a header naming the variables (other columns "
            "are carried through), or JSON lines ({\"x\": 1} per line); '-' reads standard "
            "input. One output row per input row: the input row, then value, d/dx, "
            "d2/dxdy, df1/dx... (--format csv or jsonl; default: the input's). reverse, "
            "forward (and eval) run on whole numpy arrays, and so does numeric (always with "
            "--libm's functions); tensorflow on batched tensors; dual and mpmath loop over "
            "the rows (one point's cost each).",
        ),
        click.option(
            "--strict",
            is_flag=True,
            help="With --points: stop at the first row where the expression is undefined "
            "(exit 1) instead of writing NaN for it.",
        ),
        click.option(
            "--libm",
            is_flag=True,
            help="With --points: transcendental functions by the C library, row by row, as "
            "for one point (bit for bit the single-point results; slower than numpy's, "
            "which can differ by 1-3 ulp).",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _run_points(kind: str, expression: str | None, at, fmt: str, options: dict) -> None:
    """``--points``: read the rows, compute, write them as they are done."""
    from .api import as_graph
    from .point import check_point, parse_wrt
    from .stream import run

    points, strict, libm = options.pop("points"), options.pop("strict"), options.pop("libm")
    if points == "-" and expression in ("-", None):
        raise click.UsageError(
            "standard input can hold the expression or the points, not both; "
            "give the expression as an argument"
        )
    if fmt == "value":
        raise click.UsageError("--format value is for one point; use csv or jsonl with --points")
    program = as_graph(_read_expression(expression))
    if kind in ("gradient", "hessian"):
        program.single(_COMMAND_OF.get(kind, kind))
    fixed = _point(at)
    for warning in check_point(
        program.variables, {**dict.fromkeys(program.variables, 0.0), **fixed}
    ):
        _echo(f"Warning: {warning}", err=True)
    mode = options.pop("mode", "reverse")
    names, warnings = parse_wrt(options.pop("wrt", None), program.variables)
    for warning in warnings:
        _echo(f"Warning: {warning}", err=True)
    from .api import _mode_options

    given = click.get_current_context().get_parameter_source("fmt")
    explicit = given is not None and given.name != "DEFAULT"
    run(
        kind,
        program,
        fixed,
        names,
        points,
        mode=mode,
        options=_mode_options(mode, options),
        fmt=({"json": "jsonl"}.get(fmt, fmt) if explicit else None),
        strict=strict,
        exact=libm,
        out=sys.stdout.buffer,
        echo_err=lambda text: _echo(text, err=True),
        progress=sys.stderr.isatty(),
    )


_COMMAND_OF = {"gradient": "grad", "hessian": "hessian"}


def _points_given(
    kind: str, expression: str | None, at, fmt: str, options: dict, vector: str = ""
) -> bool:
    """Run ``--points`` if given (True); else check that --strict and --libm
    were not given without it, and take them out of ``options``."""
    if options.get("points") is None:
        for flag in ("strict", "libm"):
            if options.pop(flag):
                raise click.UsageError(f"--{flag} applies only with --points")
        options.pop("points")
        return False
    if vector and options.pop(vector) is not None:
        raise click.UsageError(f"--{vector} does not combine with --points")
    _run_points(kind, expression, at, fmt, options)
    return True


# ---------------------------------------------------------------------------
# Commands


# --- issue 14: the limit of trace and graph


def _limit_option(f: Callable) -> Callable:
    return click.option(
        "--limit",
        type=click.IntRange(min=1),
        default=None,
        metavar="N",
        help="Rows shown before the rest is counted [default: 200]; JSON, DOT and Mermaid "
        "are always whole.",
    )(f)


def main() -> None:
    """The console script ``derivcli``."""
    cli(prog_name="derivcli")
