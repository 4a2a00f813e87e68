"""``derivcli graph``: the computational graph as DOT, Mermaid or a tree.

One module per command: the group (:class:`derivcli.cli._Group`) imports
it when the command is asked for, so a command builds only its own options.
"""

from __future__ import annotations

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


@cli.command("graph", context_settings=CONTEXT)
@_expression_argument
@_at_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["tree", "dot", "mermaid"]),
    default="tree",
    show_default=True,
    help="tree (indented, for the terminal), dot (graphviz: | dot -Tsvg > f.svg) or "
    "mermaid (a flowchart for Markdown).",
)
@_limit_option
def graph_command(expression: str | None, at: tuple[str, ...], fmt: str, limit: int | None) -> None:
    """The computational graph of EXPRESSION: one node per distinct
    sub-expression, an edge from each argument to the step that uses it.

    With --at every node carries its value and (one output) its adjoint from
    the reverse sweep. In the tree a step met again is shown by reference
    (→ s3): the graph is a DAG, each step is drawn once.

    \b
    Examples:
      derivcli graph "x*x*y + y + 2"
      derivcli graph "x*x*y + y + 2" --at x=3,y=4
      derivcli graph "x*x*y + y + 2" --at x=3,y=4 --format dot | dot -Tsvg > f.svg
      derivcli graph "sin(x^2)" --format mermaid
    """
    from .. import drawing
    from ..api import as_graph
    from ..trace import DEFAULT_LIMIT

    _check_stdin(expression, at)
    program = as_graph(_read_expression(expression))
    d = drawing.drawing(program, _point(at) if at else None)
    for warning in d.warnings:
        _echo(f"Warning: {warning}", err=True)
    if fmt == "dot":
        _echo(drawing.to_dot(d), nl=False)
    elif fmt == "mermaid":
        _echo(drawing.to_mermaid(d), nl=False)
    else:
        lines = drawing.tree_lines(d, DEFAULT_LIMIT if limit is None else limit)
        _echo("\n".join(lines))
