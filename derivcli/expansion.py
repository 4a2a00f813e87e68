"""Taylor polynomials of any order in several variables.

The expansion of f around a point a to total degree K is computed with
**truncated multivariate Taylor arithmetic** over the program's steps: the
value of every step is a polynomial in the offsets ``dx = x - a_x``,
``dy = y - a_y``, ... cut at total degree K (a list of coefficients, one per
monomial, by degree). Sums, differences and negations act coefficient by
coefficient, a product is the truncated Cauchy product and a quotient its
inverse (solved degree by degree). Every other primitive ``g(a, ...)`` is
composed from the primitive table itself, without a list of its own, degree
by degree from its **first partials** only: with the Euler operator E
(E p = d·p on the terms of degree d) the chain rule gives

    E g = g_u(a, b)·E a + g_v(a, b)·E b,

so the terms of degree d of g are 1/d times those of the right-hand side,
which needs the partials only to degree d - 1. The partials are the table's
own expressions (``cos(u)`` for sin, ``out`` for exp, ``x/out`` for hypot),
graphs in u, v and g itself, expanded by this same arithmetic. For exp this
is the textbook recurrence; for every primitive it is the same few lines.

No high-order derivative graph is ever built, of the expression or of a
primitive (those swell: the 20th mixed partials of atan2 take minutes to
build, its degree-by-degree expansion to order 20 takes 0.07 s).
``benchmarks/taylor.py`` measures it against nested symbolic derivatives.

Points where the function is not analytic are errors (``NotAnalytic``, a
``DomainError``): a primitive whose value or first partial is infinite or
undefined there (``sqrt`` at 0), or jumps between the point and its
neighbouring doubles (``abs`` at 0, ``floor`` at an integer), at any depth
of the expansion (a problem in a partial is one in a higher derivative). An
exact zero factor absorbs such a sub-expression, as the 0·∞ rule does in
every chain rule.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import DomainError, UsageError
from .graph import Node, Program, build, const, evaluate_all, topo_order, var, variables_of
from .numbers import json_number, shorten, text_number
from .primitives import PRIMITIVES, Primitive

#: the highest order ``taylor`` expands to
MAX_ORDER = 40
#: the most coefficients (monomials) one expansion may have
MAX_TERMS = 20_000
#: pairs of monomials in the truncated product's table (about 0.3 kB each)
MAX_PRODUCTS = 500_000
#: a derivative that differs between a point and its neighbouring doubles by
#: more than this (relative, absolute below 1) jumps there
JUMP_TOLERANCE = 1e-3


# ---------------------------------------------------------------------------
# Monomials and truncated arithmetic


def monomials(n: int, order: int) -> list[tuple[int, ...]]:
    """Exponent tuples of ``n`` variables up to total degree ``order``, by
    degree, and within a degree the first variable's power highest first:
    ``1, x, y, x^2, x*y, y^2, ...``."""
    out: list[tuple[int, ...]] = []
    for degree in range(order + 1):
        for combo in itertools.combinations_with_replacement(range(n), degree):
            exponents = [0] * n
            for i in combo:
                exponents[i] += 1
            out.append(tuple(exponents))
    return out


class Basis:
    """The monomials of ``n`` variables to total degree ``order`` and the
    tables of the truncated product over them."""

    def __init__(self, n: int, order: int) -> None:
        self.n = n
        self.order = order
        self.monomials = monomials(n, order)
        self.size = len(self.monomials)
        self.index = {m: i for i, m in enumerate(self.monomials)}
        self.degree = [sum(m) for m in self.monomials]
        # pairs[i]: every (j, k) with monomial i times monomial j = monomial k
        # within the order (the monomials are by degree, so j stops early)
        self.pairs: list[list[tuple[int, int]]] = []
        for i, mi in enumerate(self.monomials):
            room = order - self.degree[i]
            row = []
            for j, mj in enumerate(self.monomials):
                if self.degree[j] > room:
                    break
                row.append((j, self.index[tuple(a + b for a, b in zip(mi, mj))]))
            self.pairs.append(row)
        self._into: list[list[tuple[int, int]]] | None = None

    @classmethod
    def of(cls, n: int, order: int) -> Basis:
        """The basis of ``n`` variables to ``order``, built once."""
        key = (n, order)
        basis = _BASES.get(key)
        if basis is None:
            basis = _BASES[key] = cls(n, order)
        return basis

    @property
    def into(self) -> list[list[tuple[int, int]]]:
        """into[k]: every (i, j), i not the constant, with i times j = k."""
        if self._into is None:
            into: list[list[tuple[int, int]]] = [[] for _ in range(self.size)]
            for i, row in enumerate(self.pairs):
                if i:
                    for j, k in row:
                        into[k].append((i, j))
            self._into = into
        return self._into

    def variable(self, position: int, value: float) -> list[float]:
        p = [0.0] * self.size
        p[0] = value
        unit = [0] * self.n
        unit[position] = 1
        if self.order:  # order 0 has no linear terms
            p[self.index[tuple(unit)]] = 1.0
        return p

    def mul(self, a: list[float], b: list[float]) -> list[float]:
        """The truncated product (a zero coefficient contributes nothing, so
        0·∞ = 0 as in every chain rule)."""
        out = [0.0] * self.size
        nonzero_a = [(i, v) for i, v in enumerate(a) if v != 0]
        nonzero_b = [(i, v) for i, v in enumerate(b) if v != 0]
        if len(nonzero_b) < len(nonzero_a):
            nonzero_a, b = nonzero_b, a
        pairs = self.pairs
        for i, ai in nonzero_a:
            for j, k in pairs[i]:
                bj = b[j]
                if bj != 0:
                    out[k] += ai * bj
        return out

    def div(self, a: list[float], b: list[float]) -> list[float]:
        """``a/b``, degree by degree: c_k = (a_k - Σ b_i c_j) / b_0."""
        b0 = b[0]
        out = [0.0] * self.size
        into = self.into
        for k in range(self.size):
            s = a[k]
            for i, j in into[k]:
                bi, cj = b[i], out[j]
                if bi != 0 and cj != 0:
                    s -= bi * cj
            out[k] = s / b0
        return out


_BASES: dict[tuple[int, int], Basis] = {}


def _is_constant(p: Any) -> bool:
    return type(p) is float


def _add(a: Any, b: Any) -> Any:
    if _is_constant(a):
        out = list(b)
        out[0] = a + out[0]
        return out
    if _is_constant(b):
        out = list(a)
        out[0] = out[0] + b
        return out
    return [x + y for x, y in zip(a, b)]


def _neg(a: list[float]) -> list[float]:
    return [-x for x in a]


def _scale(a: list[float], c: float) -> list[float]:
    return [x * c if x != 0 else 0.0 for x in a]


# ---------------------------------------------------------------------------
# The derivatives of one primitive, from the table

#: per primitive: the graphs of its partial derivatives, keyed by the
#: orders (i, j) in its arguments; built once, on demand
_PARTIALS: dict[str, dict[tuple[int, ...], Node]] = {}
_ARGUMENTS = ("u", "v")
#: the graphs of a set of partials and their evaluation order, built once
_ORDERS: dict[tuple, tuple[list[Node], list[Node]]] = {}


def partial_graph(prim: Primitive, orders: tuple[int, ...]) -> Node:
    """∂^orders prim(u, v, ...) as a graph over the variables u, v: the
    table's partials differentiated again by the symbolic forward mode."""
    from .backends.forward import derivative

    graphs = _PARTIALS.setdefault(prim.name, {})
    if not graphs:
        graphs[(0,) * prim.arity] = build(prim, tuple(var(n) for n in _ARGUMENTS[: prim.arity]))
    # from the nearest known lower entry, one argument at a time
    target = tuple(orders)
    todo = []
    key = target
    while key not in graphs:
        i = max(p for p in range(len(key)) if key[p])  # the last nonzero order
        todo.append((key, i))
        key = key[:i] + (key[i] - 1,) + key[i + 1 :]
    for key, i in reversed(todo):
        lower = key[:i] + (key[i] - 1,) + key[i + 1 :]
        graphs[key] = derivative(graphs[lower], _ARGUMENTS[i], simplified=False)
    return graphs[target]


