"""The operations behind the commands, without click or rich.

``cli.py`` and the public Python API (``derivcli.grad`` ...) both call these.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from .backends import DEFAULT_MODE, get_backend
from .errors import UsageError
from .graph import Graph, evaluate
from .parser import parse
from .point import check_point, parse_wrt
from .results import Derivative, Evaluation, Gradient, Hessian

#: the highest --order of diff: beyond it a derivative is only memory and time
MAX_ORDER = 1000

#: options that belong to one mode only
MODE_OPTIONS = {"scheme": "numeric", "step": "numeric", "dtype": "tensorflow"}


def as_graph(expression: str | Graph) -> Graph:
    return expression if isinstance(expression, Graph) else parse(expression)


def prepare(expression, point, wrt):
    """Parse, check the point and the ``--wrt`` names: (graph, point as floats,
    the variables to differentiate by, warnings)."""
    graph = as_graph(expression)
    point = {k: float(v) for k, v in point.items()}
    warnings = check_point(graph.variables, point)
    wrt_text = ",".join(wrt) if isinstance(wrt, (list, tuple)) else wrt
    names, wrt_warnings = parse_wrt(wrt_text, graph.variables)
    return graph, point, names, warnings + wrt_warnings


def _mode_options(mode: str, options: dict) -> dict:
    given = {k: v for k, v in options.items() if v is not None}
    for key in given:
        owner = MODE_OPTIONS.get(key)
        if owner is not None and owner != mode:
            flag = "--" + key.replace("_", "-")
            raise UsageError(
                f"{flag} applies only to --mode {owner}; drop it or add --mode {owner}"
            )
    return given


def evaluate_at(expression: str | Graph, point: Mapping[str, float]) -> Evaluation:
    """The value of ``expression`` at ``point``."""
    graph, point, _names, warnings = prepare(expression, point, None)
    value = evaluate(graph.root, point)
    if value != value:
        warnings.append("the value is NaN (an operation such as Infinity - Infinity)")
    elif value in (math.inf, -math.inf):
        warnings.append("the value overflows the range of a double: it is reported as Infinity")
    return Evaluation(
        expression=graph.source,
        point=point,
        variables=graph.variables,
        value=value,
        warnings=warnings,
    )


def gradient_at(
    expression: str | Graph,
    point: Mapping[str, float],
    *,
    wrt=None,
    mode: str = DEFAULT_MODE,
    **options,
) -> Gradient:
    """The gradient of ``expression`` at ``point`` by ``mode``."""
    return _run("gradient", expression, point, wrt, mode, options)


def hessian_at(
    expression: str | Graph,
    point: Mapping[str, float],
    *,
    wrt=None,
    mode: str = DEFAULT_MODE,
    **options,
) -> Hessian:
    """The Hessian of ``expression`` at ``point`` by ``mode``."""
    return _run("hessian", expression, point, wrt, mode, options)


def _run(kind: str, expression, point, wrt, mode: str, options: dict):
    graph, point, names, warnings = prepare(expression, point, wrt)
    compute = getattr(get_backend(mode), kind)
    result = compute(graph, point, names, **_mode_options(mode, options))
    result.warnings[:0] = warnings
    return result


def derivative_of(
    expression: str | Graph,
    wrt: tuple[str, ...] | list[str] | str,
    *,
    order: int | None = None,
    stats: bool = False,
) -> Derivative:
    """The symbolic derivative of ``expression`` by ``wrt`` (in that order).

    ``order`` repeats the last variable until the derivative has that order:
    ``wrt="x", order=3`` is d³f/dx³; ``wrt="x,y"`` is ∂²f/∂x∂y.
    """
    from .backends.forward import derivative
    from .graph import count_nodes, to_infix, to_latex
    from .point import check_name

    graph = as_graph(expression)
    names = [n.strip() for n in wrt.split(",")] if isinstance(wrt, str) else list(wrt)
    if not names or any(not n for n in names):
        raise UsageError("--wrt needs variable names, e.g. --wrt x or --wrt x,y")
    for name in names:
        check_name(name, "--wrt")
    if order is not None:
        if order > MAX_ORDER:
            raise UsageError(
                f"--order {order} is above the highest order derivcli builds; "
                f"use --order {MAX_ORDER} or less"
            )
        if order < len(names):
            raise UsageError(
                f"--order {order} is less than the {len(names)} variables of --wrt; "
                f"use --order {len(names)} or more"
            )
        names += [names[-1]] * (order - len(names))
    present = set(graph.variables)
    warnings = [
        f"{name} is not in the expression; its derivative is 0"
        for name in dict.fromkeys(names)
        if name not in present
    ]
    node = graph.root
    for name in names:
        node = derivative(node, name)
    counts = None
    if stats:
        raw = graph.root
        for name in names:
            raw = derivative(raw, name, simplified=False)
        counts = {
            "expression": count_nodes(graph.root),
            "derivative_as_built": count_nodes(raw),
            "derivative_simplified": count_nodes(node),
        }
    return Derivative(
        expression=graph.source,
        wrt=tuple(names),
        derivative=to_infix(node),
        latex=to_latex(node),
        stats=counts,
        warnings=warnings,
    )


class Derivatives(list):
    """A list of :class:`Derivative` that knows its expression, even when
    it is empty (a constant has no variables)."""

    expression: str = ""


def symbolic_gradient(expression: str | Graph, *, stats: bool = False) -> Derivatives:
    """One symbolic derivative per variable, in order of first appearance."""
    graph = as_graph(expression)
    out = Derivatives(derivative_of(graph, (name,), stats=stats) for name in graph.variables)
    out.expression = graph.source
    return out
