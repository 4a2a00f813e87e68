"""The operations behind the commands, without click or rich.

``cli.py`` and the public Python API (``derivcli.grad`` ...) both call these.
"""

from __future__ import annotations

from collections.abc import Mapping

from .backends import DEFAULT_MODE, get_backend
from .errors import UsageError
from .graph import Graph, evaluate
from .parser import parse
from .point import check_point, parse_wrt
from .results import Evaluation, Gradient, Hessian

#: options that belong to one mode only
MODE_OPTIONS = {"scheme": "numeric", "step": "numeric", "dtype": "tensorflow"}


def as_graph(expression: str | Graph) -> Graph:
    return expression if isinstance(expression, Graph) else parse(expression)


def _prepare(expression, point, wrt):
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
    graph = as_graph(expression)
    point = {k: float(v) for k, v in point.items()}
    warnings = check_point(graph.variables, point)
    value = evaluate(graph.root, point)
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
    graph, point, names, warnings = _prepare(expression, point, wrt)
    backend = get_backend(mode)
    result = backend.gradient(graph, point, names, **_mode_options(mode, options))
    result.warnings[:0] = warnings
    return result


def hessian_at(
    expression: str | Graph,
    point: Mapping[str, float],
    *,
    wrt=None,
    mode: str = DEFAULT_MODE,
    **options,
) -> Hessian:
    """The Hessian of ``expression`` at ``point`` by ``mode``."""
    graph, point, names, warnings = _prepare(expression, point, wrt)
    backend = get_backend(mode)
    result = backend.hessian(graph, point, names, **_mode_options(mode, options))
    result.warnings[:0] = warnings
    return result
