"""derivcli: derivatives of formulas, six ways.

The Python API mirrors the commands; the point is a mapping::

    >>> import derivcli
    >>> derivcli.grad("x*x*y + y + 2", at={"x": 3, "y": 4}).gradient
    {'x': 24.0, 'y': 10.0}
    >>> derivcli.hessian("x*x*y + y + 2", at={"x": 3, "y": 4}).hessian
    {'x': {'x': 8.0, 'y': 6.0}, 'y': {'x': 6.0, 'y': 0.0}}
    >>> derivcli.evaluate("x*x*y + y + 2", at={"x": 3, "y": 4}).value
    42.0
    >>> derivcli.grad("x^2", at={"x": 3}, mode="numeric", scheme="forward", step=1e-3).gradient
    {'x': 6.000999999999479}
    >>> derivcli.diff("x*x*y + y + 2", "x")
    '2*x*y'
    >>> derivcli.diff("x^3", "x", order=3)
    '6'

Keyword variables are a convenience (``derivcli.grad("x^2", x=3)``); a
variable named like an option (``mode``, ``step``, ``wrt``...) goes in
``at``. Every error is a :class:`DerivError` (``UsageError``,
``ParseError``, ``DomainError``, ``ModeUnavailable``) whose message names
the Python parameter (``step=1e-4``), not the command-line flag.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .api import (
    MODE_OPTIONS,
    _gc_paused,
    derivative_of,
    evaluate_at,
    gradient_at,
    hessian_at,
    hvp_at,
    jacobian_at,
    jvp_at,
    vjp_at,
)
from .backends import DEFAULT_MODE, MODES
from .backends import MODE_OPTIONS as _DECLARED_OPTIONS
from .errors import DerivError, UsageError
from .graph import Graph, Program
from .parser import parse as _parse
from .point import check_name
from .results import Directional, Evaluation, Gradient, Hessian, Jacobian

__all__ = [
    "DerivError",
    "Graph",
    "Program",
    "diff",
    "evaluate",
    "grad",
    "hessian",
    "hvp",
    "jacobian",
    "jvp",
    "parse",
    "plot",
    "taylor",
    "vjp",
]
__version__ = "0.1.0"

#: mode options whose value is a number
_NUMBER_OPTIONS = ("step", "tolerance", "digits")
#: the keyword arguments that are options, never variables
OPTION_NAMES = ("at", "wrt", "mode", "order", *MODE_OPTIONS)


def evaluate(
    expression: str | Graph, at: Mapping[str, float] | None = None, **variables: float
) -> Evaluation:
    """The value of ``expression`` at the point ``at``.

    ``at`` maps each variable to a number (``{"x": 3, "y": 4}``); keyword
    variables (``x=3``) are merged into it. Returns an
    :class:`~derivcli.results.Evaluation`: ``.value`` (a float, in the units
    of the expression), ``.variables`` (a tuple, in order of first
    appearance), ``.point`` and ``.warnings`` (a list of strings).
    """
    _check_arguments("evaluate", expression)
    return _call(
        "evaluate",
        lambda point, _: evaluate_at(expression, point),
        at,
        variables,
        arrays=lambda point, _: _arrays("eval", expression, point, None, DEFAULT_MODE, {}),
    )


def grad(
    expression: str | Graph,
    at: Mapping[str, float] | None = None,
    *,
    wrt: str | list[str] | None = None,
    mode: str = DEFAULT_MODE,
    **variables: Any,
) -> Gradient:
    """The gradient of ``expression`` at the point ``at``.

    ``at`` maps each variable to a number; keyword variables are merged into
    it. ``wrt`` chooses and orders the variables (``"x,y"`` or ``["x", "y"]``;
    default: all, in order of first appearance). ``mode`` is one of
    ``numeric``, ``forward``, ``dual``, ``reverse`` (the default) or
    ``tensorflow``; mode options are keywords too: ``scheme`` and ``step``
    (numeric: ``"forward"``, ``"central"``, ``"richardson"``; the step h in
    the units of the variables), ``dtype`` (tensorflow: ``"float64"`` or
    ``"float32"``).

    Returns a :class:`~derivcli.results.Gradient`: ``.gradient`` is a dict
    ``{variable: df/dvariable}`` with n entries (units of f per unit of the
    variable), in the order of ``.variables``; ``.value`` is f;
    ``.error_estimate`` (numeric mode) a dict of absolute errors, else None;
    ``.structural_zeros`` the variables that do not reach f; ``.evaluations``
    the cost (evaluations of f, or passes over the graph); ``.warnings``.
    """
    _check_arguments("grad", expression, wrt, mode)
    return _call(
        "grad",
        lambda point, options: gradient_at(expression, point, wrt=wrt, mode=mode, **options),
        at,
        variables,
        allow_options=True,
        arrays=lambda point, options: _arrays("gradient", expression, point, wrt, mode, options),
    )


def hessian(
    expression: str | Graph,
    at: Mapping[str, float] | None = None,
    *,
    wrt: str | list[str] | None = None,
    mode: str = DEFAULT_MODE,
    **variables: Any,
) -> Hessian:
    """The Hessian (matrix of second derivatives) of ``expression`` at ``at``.

    Parameters as for :func:`grad`. Returns a
    :class:`~derivcli.results.Hessian`: ``.hessian`` is a dict of dicts,
    n × n, ``.hessian[a][b]`` = d²f/da db (units of f per unit of a per unit
    of b), symmetric; ``.gradient`` and ``.value`` as for :func:`grad`;
    ``.structural_zeros`` the pairs ``(a, b)`` that b does not reach;
    ``.error_estimate`` (numeric mode) a dict of dicts of absolute errors.
    """
    _check_arguments("hessian", expression, wrt, mode)
    return _call(
        "hessian",
        lambda point, options: hessian_at(expression, point, wrt=wrt, mode=mode, **options),
        at,
        variables,
        allow_options=True,
        arrays=lambda point, options: _arrays("hessian", expression, point, wrt, mode, options),
    )


def jacobian(
    expression: str | Graph,
    at: Mapping[str, float] | None = None,
    *,
    wrt: str | list[str] | None = None,
    mode: str = DEFAULT_MODE,
    **variables: Any,
) -> Jacobian:
    """The Jacobian of every output of ``expression`` (``"x*y, x + y"``, or
    named ``"u: x*y, v: x + y"``) at the point ``at``.

    Parameters as for :func:`grad`. Returns a
    :class:`~derivcli.results.Jacobian`: ``.jacobian[f][x]`` is d f / d x
    (outputs down, in ``.outputs``; variables across, in ``.variables``),
    ``.values`` each output's value, ``.structural_zeros`` the pairs
    ``(f, x)`` where x does not reach f, ``.evaluations`` the cost:

    >>> import derivcli
    >>> derivcli.jacobian("x*y, x + y", at={"x": 1, "y": 2}).jacobian
    {'f1': {'x': 2.0, 'y': 1.0}, 'f2': {'x': 1.0, 'y': 1.0}}
    """
    _check_arguments("jacobian", expression, wrt, mode)
    return _call(
        "jacobian",
        lambda point, options: jacobian_at(expression, point, wrt=wrt, mode=mode, **options),
        at,
        variables,
        allow_options=True,
        arrays=lambda point, options: _arrays("jacobian", expression, point, wrt, mode, options),
    )


def jvp(
    expression: str | Graph,
    direction: Any,
    at: Mapping[str, float] | None = None,
    *,
    wrt: str | list[str] | None = None,
    mode: str = DEFAULT_MODE,
    **variables: Any,
) -> Directional:
    """The directional derivative J·v of every output along ``direction``
    (a sequence with one number per variable of ``wrt``, a mapping, or
    ``"1,0.5"``): one forward pass in the forward and dual modes.
    ``.product[f]`` is the derivative of output f along v."""
    _check_arguments("jvp", expression, wrt, mode)
    return _call(
        "jvp",
        lambda point, options: jvp_at(expression, point, direction, wrt=wrt, mode=mode, **options),
        at,
        variables,
        allow_options=True,
    )


def vjp(
    expression: str | Graph,
    cotangent: Any,
    at: Mapping[str, float] | None = None,
    *,
    wrt: str | list[str] | None = None,
    mode: str = DEFAULT_MODE,
    **variables: Any,
) -> Directional:
    """uᵀ·J for ``cotangent`` u (one number per output): one reverse pass in
    reverse mode. ``.product[x]`` is Σ_f u_f · d f / d x."""
    _check_arguments("vjp", expression, wrt, mode)
    return _call(
        "vjp",
        lambda point, options: vjp_at(expression, point, cotangent, wrt=wrt, mode=mode, **options),
        at,
        variables,
        allow_options=True,
    )


def hvp(
    expression: str | Graph,
    direction: Any,
    at: Mapping[str, float] | None = None,
    *,
    wrt: str | list[str] | None = None,
    mode: str = DEFAULT_MODE,
    **variables: Any,
) -> Directional:
    """The Hessian-vector product H·v of the one output: forward over
    reverse in reverse mode, three passes whatever the number of variables.
    ``.product[x]`` is Σ_y d²f/dx dy · v_y."""
    _check_arguments("hvp", expression, wrt, mode)
    return _call(
        "hvp",
        lambda point, options: hvp_at(expression, point, direction, wrt=wrt, mode=mode, **options),
        at,
        variables,
        allow_options=True,
    )


def diff(expression: str | Graph, wrt: str | list[str], *, order: int | None = None) -> str:
    """The symbolic derivative as text that parses back as an expression:
    ``diff("sin(x^2)", "x") == "2*x*cos(x^2)"``.

    ``wrt="x,y"`` (or ``["x", "y"]``) is d²f/dx dy; ``order`` repeats the last
    variable (``diff("x^3", "x", order=3) == "6"``).
    :func:`derivcli.api.derivative_of` gives LaTeX and node counts too.
    """
    _check_arguments("diff", expression, wrt)
    if wrt is None:
        raise UsageError("diff(): wrt names the variables, such as wrt='x' or wrt='x,y'")
    if order is not None and (isinstance(order, bool) or not isinstance(order, int)):
        raise UsageError(f"diff(): order must be a whole number such as order=2, got {order!r}")
    try:
        return derivative_of(expression, wrt, order=order).derivative
    except DerivError as exc:
        raise _in_python_words(exc) from None


def taylor(
    expression: str | Graph,
    at: Mapping[str, float] | None = None,
    *,
    order: int = 2,
    wrt: str | list[str] | None = None,
    radius: float | None = None,
    **variables: float,
):
    """The Taylor polynomial of ``expression`` around ``at`` to total degree
    ``order``, in the variables ``wrt`` (default: all; the others stay at
    their values).

    Returns a :class:`~derivcli.expansion.TaylorPolynomial`: ``.coefficients``
    maps monomials of the offsets to coefficients (``"1"``, ``"x"``,
    ``"x^2*y"``, ... for powers of ``x - a_x``, ``y - a_y``), ``.derivatives``
    the partial derivatives themselves, ``.terms`` the same keyed by exponent
    tuples, ``.polynomial`` the text (it parses back), ``.latex``; calling it
    evaluates the polynomial. ``radius`` adds ``.remainder_estimate``:

    >>> import derivcli
    >>> derivcli.taylor("exp(x)*sin(y)", at={"x": 0, "y": 0}, order=3).polynomial
    'y + x*y + 0.5*x^2*y - 0.16666666666666666*y^3'
    >>> derivcli.taylor("log(x)", at={"x": 1}, order=3).coefficients
    {'1': 0.0, 'x': 1.0, 'x^2': -0.5, 'x^3': 0.3333333333333333}
    """
    from .expansion import taylor_at

    _check_arguments("taylor", expression, wrt)
    return _call(
        "taylor",
        lambda point, _: taylor_at(expression, point, order=order, wrt=wrt, radius=radius),
        at,
        variables,
    )


def plot(
    expression: str | Graph,
    wrt: str | None = None,
    *,
    start: float = -5.0,
    stop: float = 5.0,
    order: int = 1,
    taylor: int | None = None,
    at: Mapping[str, float] | None = None,
    points: int | None = None,
    output: str | None = None,
    **variables: float,
):
    """f and its derivatives of order 1 to ``order`` (and, with ``taylor=N``,
    its Taylor polynomial of order N around ``at[wrt]``) over
    [``start``, ``stop``] of the variable ``wrt``; the other variables stay
    at their values in ``at``. Returns the matplotlib figure (matplotlib is
    the optional extra ``derivcli[plot]``); ``output`` also saves it
    (``.svg``, ``.png``, ``.pdf``). Where f is undefined the curves have gaps."""
    from .plotting import plot_figure

    _check_arguments("plot", expression, wrt)
    return _call(
        "plot",
        lambda point, _: plot_figure(
            expression,
            wrt=wrt,
            start=start,
            stop=stop,
            order=order,
            taylor=taylor,
            point=point,
            points=points,
            output=output,
        ),
        at,
        variables,
    )


@_gc_paused
def parse(expression: str) -> Graph:
    """``expression`` as a :class:`Graph` (hash-consed, shared by every mode):
    ``.variables`` in order of first appearance, ``.source`` the text.
    Raises ``ParseError`` with the column of the problem."""
    _check_arguments("parse", expression)
    return _parse(expression) if isinstance(expression, str) else expression


# ---------------------------------------------------------------------------
# The point and the options, checked the same way for every function


def _check_arguments(function: str, expression: Any, wrt: Any = None, mode: Any = "") -> None:
    if not isinstance(expression, (str, Graph)):
        raise UsageError(
            f"{function}(): expression must be a string such as 'x*x*y + y + 2' "
            f"(or a parsed Graph), got {type(expression).__name__}"
        )
    names_ok = isinstance(wrt, (list, tuple)) and all(isinstance(n, str) for n in wrt)
    if wrt is not None and not isinstance(wrt, str) and not names_ok:
        raise UsageError(
            f"{function}(): wrt must be names such as wrt='x,y' or wrt=['x', 'y'], "
            f"got {type(wrt).__name__}"
        )
    if not isinstance(mode, str):
        raise UsageError(f"{function}(): mode must be one of {', '.join(MODES)}, got {mode!r}")


def _call(function: str, run, at, variables: dict, *, allow_options: bool = False, arrays=None):
    options = {k: variables.pop(k) for k in list(variables) if k in OPTION_NAMES}
    for name, value in options.items():
        if allow_options and name in MODE_OPTIONS:
            if name in _NUMBER_OPTIONS and (
                isinstance(value, bool) or not isinstance(value, (int, float))
            ):
                raise UsageError(
                    f"{function}(): {name} must be a number such as {name}=1e-4, got {value!r}"
                )
            continue
        raise UsageError(
            f"{function}() has no option {name}; a variable called {name} goes in "
            f"at={{'{name}': ...}}"
        )
    point = _point(function, at, variables, arrays is not None)
    if any(type(v) is not float for v in point.values()):
        run = arrays  # many points: numpy arrays in, arrays out
    try:
        return run(point, options)
    except DerivError as exc:
        raise _in_python_words(exc) from None


def _arrays(kind: str, expression, point: dict, wrt, mode: str, options: dict):
    """Many points (issue 13): the batch path, imported with numpy only here."""
    from .batch import api

    return api(kind, expression, point, wrt, mode, options)


def _is_array(value: Any) -> bool:
    """A sequence of numbers (list, tuple, numpy array; not a string)."""
    if isinstance(value, (list, tuple)):
        return True
    return getattr(value, "ndim", 0) > 0 and hasattr(value, "shape")


def _point(function: str, at: Any, variables: dict, arrays: bool = False) -> dict[str, float]:
    if at is None:
        at = {}
    if not isinstance(at, Mapping):
        raise UsageError(
            f"{function}(): at must map variable names to numbers, such as "
            f"at={{'x': 3}}; got {type(at).__name__}"
        )
    point: dict[str, float] = {}
    for source, items in (("at", at.items()), ("keyword", variables.items())):
        for name, value in items:
            if not isinstance(name, str):
                raise UsageError(f"{function}(): at has the key {name!r}; names are strings")
            if name in point:
                raise UsageError(
                    f"{function}(): {name} is given twice (in at and as a keyword); give it once"
                )
            check_name(name, f"{function}(): {source}")  # as --at does: not pi, not sin
            if arrays and _is_array(value):
                from .batch import as_array

                point[name] = as_array(function, name, value)
                continue
            try:
                if isinstance(value, bool):
                    raise TypeError
                number = float(value)  # ints, numpy scalars, Fractions, Decimals
            except OverflowError:
                raise UsageError(
                    f"{function}(): the value of {name} is too large for a double (above 1.8e308)"
                ) from None
            except (TypeError, ValueError):
                hint = (
                    f" (keywords other than {', '.join(OPTION_NAMES)} are variables)"
                    if source == "keyword"
                    else ""
                )
                raise UsageError(
                    f"{function}(): the value of {name} is not a number: {value!r}{hint}"
                ) from None
            point[name] = number
    return point


_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_NAMES = r"[A-Za-z_]\w*(?:,[A-Za-z_]\w*)*"
#: what each option's value looks like in a message, so that "--mode numeric"
#: becomes mode='numeric' but "--step must be positive" stays a sentence
_VALUES = {
    "mode": "|".join(MODES),
    # each mode's own options, as declared: words for choices, else numbers
    **{
        name: "|".join(option.choices) if option.choices else _NUMBER
        for name, (_mode, option) in _DECLARED_OPTIONS.items()
    },
    "order": _NUMBER,
}
_HINT = r"(?:e\.g\.|write|or|use|try|add|to)"


def _python_words(message: str) -> str:
    """A core message in the words of the Python API: ``--at x=VALUE,y=VALUE``
    is ``at={'x': VALUE, 'y': VALUE}``, ``--mode numeric`` is
    ``mode='numeric'``, ``--step`` is ``step``."""

    def at(match: re.Match) -> str:
        names = [pair.split("=")[0] for pair in match.group(1).split(",")]
        return "at={" + ", ".join(f"'{n}': VALUE" for n in names) + "}"

    message = re.sub(r"--at ((?:[A-Za-z_]\w*=VALUE,?)+)", at, message)

    def valued(match: re.Match) -> str:
        name, value = match.group(1), match.group(2)
        if not re.fullmatch(_NUMBER, value):
            return f"{name}={value!r}"
        return f"{name}={value}"

    for name, pattern in _VALUES.items():
        message = re.sub(rf"--({name}) ({pattern})\b", valued, message)
    message = re.sub(
        rf"\b({_HINT}) --(wrt) ({_NAMES})",
        lambda m: f"{m.group(1)} wrt={m.group(3)!r}",
        message,
    )
    return re.sub(r"--([a-z][a-z-]*)", lambda m: m.group(1).replace("-", "_"), message)


def _in_python_words(exc: DerivError) -> DerivError:
    """The same error (same class, same detail), its message in Python's words."""
    import copy

    new = copy.copy(exc)
    new.message = _python_words(exc.message)
    new.args = (new.message,)
    return new