def partial_values(
    prim: Primitive, keys: list[tuple[int, ...]], args: tuple[float, ...]
) -> dict[tuple[int, ...], float]:
    """The partial derivatives ``keys`` of ``prim`` at ``args``: its graphs
    evaluated with the argument variables and ``prim`` itself at their IEEE
    values and the 0·∞ rule for the rest (as the forward mode does)."""
    memo = (prim.name, tuple(keys))
    if memo not in _ORDERS:
        graphs = [partial_graph(prim, k) for k in keys]
        _ORDERS[memo] = (graphs, topo_order(graphs))
    graphs, order = _ORDERS[memo]
    names = _ARGUMENTS[: prim.arity]
    root = _PARTIALS[prim.name][(0,) * prim.arity]
    known: dict[Node, float] = {var(n): a for n, a in zip(names, args)}
    known[root] = prim.fn(*args)
    values = evaluate_all(order, dict(zip(names, args)), strict=False, known=known)
    return {k: float(values[g]) for k, g in zip(keys, graphs)}


def _neighbours(args: tuple[float, ...], varying: tuple[bool, ...]) -> list[tuple[float, ...]]:
    """The argument tuples one double away, below and above, in each varying
    argument."""
    out = []
    for p, moves in enumerate(varying):
        if not moves:
            continue
        for direction in (-math.inf, math.inf):
            moved = list(args)
            moved[p] = math.nextafter(args[p], direction)
            out.append(tuple(moved))
    return out


