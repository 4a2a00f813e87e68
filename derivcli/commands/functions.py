"""``derivcli functions``: the expression language.

One module per command: the group (:class:`derivcli.cli._Group`) imports
it when the command is asked for, so a command builds only its own options.
"""

from __future__ import annotations

import click

from ..cli import (
    CONTEXT,
    _echo,
    cli,
)


@cli.command("functions", context_settings=CONTEXT)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table for people, json for scripts and editors.",
)
def functions_command(fmt: str) -> None:
    """The expression language: every function with its derivative, the
    constants, and the operators from the loosest to the tightest.

    Generated from derivcli's own table of primitives, so it is always the
    language this version reads.

    \b
    Examples:
      derivcli functions
      derivcli functions --format json
    """
    from ..language import language, language_text

    if fmt == "json":
        import json

        _echo(json.dumps(language(), ensure_ascii=False))
    else:
        _echo(language_text(), nl=False)
