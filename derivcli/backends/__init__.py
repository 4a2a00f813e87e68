"""The modes. Each mode is one module here with the same small interface::

    gradient(graph, point, wrt, **options) -> results.Gradient
    hessian(graph, point, wrt, **options) -> results.Hessian

``graph`` is a parsed :class:`~derivcli.graph.Graph`, ``point`` maps every
variable to a float, ``wrt`` is the ordered tuple of variables to
differentiate by. Modes are imported only when asked for, so a heavy one
(TensorFlow) costs nothing to the others.
"""

from __future__ import annotations

import importlib
import math
from dataclasses import dataclass, field
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
from ..results import Gradient, Hessian

#: every mode, in the order the seed notebook teaches them
MODES = ("numeric", "forward", "dual", "reverse", "tensorflow")
DEFAULT_MODE = "reverse"


def get_backend(mode: str) -> ModuleType:
    """The module that implements ``mode``."""
    if mode not in MODES:
        raise ModeUnavailable(f"unknown mode '{mode}'; choose one of {', '.join(MODES)}")
    try:
        return importlib.import_module(f"{__name__}.{mode}")
    except ModuleNotFoundError as exc:
        if exc.name == f"{__name__}.{mode}":
            raise ModeUnavailable(f"the {mode} mode is not available in this version") from None
        raise


# ---------------------------------------------------------------------------
# Shared by several modes