def _order_words(order: int) -> str:
    return "its value" if order == 0 else f"its derivative of order {order}"


class NotAnalytic(DomainError):
    """No Taylor polynomial at the point: the derivative of ``order`` of a
    primitive is infinite, undefined or jumps there (``kind``)."""

    def __init__(self, message: str, order: int, kind: str) -> None:
        super().__init__(message)
        self.order = order
        self.kind = kind


# ---------------------------------------------------------------------------
# The expansion


@dataclass
class TaylorPolynomial:
    """The Taylor polynomial of an expression around a point.

    ``coefficients`` maps each monomial of the offsets to its coefficient,
    every monomial up to ``order`` (zeros included), by degree: the keys are
    ``"1"`` (the constant), ``"x"``, ``"x^2*y"``, ... and stand for powers of
    ``(x - a_x)``, ``(y - a_y)`` where ``a`` is ``point``. The coefficient of
    ``x^i*y^j`` is ∂^(i+j) f / ∂x^i ∂y^j at the point divided by i! j!
    (``derivatives`` has those partial derivatives themselves, same keys).
    ``terms`` has the same coefficients keyed by exponent tuples in the order
    of ``variables``. ``polynomial`` is the infix text (it parses back as an
    expression; ``(x - 0)`` is written ``x``), ``latex`` the same in LaTeX.
    With a ``radius`` R, ``remainder_estimate`` is the larger of
    Σ |c_α| R^|α| over the terms of order K + 1 and over those of order
    K + 2: the size of the first omitted terms on the box
    ``|x - a_x| <= R, ...`` (an estimate, not a bound).
    """

    expression: str
    point: dict[str, float]
    variables: tuple[str, ...]
    order: int
    terms: dict[tuple[int, ...], float]
    polynomial: str = ""
    latex: str = ""
    radius: float | None = None
    remainder_estimate: float | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def coefficients(self) -> dict[str, float]:
        return {monomial_key(m, self.variables): c for m, c in self.terms.items()}

    @property
    def derivatives(self) -> dict[str, float]:
        return {monomial_key(m, self.variables): c * _factorials(m) for m, c in self.terms.items()}

    def __call__(self, at: Mapping[str, float] | None = None, **values: float) -> float:
        """The polynomial's value at a point (variables not given are at the
        expansion point)."""
        point = {**self.point, **(at or {}), **values}
        offsets = [float(point[n]) - self.point[n] for n in self.variables]
        total = 0.0
        for m, c in self.terms.items():
            if c:
                term = c
                for d, e in zip(offsets, m):
                    if e:
                        term *= d**e
                total += term
        return total

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "expression": self.expression,
            "point": {k: json_number(v) for k, v in self.point.items()},
            "variables": list(self.variables),
            "order": self.order,
            "coefficients": {k: json_number(v) for k, v in self.coefficients.items()},
            "polynomial": self.polynomial,
            "latex": self.latex,
        }
        if self.radius is not None:
            out["radius"] = self.radius
            out["remainder_estimate"] = json_number(self.remainder_estimate)
        out["warnings"] = list(self.warnings)
        return out


