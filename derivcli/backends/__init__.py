"""The modes. Each mode is one module here (``backends/<name>.py``, with
``NAME = "<name>"``), imported when the mode first runs, with the same small
interface::

    gradient(program, point, wrt, **options) -> results.Gradient
    hessian(program, point, wrt, **options) -> results.Hessian
    jacobian(program, point, wrt, **options) -> results.Jacobian

and, where it has a direct method, ``jvp``/``vjp``/``hvp`` (without them the
API multiplies the whole matrix). ``program`` is a parsed
:class:`~derivcli.graph.Program` (one output for ``gradient`` and
``hessian``), ``point`` maps every variable to a float, ``wrt`` is the
ordered tuple of variables to differentiate by.

What the CLI, the API and ``compare`` need before a mode runs -- its place
in the seed's teaching order, its options (CLI flags and API keywords), the
unit of its cost and how its cost arises -- is its entry in ``DECLARED`` at
the end of this module, from which the registry (``MODES``,
``MODE_OPTIONS``, ``COST_UNITS``, ``COST_NOTES``) is built. So a command
imports only the mode it runs (importing all six took 9M instructions,
about 3 ms of every start), and a new mode is one new module plus its
entry. A mode's heavy library (TensorFlow, mpmath) is imported only when
the mode runs.
"""

from __future__ import annotations

import importlib
import math
from types import ModuleType

from ..errors import ModeUnavailable
from ..graph import (
    Graph,
    Node,
    evaluate_all,
    to_infix,
    topo_order,
    underflow_note,
    var,
    variables_of,
)
from ..primitives import add, mul, times
from ..records import Record, factory
from ..results import Gradient, Hessian, Jacobian

DEFAULT_MODE = "reverse"


class ModeOption(Record, frozen=True):
    """An option a mode declares: the CLI gets ``--name``, the Python API
    the keyword ``name``, and both refuse it for another mode.

    ``choices`` (a tuple of words) or ``type`` (``float``, ``int``) says what
    its value is; ``help`` is the text of ``--help``.
    """

    name: str
    help: str
    choices: tuple[str, ...] | None = None
    type: type | None = None
    metavar: str | None = None


class Mode(Record, frozen=True, eq=False):
    """What a mode declares (an entry of ``DECLARED``): ``name`` is the
    ``--mode`` word and its module's name; ``cost_unit`` is one unit of its
    cost (singular, plural); ``cost_notes`` says how its cost arises, by
    kind of result (``gradient``, ``hessian``, ``jacobian``)."""

    name: str
    options: tuple[ModeOption, ...]
    cost_unit: tuple[str, str]
    cost_notes: dict[str, str]


_LOADED: dict[str, ModuleType] = {}


def get_backend(mode: str) -> ModuleType:
    """The module that implements ``mode`` (imported on first use).

    Raises :class:`~derivcli.errors.ModeUnavailable` for an unknown mode."""
    if mode not in MODES:  # (first: a list or dict is no key of _LOADED)
        raise ModeUnavailable(f"unknown mode '{mode}'; choose one of {', '.join(MODES)}")
    module = _LOADED.get(mode)
    if module is None:
        module = _LOADED[mode] = importlib.import_module(f"{__name__}.{mode}")
    return module


# ---------------------------------------------------------------------------
# Shared by several modes


def backward(
    order: list[Node], values: dict, root, wrt: tuple[str, ...], seed=None, env: dict | None = None
) -> list:
    """One reverse sweep: the adjoint of every ``wrt`` variable.

    ``env``, if given, receives the adjoint ``x_bar`` of every step the sweep
    reached (the reverse half of the evaluation trace).

    ``root`` is the node seeded with ``seed``, or a dict ``{node: seed}``
    seeding several outputs at once (a vector-Jacobian product ``uᵀJ`` in
    one sweep).

    ``order`` is a topological order containing ``root``; ``values`` holds
    each node's value. Values may be floats (numeric reverse mode) or nodes
    themselves (symbolic reverse mode: the adjoints come out as graphs). This
    is the seed's ``backpropagate``, as one loop instead of recursion.

    Every product ``x_bar · partial`` follows the 0·∞ rule (``mul`` of the
    primitive table). With floats the sweep also keeps, beside each adjoint,
    the coefficient of the infinite local partials it went through (see
    ``_backward_floats``), so that it agrees with forward mode where the
    infinite paths cancel.
    """
    wanted = {var(name) for name in wrt}
    active: set[Node] = set()  # nodes that depend on a wanted variable
    for node in order:
        if node in wanted or any(a in active for a in node.args):
            active.add(node)
    seeds = root if isinstance(root, dict) else {root: seed}
    if not any(isinstance(s, Node) for s in seeds.values()):
        seeds = {node: float(s) for node, s in seeds.items()}
        return _backward_floats(order, values, seeds, wrt, active, env)
    x_bar: dict[Node, object] = {}
    for node, s in seeds.items():
        if node in active:
            x_bar[node] = s
    for node in reversed(order):
        node_bar = x_bar.get(node)
        if node_bar is None or not node.args:
            continue
        args = node.args
        partials = node.prim.partials(*[values[a] for a in args], values[node])
        for a, partial in zip(args, partials, strict=False):
            if a in active:
                contribution = mul(node_bar, partial)
                previous = x_bar.get(a)
                x_bar[a] = contribution if previous is None else add(previous, contribution)
    if env is not None:
        env.update(x_bar)
    zero = 0.0
    return [x_bar.get(var(name), zero) for name in wrt]


