"""The computational graph drawn: DOT (graphviz's language, written as text:
no dependency), Mermaid, and an indented tree for the terminal.

One node per distinct sub-expression (the program's steps: the graph is a
DAG, a shared node is drawn once); an edge from each argument to the step
that uses it (twice for ``x*x``). Steps are named as in the trace
(``s1``, ``s2``, ...: ``trace.step_names``). With a point, every node
carries its value and, for a one-output expression, its adjoint from the
reverse mode's sweep (``backends.backward``), like micrograd's
``draw_dot`` but for any expression.

Nothing here recurses: the tree is printed from an explicit stack.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .graph import Node, Program, evaluate_all, var
from .numbers import text_number
from .printing import to_infix
from .trace import DEFAULT_LIMIT, barred, ordered_steps, step_names

DRAW_FORMATS = ("tree", "dot", "mermaid")


@dataclass
class Drawing:
    """What is drawn: the program, the names of its steps, and (with a
    point) every step's value and adjoint."""

    program: Program
    names: dict[Node, str]
    values: dict[Node, float] | None = None
    adjoints: dict[Node, float] | None = None
    warnings: list[str] = field(default_factory=list)

    def text(self, node: Node) -> str:
        """``s3 = s1*y``, ``x``, ``2``: the step in terms of earlier ones."""
        if not node.args:
            return self.names[node]
        return f"{self.names[node]} = {to_infix(node, self.names)}"

    def numbers(self, node: Node) -> list[str]:
        """``= 36`` and ``s̄2 = 1`` (with a point; no adjoint for constants)."""
        out = []
        if self.values is not None and node.op != "const":
            out.append(f"= {text_number(self.values[node])}")
        if self.adjoints is not None and node in self.adjoints:
            out.append(f"{barred(self.names[node])} = {text_number(self.adjoints[node])}")
        return out


def drawing(program: Program, point: Mapping[str, float] | None = None, wrt=None) -> Drawing:
    """The drawing of ``program``; with ``point``, values and adjoints (one
    reverse sweep from the output: the adjoint of every step)."""
    names = step_names(program)
    if not point:
        return Drawing(program, names)
    from .api import prepare
    from .backends import backward

    program, point, wrt_names, warnings = prepare(program, point, wrt)
    values = evaluate_all(program.steps, point)  # strict: domain errors name the node
    real = {n: float(getattr(v, "real", v)) for n, v in values.items()}
    if len(program.outputs) != 1:
        warnings.append(
            f"adjoints are drawn for one output; the expression has {len(program.outputs)} "
            f"({', '.join(program.names)}): values only"
        )
        return Drawing(program, names, real, None, warnings)
    env: dict[Node, Any] = {}
    grads = backward(program.steps, values, program.root, tuple(wrt_names), 1.0, env=env)
    adjoints = {n: float(a) for n, a in env.items()}
    # the variables' adjoints as the mode reports them (compensated sums)
    for name, g in zip(wrt_names, grads):
        adjoints[var(name)] = float(g)
    return Drawing(program, names, real, adjoints, warnings)


# ---------------------------------------------------------------------------
# DOT


def _dot_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(d: Drawing) -> str:
    """The graph in graphviz's DOT language: ``dot -Tsvg`` draws it."""
    ids = {node: f"n{i}" for i, node in enumerate(ordered_steps(d.program))}
    outputs = {o: f for f, o in zip(d.program.names, d.program.outputs)}
    lines = [
        "digraph derivcli {",
        "  rankdir=LR;",
        '  node [shape=box, fontname="Helvetica"];',
        f"  label={_dot_string(d.program.source)};",
    ]
    for node in ordered_steps(d.program):
        label = "\\n".join(
            s.replace("\\", "\\\\").replace('"', '\\"') for s in [d.text(node), *d.numbers(node)]
        )
        attrs = [f'label="{label}"']
        if node.op == "var":
            attrs.append("shape=ellipse")
        elif node.op == "const":
            attrs.append("shape=plaintext")
        if node in outputs:
            attrs.append("peripheries=2")
            attrs.append(f"xlabel={_dot_string(outputs[node])}")
        lines.append(f"  {ids[node]} [{', '.join(attrs)}];")
    for node in ordered_steps(d.program):
        for a in node.args:
            lines.append(f"  {ids[a]} -> {ids[node]};")
    lines.append("}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# Mermaid


def _mermaid_label(text: str) -> str:
    return text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def to_mermaid(d: Drawing) -> str:
    """The graph as a Mermaid flowchart (GitHub renders it in Markdown)."""
    ids = {node: f"n{i}" for i, node in enumerate(ordered_steps(d.program))}
    outputs = {o: f for f, o in zip(d.program.names, d.program.outputs)}
    lines = ["flowchart LR"]
    for node in ordered_steps(d.program):
        label = "<br/>".join(_mermaid_label(s) for s in [d.text(node), *d.numbers(node)])
        if node in outputs and len(outputs) > 1:
            label = f"{outputs[node]}: {label}"
        if node.op == "var":
            shape = f'(["{label}"])'
        elif node in outputs:
            shape = f'[["{label}"]]'
        else:
            shape = f'["{label}"]'
        lines.append(f"  {ids[node]}{shape}")
    for node in ordered_steps(d.program):
        for a in node.args:
            lines.append(f"  {ids[a]} --> {ids[node]}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# The tree


def tree_size(program: Program) -> int:
    """How many lines the tree has: a root per output, a line per use of an
    argument (a repeated step is one line, a reference)."""
    return len(program.outputs) + sum(len(n.args) for n in program.steps)


def tree_lines(d: Drawing, limit: int | None = DEFAULT_LIMIT) -> list[str]:
    """The graph as an indented tree, the output at the top and each step's
    arguments below it. A step met again is shown by reference (``→ s3``),
    so the tree has a line per use, not the expression's exponential tree.
    After ``limit`` lines the rest is counted."""
    several = len(d.program.outputs) > 1
    lines: list[str] = []
    seen: set[Node] = set()
    total = tree_size(d.program)
    # (node, prefix of its line, prefix of its children's lines)
    stack: list[tuple[Node, str, str]] = []
    for f, root in reversed(list(zip(d.program.names, d.program.outputs))):
        stack.append((root, f"{f}: " if several else "", ""))
    while stack and (limit is None or len(lines) < limit):
        node, head, indent = stack.pop()
        if node in seen and node.args:
            lines.append(f"{head}→ {d.names[node]}")
            continue
        seen.add(node)
        numbers = d.numbers(node)
        extra = f"   [{', '.join(numbers)}]" if numbers else ""
        lines.append(f"{head}{d.text(node)}{extra}")
        last = len(node.args) - 1
        for i in range(last, -1, -1):
            branch = "└── " if i == last else "├── "
            below = "    " if i == last else "│   "
            stack.append((node.args[i], indent + branch, indent + below))
    if len(lines) < total:
        lines.append(f"... {total - len(lines):,} more lines; use --limit N or --format dot")
    return lines