def _factorials(m: tuple[int, ...]) -> float:
    out = 1.0
    for e in m:
        out *= math.factorial(e)
    return out


def monomial_key(m: tuple[int, ...], names: tuple[str, ...]) -> str:
    """``"1"``, ``"x"``, ``"x^2*y"``: the JSON key of a monomial."""
    factors = [n if e == 1 else f"{n}^{e}" for n, e in zip(names, m) if e]
    return "*".join(factors) if factors else "1"


class _Expansion:
    """One pass of truncated Taylor arithmetic over a program's steps."""

    def __init__(self, basis: Basis, point: Mapping[str, float], values: dict) -> None:
        self.basis = basis
        self.point = point
        self.values = values

    def run(
        self,
        steps: list[Node],
        positions: dict[str, int],
        seeds: Mapping[Node, Any] | None = None,
    ) -> dict[Node, Any]:
        """The polynomial of every step (a float for a constant one);
        ``seeds`` gives some steps' polynomials outright."""
        basis, values = self.basis, self.values
        poly: dict[Node, Any] = dict(seeds or {})
        for node in steps:
            if node in poly:
                continue
            op = node.op
            if op == "const":
                poly[node] = float(node.value)
                continue
            if op == "var":
                p = positions.get(node.name)
                x0 = float(values[node])
                poly[node] = x0 if p is None else basis.variable(p, x0)
                continue
            args = [poly[a] for a in node.args]
            poisoned = [a for a in args if type(a) is _Poisoned]
            if poisoned:
                # the 0·∞ rule: an exact 0 factor (or dividend) absorbs a
                # sub-expression without a Taylor polynomial; any other use fails
                absorbed = (op == "mul" and 0.0 in [a for a in args if _is_constant(a)]) or (
                    op == "div" and _is_constant(args[0]) and args[0] == 0
                )
                if not absorbed:
                    raise poisoned[0].error
                poly[node] = 0.0
                continue
            if all(_is_constant(a) for a in args):
                poly[node] = float(values[node])
                continue
            if op == "add":
                out = _add(args[0], args[1])
            elif op == "sub":
                b = args[1]
                out = _add(args[0], -b if _is_constant(b) else _neg(b))
            elif op == "neg":
                out = _neg(args[0])
            elif op == "mul":
                a, b = args
                if _is_constant(a) or _is_constant(b):
                    c, p = (a, b) if _is_constant(a) else (b, a)
                    if c == 0:  # 0·∞ = 0 for every coefficient
                        poly[node] = 0.0
                        continue
                    out = _scale(p, c)
                else:
                    out = basis.mul(a, b)
            elif op == "div":
                a, b = args
                if _is_constant(b):
                    ieee_div = PRIMITIVES["div"].fn
                    out = [ieee_div(x, b) if x != 0 else 0.0 for x in a]
                elif b[0] == 0:  # a pole (or 0/0, absorbed in the values): no polynomial
                    centers = (float(values[node.args[0]]), 0.0)
                    poly[node] = _Poisoned(
                        self.not_analytic(node, "is infinite", 0, centers, node.prim)
                    )
                    continue
                else:
                    out = basis.div(_constant_list(a, basis.size) if _is_constant(a) else a, b)
            else:
                try:
                    out = self.compose(node, args)
                except NotAnalytic as exc:
                    poly[node] = _Poisoned(exc)
                    continue
                if _is_constant(out):
                    poly[node] = out
                    continue
            out[0] = float(values[node])  # the IEEE value, as every mode has it
            poly[node] = out
        return poly

    def compose(self, node: Node, args: list[Any]) -> list[float] | float:
        """A primitive of the table applied to Taylor polynomials (an
        argument whose terms all vanish to this order counts as constant)."""
        prim = node.prim
        if prim.arity > 2:  # pragma: no cover - the table has none
            raise UsageError(
                f"taylor does not expand {prim.name}, which takes {prim.arity} arguments"
            )
        args = [a if _is_constant(a) or any(a[1:]) else float(a[0]) for a in args]
        if all(_is_constant(a) for a in args):
            return float(self.values[node])
        centers = tuple(float(self.values[a]) for a in node.args)
        return self.by_degrees(node, prim, args, centers)

    def by_degrees(self, node: Node, prim: Primitive, args: list[Any], centers) -> list[float]:
        """``g(a, b)`` with both arguments varying, degree by degree from
        the table's first partials only (mixed partials of high order swell).

        With the Euler operator E (E p = d·p on the terms of degree d), the
        chain rule gives E g = g_u(a, b)·E a + g_v(a, b)·E b, so the terms of
        degree d of g are 1/d times those of the right-hand side, which needs
        g_u and g_v only to degree d - 1: the partials' graphs (in u, v and
        g itself) are expanded by this same arithmetic, truncated at d - 1.
        Their steps that do not involve g are expanded once.
        """
        basis = self.basis
        order = basis.order
        g0 = float(self.values[node])
        g = _constant_list(g0, basis.size)
        if order == 0:
            return g
        root = partial_graph(prim, (0,) * prim.arity)
        # the first partials in the varying arguments only (pow's partial in
        # a constant exponent, log(a), need not exist)
        varying = [p for p, a in enumerate(args) if not _is_constant(a)]
        units = [tuple(int(q == p) for q in range(prim.arity)) for p in varying]
        firsts = [partial_graph(prim, unit) for unit in units]
        steps = topo_order(firsts)
        names = _ARGUMENTS[: prim.arity]
        known: dict[Node, float] = {var(n): c for n, c in zip(names, centers)}
        known[root] = g0
        values = evaluate_all(steps, dict(zip(names, centers)), strict=False, known=known)
        zero = (0,) * prim.arity
        derivs = {zero: g0, **{u: values[f] for u, f in zip(units, firsts)}}
        self.check_smooth(
            node, prim, [zero, *units], centers, derivs,
            [None if _is_constant(a) else a for a in args],
        )  # fmt: skip
        involves_g = {root}
        for step in steps:
            if any(a in involves_g for a in step.args):
                involves_g.add(step)
        euler = [_euler(basis, args[p]) for p in varying]
        seeds = {var(n): a for n, a in zip(names, args)}
        try:
            # the steps without g, once, to degree K - 1
            lower = Basis.of(basis.n, order - 1)
            fixed = {k: _truncate(v, lower.size) for k, v in seeds.items()}
            fixed[root] = _truncate(g, lower.size)
            static = _Expansion(lower, self.point, values).run(
                [st for st in steps if st not in involves_g], {}, fixed
            )
            for d in range(1, order + 1):
                below = Basis.of(basis.n, d - 1)
                here = Basis.of(basis.n, d)
                seeded = {k: _truncate(v, below.size) for k, v in static.items()}
                seeded[root] = _truncate(g, below.size)
                poly = _Expansion(below, self.point, values).run(steps, {}, seeded)
                total = [0.0] * here.size
                for f, e in zip(firsts, euler):
                    if e is None:
                        continue
                    partial = poly[f]
                    if type(partial) is _Poisoned:
                        raise partial.error
                    partial = (
                        _constant_list(partial, below.size) if _is_constant(partial) else partial
                    )
                    product = here.mul(_pad(partial, here.size), _truncate(e, here.size))
                    for k in range(below.size, here.size):
                        total[k] += product[k]
                for k in range(below.size, here.size):
                    g[k] = total[k] / d
        except NotAnalytic as exc:  # in a partial: a derivative one order higher
            raise self.not_analytic(node, exc.kind, exc.order + 1, centers, prim) from None
        return g

    def check_smooth(self, node, prim, keys, centers, derivs, offsets) -> None:
        """An infinite or undefined partial, or one that jumps between the
        point and its neighbouring doubles, means no Taylor polynomial."""
        for key in keys:
            if not math.isfinite(derivs[key]):
                kind = "is infinite" if derivs[key] == derivs[key] else "is undefined"
                raise self.not_analytic(node, kind, sum(key), centers, prim)
        varying = tuple(d is not None for d in offsets)
        for moved in _neighbours(centers, varying):
            near = partial_values(prim, keys, moved)
            for key in keys:
                a, b = derivs[key], near[key]
                if not math.isfinite(b):  # the edge of its domain (x^2.5 at 0)
                    raise self.not_analytic(
                        node, "is undefined on one side", sum(key), centers, prim
                    )
                if abs(a - b) > JUMP_TOLERANCE * max(1.0, abs(a), abs(b)):
                    raise self.not_analytic(node, "jumps", sum(key), centers, prim)

    def not_analytic(self, node: Node, kind: str, order: int, centers, prim) -> NotAnalytic:
        names = variables_of(node)
        where = ", ".join(f"{n} = {text_number(self.point[n])}" for n in names if n in self.point)
        at = f" at {where}" if where else ""
        text = shorten(str(node))
        if prim.arity == 1:
            inner = f"{prim.name} at {text_number(centers[0])}"
        else:
            inner = f"{prim.name} at ({', '.join(text_number(c) for c in centers)})"
        return NotAnalytic(
            f"{text} has no Taylor polynomial{at} ({inner}: {_order_words(order)} {kind} "
            "there); expand around a point where it is smooth",
            order,
            kind,
        )