def _backward_floats(
    order: list[Node],
    values: dict,
    seeds: dict,
    wrt: tuple[str, ...],
    active: set,
    env: dict | None = None,
) -> list[float]:
    """The float reverse sweep, computing what forward mode computes where a
    local partial is infinite or NaN.

    Forward mode sums the tangents into a node before multiplying by the
    node's partial; reverse mode multiplies first and sums adjoints. Where a
    partial is not finite the order decides the answer: in ``acos(x/x)`` the
    two paths from ``x/x`` to ``x`` cancel, so forward mode meets 0·∞ (0 by
    the rule) while a plain reverse sweep meets ∞ − ∞ (NaN); in
    ``acos(y) - acos(y)`` it is the other way round. So an adjoint is a sum
    of terms ``c·∞₁·∞₂…``, one per chain of nodes with a non-finite partial
    that it went through (the empty chain is its finite part):

    * a finite partial scales every ``c``, sums add ``c`` of the same chain;
    * a non-finite partial extends every chain by its node (a NaN partial
      marks the chain NaN);
    * only at the variables do the terms become a number: a ``c`` that
      cancelled to 0 contributes nothing (in forward mode the tangent into
      that node was 0, and 0·∞ is 0), the others are ±∞ or NaN, added as
      floats, as forward mode adds its infinite tangents.

    Each term also remembers whether it was summed from contributions of
    both signs: forward mode carries an infinite tangent up every path and
    adds them there, so such a term meeting a non-finite partial is ∞ − ∞,
    a NaN (which still vanishes if the tangent into that node is 0).
    """
    # An adjoint is a float, or once a non-finite partial was met, the terms
    # {chain: [c, mixed]} (chain: a tuple of (node, "inf" | "nan")); adjoints
    # summed from both signs are in ``mixed``.
    x_bar: dict[Node, float | dict] = {}
    # the rounding errors of the float adjoint sums (Neumaier's compensated
    # summation): the contributions reach a node in reverse order, and
    # 1e8 + 0.3 - 1e8 must not lose the 0.3 that forward mode keeps
    carry: dict[Node, float] = {}
    mixed_nodes: set[Node] = set()
    for node, s in seeds.items():
        if node in active:
            x_bar[node] = s
    for node in reversed(order):
        adjoint = x_bar.get(node)
        if adjoint is None or not node.args:
            continue
        if node in carry and type(adjoint) is not dict:
            adjoint = adjoint + carry[node]
        mixed = node in mixed_nodes
        if type(adjoint) is dict:
            if not any(c or m for c, m in adjoint.values()):
                continue
        elif adjoint == 0 and not mixed:  # a zero adjoint contributes nothing
            continue
        args = node.args
        partials = node.prim.partials(*[values[a] for a in args], values[node])
        for a, p in zip(args, partials, strict=False):
            if a not in active:
                continue
            p = float(p)
            if p == 0:
                continue
            if p - p == 0:  # finite
                if type(adjoint) is dict:
                    contribution = {k: [times(c, p), m] for k, (c, m) in adjoint.items()}
                else:
                    contribution = times(adjoint, p)
            else:
                terms = adjoint if type(adjoint) is dict else {(): [adjoint, mixed]}
                contribution = {}
                for chain, (c, m) in terms.items():
                    if not (c or m):
                        continue
                    if m or p != p:
                        key, c = (*chain, (node, "nan")), (1.0 if m else c)
                    else:
                        key, c = (*chain, (node, "inf")), times(c, math.copysign(1.0, p))
                    _add_term(contribution, key, c, False)
            if mixed:
                mixed_nodes.add(a)
            previous = x_bar.get(a)
            if previous is None:
                x_bar[a] = contribution
            elif type(previous) is not dict and type(contribution) is not dict:
                if previous * contribution < 0:
                    mixed_nodes.add(a)
                total = previous + contribution
                if total - total == 0:  # finite: keep what the sum rounded off
                    if abs(previous) >= abs(contribution):
                        carry[a] = carry.get(a, 0.0) + ((previous - total) + contribution)
                    else:
                        carry[a] = carry.get(a, 0.0) + ((contribution - total) + previous)
                x_bar[a] = total
            else:
                if type(previous) is not dict:
                    previous = {(): [previous + carry.pop(a, 0.0), a in mixed_nodes]}
                if type(contribution) is not dict:
                    contribution = {(): [contribution, False]}
                for key, (c, m) in contribution.items():
                    _add_term(previous, key, c, m)
                x_bar[a] = previous
    if env is not None:
        env.update({n: _as_number(a) if type(a) is dict else a for n, a in x_bar.items()})
    out = []
    for name in wrt:
        x = var(name)
        adjoint = x_bar.get(x, 0.0)
        if type(adjoint) is dict:
            out.append(_as_number(adjoint))
        else:
            out.append(adjoint + carry[x] if x in carry else adjoint)
    return out


def _add_term(terms: dict, key: tuple, c: float, mixed: bool) -> None:
    entry = terms.get(key)
    if entry is None:
        terms[key] = [c, mixed]
    else:
        entry[1] = entry[1] or mixed or entry[0] * c < 0
        entry[0] += c


