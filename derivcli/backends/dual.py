"""Dual mode: forward mode with dual and hyper-dual numbers, the seed's
``NumeroDual`` carried past first derivatives.

No derivative graph is built: the expression's own graph is evaluated by the
same evaluator as every other mode (``graph.evaluate_all``), with some
variables given as :class:`~derivcli.dual.Dual` or
:class:`~derivcli.dual.HyperDual` numbers instead of floats.

* Gradient: one plain evaluation for the value (and domain errors), then one
  evaluation per variable with that variable seeded ``x + 1ε``; the ``ε``
  part of the result is ``∂f/∂x``. n + 1 evaluations for n variables.
* Hessian: one plain evaluation, then one hyper-dual evaluation per pair
  ``(xᵢ, xⱼ)`` with ``j ≥ i``, ``ε₁`` seeded on ``xᵢ`` and ``ε₂`` on ``xⱼ``
  (both on ``xᵢ`` when ``i = j``); the ``ε₁ε₂`` part is ``∂²f/∂xᵢ∂xⱼ``, the
  symmetric half is copied, and the gradient is the ``ε₁`` part of the
  diagonal runs. n(n + 1)/2 + 1 evaluations. Exact: no step, no truncation
  error.

Variables of ``wrt`` that do not appear in the expression get derivative 0
without an evaluation.
"""

from __future__ import annotations

from ..dual import Dual, HyperDual
from ..graph import Graph, evaluate_all
from ..results import Gradient, Hessian, Jacobian
from . import gradient_result, hessian_result, jacobian_result

NAME = "dual"


def _seeded(order: list, point: dict, root, seeds: dict):
    """The value of ``root`` with the variables of ``seeds`` replaced."""
    moved = dict(point)
    moved.update(seeds)
    return evaluate_all(order, moved, strict=True)[root]


def gradient(graph: Graph, point: dict, wrt: tuple[str, ...], **options) -> Gradient:
    order = graph.steps
    root = graph.root
    values = evaluate_all(order, point)  # strict: domain errors name the node
    value = values[root]
    evaluations = 1
    present = set(graph.variables)
    grad: dict[str, float] = {}
    for name in wrt:
        if name not in present:
            grad[name] = 0.0
            continue
        out = _seeded(order, point, root, {name: Dual(point[name], 1.0)})
        evaluations += 1
        grad[name] = out.eps if type(out) is Dual else 0.0
    return gradient_result(
        NAME, graph, point, wrt, value, grad, evaluations=evaluations, trace=(order, values)
    )


def hessian(graph: Graph, point: dict, wrt: tuple[str, ...], **options) -> Hessian:
    order = graph.steps
    root = graph.root
    value = evaluate_all(order, point)[root]  # strict: domain errors name the node
    evaluations = 1
    present = set(graph.variables)
    grad: dict[str, float] = {name: 0.0 for name in wrt}
    rows: dict[str, dict[str, float]] = {a: {b: 0.0 for b in wrt} for a in wrt}
    for i, a in enumerate(wrt):
        if a not in present:
            continue
        for b in wrt[i:]:
            if b not in present:
                continue
            if b == a:
                seeds = {a: HyperDual(point[a], 1.0, 1.0)}
            else:
                seeds = {a: HyperDual(point[a], 1.0), b: HyperDual(point[b], 0.0, 1.0)}
            out = _seeded(order, point, root, seeds)
            evaluations += 1
            if type(out) is not HyperDual:
                continue
            rows[a][b] = rows[b][a] = out.eps12
            if b == a:
                grad[a] = out.eps1
    return hessian_result(NAME, graph, point, wrt, value, grad, rows, evaluations=evaluations)


def jacobian(program: Graph, point: dict, wrt: tuple[str, ...], **options) -> Jacobian:
    """One plain pass, then one dual pass per variable: a column each."""
    order = program.steps
    values = evaluate_all(order, point)  # strict: domain errors name the node
    present = set(program.variables)
    rows: dict[str, dict[str, float]] = {f: {} for f in program.names}
    evaluations = 1
    for name in wrt:
        if name in present:
            moved = dict(point)
            moved[name] = Dual(point[name], 1.0)
            seeded = evaluate_all(order, moved, strict=True)
            evaluations += 1
        else:
            seeded = {}
        for f, out in zip(program.names, program.outputs):
            v = seeded.get(out)
            rows[f][name] = v.eps if type(v) is Dual else 0.0
    outputs = [values[o] for o in program.outputs]
    return jacobian_result(
        NAME, program, point, wrt, outputs, rows, evaluations=evaluations, trace=(order, values)
    )


def jvp(program: Graph, point: dict, wrt: tuple[str, ...], direction: dict, **options):
    """J·v in one dual pass, every variable seeded with its component of v.
    Returns (values of the outputs, J·v by output, passes)."""
    moved = dict(point)
    for name in wrt:
        moved[name] = Dual(point[name], direction[name])
    seeded = evaluate_all(program.steps, moved)  # strict: domain errors name the node
    values, product = [], {}
    for f, out in zip(program.names, program.outputs):
        v = seeded[out]
        values.append(v.value if type(v) is Dual else float(v))
        product[f] = v.eps if type(v) is Dual else 0.0
    return values, product, 1