class _Poisoned:
    """A step without a Taylor polynomial: fails where it is used, unless
    an exact zero factor absorbs it (0·∞)."""

    __slots__ = ("error",)

    def __init__(self, error: NotAnalytic) -> None:
        self.error = error


def _euler(basis: Basis, a: Any) -> list[float] | None:
    """E a: each term times its degree (None for a constant)."""
    if _is_constant(a):
        return None
    return [c * d for c, d in zip(a, basis.degree)]


def _truncate(p: Any, size: int) -> Any:
    return p if _is_constant(p) or type(p) is _Poisoned else p[:size]


def _pad(p: list[float], size: int) -> list[float]:
    return p + [0.0] * (size - len(p))


def _constant_list(c: float, size: int) -> list[float]:
    out = [0.0] * size
    out[0] = c
    return out


def check_order(order: Any, what: str = "--order") -> int:
    if isinstance(order, bool) or not isinstance(order, int):
        raise UsageError(f"{what} must be a whole number such as 4, got {order!r}")
    if order < 0 or order > MAX_ORDER:
        raise UsageError(f"{what} {order} is outside 0 to {MAX_ORDER}; use an order in that range")
    return order


def expand(
    program: Program,
    point: Mapping[str, float],
    variables: tuple[str, ...],
    order: int,
) -> dict[tuple[int, ...], float]:
    """The Taylor coefficients of the program's one output around ``point``
    in ``variables`` (others stay at their values) to total degree ``order``:
    exponent tuple -> coefficient."""
    root = program.root
    n = len(variables)
    # checked before the basis is built: its product table has one entry per
    # pair of monomials within the order, C(order + 2n, 2n) (3 variables to
    # order 40: 9.4 million, 4 GB and minutes), and every product walks it
    size, products = math.comb(order + n, n), math.comb(order + 2 * n, 2 * n)
    if size > MAX_TERMS or products > MAX_PRODUCTS:
        what = f"{size} coefficients" if size > MAX_TERMS else f"{products} products per step"
        limit = f"{MAX_TERMS} coefficients" if size > MAX_TERMS else f"{MAX_PRODUCTS}"
        raise UsageError(
            f"an expansion of order {order} in {n} variables has {what} (at most {limit}); "
            "lower --order or expand in fewer variables with --wrt"
        )
    basis = Basis.of(n, order)
    values = evaluate_all(program.steps, point)  # strict: domain errors name the node
    positions = {n: i for i, n in enumerate(variables)}
    poly = _Expansion(basis, point, values).run(program.steps, positions)[root]
    if type(poly) is _Poisoned:
        raise poly.error
    if _is_constant(poly):
        poly = _constant_list(poly, basis.size)
    return dict(zip(basis.monomials, poly))