def _as_number(terms: dict) -> float:
    """Σ c·∞₁·∞₂… as forward mode's float sum (0·∞ = 0)."""
    total = 0.0
    for chain, (c, _mixed) in terms.items():
        if not chain:
            total += c
        elif c:
            nan = any(kind == "nan" for _node, kind in chain)
            total += math.nan if nan else math.copysign(math.inf, c)
    return total


def gradient_graphs(root: Node, wrt: tuple[str, ...]) -> list[Node]:
    """The gradient of ``root`` as graphs, by a symbolic reverse sweep.

    The seed: "we could make backpropagate() return symbolic expressions
    instead of values; TensorFlow does exactly that". Adjoint graphs share
    nodes with ``root``.
    """
    from ..graph import const

    order = topo_order(root)
    identity = {node: node for node in order}
    grads = backward(order, identity, root, wrt, const(1.0))
    return [g if isinstance(g, Node) else const(g) for g in grads]


def structural_zeros_gradient(graph: Graph, wrt: tuple[str, ...]) -> list[str]:
    """Variables of ``wrt`` that do not reach the expression."""
    present = set(graph.variables)
    return [name for name in wrt if name not in present]


def structural_zeros_hessian(grads: list[Node], wrt: tuple[str, ...]) -> list[tuple[str, str]]:
    """Pairs (x, y) where y does not reach the graph of the derivative by x."""
    from ..graph import variables_of

    pairs = []
    for name, g in zip(wrt, grads, strict=False):
        present = set(variables_of(g))
        pairs.extend((name, other) for other in wrt if other not in present)
    return pairs


# ---------------------------------------------------------------------------
# Warnings that name their cause


class Diagnosis(Record):
    """What is not finite at a point, found in one pass over the graph.

    ``infinite``: nodes with finite arguments and value whose local partial
    by an argument that depends on a variable is infinite or NaN (``sqrt`` at
    0, ``acos`` at 1): the chain rule meets ∞ there. ``overflow``: nodes whose
    value is infinite or NaN although their arguments are finite and the
    operation is defined there. Each comes with its text, ready for a warning.
    """

    infinite: list[str] = factory(list)
    overflow: list[str] = factory(list)
    #: nodes at a kink or jump of their primitive (``Kink.where``) that
    #: depend on a variable of ``wrt`` (of the gradient graphs too, for a
    #: Hessian's second derivatives)
    kinks: list[Node] = factory(list)
    #: the ``(order, values)`` walked, for the one-sided sweeps of the kinks
    trace: tuple | None = None


def _finite(v) -> bool:
    if type(v) is not float:
        v = float(getattr(v, "real", v))
    return v - v == 0


def _float(v) -> float:
    return v if type(v) is float else float(getattr(v, "real", v))


def _at(node: Node, point) -> str:
    """``x = 0, y = 1``: the variables of ``node`` at the point."""
    from ..numbers import text_number

    names = variables_of(node)
    return ", ".join(f"{n} = {text_number(point[n])}" for n in names if n in point)


def _name(node: Node) -> str:
    from ..numbers import shorten

    return shorten(to_infix(node))


def diagnose(
    roots, point, wrt: tuple[str, ...], known=None, limit: int = 3, trace=None
) -> Diagnosis:
    """Find the sub-expressions that make derivatives infinite, NaN or 0·∞.

    ``roots`` are the expression's root (or, for second derivatives, its
    gradient graphs with ``known`` holding the expression's values).
    ``trace`` is ``(order, values)`` of the root if a mode has them already.
    """
    if trace is not None:
        order, values = trace
    else:
        # the expression's own nodes are in parse order; derivative graphs
        # are walked by shape, so that every mode names the same nodes first
        if known is None:
            order = topo_order(roots)
        else:
            from ..printing import postorder

            order = postorder(roots if isinstance(roots, Node) else list(roots))
        values = evaluate_all(order, point, strict=False, known=known)
    active: set[Node] = {var(name) for name in wrt}
    diagnosis = Diagnosis(trace=(order, values))
    for node in order:
        args = node.args
        if not args:
            continue
        for a in args:
            if a in active:
                break
        else:
            continue  # depends on no variable of wrt
        active.add(node)
        arg_values = [values[a] for a in args]
        if not all(_finite(v) for v in arg_values):
            continue  # not the origin: an argument already overflowed
        prim = node.prim
        value = values[node]
        if prim.kink is not None:
            if prim.kink.where(*[_float(v) for v in arg_values]):
                diagnosis.kinks.append(node)
        if not _finite(value):
            if prim.domain(*arg_values) is None and len(diagnosis.overflow) < limit:
                diagnosis.overflow.append(
                    f"{_name(node)} overflows to {_word(value)} at {_at(node, point)}"
                )
            continue
        if prim.finite_partials or len(diagnosis.infinite) >= limit:
            continue
        partials = prim.partials(*arg_values, value)
        bad = [float(p) for a, p in zip(args, partials, strict=False) if a in active]
        bad = [p for p in bad if not _finite(p)]
        if bad:
            what = "an infinite" if all(p == p for p in bad) else "no real"
            diagnosis.infinite.append(
                f"{_name(node)} has {what} derivative at {_at(node, point)}"
                + underflow_note(node, values, point)
            )
    return diagnosis


