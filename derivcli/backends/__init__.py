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
from types import ModuleType

from ..errors import ModeUnavailable
from ..graph import Graph, Node, topo_order, var
from ..primitives import add, mul
from ..results import Gradient, Hessian

#: every mode, in the order the seed notebook teaches them
MODES = ("numeric", "forward", "dual", "reverse", "tensorflow", "mpmath")
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
    """
    wanted = {var(name) for name in wrt}
    active: set[Node] = set()  # nodes that depend on a wanted variable
    for node in order:
        if node in wanted or any(a in active for a in node.args):
            active.add(node)
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


def nonfinite_warnings(value: float, entries: dict[str, float], what: str) -> list[str]:
    """Warnings for derivatives that are not finite where the value is."""
    if not math.isfinite(value):
        return [f"the value is {_word(value)} at this point; its derivatives mean little"]
    return [
        f"{what.format(name)} is {_word(v)} at this point (the derivative does not exist there)"
        for name, v in entries.items()
        if not math.isfinite(v)
    ]


def _word(v: float) -> str:
    if v != v:
        return "NaN"
    return "Infinity" if v > 0 else "-Infinity"


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
) -> Gradient:
    """A mode's gradient, with the structural zeros and warnings every mode
    reports the same way (structural zeros from the graph unless given)."""
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
        warnings=nonfinite_warnings(value, grad, "the derivative by {}"),
    )


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
) -> Hessian:
    """A mode's Hessian (``rows[x][y]``), reported like every other mode's."""
    if structural_zeros is None:
        structural_zeros = structural_zeros_hessian(gradient_graphs(graph.root, wrt), wrt)
    flat = {f"{a},{b}": v for a, row in rows.items() for b, v in row.items()}
    warnings = nonfinite_warnings(value, grad, "the derivative by {}") or nonfinite_warnings(
        value, flat, "the second derivative by {}"
    )
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
