"""Forward mode, symbolic: the seed's ``gradiente()`` methods.

The derivative of a graph with respect to one variable is a new graph: one
pass over the topological order gives every node its tangent ``x_dot`` as a
graph, built from the primitive table's partials by the chain rule and
simplified as it is built (``simplify.build``), sharing nodes with the
expression. Derivatives of any order come from differentiating again.
A gradient costs one pass per variable (the seed's point about forward
mode); a Hessian is forward over forward.

The numbers come from the chain rule's graphs as built (``simplified=False``:
only the value-preserving folds of ``graph.build``), not from the simplified
form that ``diff`` prints: simplification cancels ``s/s`` where ``s`` is 0,
which would make forward mode disagree with dual and reverse mode. They are
evaluated with the expression's own nodes at their IEEE values and the 0·∞
rule for every product and quotient of the derivative (``evaluate_all`` with
``known``), so forward mode computes what dual mode computes, operation for
operation.
"""

from __future__ import annotations

from contextlib import nullcontext

from ..graph import Graph, Node, const, evaluate_all, topo_order, var
from ..primitives import PRIMITIVES
from ..printing import postorder
from ..results import Gradient, Hessian, Jacobian
from . import gradient_result, hessian_result, jacobian_result

NAME = "forward"
ZERO = const(0.0)
ONE = const(1.0)
_ADD = PRIMITIVES["add"]


def derivative(
    root: Node,
    name: str,
    *,
    simplified: bool = True,
    slack: int | None = None,
    sum_slack: int | None = None,
) -> Node:
    """d root / d name as a graph (one forward pass over the topological order).

    ``simplified=False`` builds the same chain rule with only the folds that
    never change a value (``simplify.plain``): the derivative "as built" of
    ``--stats``. Constant sub-expressions of ``root`` (``2^3``) are seen
    folded (when exact) by the simplifier. ``slack`` is how many nodes a
    canonical form may add beyond the plain one (``simplify.SLACK`` by
    default), ``sum_slack`` the same for sums.
    """
    order = postorder(root)  # not topo_order: an order that depends only on the graph
    return tangents(
        order, {var(name): ONE}, simplified=simplified, slack=slack, sum_slack=sum_slack
    ).get(root, ZERO)


def tangents(
    order: list[Node],
    seeds: dict[Node, Node],
    *,
    simplified: bool = True,
    slack: int | None = None,
    sum_slack: int | None = None,
) -> dict:
    """The tangent ``x_dot`` of every step of ``order`` (a topological
    order) as a graph, for the variables seeded in ``seeds`` (``{x: 1}`` for
    d/dx; ``{x: v1, y: v2}`` for the directional derivative along v): one
    forward pass, the whole environment returned. Steps that do not depend on
    a seeded variable have no entry (tangent 0).
    """
    # imported here: the simplifier (and fractions) is not needed at start-up
    from ..simplify import (
        Plain,
        Sym,
        add,
        as_node,
        fold_constants,
        mul,
        plain_add,
        plain_mul,
        scope,
    )

    wrap = Sym if simplified else Plain
    times, plus = (mul, add) if simplified else (plain_mul, plain_add)
    folded = fold_constants(order) if simplified else {}
    x_dot: dict[Node, Node] = dict(seeds)
    # the simplifier's costs are counted within this graph (``plain`` has none)
    with scope(order, slack, sum_slack) if simplified else nullcontext():
        for node in order:
            if not node.args:
                continue
            if not simplified and node.prim is _ADD:
                # a sum with one argument's tangent t: the chain rule's
                # plain_mul(1, t) is t itself (a constant t takes the long way)
                a_dot, b_dot = x_dot.get(node.args[0]), x_dot.get(node.args[1])
                if (a_dot is None) != (b_dot is None):
                    t = b_dot if a_dot is None else a_dot
                    if t.op != "const":
                        x_dot[node] = t
                        continue
            tangent = None
            partials = None
            for i, a in enumerate(node.args):
                a_dot = x_dot.get(a)
                if a_dot is None:
                    continue
                if partials is None:
                    partials = node.prim.partials(
                        *(wrap(folded.get(a, a)) for a in node.args), wrap(folded.get(node, node))
                    )
                term = times(as_node(partials[i]), a_dot)
                tangent = term if tangent is None else plus(tangent, term)
            if tangent is not None and tangent is not ZERO:
                x_dot[node] = tangent
    return x_dot


def first_derivatives(root: Node, names: tuple[str, ...]) -> list[Node]:
    """``[derivative(root, name, simplified=False) for name in names]``
    (the same graphs, built node for node in the same order), with one
    ``postorder`` of ``root`` shared by every variable and each pass run
    only over the steps that depend on its variable."""
    order = postorder(root)
    position = {node: i for i, node in enumerate(order)}
    parents: dict[Node, list[Node]] = {}
    for node in order:
        for a in node.args:
            parents.setdefault(a, []).append(node)
    graphs = []
    for name in names:
        x = var(name)
        if x not in position:
            graphs.append(ZERO)
            continue
        reached = {x}
        stack = [x]
        while stack:
            for parent in parents.get(stack.pop(), ()):
                if parent not in reached:
                    reached.add(parent)
                    stack.append(parent)
        steps = sorted(reached, key=position.__getitem__)
        graphs.append(tangents(steps, {x: ONE}, simplified=False).get(root, ZERO))
    return graphs