def polynomial_node(
    terms: Mapping[tuple[int, ...], float], variables: tuple[str, ...], point: Mapping[str, float]
) -> Node:
    """The polynomial as a graph, for the house printers: ``(x - 1)`` as
    written, ``(x - 0)`` as ``x``, ``(x - (-2))`` as ``(x + 2)``."""
    add, sub, mul, pow_ = (PRIMITIVES[n] for n in ("add", "sub", "mul", "pow"))
    factors = []
    for name in variables:
        x0 = float(point[name])
        if x0 == 0:
            factors.append(var(name))
        elif x0 < 0:
            factors.append(build(add, (var(name), const(-x0))))
        else:
            factors.append(build(sub, (var(name), const(x0))))
    total: Node | None = None
    for m, c in terms.items():
        if c == 0:
            continue
        negative = total is not None and c < 0
        term = const(-c if negative else c)  # c*x^2*y, read left to right: 1*x folds to x
        for f, e in zip(factors, m):
            if e:
                piece = f if e == 1 else build(pow_, (f, const(float(e))))
                term = build(mul, (term, piece))
        if total is None:
            total = term
        else:
            total = build(sub if negative else add, (total, term))
    return const(0.0) if total is None else total


def taylor_at(
    expression: str | Program,
    point: Mapping[str, float],
    *,
    order: int,
    wrt: Any = None,
    radius: float | None = None,
) -> TaylorPolynomial:
    """The Taylor polynomial of ``expression`` around ``point`` to total
    degree ``order`` in the variables ``wrt`` (default: all)."""
    from .api import prepare
    from .printing import to_infix, to_latex

    order = check_order(order)
    program, point, names, warnings = prepare(expression, point, wrt, "taylor")
    if radius is not None:
        if not (isinstance(radius, (int, float)) and not isinstance(radius, bool)) or not (
            math.isfinite(radius) and radius > 0
        ):
            raise UsageError(f"--radius must be a positive number such as 0.1, got {radius!r}")
        radius = float(radius)
    names = tuple(names)
    for name in names:  # a --wrt variable the expression lacks: its offset is from 0
        if name not in program.variables:
            point.setdefault(name, 0.0)
    # the remainder is estimated from the next two orders (cos to order 4 has
    # no term of order 5: its first omitted term is of order 6)
    wanted = order + 2 if radius is not None else order
    coefficients = expand(program, point, names, wanted)
    terms = {m: c for m, c in coefficients.items() if sum(m) <= order}
    remainder = None
    if radius is not None:
        remainder = max(
            sum(abs(c) for m, c in coefficients.items() if sum(m) == d) * radius**d
            for d in (order + 1, order + 2)
        )
    if not all(math.isfinite(c) for c in terms.values()):
        warnings.append("some coefficients overflow the range of a double (Infinity)")
    node = polynomial_node(terms, names, point)
    return TaylorPolynomial(
        expression=program.source,
        point=dict(point),
        variables=names,
        order=order,
        terms=terms,
        polynomial=to_infix(node),
        latex=to_latex(node),
        radius=radius,
        remainder_estimate=remainder,
        warnings=warnings,
    )