# ---------------------------------------------------------------------------
# Kinks: the one-sided derivatives where the derivative does not exist

#: the modes whose chain rule runs on the table's partials, so that --side
#: (the one-sided derivative, from the shared sweep below) is theirs too
SIDE_MODES = ("forward", "dual", "reverse", "mpmath")
SIDES = ("left", "right")


#: the kinks named in warnings and JSON (the first in the expression's
#: order); a variable that reaches none of them is reported at the first
#: kink it reaches
KINKS_NAMED = 3
#: a one-sided derivative the first-order sweep cannot tell (JSON "unknown")
UNKNOWN = "unknown"


def one_sided_derivative(
    order: list[Node], values: dict, root: Node, name: str, side: int, kinks=()
):
    """The one-sided derivative of ``root`` by the variable ``name`` from the
    right (``side = 1``) or the left (``side = -1``), or ``None`` where it
    does not exist (the value jumps on that side), or :data:`UNKNOWN`.

    One forward sweep along the direction ``side·e_name`` (the one-sided
    directional derivative ``f'(p; d) = lim_{t->0+} (f(p + t d) - f(p))/t``):
    each node carries the value it tends to and its tangent on that branch.
    Where a primitive is at a kink (``Kink.where`` of the table) the table's
    ``Kink.one_sided`` picks the branch by the direction its arguments move
    in (the sign of their tangents); elsewhere the tangent is the chain rule
    with the table's partials (and the 0·∞ rule), as in forward mode. After
    a jump the nodes above are evaluated at the limit; the output jumped if
    its limit is not its value, and then has no one-sided derivative.

    A continuous kink whose arguments do not move at first order stays put
    (``abs(x^2)`` at 0: 0, which is right for a Lipschitz corner), but a
    jump among ``kinks`` that depends on ``name`` and does not move at first
    order may or may not jump (``floor(x^2)`` does not at 0,
    ``floor(-x^2)`` does): what depends on it is :data:`UNKNOWN`.
    """
    x = var(name)
    limit: dict[Node, float] = {}
    x_dot: dict[Node, float] = {}
    jumped: set[Node] = set()
    unknown: set[Node] = set()
    for node in order:
        value = _float(values[node])
        args = node.args
        if not args:
            limit[node] = value
            x_dot[node] = float(side) if node == x else 0.0
            continue
        if any(a in unknown for a in args):
            unknown.add(node)
            continue
        arg_dots = tuple(x_dot[a] for a in args)
        arg_jumped = any(a in jumped for a in args)
        if not arg_jumped and not any(arg_dots):  # not moving: stays at the point
            limit[node], x_dot[node] = value, 0.0
            if node in kinks and node.prim.kink.jumps and name in variables_of(node):
                unknown.add(node)
            continue
        prim = node.prim
        arg_limits = tuple(limit[a] for a in args)
        out = prim.fn(*arg_limits) if arg_jumped else value
        kink = prim.kink
        if kink is not None and all(_finite(v) for v in arg_limits) and kink.where(*arg_limits):
            out, dot, jumps = kink.one_sided(arg_limits, out, arg_dots)
        else:
            partials = prim.partials(*arg_limits, out)
            dot, jumps = 0.0, False
            for p, t in zip(partials, arg_dots, strict=False):
                if t:
                    dot += times(float(p), t)
        if arg_jumped:
            jumps = not out == value  # back at its value: continuous again
        limit[node], x_dot[node] = out, dot
        if jumps:
            jumped.add(node)
    if root in unknown:
        return UNKNOWN
    if root in jumped:
        return None
    return side * x_dot[root] + 0.0  # (no -0 from the left)


def _side_text(v: float | None, side: str) -> str:
    from ..numbers import text_number

    if v is None:
        return f"none from the {side} (the value jumps there)"
    if v == UNKNOWN:
        return f"unknown from the {side}"
    return f"{text_number(v)} from the {side}"


