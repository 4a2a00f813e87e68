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

from ..graph import Graph, Tape, evaluate_all, topo_order, var
from ..results import Gradient, Hessian, Jacobian
from . import (
    Diagnosis,
    backward,
    gradient_program,
    gradient_result,
    hessian_result,
    jacobian_result,
    program_gradient_graphs,
)

NAME = "reverse"


def gradient(graph: Graph, point: dict, wrt: tuple[str, ...], **options) -> Gradient:
    order = graph.steps
    tape = graph.tape
    numbers = tape.evaluate(point)
    grads = diagnosis = None
    if numbers is None:
        values = evaluate_all(order, point)  # strict: domain errors name the node
    else:
        names = tape.names
        active = tape.active(names[name] for name in wrt if name in names)
        grads = tape.backward(numbers, {tape.index(graph.root): 1.0}, wrt, active)
        if grads is not None and tape.clean(numbers, active):
            diagnosis = Diagnosis()  # nothing infinite, nothing overflows
        # every node's value, for the diagnosis or the general sweep
        values = {graph.root: numbers[tape.index(graph.root)]}
        if diagnosis is None:
            values = dict(zip(order, numbers))
    if grads is None:  # not plain floats: the general sweep
        grads = backward(order, values, graph.root, wrt, 1.0)
    grad = dict(zip(wrt, (float(g) for g in grads)))
    return gradient_result(
        NAME,
        graph,
        point,
        wrt,
        values[graph.root],
        grad,
        evaluations=2,
        trace=None if diagnosis is not None else (order, values),
        diagnosis=diagnosis,
    )


def hessian(graph: Graph, point: dict, wrt: tuple[str, ...], **options) -> Hessian:
    from .forward import first_derivatives

    first = gradient(graph, point, wrt)
    firsts = first_derivatives(graph.root, wrt)
    order = topo_order(firsts)
    # the expression's nodes at their values, the derivative graphs' products
    # and quotients with the 0·∞ rule (as the numeric sweep applies it)
    known = evaluate_all(graph.steps, point)
    for name in wrt:
        if name in point:
            known[var(name)] = point[name]
    values = evaluate_all(order, {}, strict=False, known=known)
    # the Hessian is the Jacobian of the gradient: one backward pass per row
    # (the upper half, mirrored), each over its own gradient graph only
    tape = Tape(order, firsts)
    numbers = [values[node] for node in order]
    position = tape.position
    active = tape.active(position[v] for v in map(var, wrt) if v in position)
    rows: dict[str, dict[str, float]] = {name: {} for name in wrt}
    for i, (name, g) in enumerate(zip(wrt, firsts)):
        at = position[g]
        row = tape.backward(numbers, {at: 1.0}, wrt, active, tape.reach(at))
        if row is None:  # an infinite or NaN partial: the general sweep
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


def _rows(program: Graph, values: dict, wrt: tuple[str, ...]) -> dict[str, dict[str, float]]:
    """The Jacobian of ``program`` from every step's value: one backward
    pass per output, a row each."""
    order = program.steps
    return {
        name: dict(zip(wrt, (float(g) for g in backward(order, values, out, wrt, 1.0))))
        for name, out in zip(program.names, program.outputs)
    }


def jacobian(program: Graph, point: dict, wrt: tuple[str, ...], **options) -> Jacobian:
    """One forward pass for every step's value, then one backward pass per
    output: a row of the Jacobian each. m + 1 passes, whatever n."""
    order = program.steps
    values = evaluate_all(order, point)  # strict: domain errors name the node
    rows = _rows(program, values, wrt)
    outputs = [values[o] for o in program.outputs]
    evaluations = 1 + len(program.outputs)
    return jacobian_result(
        NAME, program, point, wrt, outputs, rows, evaluations=evaluations, trace=(order, values)
    )


def vjp(program: Graph, point: dict, wrt: tuple[str, ...], cotangent: dict, **options):
    """uᵀ·J in one backward pass: every output seeded with its ``u``.
    Returns (values of the outputs, uᵀJ by variable, passes)."""
    order = program.steps
    values = evaluate_all(order, point)
    seeds: dict = {}
    for name, out in zip(program.names, program.outputs):
        seeds[out] = seeds.get(out, 0.0) + cotangent[name]
    product = backward(order, values, seeds, wrt)
    outputs = [values[o] for o in program.outputs]
    return outputs, dict(zip(wrt, (float(v) for v in product))), 2


def hvp(program: Graph, point: dict, wrt: tuple[str, ...], direction: dict, **options):
    """H·v by forward over reverse: the gradient as graphs (one symbolic
    reverse sweep), then one pass of those graphs in dual numbers seeded with
    v (after one dual pass of the expression for its nodes' values). Three
    passes, whatever n. Returns (value, H·v by variable, passes)."""
    from ..dual import Dual  # (only here: not at every start)

    root = program.root
    grads = program_gradient_graphs(program, wrt)
    seeded = dict(point)
    for name in wrt:
        seeded[name] = Dual(point[name], direction[name])
    known = evaluate_all(program.steps, seeded)  # strict: domain errors name the node
    for name in wrt:
        known[var(name)] = seeded[name]
    values = evaluate_all(gradient_program(program, wrt).steps, {}, strict=False, known=known)
    product = {}
    for name, g in zip(wrt, grads):
        v = values[g]
        product[name] = float(v.eps) if type(v) is Dual else 0.0
    value = known[root]
    return float(getattr(value, "real", value)), product, 3
