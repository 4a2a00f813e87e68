"""The operations behind the commands, without click or rich.

``cli.py`` and the public Python API (``derivcli.grad`` ...) both call these.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Callable, Mapping
from functools import wraps

from . import backends
from .backends import DEFAULT_MODE, get_backend
from .errors import UsageError
from .graph import Graph
from .parser import check_not_defined, parse
from .point import check_point, parse_wrt
from .results import Derivative, Directional, Evaluation, Gradient, Hessian, Jacobian

#: the highest --order of diff: beyond it a derivative is only memory and time
MAX_ORDER = 1000

#: options that belong to one mode only: option name -> mode (built from what
#: each mode module declares)
MODE_OPTIONS = {name: mode for name, (mode, _option) in backends.MODE_OPTIONS.items()}


def _gc_paused(fn: Callable) -> Callable:
    """``fn`` with Python's cyclic garbage collector paused while it runs:
    parsing and differentiating allocate many small objects (nodes, tuples)
    and no cycles, so the collector's passes would only cost time
    (measured: 9-24% of a gradient's compute)."""

    @wraps(fn)
    def paused(*args, **kwargs):
        if not gc.isenabled():
            return fn(*args, **kwargs)
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            gc.enable()

    return paused


def as_graph(expression: str | Graph) -> Graph:
    return expression if isinstance(expression, Graph) else parse(expression)


def prepare(expression, point, wrt, command: str | None = None):
    """Parse, check the point and the ``--wrt`` names: (graph, point as floats,
    the variables to differentiate by, warnings). With ``command`` the
    expression must have one output (``grad needs one output; ...``)."""
    graph = as_graph(expression)
    if command is not None:
        graph.single(command)
    point = {k: float(v) for k, v in point.items()}
    wrt_text = ",".join(wrt) if isinstance(wrt, (list, tuple)) else wrt
    check_not_defined(graph, point, "--at")
    check_not_defined(graph, (wrt_text or "").replace(" ", "").split(","), "--wrt")
    warnings = check_point(graph.variables, point)
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


@_gc_paused
def evaluate_at(expression: str | Graph, point: Mapping[str, float]) -> Evaluation:
    """The value of ``expression`` at ``point``."""
    graph, point, _names, warnings = prepare(expression, point, None)
    values = graph.evaluate_outputs(point)
    several = len(values) > 1
    for name, value in zip(graph.names, values):
        subject = f"the value of {name}" if several else "the value"
        if value != value:
            warnings.append(f"{subject} is NaN (an operation such as Infinity - Infinity)")
        elif value in (math.inf, -math.inf):
            warnings.append(
                f"{subject} overflows the range of a double: it is reported as Infinity"
            )
    return Evaluation(
        expression=graph.source,
        point=point,
        variables=graph.variables,
        value=values[0],
        warnings=warnings,
        values=dict(zip(graph.names, values)) if several else None,
    )


@_gc_paused
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


@_gc_paused
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


@_gc_paused
def jacobian_at(
    expression: str | Graph,
    point: Mapping[str, float],
    *,
    wrt=None,
    mode: str = DEFAULT_MODE,
    **options,
) -> Jacobian:
    """The Jacobian of every output of ``expression`` at ``point`` by ``mode``
    (``side="left"``/``"right"``: one-sided derivatives at kinks)."""
    side = options.pop("side", None)
    backends.check_side(side, mode, "jacobian")
    graph, point, names, warnings = prepare(expression, point, wrt)
    result = get_backend(mode).jacobian(graph, point, names, **_mode_options(mode, options))
    result.warnings[:0] = warnings
    if side is not None:
        backends.apply_side(result, side)
    return result


_COMMANDS = {"gradient": "grad", "hessian": "hessian"}


def _vector(text, names: tuple[str, ...], flag: str, what: str) -> dict[str, float]:
    """``--direction 1,0.5`` (or a sequence or mapping of numbers) as one
    number per name of ``names``."""
    from .parser import parse_constant

    if isinstance(text, Mapping):
        unknown = [k for k in text if k not in names]
        if unknown:
            raise UsageError(f"{flag} names {unknown[0]}, which is not one of {what}")
        return {n: float(text.get(n, 0.0)) for n in names}
    if isinstance(text, str):
        parts = [p.strip() for p in text.split(",")]
        numbers = [parse_constant(p, flag) for p in parts]
    else:
        numbers = [float(v) for v in text]
    if len(numbers) != len(names):
        raise UsageError(
            f"{flag} has {len(numbers)} number{'s' if len(numbers) != 1 else ''}, but there "
            f"{'are' if len(names) != 1 else 'is'} {len(names)} {what} ({', '.join(names)}); "
            "give one number for each"
        )
    return dict(zip(names, numbers))


#: how each product is computed: the vector's flag, what it has one number
#: for, the cost note of the mode's own one-pass method, and the full
#: result a mode without that method multiplies instead (with its note)
_PRODUCTS = {
    "jvp": (
        "--direction",
        "variables",
        "one forward pass seeded with the direction",
        "jacobian",
        "the whole Jacobian, times v",
    ),
    "vjp": (
        "--cotangent",
        "outputs",
        "one forward pass, one reverse pass seeded with the cotangent",
        "jacobian",
        "the whole Jacobian, times u",
    ),
    "hvp": (
        "--direction",
        "variables",
        "forward over reverse: the gradient as graphs, then one dual pass along v",
        "hessian",
        "the whole Hessian, times v",
    ),
}


@_gc_paused
def _product(kind: str, expression, point, vector, wrt, mode: str, options: dict) -> Directional:
    """J·v, uᵀ·J or H·v (``kind``): by the mode's own method where it has
    one (a constant number of passes), else from its full Jacobian or
    Hessian; a zero component of the vector contributes nothing (0·∞ = 0)."""
    flag, what, direct_note, full_kind, full_note = _PRODUCTS[kind]
    if options.pop("side", None) is not None:
        raise UsageError(f"--side does not combine with {flag}; drop one of them")
    command = "hessian --direction" if kind == "hvp" else None
    graph, point, names, warnings = prepare(expression, point, wrt, command)
    names = tuple(names)
    vec = _vector(vector, names if what == "variables" else graph.names, flag, what)
    backend = get_backend(mode)
    given = _mode_options(mode, options)
    if hasattr(backend, kind):
        values, product, passes = getattr(backend, kind)(graph, point, names, vec, **given)
        if kind == "hvp":
            values = [values]
        note, result_warnings = direct_note, []
    else:
        full = getattr(backend, full_kind)(graph, point, names, **given)
        passes, note, result_warnings = full.evaluations, full_note, full.warnings
        if kind == "hvp":
            values = [full.value]
            product = {a: _dot(full.hessian[a], vec, names) for a in names}
        else:
            values = [full.values[f] for f in graph.names]
            if kind == "jvp":
                product = {f: _dot(full.jacobian[f], vec, names) for f in graph.names}
            else:
                product = {
                    x: _sum(vec[f] * full.jacobian[f][x] for f in graph.names if vec[f])
                    for x in names
                }
    return Directional(
        kind=kind,
        expression=graph.source,
        mode=mode,
        point=point,
        variables=names,
        outputs=graph.names,
        values=dict(zip(graph.names, values)),
        vector=vec,
        product=product,
        evaluations=passes,
        cost_note=note,
        warnings=warnings + result_warnings,
    )


def jvp_at(expression, point, direction, *, wrt=None, mode: str = DEFAULT_MODE, **options):
    """The directional derivative J·v of every output along ``direction``
    (one number per variable of ``wrt``): one forward pass in the modes
    that have one (forward, dual), else J·v from the mode's Jacobian."""
    return _product("jvp", expression, point, direction, wrt, mode, options)


def vjp_at(expression, point, cotangent, *, wrt=None, mode: str = DEFAULT_MODE, **options):
    """uᵀ·J for ``cotangent`` u (one number per output): one reverse pass
    in reverse mode, else uᵀ·J from the mode's Jacobian."""
    return _product("vjp", expression, point, cotangent, wrt, mode, options)


def hvp_at(expression, point, direction, *, wrt=None, mode: str = DEFAULT_MODE, **options):
    """The Hessian-vector product H·v of the one output: forward over
    reverse (a constant number of passes) in reverse mode, else H·v from
    the mode's Hessian."""
    return _product("hvp", expression, point, direction, wrt, mode, options)


def _dot(row: Mapping[str, float], v: Mapping[str, float], names) -> float:
    """Σ row[x]·v[x], where a zero component contributes nothing (0·∞ = 0)."""
    return _sum(row[x] * v[x] for x in names if v[x])


def _sum(terms) -> float:
    return float(sum(terms, 0.0))


def _run(kind: str, expression, point, wrt, mode: str, options: dict):
    side = options.pop("side", None)  # one-sided derivatives at kinks (grad)
    backends.check_side(side, mode, kind)
    graph, point, names, warnings = prepare(expression, point, wrt, _COMMANDS[kind])
    compute = getattr(get_backend(mode), kind)
    result = compute(graph, point, names, **_mode_options(mode, options))
    result.warnings[:0] = warnings
    if side is not None:
        backends.apply_side(result, side)
    return result


#: graphs up to this size (``simplify.size``) are also differentiated fully canonical
FULLY_CANONICAL_UP_TO = 2_000
#: and up to this size with sums fully canonical
SUMS_CANONICAL_UP_TO = 20_000
UNBOUNDED = 10**9


@_gc_paused
def derivative_of(
    expression: str | Graph,
    wrt: tuple[str, ...] | list[str] | str,
    *,
    order: int | None = None,
    stats: bool = False,
    form: str = "infix",
) -> Derivative:
    """The symbolic derivative of ``expression`` by ``wrt`` (in that order).

    ``order`` repeats the last variable until the derivative has that order:
    ``wrt="x", order=3`` is d³f/dx³; ``wrt="x,y"`` is ∂²f/∂x∂y.

    ``form="program"`` writes ``derivative`` (and ``latex``) as a program,
    one line per shared node. Otherwise (``form`` is the output format:
    infix, latex or json) a text longer than ``printing.TEXT_LIMIT`` is
    written as a program too, with a warning: its size is measured per node,
    without building the text.

    The simplified derivative is never bigger than the derivative as built
    with only value-preserving folds (``simplify.size``: distinct nodes,
    numbers not counted; ``stats`` reports both).
    """
    from .backends.forward import derivative
    from .point import check_name
    from .printing import TEXT_LIMIT, infix_size, latex_size, to_infix, to_latex, to_program
    from .simplify import size

    graph = as_graph(expression)
    graph.single("diff")
    names = [n.strip() for n in wrt.split(",")] if isinstance(wrt, str) else list(wrt)
    if not names or any(not n for n in names):
        raise UsageError("--wrt needs variable names, e.g. --wrt x or --wrt x,y")
    for name in names:
        check_name(name, "--wrt")
    check_not_defined(graph, names, "--wrt")
    if len(names) > MAX_ORDER:
        raise UsageError(
            f"the derivative order is at most {MAX_ORDER}; use --order {MAX_ORDER} or less"
        )
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
    # Each order: the smallest of the simplifier's candidates from the
    # previous answer and of the derivative as built (the chain rule with
    # only value-preserving folds, all orders from f), so the answer is never
    # bigger than the derivative as built. The as-built graph can grow fast
    # with the order (tan(x) at order 40 has 20,000 nodes): unless --stats
    # asks for its size, it is given up once it is far bigger than the answer.
    node = raw = graph.root
    for name in names:
        candidates = _candidates(node, name, plain=node is not raw)
        if raw is not None:
            raw = derivative(raw, name, simplified=False)
            candidates.append(raw)
        node = min(candidates, key=size)  # the first of the smallest
        if raw is not None and not stats and size(raw) > max(10 * size(node), 2_000):
            raw = None
    simplified_nodes = size(node)
    raw_nodes = None if raw is None else size(raw)
    counts = None
    if stats:
        counts = {
            "expression": size(graph.root),
            "derivative_as_built": raw_nodes,
            "derivative_simplified": simplified_nodes,
        }
    program = form == "program"
    # text sizes measured per node, never by building a text that may not fit
    infix_length = 0 if program else infix_size(node)
    infix_big = infix_length > TEXT_LIMIT
    # (--format infix with a program already: the LaTeX is not shown)
    latex_length = 0 if program or (infix_big and form == "infix") else latex_size(node)
    latex_big = latex_length > TEXT_LIMIT or (infix_big and form == "infix")
    defined = getattr(graph, "definitions", None)  # the names of the user's definitions
    as_program = to_program(node, defined) if program or infix_big or latex_big else ""
    text = as_program if program or infix_big else to_infix(node)
    latex = as_program if program or latex_big else to_latex(node)
    if (infix_big and form != "latex") or (latex_big and form == "latex"):
        length = latex_length if form == "latex" else infix_length
        warnings.append(
            f"the derivative written out would take {_bytes(length)}: it is printed as a "
            "program instead, one line per shared node (see --format program)"
        )
    return Derivative(
        expression=graph.source,
        wrt=tuple(names),
        derivative=text,
        latex=latex,
        stats=counts,
        warnings=warnings,
    )


def _candidates(node, name: str, *, plain: bool = True) -> list:
    """d node / d name by the simplifier's strategies, best first: fully
    canonical (what a textbook prints, but it can lose sharing: only for
    small graphs), sums canonical and products where they add at most
    ``simplify.SLACK`` nodes, both only there, and (``plain``) the plain
    chain rule. Each is one linear pass."""
    from .backends.forward import derivative
    from .simplify import size

    n = size(node)
    strategies: list[dict] = [{}, {"simplified": False}] if plain else [{}]
    if n <= SUMS_CANONICAL_UP_TO:
        strategies.insert(0, {"sum_slack": UNBOUNDED})
    if n <= FULLY_CANONICAL_UP_TO:
        strategies.insert(0, {"slack": UNBOUNDED})
    return [derivative(node, name, **s) for s in strategies]


def _bytes(size: int) -> str:
    """``12.3 MB`` for a text size (saturated sizes are "more than ...")."""
    if size >= 2**62:
        return "more than 10^18 bytes"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"


class Derivatives(list):
    """A list of :class:`Derivative` that knows its expression, even when
    it is empty (a constant has no variables)."""

    expression: str = ""


@_gc_paused
def symbolic_gradient(
    expression: str | Graph, *, stats: bool = False, form: str = "infix"
) -> Derivatives:
    """One symbolic derivative per variable, in order of first appearance."""
    graph = as_graph(expression)
    graph.single("diff")
    out = Derivatives(
        derivative_of(graph, (name,), stats=stats, form=form) for name in graph.variables
    )
    out.expression = graph.source
    return out