# ---------------------------------------------------------------------------
# Output


def to_json(result: TaylorPolynomial) -> str:
    import json

    return json.dumps(result.to_dict(), ensure_ascii=False)


def table_text(result: TaylorPolynomial, file: Any = None) -> str:
    """The coefficients as a table (monomial, coefficient, partial
    derivative), then the polynomial."""
    from .render import _Page, _table, _where

    page = _Page(file)
    where = _where(result.point)
    at = f" at {where}" if where else ""
    page.line(
        f"Taylor polynomial of {shorten(result.expression)}{at}, order {result.order}",
        style="bold",
    )
    table = _table(("term", "left"), ("coefficient", "right"), ("derivative", "right"))
    derivatives = result.derivatives
    for key, c in result.coefficients.items():
        table.add_row(_term_text(key, result), text_number(c), text_number(derivatives[key]))
    page.print(table)
    page.line(f"polynomial: {result.polynomial}")
    if result.radius is not None:
        page.line(
            f"remainder estimate at radius {text_number(result.radius)}: "
            f"{text_number(result.remainder_estimate)}"
        )
    return page.text().rstrip("\n") + "\n"


def _term_text(key: str, result: TaylorPolynomial) -> str:
    if key == "1":
        return "1"
    factors = []
    for piece in key.split("*"):
        name, _, power = piece.partition("^")
        x0 = result.point[name]
        base = name if x0 == 0 else f"({name} {'-' if x0 > 0 else '+'} {text_number(abs(x0))})"
        factors.append(base + (f"^{power}" if power else ""))
    return "*".join(factors)