def kink_report(
    diagnosis: Diagnosis,
    root: Node,
    point: dict,
    wrt: tuple[str, ...],
    reported: dict[str, float],
    output: str | None = None,
    tolerance: dict[str, float] | None = None,
) -> tuple[list[dict], list[str]]:
    """The kinks of ``diagnosis`` that matter: JSON entries and warnings.

    For each sub-expression at a kink and each variable of ``wrt`` it
    depends on, the one-sided derivatives of the whole output (``root``) by
    that variable. A kink is reported where they differ from each other or
    from what the mode ``reported`` (a subgradient), or do not exist;
    ``abs(x)^2`` at 0 (both sides 0) is differentiable and says nothing,
    also where a reported value is off by no more than its ``tolerance``
    (the numeric mode's error estimate: its 1e-9 for ``x*abs(x)`` at 0 is
    rounding, not a subgradient).
    Entries: ``{"at", "variable", "left", "right"}`` (``None``: no
    one-sided derivative, the value jumps), with ``"output"`` when given.
    """
    from ..numbers import text_number

    if not diagnosis.kinks or diagnosis.trace is None:
        return [], []
    order, values = diagnosis.trace
    wanted = set(wrt)
    # which kinks each variable reaches: the first KINKS_NAMED by name, and
    # for a variable that reaches none of those, the first kink it reaches
    # (one walk with a shared visited set: linear however many kinks, as
    # in abs(abs(...abs(x)...)))
    reaches: dict[str, list[Node]] = {}
    named = diagnosis.kinks[:KINKS_NAMED]
    for node in named:
        for name in variables_of(node):
            if name in wanted:
                reaches.setdefault(name, []).append(node)
    visited: set[Node] = set()
    for node in diagnosis.kinks[KINKS_NAMED:]:
        stack = [node]
        while stack:
            n = stack.pop()
            if n in visited:
                continue
            visited.add(n)
            if n.op == "var":
                if n.name in wanted and n.name not in reaches:
                    reaches[n.name] = [node]
            else:
                stack.extend(n.args)
    kinks = set(diagnosis.kinks)
    sides: dict[str, tuple] = {}
    for name in wrt:
        if name in reaches:
            sides[name] = (
                one_sided_derivative(order, values, root, name, -1, kinks),
                one_sided_derivative(order, values, root, name, 1, kinks),
            )
    entries: list[dict] = []
    # kinks at the same point with the same one-sided derivatives (abs(x)
    # and abs(abs(x)) at 0) share one warning: (where, text) -> names, jumps
    found: dict[tuple[str, str], tuple[list[str], bool]] = {}
    by_node = {node: [n for n in wrt if node in reaches.get(n, ())] for node in diagnosis.kinks}
    for node in dict.fromkeys(node for nodes in reaches.values() for node in nodes):
        parts = []
        for name in by_node[node]:
            left, right = sides[name]
            mine = reported.get(name, math.nan)
            if isinstance(left, float) and isinstance(right, float) and left == right:
                slack = (tolerance or {}).get(name, 0.0)
                if left == mine or abs(mine - left) <= slack:
                    continue
            entry = {"at": _name(node), "variable": name, "left": left, "right": right}
            if output is not None:
                entry = {"output": output, **entry}
            entries.append(entry)
            by = f"by {name} " if len(wrt) > 1 else ""
            sep = ", reported " if len(wrt) > 1 else "; reported: "
            parts.append(
                f"{by}{_side_text(left, 'left')}, {_side_text(right, 'right')}"
                f"{sep}{text_number(mine)}"
            )
        if parts:
            key = (_at(node, point), "; ".join(parts))
            names, jumps = found.get(key, ([], False))
            found[key] = ([*names, _name(node)], jumps or node.prim.kink.jumps)
    warnings = []
    for (where, text), (names, jumps) in found.items():
        if " unknown from the " in text:
            what = "may jump" if len(names) == 1 else "may each jump"
            text += " (an argument does not move at first order: a jump may or may not happen)"
        elif len(names) == 1:
            what = "jumps" if jumps else "has a kink"
        else:
            what = "jump" if jumps else "have a kink"
        subject = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        warnings.append(f"{subject} {what} at {where}: derivative {text}")
    return entries, warnings


def check_side(side: str | None, mode: str, command: str) -> None:
    """Refuse ``--side`` where it has no meaning (``UsageError``)."""
    from ..errors import UsageError

    if side is None:
        return
    if side not in SIDES:
        raise UsageError(f"--side is left or right, not '{side}'")
    if command == "hessian":
        raise UsageError(
            "--side applies to grad and jacobian: at a kink a one-sided second derivative "
            "mixes two directions and is not defined; drop --side"
        )
    if mode not in SIDE_MODES:
        why = {
            "numeric": "finite differences straddle the kink",
            "tensorflow": "TensorFlow's gradients keep their subgradient",
        }.get(mode, "the mode does not use the table's partials")
        raise UsageError(
            f"--side needs an exact mode ({', '.join(SIDE_MODES)}): {why}; "
            "add --mode reverse, or drop --side"
        )


def apply_side(result: Gradient | Jacobian, side: str) -> None:
    """Make ``result`` (of a mode of :data:`SIDE_MODES`) report the
    one-sided derivatives from ``side`` where it crosses a kink.

    Every other entry is already that derivative (the mode's chain rule and
    the one-sided sweep agree where the expression is differentiable). An
    entry with no derivative from that side (a jump) becomes NaN, with a
    warning. The kink warnings stay, saying ``reported: ...`` of the
    subgradient, and a note says which entries changed.
    """
    from ..numbers import text_number

    several = isinstance(result, Jacobian) and len(result.outputs) > 1
    changed: list[str] = []
    for entry in result.kinks:
        output = entry.get("output", result.outputs[0] if isinstance(result, Jacobian) else None)
        row = result.jacobian[output] if isinstance(result, Jacobian) else result.gradient
        name = entry["variable"]
        value = entry[side]
        label = f"{output} by {name}" if several else name
        new = value if isinstance(value, float) else math.nan
        if label in changed:
            continue
        changed.append(label)
        if value is None:
            result.warnings.append(
                f"the derivative {'of ' if several else 'by '}{label} from the {side} does not "
                f"exist: {entry['at']} jumps there (reported as NaN)"
            )
        elif value == UNKNOWN:
            result.warnings.append(
                f"the derivative {'of ' if several else 'by '}{label} from the {side} cannot be "
                f"told at first order: {entry['at']} may jump there (reported as NaN)"
            )
        row[name] = new
        if result.digits is not None:  # mpmath: the one-sided entry is a double
            digits = result.digits.get("jacobian" if isinstance(result, Jacobian) else "gradient")
            if isinstance(digits, dict):
                target = digits.get(output, digits) if several else digits
                if isinstance(target, dict) and name in target:
                    target[name] = text_number(new)
    if changed:
        precision = " (computed in double precision)" if result.mode == "mpmath" else ""
        result.warnings.append(
            f"--side {side}: {', '.join(changed)} {'is' if len(changed) == 1 else 'are'} "
            f"the derivative from the {side}, not the subgradient reported above{precision}"
        )


