"""The evaluation trace: the program's steps with the numbers each mode
computes for them, the chain rule's products written out.

The seed explains automatic differentiation with the chain rule spelled
out: ``z = sin(s1)``, ``s1 = x^2``, ``dz/dx = ds1/dx · dz/ds1 = 6·cos(9)``.
A trace is that explanation for any expression: one row per step of the
program (``Program.steps``, a topological order, shared nodes once), its
name (``s1``, ``s2``, ... or a name given by the caller), the operation in
terms of earlier steps, its value, and the mode's quantity:

* ``forward``: the tangent ``ṡ = Σ ∂s/∂a · ȧ``, each product written out;
* ``dual``: the dual number ``value + tangent ε`` of the step, computed on
  dual numbers as the notebook's ``NumeroDual`` does;
* ``reverse``: after the forward sweep, the backward sweep: each step's
  adjoint and its contributions ``ā += s̄ · ∂s/∂a`` to its arguments.

Nothing here knows a derivative rule. The numbers are the modes' own
environments (the forward mode's tangent graphs, the dual mode's
evaluation, the reverse mode's ``backward`` sweep); the local partials shown
beside them are the primitive table's ``partials``, evaluated on floats with
the 0·∞ rule (``primitives.times``) and, for the text, on placeholder nodes.
So the products of a trace recompute what the mode computes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .dual import Dual
from .errors import UsageError
from .graph import Node, Program, evaluate_all, topo_order, var
from .primitives import times
from .printing import to_infix

TRACE_MODES = ("forward", "dual", "reverse")

#: rows shown in a table or LaTeX before the rest is counted (``--limit``)
DEFAULT_LIMIT = 200


# ---------------------------------------------------------------------------
# Names


def _prefix(variables: tuple[str, ...], letter: str = "s") -> str:
    """``s`` (or ``s_``, ``s__``...): a step-name prefix no variable uses."""
    prefix = letter
    while any(re.fullmatch(re.escape(prefix) + r"\d+", n) for n in variables):
        prefix += "_"
    return prefix


def ordered_steps(program: Program) -> list[Node]:
    """The program's steps in the order the text reads
    (:attr:`Program.reading_order`)."""
    return program.reading_order


def step_names(program: Program, names: Mapping[Node, str] | None = None) -> dict[Node, str]:
    """A name for every step of ``program``: variables by their own names,
    constants by their text, operations ``s1``, ``s2``, ... in the order of
    the steps. ``names`` (the user's own definitions, ``r = x^2;``) take
    precedence for the nodes they name; the others are numbered as before.
    Without ``names``, the program's own definitions are used."""
    if names is None:
        names = getattr(program, "definitions", None)
    given = dict(names or {})
    # the numbered names avoid the variables and the user's own names (s1 = x^2)
    prefix = _prefix((*program.variables, *given.values()))
    out: dict[Node, str] = {}
    count = 0
    for node in ordered_steps(program):
        if node.op == "var":
            out[node] = node.name
        elif node.op == "const":
            out[node] = to_infix(node)
        elif node in given:
            out[node] = given[node]
        else:
            count += 1
            out[node] = f"{prefix}{count}"
    return out


def dotted(name: str) -> str:
    """The tangent's name: ``ẋ``, ``ṡ1``; ``rate_dot`` for a longer name."""
    return _marked(name, "\u0307", "_dot")


def barred(name: str) -> str:
    """The adjoint's name: ``x̄``, ``s̄1``; ``rate_bar`` for a longer name."""
    return _marked(name, "\u0304", "_bar")


def _marked(name: str, mark: str, suffix: str) -> str:
    if name[:1].isalpha() and (len(name) == 1 or name[1:].lstrip("_").isdigit()):
        return name[0] + mark + name[1:]
    return name + suffix


# ---------------------------------------------------------------------------
# What a trace holds


@dataclass
class Term:
    """One product of the chain rule: ``partial · factor = product``.

    Forward and dual: ``ṡ`` gets ``∂s/∂a · ȧ`` from argument ``a``
    (``factor`` is ``ȧ``). Reverse: argument ``a`` gets ``s̄ · ∂s/∂a``
    (``factor`` is ``s̄``). ``partial`` is the local partial written with the
    step names, ``partial_value`` its value from the primitive table.
    """

    arg: str
    partial: str
    partial_latex: str
    partial_value: float
    factor: float
    product: float


@dataclass
class Row:
    """One step of the forward sweep."""

    name: str
    #: ``"input"``, or the operation in terms of earlier steps (``s1*y``)
    operation: str
    operation_latex: str
    value: float
    #: forward and dual: the step's tangent (0 for steps the seed does not reach)
    tangent: float | None = None
    #: dual: the operation on the arguments' dual numbers, and the result
    dual_operation: str | None = None
    dual: Dual | float | None = None
    #: forward and dual: the products summed into the tangent
    terms: list[Term] = field(default_factory=list)


@dataclass
class BackRow:
    """One step of a backward sweep: its adjoint, and what it passes on."""

    name: str
    adjoint: float
    seed: bool
    contributions: list[Term] = field(default_factory=list)


@dataclass
class Sweep:
    """The backward sweep from one output (reverse mode)."""

    output: str
    rows: list[BackRow]
    #: every backward row, also those past ``limit``
    total: int
    #: the adjoint of each variable at the end of the sweep
    adjoints: dict[str, float]
    #: where an adjoint is not the plain sum of the contributions shown
    #: (infinite partials on paths that cancel: the 0·∞ rule)
    notes: list[str] = field(default_factory=list)


@dataclass
class Trace:
    expression: str
    mode: str
    point: dict[str, float]
    #: forward/dual: the seeded variable; reverse: the variables' adjoints
    wrt: tuple[str, ...]
    rows: list[Row]
    #: every step, also those past ``limit``
    total: int
    #: output name -> the name of its step, and its value
    outputs: dict[str, str]
    values: dict[str, float]
    #: output name -> variable -> derivative
    derivatives: dict[str, dict[str, float]]
    sweeps: list[Sweep] = field(default_factory=list)
    limit: int | None = None
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------
# Building a trace


def _partial_texts(node: Node, names: Mapping[Node, str]) -> tuple[list[str], list[str]]:
    """The local partials of ``node`` by each argument, written with the
    step names (infix and LaTeX): the table's ``partials`` applied to
    placeholder nodes (a variable per named step), built with only the folds
    that keep a value (``simplify.plain``)."""
    from .printing import to_latex
    from .simplify import Plain, as_node

    def placeholder(a: Node) -> Node:
        return a if not a.args else var(names[a])

    args = [Plain(placeholder(a)) for a in node.args]
    partials = node.prim.partials(*args, Plain(var(names[node])))
    nodes = [as_node(p) for p in partials]
    return [to_infix(p) for p in nodes], [to_latex(p) for p in nodes]


def _operation_latex(node: Node, names: Mapping[Node, str]) -> str:
    from .printing import _LATEX_BRACKETS, _latex_name, _latex_pieces, _render

    latex_names = {a: _latex_name(names[a]) for a in node.args if a.args}
    return _render(node, _latex_pieces, _LATEX_BRACKETS, latex_names)


def _float_partials(node: Node, values: Mapping[Node, Any]) -> list[float]:
    """The table's partials of ``node`` at the point (floats, 0·∞ rule)."""
    real = [float(getattr(values[a], "real", values[a])) for a in node.args]
    out = float(getattr(values[node], "real", values[node]))
    return [float(p) for p in node.prim.partials(*real, out)]


def _real(v: Any) -> float:
    return float(getattr(v, "real", v))


def _dual_text(v: Any) -> str:
    """As the notebook's ``NumeroDual`` prints it (``9.0 + 6.0ε``);
    non-finite parts spelled as everywhere else (``Infinity``)."""
    d = v if type(v) is Dual else Dual(float(v))
    if d.value - d.value == 0 and d.eps - d.eps == 0:
        return repr(d)
    from .numbers import text_number

    if not d.eps:
        return text_number(d.value)
    sign = "-" if d.eps < 0 else "+"
    return f"{text_number(d.value)} {sign} {text_number(abs(d.eps))}ε"


def _dual_operation(node: Node, env: Mapping[Node, Any]) -> str:
    """``(3.0 + 1.0ε)*(3.0 + 1.0ε)``: the operation on the arguments' dual numbers."""
    wrap = not node.prim.is_function
    shown = {}
    for a in node.args:
        if a.op == "const":  # a number of the expression, as written
            continue
        text = _dual_text(env[a])
        shown[a] = f"({text})" if wrap and " " in text else text
    return to_infix(node, shown)


def trace(
    program: Program,
    point: Mapping[str, float],
    *,
    mode: str = "reverse",
    wrt: str | tuple[str, ...] | None = None,
    limit: int | None = None,
    names: Mapping[Node, str] | None = None,
) -> Trace:
    """The evaluation trace of ``program`` at ``point`` by ``mode``.

    ``wrt``: forward and dual seed one variable (default: the first); reverse
    reports the adjoints of these variables (default: all). ``limit`` is how
    many rows (and, in reverse mode, backward rows per output) get their text
    built; the numbers of every step are always computed. ``names`` names
    steps (the user's definitions).
    """
    from .api import prepare

    if mode not in TRACE_MODES:
        raise UsageError(f"trace shows the modes {', '.join(TRACE_MODES)}; got --mode {mode}")
    program, point, wrt_names, warnings = prepare(program, point, wrt)
    if not program.variables:
        raise UsageError(
            f"{program.source} has no variables: there is no derivative to trace; try derivcli eval"
        )
    if mode != "reverse":
        if wrt is None:
            wrt_names = program.variables[:1]
            if len(program.variables) > 1:
                others = ", ".join(program.variables[1:])
                warnings.append(
                    f"{mode} mode seeds one variable: {wrt_names[0]} "
                    f"(--wrt chooses another: {others})"
                )
        elif len(wrt_names) != 1:
            raise UsageError(
                f"{mode} mode seeds one variable at a time; give one name, e.g. "
                f"--wrt {wrt_names[0] if wrt_names else program.variables[0]} "
                "(reverse mode gives every variable's adjoint in one sweep)"
            )
    wrt_names = tuple(wrt_names)
    labels = step_names(program, names)
    order = ordered_steps(program)
    values = evaluate_all(order, point)  # strict: domain errors name the node
    shown = order if limit is None else _shown_steps(order, limit)

    if mode == "forward":
        tangent = _forward_tangents(program, values, point, wrt_names[0])
    elif mode == "dual":
        moved = dict(point)
        seeded = wrt_names[0]
        if seeded in moved:  # a --wrt variable the expression lacks: all tangents 0
            moved[seeded] = Dual(point[seeded], 1.0)
        env = evaluate_all(order, moved)  # the dual mode's own evaluation
        tangent = {n: v.eps for n, v in env.items() if type(v) is Dual}
    else:
        tangent = {}

    rows: list[Row] = []
    for node in shown:
        if node.op == "const":
            continue
        name = labels[node]
        if node.op == "var":
            row = Row(name, "input", name, values[node])
        else:
            row = Row(
                name,
                to_infix(node, labels),
                _operation_latex(node, labels),
                values[node],
            )
        if mode != "reverse":
            row.tangent = tangent.get(node, 0.0)
            if mode == "dual":
                row.dual = env[node]
                if node.args:
                    row.dual_operation = _dual_operation(node, env)
            if node.args and node in tangent:
                texts, latex = _partial_texts(node, labels)
                partials = _float_partials(node, values)
                for i, a in enumerate(node.args):
                    if a not in tangent:  # the seed does not reach it: no term
                        continue
                    if mode == "dual" and not tangent[a]:  # as Dual skips a zero ε part
                        continue
                    row.terms.append(
                        Term(
                            labels[a],
                            texts[i],
                            latex[i],
                            partials[i],
                            tangent[a],
                            times(partials[i], tangent[a]),
                        )
                    )
        rows.append(row)
    total = sum(1 for n in order if n.op != "const")

    outputs = {f: labels[o] for f, o in zip(program.names, program.outputs)}
    output_values = {f: _real(values[o]) for f, o in zip(program.names, program.outputs)}
    derivatives: dict[str, dict[str, float]] = {}
    sweeps: list[Sweep] = []
    if mode == "reverse":
        for f, out in zip(program.names, program.outputs):
            sweep = _backward_sweep(order, values, out, wrt_names, labels, limit)
            sweep.output = f
            sweeps.append(sweep)
            derivatives[f] = dict(sweep.adjoints)
    else:
        for f, out in zip(program.names, program.outputs):
            derivatives[f] = {wrt_names[0]: float(tangent.get(out, 0.0))}
    from .backends import jacobian_result

    checked = jacobian_result(
        mode,
        program,
        point,
        wrt_names,
        [output_values[f] for f in program.names],
        derivatives,
        evaluations=0,
        trace=(order, values),
    )
    return Trace(
        expression=program.source,
        mode=mode,
        point=dict(point),
        wrt=wrt_names,
        rows=rows,
        total=total,
        outputs=outputs,
        values=output_values,
        derivatives=derivatives,
        sweeps=sweeps,
        limit=limit,
        warnings=warnings + checked.warnings,
    )


def _shown_steps(order: list[Node], limit: int) -> list[Node]:
    """The first ``limit`` steps that are rows (constants are not)."""
    shown = []
    count = 0
    for node in order:
        if node.op != "const":
            if count >= limit:
                break
            count += 1
        shown.append(node)
    return shown


def _forward_tangents(program: Program, values: dict, point, name: str) -> dict[Node, float]:
    """The forward mode's environment: every step's tangent graph (one
    symbolic forward pass, as built) evaluated with the expression's nodes
    at their values and the 0·∞ rule, as ``backends.forward`` does."""
    from .backends.forward import ONE, tangents

    x_dot = tangents(program.steps, {var(name): ONE}, simplified=False)
    known = dict(values)
    if name in point:  # (a --wrt variable the expression lacks has no value)
        known[var(name)] = point[name]
    numbers = evaluate_all(topo_order(list(x_dot.values())), {}, strict=False, known=known)
    return {node: float(numbers[g]) for node, g in x_dot.items()}


def _backward_sweep(
    order: list[Node],
    values: dict,
    out: Node,
    wrt: tuple[str, ...],
    labels: Mapping[Node, str],
    limit: int | None,
) -> Sweep:
    """The reverse mode's sweep from ``out`` (``backends.backward``, which
    returns every step's adjoint), with each step's contributions to its
    arguments: its adjoint times the table's partial, 0·∞ rule."""
    from .backends import backward

    env: dict[Node, Any] = {}
    adjoints = backward(order, values, out, wrt, 1.0, env=env)
    wanted = {var(n) for n in wrt}
    active: set[Node] = set()
    for node in order:
        if node in wanted or any(a in active for a in node.args):
            active.add(node)
    rows: list[BackRow] = []
    total = 0
    received: dict[Node, float] = {}  # the plain sums of the contributions
    infinite: list[str] = []  # steps with a non-finite local partial
    notes: list[str] = []
    for node in reversed(order):
        adjoint = env.get(node)
        if adjoint is None or not node.args or node not in active:
            continue
        adjoint = float(adjoint)
        total += 1
        if node is not out and node in received:
            _note_if_not_the_sum(notes, labels[node], adjoint, received[node], infinite)
        shown = limit is None or len(rows) < limit
        row = BackRow(labels[node], adjoint, node is out)
        if adjoint != 0:  # a zero adjoint contributes nothing (0·∞ rule)
            partials = _float_partials(node, values)
            if not all(p - p == 0 for p in partials):
                infinite.append(labels[node])
            texts, latex = _partial_texts(node, labels) if shown else ((), ())
            for i, a in enumerate(node.args):
                if a not in active:
                    continue
                product = times(adjoint, partials[i])
                received[a] = product if a not in received else received[a] + product
                if shown:
                    row.contributions.append(
                        Term(labels[a], texts[i], latex[i], partials[i], adjoint, product)
                    )
        if shown:
            rows.append(row)
    final = {n: float(a) for n, a in zip(wrt, adjoints)}
    for name in wrt:
        if var(name) in received:
            _note_if_not_the_sum(notes, name, final[name], received[var(name)], infinite)
    return Sweep("", rows, total, final, notes)


def _note_if_not_the_sum(
    notes: list[str], name: str, adjoint: float, total: float, infinite: list[str]
) -> None:
    """Say so where the mode's adjoint is not the plain sum of the
    contributions shown: their infinite parts cancel (``acos(x/x)``: the
    paths through x/x carry 2 and -2 times the same ∞), and by the 0·∞
    rule the mode takes such a term as 0, as forward mode does."""
    if adjoint == total or (adjoint != adjoint and total != total):
        return
    if adjoint - adjoint == 0 and total - total == 0:
        return  # rounding: the mode adds with compensated summation
    from .numbers import text_number

    where = ", ".join(infinite) or "a step"
    notes.append(
        f"{barred(name)} = {text_number(adjoint)}, not the plain sum of its contributions "
        f"({text_number(total)}): they pass through the infinite local partial of {where} "
        "on paths whose finite coefficients cancel, and by the 0·∞ rule such a term is 0, "
        "as in forward mode"
    )


def trace_at(
    expression: str | Program,
    point: Mapping[str, float],
    *,
    mode: str = "reverse",
    wrt=None,
    limit: int | None = DEFAULT_LIMIT,
) -> Trace:
    """:func:`trace` of an expression's text (the ``trace`` command)."""
    from .api import as_graph

    return trace(as_graph(expression), point, mode=mode, wrt=wrt, limit=limit)


# ---------------------------------------------------------------------------
# Output


def _n(v: float) -> str:
    from .numbers import text_number

    return text_number(v)


def _count(n: int) -> str:
    return f"{n:,}"


def _tangent_rule(row: Row) -> tuple[str, str]:
    """``x·ẋ + x·ẋ`` and ``3·1 + 3·1`` for a row's terms."""
    symbols = " + ".join(f"{_factor(t.partial)}·{dotted(t.arg)}" for t in row.terms)
    numbers = " + ".join(
        f"{_factor(_n(t.partial_value))}·{_factor(_n(t.factor))}" for t in row.terms
    )
    return symbols, numbers


def _factor(text: str) -> str:
    """A factor of a written-out product ``a·b``: parenthesized when it
    starts with a minus sign or has an operator outside parentheses
    (``(2*x)·ẋ``, ``(-0.91)·6``)."""
    if text.startswith("-") or _operator_outside(text):
        return f"({text})"
    return text


def _operator_outside(text: str) -> bool:
    depth = 0
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif depth == 0 and char in "+-*/":
            return True
    return False


def _derivative_name(output: str, several: bool, variable: str) -> str:
    f = output if several else "f"
    return f"d{f}/d{variable}"


def final_lines(result: Trace) -> list[str]:
    """``df/dx = ṡ5 = 24``: the derivative each output gets."""
    several = len(result.outputs) > 1
    lines = []
    for f, step in result.outputs.items():
        if result.mode == "reverse":
            parts = [
                f"{_derivative_name(f, several, x)} = {barred(x)} = {_n(v)}"
                for x, v in result.derivatives[f].items()
            ]
            lines.append(", ".join(parts))
        else:
            ((x, v),) = result.derivatives[f].items()
            lines.append(f"{_derivative_name(f, several, x)} = {dotted(step)} = {_n(v)}")
    return lines


def _more(shown: int, total: int, what: str = "steps") -> str | None:
    if total <= shown:
        return None
    return f"... {_count(total - shown)} more {what}; use --limit N or --format json"


def to_dict(result: Trace) -> dict[str, Any]:
    """The JSON object of a trace: its rows, every number strict JSON."""
    from .numbers import json_number

    def term(t: Term, forward: bool) -> dict[str, Any]:
        return {
            ("from" if forward else "to"): t.arg,
            "partial": t.partial,
            "partial_value": json_number(t.partial_value),
            ("tangent" if forward else "adjoint"): json_number(t.factor),
            ("product" if forward else "contribution"): json_number(t.product),
        }

    steps = []
    for row in result.rows:
        item: dict[str, Any] = {
            "step": row.name,
            "operation": row.operation,
            "value": json_number(_real(row.value)),
        }
        if result.mode != "reverse":
            item["tangent"] = json_number(row.tangent)
            if result.mode == "dual":
                item["dual"] = _dual_text(row.dual)
                if row.dual_operation is not None:
                    item["dual_operation"] = row.dual_operation
            item["terms"] = [term(t, True) for t in row.terms]
        steps.append(item)
    out: dict[str, Any] = {
        "expression": result.expression,
        "mode": result.mode,
        "point": {k: json_number(v) for k, v in result.point.items()},
        ("seed" if result.mode != "reverse" else "variables"): (
            result.wrt[0] if result.mode != "reverse" else list(result.wrt)
        ),
        "outputs": dict(result.outputs),
        "values": {k: json_number(v) for k, v in result.values.items()},
        "steps": steps,
    }
    if result.mode == "reverse":
        out["backward"] = [
            {
                "output": sweep.output,
                "steps": [
                    {
                        "step": r.name,
                        "adjoint": json_number(r.adjoint),
                        "seed": r.seed,
                        "contributions": [term(t, False) for t in r.contributions],
                    }
                    for r in sweep.rows
                ],
                "notes": list(sweep.notes),
            }
            for sweep in result.sweeps
        ]
    out["derivatives"] = {
        f: {x: json_number(v) for x, v in d.items()} for f, d in result.derivatives.items()
    }
    out["warnings"] = list(result.warnings)
    return out


def _title(result: Trace) -> str:
    from .numbers import shorten

    where = ", ".join(f"{k} = {_n(v)}" for k, v in result.point.items())
    if result.mode == "reverse":
        what = "reverse mode: values forward, then adjoints backward"
    else:
        seed = f"{result.wrt[0]} + 1ε" if result.mode == "dual" else f"{dotted(result.wrt[0])} = 1"
        what = f"{result.mode} mode, seed {seed}"
    return f"Trace of {shorten(result.expression)} at {where} ({what})"


def table_text(result: Trace, file: Any = None) -> str:
    """The trace for people: rich tables (plain, without colors, in a pipe,
    as every command's tables), the count of rows not shown, the derivative."""
    from .render import _Page, _table

    page = _Page(file)
    page.line(_title(result), style="bold")
    if result.mode == "forward":
        table = _table(
            ("step", "bold"),
            ("operation", "left"),
            ("value", "right"),
            ("tangent rule", "left"),
            ("tangent", "right"),
        )
        for row in result.rows:
            rule = _row_rule(result, row)
            table.add_row(row.name, row.operation, _n(row.value), rule, _n(row.tangent))
    elif result.mode == "dual":
        table = _table(
            ("step", "bold"),
            ("operation", "left"),
            ("on dual numbers", "left"),
            ("dual number", "right"),
        )
        for row in result.rows:
            on_duals = row.dual_operation or "input"
            if row.operation == "input" and row.name == result.wrt[0]:
                on_duals = "input, seeded"
            table.add_row(row.name, row.operation, on_duals, _dual_text(row.dual))
    else:
        table = _table(("step", "bold"), ("operation", "left"), ("value", "right"))
        for row in result.rows:
            table.add_row(row.name, row.operation, _n(row.value))
    page.print(table)
    more = _more(len(result.rows), result.total)
    if more:
        page.line(more)
    several = len(result.sweeps) > 1
    for sweep in result.sweeps:
        page.line("")
        head = f"Backward sweep from {result.outputs[sweep.output]}"
        page.line(head + (f" ({sweep.output})" if several else ""), style="bold")
        back = _table(("step", "bold"), ("adjoint", "right"), ("contribution", "left"))
        for r in sweep.rows:
            adjoint = f"{barred(r.name)} = {_n(r.adjoint)}" + (" (seed)" if r.seed else "")
            lines = [_contribution_text(r, t) for t in r.contributions] or [
                "(none: 0 adds nothing)"
            ]
            back.add_row(r.name, adjoint, lines[0])
            for line in lines[1:]:
                back.add_row("", "", line)
        if sweep.rows:
            page.print(back)
        else:
            page.line(
                "(no operation: the output is an input itself)"
                if result.outputs[sweep.output] in result.point
                else f"(no step depends on {', '.join(result.wrt)}: every adjoint is 0)"
            )
        more = _more(len(sweep.rows), sweep.total, "backward steps")
        if more:
            page.line(more)
        for note in sweep.notes:
            page.line(f"note: {note}")
    page.line("")
    for line in final_lines(result):
        page.line(line)
    return page.text()


def _row_rule(result: Trace, row: Row) -> str:
    if row.operation == "input":
        return "seed" if row.name == result.wrt[0] else "(not seeded)"
    if not row.terms:
        return "(does not depend on " + result.wrt[0] + ")"
    symbols, numbers = _tangent_rule(row)
    return f"{symbols} = {numbers}"


def _contribution_text(r: BackRow, t: Term) -> str:
    return (
        f"{barred(t.arg)} += {barred(r.name)}·{_factor(t.partial)}"
        f" = {_factor(_n(r.adjoint))}·{_factor(_n(t.partial_value))} = {_n(t.product)}"
    )


def _latex_number(v: float) -> str:
    from .numbers import text_number

    v = float(v)
    if math.isnan(v):
        return "\\mathrm{NaN}"
    if math.isinf(v):
        return "\\infty" if v > 0 else "-\\infty"
    # a value, not a constant of the expression: its digits as in the table
    # (2.718281828459045, never the symbol e)
    text = text_number(v)
    if "e" in text:  # 1e-20 -> 1 \\times 10^{-20}
        mantissa, exponent = text.split("e")
        return f"{mantissa} \\times 10^{{{int(exponent)}}}"
    return text


def _latex_marked(name: str, mark: str) -> str:
    from .printing import _latex_name

    text = _latex_name(name)
    stem, sep, sub = text.partition("_{")
    return f"\\{mark}{{{stem}}}{sep}{sub}"


def to_latex(result: Trace) -> str:
    """The trace as an ``align*`` environment: one line per step (its value
    and the mode's quantity), then the backward sweeps, then the derivative."""
    from .printing import _latex_name

    lines: list[str] = []
    by_name = {}
    for row in result.rows:
        name = _latex_name(row.name)
        by_name[row.name] = name
        if row.operation == "input":
            line = f"{name} &= {_latex_number(row.value)}"
        else:
            line = f"{name} &= {row.operation_latex} = {_latex_number(_real(row.value))}"
        if result.mode == "dual":
            dot = _latex_marked(row.name, "dot")
            line += f" & {name} + {dot}\\varepsilon &= {_dual_latex(row.dual)}"
        elif result.mode == "forward":
            dot = _latex_marked(row.name, "dot")
            if row.terms:
                symbols = " + ".join(
                    f"{_latex_factor(t.partial_latex)} {_latex_marked(t.arg, 'dot')}"
                    for t in row.terms
                )
                line += f" & {dot} &= {symbols} = {_latex_number(row.tangent)}"
            else:
                line += f" & {dot} &= {_latex_number(row.tangent)}"
        lines.append(line)
    more = _more(len(result.rows), result.total)
    if more:
        lines.append(f"&\\text{{{more}}}")
    for sweep in result.sweeps:
        for r in sweep.rows:
            bar = _latex_marked(r.name, "bar")
            lines.append(f"{bar} &= {_latex_number(r.adjoint)}")
            for t in r.contributions:
                lines.append(
                    f"{_latex_marked(t.arg, 'bar')} &\\mathrel{{+}}= {bar}"
                    f"{_latex_times(_latex_factor(t.partial_latex))} = {_latex_number(t.product)}"
                )
        more = _more(len(sweep.rows), sweep.total, "backward steps")
        if more:
            lines.append(f"&\\text{{{more}}}")
    several = len(result.outputs) > 1
    for f, derivative in result.derivatives.items():
        for x, v in derivative.items():
            top = f"\\partial {_latex_name(f) if several else 'f'}"
            lines.append(f"\\frac{{{top}}}{{\\partial {_latex_name(x)}}} &= {_latex_number(v)}")
    return "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}\n"


def _latex_times(factor: str) -> str:
    """The product sign before ``factor`` after an adjoint: none before a
    letter (\\bar{s}_{1} y), \\cdot before a number (\\bar{s}_{1} \\cdot 2 x,
    which juxtaposed would read as the subscript 12)."""
    return f" \\cdot {factor}" if factor[:1].isdigit() or factor[:1] == "." else f" {factor}"


def _latex_factor(text: str) -> str:
    if text.startswith("-") or " + " in text or " - " in text or "\\frac" in text:
        return f"\\left({text}\\right)"
    return text


def _dual_latex(v: Any) -> str:
    d = v if type(v) is Dual else Dual(float(v))
    if not d.eps:
        return _latex_number(d.value)
    sign = "-" if d.eps < 0 else "+"
    return f"{_latex_number(d.value)} {sign} {_latex_number(abs(d.eps))}\\varepsilon"