def derivative_of_order(root: Node, names: list[str]) -> Node:
    """d^k root / d names[0] ... d names[-1], differentiating in that order."""
    node = root
    for name in names:
        node = derivative(node, name)
    return node


def evaluate_derivatives(graphs: list[Node], known: dict) -> list[float]:
    """The values of derivative graphs: ``known`` holds the expression's own
    nodes (and variables) at their values; the rest follows the 0·∞ rule."""
    values = evaluate_all(topo_order(graphs), {}, strict=False, known=known)
    return [float(values[g]) for g in graphs]


def _values(graphs: list[Node], known: dict) -> list[float]:
    return evaluate_derivatives(graphs, known)


def _first_derivatives(graph: Graph, wrt: tuple[str, ...]) -> tuple[list[Node], int]:
    """The derivative graph by each variable of ``wrt``, and the passes it took
    (a variable the expression does not contain costs none)."""
    present = set(graph.variables)
    graphs = first_derivatives(graph.root, wrt)
    return graphs, sum(1 for name in wrt if name in present)


def _known(graph: Graph, point: dict, wrt: tuple[str, ...]) -> dict:
    """Every node of the expression at its value (strict: domain errors name
    the node), and every variable of ``wrt``."""
    known = evaluate_all(graph.steps, point)
    for name in wrt:
        if name in point:
            known[var(name)] = point[name]
    return known


def gradient(graph: Graph, point: dict, wrt: tuple[str, ...], **options) -> Gradient:
    known = _known(graph, point, wrt)
    value = known[graph.root]
    graphs, passes = _first_derivatives(graph, wrt)
    grad = dict(zip(wrt, _values(graphs, known)))
    trace = (graph.steps, known)
    return gradient_result(NAME, graph, point, wrt, value, grad, evaluations=passes, trace=trace)


def hessian(graph: Graph, point: dict, wrt: tuple[str, ...], **options) -> Hessian:
    known = _known(graph, point, wrt)
    value = known[graph.root]
    firsts, passes = _first_derivatives(graph, wrt)
    seconds: dict[tuple[int, int], Node] = {}
    for i, g in enumerate(firsts):
        for j in range(i, len(wrt)):
            if g is ZERO:
                seconds[i, j] = ZERO
            else:
                seconds[i, j] = derivative(g, wrt[j], simplified=False)
                passes += 1
    keys = list(seconds)
    # one evaluation of every first and second derivative graph, shared nodes once
    numbers = _values(firsts + [seconds[k] for k in keys], known)
    grad = dict(zip(wrt, numbers))
    values = dict(zip(keys, numbers[len(wrt) :]))
    rows = {
        a: {b: values[min(i, j), max(i, j)] for j, b in enumerate(wrt)} for i, a in enumerate(wrt)
    }
    return hessian_result(NAME, graph, point, wrt, value, grad, rows, evaluations=passes)


def jacobian(program: Graph, point: dict, wrt: tuple[str, ...], **options) -> Jacobian:
    """One symbolic forward pass per variable over the program's steps: a
    column of the Jacobian each (every output at once), the graphs then
    evaluated together."""
    known = evaluate_all(program.steps, point)  # strict: domain errors name the node
    for name in wrt:
        if name in point:
            known[var(name)] = point[name]
    present = set(program.variables)
    graphs: list[Node] = []
    passes = 0
    for name in wrt:
        if name in present:
            x_dot = tangents(program.steps, {var(name): ONE}, simplified=False)
            passes += 1
        else:
            x_dot = {}
        graphs.extend(x_dot.get(out, ZERO) for out in program.outputs)
    numbers = iter(_values(graphs, known))
    columns = {name: [next(numbers) for _ in program.outputs] for name in wrt}
    rows = {f: {name: columns[name][i] for name in wrt} for i, f in enumerate(program.names)}
    outputs = [known[o] for o in program.outputs]
    trace = (program.steps, known)
    return jacobian_result(
        NAME, program, point, wrt, outputs, rows, evaluations=passes, trace=trace
    )


def jvp(program: Graph, point: dict, wrt: tuple[str, ...], direction: dict, **options):
    """J·v in one symbolic forward pass seeded with v. Returns (values of
    the outputs, J·v by output, passes)."""
    known = evaluate_all(program.steps, point)
    for name in wrt:
        known[var(name)] = point[name]
    seeds = {var(name): const(direction[name]) for name in wrt}
    x_dot = tangents(program.steps, seeds, simplified=False)
    graphs = [x_dot.get(out, ZERO) for out in program.outputs]
    product = dict(zip(program.names, _values(graphs, known)))
    return [known[o] for o in program.outputs], product, 1