def nonfinite_warnings(
    value: float,
    entries: dict[str, float],
    what: str,
    *,
    diagnosis: Diagnosis | None = None,
    causes: dict[str, str] | None = None,
    chain_rule: bool = True,
    point: dict | None = None,
) -> list[str]:
    """Warnings for a value or derivatives that are not finite, naming the cause.

    ``diagnosis`` (from :func:`diagnose`) names the sub-expressions with an
    infinite derivative or an overflowing value; ``causes`` lets a mode say
    why an entry is not finite in its own terms (``{"x": "f overflows ..."}``)
    and takes precedence. With ``chain_rule`` (every mode but the numeric
    one) an infinite local derivative under finite entries means the chain
    rule's 0·∞ was taken as 0, which is said too.
    """
    d = diagnosis or Diagnosis()
    causes = causes or {}
    if not math.isfinite(value):
        cause = "; ".join(d.overflow) or "an operation such as Infinity - Infinity"
        return [f"the value is {_word(value)} at this point ({cause}); its derivatives mean little"]
    warnings = []
    bad = {name: v for name, v in entries.items() if not math.isfinite(v)}
    if chain_rule and d.infinite and len(bad) < len(entries):
        for text in d.infinite:
            product = "0·NaN" if " has no real derivative " in text else "0·∞"
            warnings.append(
                f"{text}; the chain rule's {product} was taken as 0 "
                "(the derivative may not exist there)"
            )
    elif d.infinite and len(bad) < len(entries):
        # the numeric mode: finite differences settle on a number at a kink
        # (acos(cos(x)) at 0 gives 0 ± 1e-15), so the graph's cause is said
        for text in d.infinite:
            warnings.append(
                f"{text} (the derivative may not exist there; finite differences cannot tell)"
            )
    where = None  # the point as text, written once an entry needs it
    for name, v in bad.items():
        subject = f"{what.format(name)} is {_word(v)} at this point"
        if name in causes:
            warnings.append(f"{subject}: {causes[name]}")
        elif d.infinite:
            warnings.append(f"{subject}: " + "; ".join(d.infinite))
        elif d.overflow:
            warnings.append(f"{subject}: " + "; ".join(d.overflow))
        elif chain_rule and v == v:
            if where is None:
                from ..numbers import text_number

                where = ", ".join(f"{n} = {text_number(x)}" for n, x in (point or {}).items())
            at = f" at {where}" if where else ""
            warnings.append(f"{what.format(name)} overflows{at} (it is {_word(v)} in float64)")
        elif chain_rule:
            warnings.append(f"{subject}: terms of it overflow (Infinity - Infinity)")
        else:
            warnings.append(
                f"{subject}: the mode could not compute it there "
                "(no sub-expression has an infinite derivative or overflows)"
            )
    return warnings


def gradient_result(
    mode: str,
    graph: Graph,
    point: dict,
    wrt: tuple[str, ...],
    value: float,
    grad: dict[str, float],
    *,
    evaluations: int,
    structural_zeros: list[str] | None = None,
    error_estimate: dict[str, float] | None = None,
    causes: dict[str, str] | None = None,
    chain_rule: bool | None = None,
    trace: tuple | None = None,
    diagnosis: Diagnosis | None = None,
) -> Gradient:
    """A mode's gradient, with the structural zeros and warnings every mode
    reports the same way (structural zeros from the graph unless given).

    The warnings name their cause (:func:`diagnose`, the same in every
    mode); ``causes`` adds a mode's own reason per entry, and ``chain_rule``
    (default: every mode but ``numeric``) says whether the 0·∞ rule applied.
    ``trace`` is the mode's ``(topological order, values)`` of the
    expression, if it has them, to save a pass; ``diagnosis`` the mode's own
    :func:`diagnose` result if it knows it (``Diagnosis()`` from a clean tape).
    """
    if chain_rule is None:
        chain_rule = mode != "numeric"
    if diagnosis is None:
        diagnosis = diagnose(graph.root, point, wrt, trace=trace)
    warnings = nonfinite_warnings(
        value,
        grad,
        "the derivative by {}",
        diagnosis=diagnosis,
        causes=causes,
        chain_rule=chain_rule,
        point=_point_of(graph, point),
    )
    kinks, kink_warnings = kink_report(
        diagnosis, graph.root, point, wrt, grad, tolerance=error_estimate
    )
    warnings.extend(kink_warnings)
    return Gradient(
        expression=graph.source,
        mode=mode,
        point=dict(point),
        variables=wrt,
        value=value,
        gradient=grad,
        error_estimate=error_estimate,
        structural_zeros=(
            structural_zeros_gradient(graph, wrt) if structural_zeros is None else structural_zeros
        ),
        evaluations=evaluations,
        warnings=warnings,
        kinks=kinks,
    )