def backward(order: list[Node], values: dict, root: Node, wrt: tuple[str, ...], seed) -> list:
    """One reverse sweep: the adjoint of every ``wrt`` variable.

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
    if not isinstance(seed, Node):
        return _backward_floats(order, values, root, wrt, float(seed), active)
    x_bar: dict[Node, object] = {}
    if root in active:
        x_bar[root] = seed
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
    zero = 0.0
    return [x_bar.get(var(name), zero) for name in wrt]


def _backward_floats(
    order: list[Node], values: dict, root: Node, wrt: tuple[str, ...], seed: float, active: set
) -> list[float]:
    """The float reverse sweep, with infinite partials kept symbolic.

    Forward mode sums the tangents into a node before multiplying by the
    node's partial; reverse mode multiplies first. Where a partial is
    infinite the order matters: in ``acos(x/x)`` the two paths from ``x/x``
    to ``x`` cancel, so forward mode meets 0·∞ (0 by the rule) while a plain
    reverse sweep meets ∞ − ∞ (NaN). Each adjoint is therefore a pair
    ``(finite, c)`` meaning ``finite + c·∞``: an infinite partial moves the
    finite part into ``c`` (with its sign), finite partials scale both, and
    only at the variables is ``c·∞`` turned back into a number (0 where the
    coefficients cancelled exactly, as the tangent does in forward mode).
    An infinite partial met by an adjoint that already has a ``c`` part (two
    infinities in a row) is an ordinary infinity from then on.
    """
    x_bar: dict[Node, tuple[float, float]] = {}
    if root in active:
        x_bar[root] = (seed, 0.0)
    for node in reversed(order):
        pair = x_bar.get(node)
        if pair is None or not node.args:
            continue
        f, c = pair
        if f == 0 and c == 0:  # a zero adjoint contributes nothing
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
                contribution = (times(f, p), times(c, p))
            elif p == p:  # an infinite partial
                sign = math.copysign(1.0, p)
                if c == 0:
                    contribution = (0.0, times(f, sign))
                else:
                    contribution = (times(f, p) + times(c, p), 0.0)
            else:  # nan
                contribution = (math.nan, 0.0)
            previous = x_bar.get(a)
            if previous is None:
                x_bar[a] = contribution
            else:
                x_bar[a] = (previous[0] + contribution[0], previous[1] + contribution[1])
    out = []
    for name in wrt:
        f, c = x_bar.get(var(name), (0.0, 0.0))
        out.append(f + times(c, math.inf) if c else f)
    return out


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


@dataclass
class Diagnosis:
    """What is not finite at a point, found in one pass over the graph.

    ``infinite``: nodes with finite arguments and value whose local partial
    by an argument that depends on a variable is infinite or NaN (``sqrt`` at
    0, ``acos`` at 1): the chain rule meets ∞ there. ``overflow``: nodes whose
    value is infinite or NaN although their arguments are finite and the
    operation is defined there. Each comes with its text, ready for a warning.
    """

    infinite: list[str] = field(default_factory=list)
    overflow: list[str] = field(default_factory=list)


def _finite(v) -> bool:
    v = float(getattr(v, "real", v))
    return v - v == 0


def _at(node: Node, point) -> str:
    """``x = 0, y = 1``: the variables of ``node`` at the point."""
    from ..numbers import text_number

    names = variables_of(node)
    return ", ".join(f"{n} = {text_number(point[n])}" for n in names if n in point)


def _name(node: Node) -> str:
    from ..numbers import shorten

    return shorten(to_infix(node))


def diagnose(roots, point, wrt: tuple[str, ...], known=None, limit: int = 3) -> Diagnosis:
    """Find the sub-expressions that make derivatives infinite, NaN or 0·∞.

    ``roots`` are the expression's root (or, for second derivatives, its
    gradient graphs with ``known`` holding the expression's values).
    """
    order = topo_order(roots)
    values = evaluate_all(order, point, strict=False, known=known)
    wanted = {var(name) for name in wrt}
    active: set[Node] = set()
    diagnosis = Diagnosis()
    for node in order:
        if node in wanted or any(a in active for a in node.args):
            active.add(node)
        if not node.args or node not in active:
            continue
        args = [values[a] for a in node.args]
        if not all(_finite(a) for a in args):
            continue  # not the origin: an argument already overflowed
        value = values[node]
        if not _finite(value):
            if node.prim.domain(*args) is None and len(diagnosis.overflow) < limit:
                diagnosis.overflow.append(
                    f"{_name(node)} overflows to {_word(value)} at {_at(node, point)}"
                )
            continue
        partials = node.prim.partials(*args, value)
        if len(diagnosis.infinite) < limit and any(
            a in active and not _finite(p) for a, p in zip(node.args, partials, strict=False)
        ):
            diagnosis.infinite.append(
                f"{_name(node)} has an infinite derivative at {_at(node, point)}"
                + underflow_note(node, values, point)
            )
    return diagnosis


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
            warnings.append(
                f"{text}; the chain rule's 0·∞ was taken as 0 (the derivative may not exist there)"
            )
    where = ""
    if point:
        from ..numbers import text_number

        where = ", ".join(f"{n} = {text_number(v)}" for n, v in point.items())
    for name, v in bad.items():
        subject = f"{what.format(name)} is {_word(v)} at this point"
        if name in causes:
            warnings.append(f"{subject}: {causes[name]}")
        elif d.infinite:
            warnings.append(f"{subject}: " + "; ".join(d.infinite))
        elif d.overflow:
            warnings.append(f"{subject}: " + "; ".join(d.overflow))
        elif chain_rule and v == v:
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
) -> Gradient:
    """A mode's gradient, with the structural zeros and warnings every mode
    reports the same way (structural zeros from the graph unless given).

    The warnings name their cause (:func:`diagnose`, the same in every
    mode); ``causes`` adds a mode's own reason per entry, and ``chain_rule``
    (default: every mode but ``numeric``) says whether the 0·∞ rule applied.
    """
    if chain_rule is None:
        chain_rule = mode != "numeric"
    diagnosis = diagnose(graph.root, point, wrt)
    warnings = nonfinite_warnings(
        value,
        grad,
        "the derivative by {}",
        diagnosis=diagnosis,
        causes=causes,
        chain_rule=chain_rule,
        point=_point_of(graph, point),
    )
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
    grads = gradient_graphs(graph.root, wrt)
    if structural_zeros is None:
        structural_zeros = structural_zeros_hessian(grads, wrt)
    flat = {f"{a},{b}": v for a, row in rows.items() for b, v in row.items()}
    where = _point_of(graph, point)
    warnings = nonfinite_warnings(
        value,
        grad,
        "the derivative by {}",
        diagnosis=diagnose(graph.root, point, wrt),
        causes=causes,
        chain_rule=chain_rule,
        point=where,
    )
    if math.isfinite(value):
        known = evaluate_all(topo_order(graph.root), point, strict=False)
        for name in wrt:
            if name in point:
                known[var(name)] = point[name]
        second = nonfinite_warnings(
            value,
            flat,
            "the second derivative by {}",
            diagnosis=diagnose(grads, point, wrt, known=known),
            causes=causes,
            chain_rule=chain_rule,
            point=where,
        )
        warnings.extend(w for w in second if w not in warnings)
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
    )


def _word(v: float) -> str:
    if v != v:
        return "NaN"
    return "Infinity" if v > 0 else "-Infinity"
