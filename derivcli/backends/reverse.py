"""Reverse mode (backpropagation), the seed's ``backpropagate`` without
recursion: a forward sweep stores every node's value, one backward sweep over
the topological order accumulates the adjoints ``x_bar``. A gradient costs
two passes over the graph whatever the number of variables.

Hessian: each first derivative is built as a graph (the chain rule as
built, the graphs the forward mode evaluates), then differentiated again by a
numeric reverse sweep: exact, n + 1 passes for n variables, and entry (x, y)
with x before y is mirrored to (y, x), as in the forward mode. The float
sweep computes what forward mode computes on a graph (0·∞ rule, infinite
partials), so the two modes agree entry for entry, also where a first
derivative is infinite or NaN. (The seed's symbolic reverse sweep,
``gradient_graphs``, "what TensorFlow does", still gives the structural
zeros; its graphs fold 0·partial to 0 before the point is known, so at an
infinite partial they are not the forward mode's chain rule.)
"""

from __future__ import annotations

from ..graph import Graph, evaluate_all, topo_order, var
from ..results import Gradient, Hessian
from . import backward, gradient_result, hessian_result

NAME = "reverse"


def gradient(graph: Graph, point: dict, wrt: tuple[str, ...], **options) -> Gradient:
    order = topo_order(graph.root)
    values = evaluate_all(order, point)  # strict: domain errors name the node
    grads = backward(order, values, graph.root, wrt, 1.0)
    grad = dict(zip(wrt, (float(g) for g in grads)))
    return gradient_result(
        NAME, graph, point, wrt, values[graph.root], grad, evaluations=2, trace=(order, values)
    )


def hessian(graph: Graph, point: dict, wrt: tuple[str, ...], **options) -> Hessian:
    from .forward import ZERO, derivative

    first = gradient(graph, point, wrt)
    present = set(graph.variables)
    firsts = [
        derivative(graph.root, name, simplified=False) if name in present else ZERO for name in wrt
    ]
    order = topo_order(firsts)
    # the expression's nodes at their values, the derivative graphs' products
    # and quotients with the 0·∞ rule (as the numeric sweep applies it)
    known = evaluate_all(topo_order(graph.root), point)
    for name in wrt:
        if name in point:
            known[var(name)] = point[name]
    values = evaluate_all(order, {}, strict=False, known=known)
    rows: dict[str, dict[str, float]] = {name: {} for name in wrt}
    for i, (name, g) in enumerate(zip(wrt, firsts)):
        row = backward(order, values, g, wrt, 1.0)
        for j in range(i, len(wrt)):
            rows[name][wrt[j]] = rows[wrt[j]][name] = float(row[j])
    rows = {a: {b: rows[a][b] for b in wrt} for a in wrt}
    return hessian_result(
        NAME,
        graph,
        point,
        wrt,
        first.value,
        first.gradient,
        rows,
        evaluations=2 + 1 + len(wrt),
    )