def _point_of(graph: Graph, point: dict) -> dict:
    return {name: point[name] for name in graph.variables if name in point}


def hessian_result(
    mode: str,
    graph: Graph,
    point: dict,
    wrt: tuple[str, ...],
    value: float,
    grad: dict[str, float],
    rows: dict[str, dict[str, float]],
    *,
    evaluations: int,
    structural_zeros: list[tuple[str, str]] | None = None,
    error_estimate: dict[str, dict[str, float]] | None = None,
    causes: dict[str, str] | None = None,
    chain_rule: bool | None = None,
) -> Hessian:
    """A mode's Hessian (``rows[x][y]``), reported like every other mode's.

    Warnings as for :func:`gradient_result`; second derivatives are
    diagnosed on the gradient graphs (``causes`` keys are ``"x,y"`` there).
    """
    if chain_rule is None:
        chain_rule = mode != "numeric"
    grads = program_gradient_graphs(graph, wrt)
    if structural_zeros is None:
        structural_zeros = structural_zeros_hessian(grads, wrt)
    flat = {f"{a},{b}": v for a, row in rows.items() for b, v in row.items()}
    where = _point_of(graph, point)
    diagnosis = diagnose(graph.root, point, wrt)
    warnings = nonfinite_warnings(
        value,
        grad,
        "the derivative by {}",
        diagnosis=diagnosis,
        causes=causes,
        chain_rule=chain_rule,
        point=where,
    )
    kinks, kink_warnings = kink_report(diagnosis, graph.root, point, wrt, grad)
    warnings.extend(kink_warnings)
    if math.isfinite(value):
        known = evaluate_all(graph.steps, point, strict=False)
        for name in wrt:
            if name in point:
                known[var(name)] = point[name]
        diagnosis = diagnose(grads, point, wrt, known=known)
        second = nonfinite_warnings(
            value,
            flat,
            "the second derivative by {}",
            diagnosis=diagnosis,
            causes=causes,
            chain_rule=chain_rule,
            point=where,
        )
        warnings.extend(w for w in second if w not in warnings)
        # kinks of the first derivatives (abs(x)*x at 0: f' = abs(x) +
        # x*sign(x) has one, so f'' is -2 from the left, 2 from the right),
        # from the same pass: each gradient graph with the kinks it contains
        for a, g in zip(wrt, grads) if diagnosis.kinks else ():
            mine = set(topo_order(g))
            own = Diagnosis(trace=diagnosis.trace, kinks=[k for k in diagnosis.kinks if k in mine])
            found, said = kink_report(own, g, point, wrt, rows[a], output=f"d/d{a}")
            kinks.extend(found)
            warnings.extend(f"second derivatives (d/d{a} differentiated again): {w}" for w in said)
    return Hessian(
        expression=graph.source,
        mode=mode,
        point=dict(point),
        variables=wrt,
        value=value,
        gradient=grad,
        hessian=rows,
        error_estimate=error_estimate,
        structural_zeros=structural_zeros,
        evaluations=evaluations,
        warnings=warnings,
        kinks=kinks,
    )


def _word(v: float) -> str:
    if v != v:
        return "NaN"
    return "Infinity" if v > 0 else "-Infinity"


# ---------------------------------------------------------------------------
# Many outputs: Jacobians, directional derivatives


def gradient_program(program: Graph, wrt: tuple[str, ...]) -> Graph:
    """The gradient of the program's one output as a program of its own (one
    output per variable of ``wrt``, by a symbolic reverse sweep), built once
    per program and ``wrt``: warnings and structural zeros of Hessians read
    it, reverse mode differentiates it again, ``compare`` builds it before it
    times a mode."""
    cache = program.__dict__.setdefault("_gradient_programs", {})
    key = tuple(wrt)
    if key not in cache:
        grads = gradient_graphs(program.root, key)
        cache[key] = Graph(tuple(grads), key, key, program.source)
    return cache[key]


def program_gradient_graphs(program: Graph, wrt: tuple[str, ...]) -> list[Node]:
    """The graphs of :func:`gradient_program`."""
    return list(gradient_program(program, wrt).outputs)


def structural_zeros_jacobian(program: Graph, wrt: tuple[str, ...]) -> list[tuple[str, str]]:
    """Entries (output, variable) where the variable does not reach the
    output: found by reachability in the program, no derivative taken."""
    return [
        (out, name) for out in program.names for name in wrt if name not in program.reaches[out]
    ]


