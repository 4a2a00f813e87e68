"""derivcli: derivatives of formulas, five ways.

The Python API mirrors the commands::

    >>> import derivcli
    >>> derivcli.grad("x*x*y + y + 2", x=3, y=4).gradient
    {'x': 24.0, 'y': 10.0}
    >>> derivcli.hessian("x*x*y + y + 2", x=3, y=4).hessian
    {'x': {'x': 8.0, 'y': 6.0}, 'y': {'x': 6.0, 'y': 0.0}}
    >>> derivcli.evaluate("x*x*y + y + 2", x=3, y=4).value
    42.0
    >>> derivcli.diff("x*x*y + y + 2", "x")
    '2*x*y'
    >>> derivcli.diff("x^3", "x", order=3)
    '6'
"""

from __future__ import annotations

from .api import derivative_of, evaluate_at, gradient_at, hessian_at
from .errors import DerivError
from .graph import Graph
from .parser import parse

__all__ = ["DerivError", "Graph", "diff", "evaluate", "grad", "hessian", "parse"]
__version__ = "0.1.0"


def evaluate(expression: str | Graph, point: dict | None = None, **values: float):
    """The value at a point: ``evaluate("x*y", x=2, y=3).value == 6.0``."""
    return evaluate_at(expression, {**(point or {}), **values})


def grad(
    expression: str | Graph,
    point: dict | None = None,
    *,
    wrt=None,
    mode: str = "reverse",
    **values: float,
):
    """The gradient at a point (a :class:`derivcli.results.Gradient`)."""
    return gradient_at(expression, {**(point or {}), **values}, wrt=wrt, mode=mode)


def hessian(
    expression: str | Graph,
    point: dict | None = None,
    *,
    wrt=None,
    mode: str = "reverse",
    **values: float,
):
    """The Hessian at a point (a :class:`derivcli.results.Hessian`)."""
    return hessian_at(expression, {**(point or {}), **values}, wrt=wrt, mode=mode)


def diff(expression: str | Graph, wrt: str | list[str], *, order: int | None = None) -> str:
    """The symbolic derivative as text: ``diff("sin(x^2)", "x") == "2*x*cos(x^2)"``.

    ``wrt="x,y"`` (or ``["x", "y"]``) is d2f/dxdy; ``order`` repeats the last
    variable. :func:`derivcli.api.derivative_of` gives LaTeX and node counts too.
    """
    return derivative_of(expression, wrt, order=order).derivative
