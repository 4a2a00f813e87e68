"""Reverse mode (backpropagation), the seed's ``backpropagate`` without
recursion: a forward sweep stores every node's value, one backward sweep over
the topological order accumulates the adjoints ``x_bar``. A gradient costs
two passes over the graph whatever the number of variables.

Hessian: the gradient is first built as graphs (a symbolic reverse sweep,
"TensorFlow does exactly that"), then each gradient graph is differentiated
again by a numeric reverse sweep: exact, n + 1 passes for n variables.
"""

from __future__ import annotations

from ..graph import Graph, evaluate_all, topo_order, var
from ..results import Gradient, Hessian
from . import backward, gradient_graphs, gradient_result, hessian_result, structural_zeros_hessian

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
    first = gradient(graph, point, wrt)
    grads = gradient_graphs(graph.root, wrt)
    order = topo_order(grads)
    # the expression's nodes at their values, the adjoint graphs' products
    # and quotients with the 0·∞ rule (as the numeric sweep applies it)
    known = evaluate_all(topo_order(graph.root), point)
    for name in wrt:
        if name in point:
            known[var(name)] = point[name]
    values = evaluate_all(order, {}, strict=False, known=known)
    rows = {}
    for name, g in zip(wrt, grads):
        row = backward(order, values, g, wrt, 1.0)
        rows[name] = dict(zip(wrt, (float(v) for v in row)))
    return hessian_result(
        NAME,
        graph,
        point,
        wrt,
        first.value,
        first.gradient,
        rows,
        evaluations=2 + 1 + len(wrt),
        structural_zeros=structural_zeros_hessian(grads, wrt),
    )