def jacobian_result(
    mode: str,
    program: Graph,
    point: dict,
    wrt: tuple[str, ...],
    values: list[float],
    rows: dict[str, dict[str, float]],
    *,
    evaluations: int,
    error_estimate: dict[str, dict[str, float]] | None = None,
    causes: dict[str, str] | None = None,
    chain_rule: bool | None = None,
    trace: tuple | None = None,
) -> Jacobian:
    """A mode's Jacobian (``rows[output][variable]``), with structural zeros
    by reachability and warnings diagnosed per output as for a gradient."""
    if chain_rule is None:
        chain_rule = mode != "numeric"
    where = _point_of(program, point)
    several = len(program.outputs) > 1
    warnings: list[str] = []
    kinks: list[dict] = []
    for name, out, value in zip(program.names, program.outputs, values, strict=True):
        what = f"the derivative of {name} by {{}}" if several else "the derivative by {}"
        # each output is diagnosed on its own steps only
        diagnosis = diagnose(
            out, point, wrt, trace=None if trace is None else (topo_order(out), trace[1])
        )
        found = nonfinite_warnings(
            value,
            rows[name],
            what,
            diagnosis=diagnosis,
            causes=causes,
            chain_rule=chain_rule,
            point=where,
        )
        entries, kink_warnings = kink_report(
            diagnosis,
            out,
            point,
            wrt,
            rows[name],
            name if several else None,
            tolerance=(error_estimate or {}).get(name),
        )
        kinks.extend(entries)
        found.extend(kink_warnings)
        if several:
            found = [w if w.startswith("the derivative of") else f"{name}: {w}" for w in found]
        warnings.extend(w for w in found if w not in warnings)
    return Jacobian(
        expression=program.source,
        mode=mode,
        point=dict(point),
        variables=wrt,
        outputs=program.names,
        values=dict(zip(program.names, values, strict=True)),
        jacobian=rows,
        error_estimate=error_estimate,
        structural_zeros=structural_zeros_jacobian(program, wrt),
        evaluations=evaluations,
        warnings=warnings,
        kinks=kinks,
    )


# ---------------------------------------------------------------------------
# The registry: what each mode declares, in the seed's teaching order

DECLARED: tuple[Mode, ...] = (
    Mode(
        "numeric",
        options=(
            ModeOption(
                "scheme",
                "numeric mode: forward, central or richardson differences [default: richardson].",
                choices=("forward", "central", "richardson"),
            ),
            ModeOption(
                "step",
                "numeric mode: the step h (default: scaled to |x|, never 0).",
                type=float,
                metavar="H",
            ),
        ),
        cost_unit=("f eval", "f evals"),
        cost_notes={
            "gradient": "f at the point, then 2 evaluations per variable for each step "
            "of Richardson's extrapolation: grows with n",
            "hessian": "the gradient's evaluations, then 2 to 4 per pair of variables "
            "for each step: grows with n^2",
            "jacobian": "differences per input, each point evaluated once for every output "
            "(2 evaluations per step): grows with n",
        },
    ),
    Mode(
        "forward",
        options=(),
        cost_unit=("pass", "passes"),
        cost_notes={
            "gradient": "one symbolic forward pass per variable: n passes",
            "hessian": "forward over forward: n passes, then one per pair i <= j",
            "jacobian": "one symbolic forward pass per variable, every output at once: "
            "n passes, whatever m",
        },
    ),
    Mode(
        "dual",
        options=(),
        cost_unit=("pass", "passes"),
        cost_notes={
            "gradient": "one plain pass, then one dual-number pass per variable: n + 1 passes",
            "hessian": "one plain pass, then one hyper-dual pass per pair i <= j",
            "jacobian": "one plain pass, then one dual-number pass per variable, every output "
            "at once: n + 1 passes, whatever m",
        },
    ),
    Mode(
        "reverse",
        options=(),
        cost_unit=("pass", "passes"),
        cost_notes={
            "gradient": "one forward and one backward pass, whatever n",
            "hessian": "forward and backward (2), the gradient as graphs (1), "
            "then one backward pass per variable: n + 3",
            "jacobian": "one forward pass, then one backward pass per output: m + 1, whatever n",
        },
    ),
    Mode(
        "tensorflow",
        options=(
            ModeOption(
                "dtype",
                "tensorflow mode: float64 (default) or float32, TensorFlow's own default.",
                choices=("float64", "float32"),
            ),
        ),
        cost_unit=("pass", "passes"),
        cost_notes={
            "gradient": "one taped forward pass and one backward pass, whatever n",
            "hessian": "taped forward and backward pass, then one backward pass per gradient "
            "entry: n + 2",
            "jacobian": "one taped forward pass, then tape.jacobian: one backward pass per "
            "output, m + 1",
        },
    ),
    Mode(
        "mpmath",
        options=(
            ModeOption(
                "digits",
                "mpmath mode: working precision in decimal digits, 15 to 10000 [default: 50].",
                type=int,
                metavar="N",
            ),
        ),
        cost_unit=("pass", "passes"),
        cost_notes={
            "gradient": "one symbolic forward pass per variable (n), the graphs then "
            "evaluated in 50 and 70 digits",
            "hessian": "forward over forward (n, then one per pair i <= j), the graphs "
            "evaluated in 50 and 70 digits",
            "jacobian": "one symbolic forward pass per variable (n, every output at once), the "
            "graphs evaluated in 50 and 70 digits",
        },
    ),
)

#: every mode, in the order the seed notebook teaches them
MODES = tuple(m.name for m in DECLARED)
#: the options each mode declares: option name -> (mode, ModeOption)
MODE_OPTIONS: dict[str, tuple[str, ModeOption]] = {
    option.name: (m.name, option) for m in DECLARED for option in m.options
}
#: what one unit of each mode's cost is: (singular, plural)
COST_UNITS: dict[str, tuple[str, str]] = {m.name: m.cost_unit for m in DECLARED}
#: how each mode's cost arises, by kind of result and mode
COST_NOTES: dict[str, dict[str, str]] = {
    kind: {m.name: m.cost_notes[kind] for m in DECLARED if kind in m.cost_notes}
    for kind in ("gradient", "hessian", "jacobian")
}
