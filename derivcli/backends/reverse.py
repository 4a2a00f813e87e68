"""Reverse mode (backpropagation), the seed's ``backpropagate`` without
recursion: a forward sweep stores every node's value, one backward sweep over
the topological order accumulates the adjoints ``x_bar``. A gradient costs
two passes over the graph whatever the number of variables.

Hessian: the gradient is first built as graphs (a symbolic reverse sweep,
"TensorFlow does exactly that"), then each gradient graph is differentiated
again by a numeric reverse sweep: exact, n + 1 passes for n variables.
"""

from __future__ import annotations

from ..graph import Graph, evaluate_all, topo_order
from ..results import Gradient, Hessian
from . import (
    backward,
    gradient_graphs,
    nonfinite_warnings,
    structural_zeros_gradient,
    structural_zeros_hessian,
)

NAME = "reverse"


def gradient(graph: Graph, point: dict, wrt: tuple[str, ...], **options) -> Gradient:
    order = topo_order(graph.root)
    values = evaluate_all(order, point)  # strict: domain errors name the node
    value = values[graph.root]
    grads = backward(order, values, graph.root, wrt, 1.0)
    grad = dict(zip(wrt, (float(g) for g in grads), strict=False))
    return Gradient(
        expression=graph.source,
        mode=NAME,
        point=dict(point),
        variables=wrt,
        value=value,
        gradient=grad,
        structural_zeros=structural_zeros_gradient(graph, wrt),
        evaluations=2,
        warnings=nonfinite_warnings(value, grad, "the derivative by {}"),
    )


def hessian(graph: Graph, point: dict, wrt: tuple[str, ...], **options) -> Hessian:
    first = gradient(graph, point, wrt)
    grads = gradient_graphs(graph.root, wrt)
    order = topo_order(grads)
    values = evaluate_all(order, point, strict=False)
    rows = {}
    for name, g in zip(wrt, grads, strict=False):
        row = backward(order, values, g, wrt, 1.0)
        rows[name] = dict(zip(wrt, (float(v) for v in row), strict=False))
    flat = {f"{a},{b}": v for a, row in rows.items() for b, v in row.items()}
    return Hessian(
        expression=graph.source,
        mode=NAME,
        point=dict(point),
        variables=wrt,
        value=first.value,
        gradient=first.gradient,
        hessian=rows,
        structural_zeros=structural_zeros_hessian(grads, wrt),
        evaluations=2 + 1 + len(wrt),
        warnings=first.warnings
        + (
            []
            if first.warnings
            else nonfinite_warnings(first.value, flat, "the second derivative by {}")
        ),
    )
