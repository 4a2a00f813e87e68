"""Algebraic simplification for derivative graphs, applied as they are built.

``build(prim, args)`` is a constructor that returns a canonical node:

* sums are gathered into a constant plus ``coefficient * term`` pairs, so
  like terms meet (``x + x`` is ``2*x``, ``a - a`` is ``0``, ``0 + a`` is
  ``a``) and are written in a fixed order (by the variables they contain,
  higher powers first, the constant last: ``x^2 + 1``);
* products are gathered into a coefficient and ``base^exponent`` factors
  (``2*x*3`` is ``6*x``, ``x*x`` is ``x^2``, ``a*1`` is ``a``, ``a*0`` is
  ``0``, ``a^1`` is ``a``, ``a^0`` is ``1``, ``--a`` is ``a``), written
  coefficient first, then factors in order of appearance, then a
  denominator: ``2*x*y``, ``-1/x^2``, ``1/(2*sqrt(x))``;
* arithmetic on constants is folded.

Gathering looks at most ``LIMIT`` nodes deep into a sum or a product, so
building a node costs O(1) and a derivative graph of an N-node expression has
O(N) nodes. Exponents are only merged where that is an identity (integer
powers of products; never ``(x^2)^0.5`` into ``x``). The expression the user
typed is never simplified: only derivative graphs are built here.
"""

from __future__ import annotations

import math
from typing import Any

from .graph import Node, const, make
from .primitives import PRIMITIVES, Primitive

ADD, SUB, MUL, DIV, NEG, POW = (PRIMITIVES[n] for n in ("add", "sub", "mul", "div", "neg", "pow"))

#: how many nodes of a sum or product are looked into when gathering
LIMIT = 24


def _is_int(e: float) -> bool:
    return math.isfinite(e) and e == math.floor(e)


# ---------------------------------------------------------------------------
# Products


def _gather_product(
    items: list[tuple[Node, float]],
) -> tuple[float, dict[Node, float]]:
    """Coefficient and ``{base: exponent}`` of the product of ``items``."""
    coeff = 1.0
    factors: dict[Node, float] = {}
    stack = list(reversed(items))
    budget = LIMIT
    while stack:
        node, e = stack.pop()
        op = node.op
        if op == "const":
            v = node.value
            if e == 1:
                coeff *= v
                continue
            if e == -1 and v != 0:
                coeff /= v
                continue
        elif budget > 0 and _is_int(e):
            if op == "neg":
                budget -= 1
                if e % 2:
                    coeff = -coeff
                stack.append((node.args[0], e))
                continue
            if op == "mul":
                budget -= 1
                stack.append((node.args[1], e))
                stack.append((node.args[0], e))
                continue
            if op == "div":
                budget -= 1
                stack.append((node.args[1], -e))
                stack.append((node.args[0], e))
                continue
            if op == "pow" and node.args[1].op == "const":
                budget -= 1
                stack.append((node.args[0], e * node.args[1].value))
                continue
        factors[node] = factors.get(node, 0.0) + e
    return coeff, {b: e for b, e in factors.items() if e != 0}


def _factor_order(item: tuple[Node, float]) -> tuple:
    base, _e = item
    return (base.index,)


def _power(base: Node, e: float) -> Node:
    return base if e == 1 else make(POW, (base, const(e)))


def _times(nodes: list[Node]) -> Node | None:
    node = None
    for f in nodes:
        node = f if node is None else make(MUL, (node, f))
    return node


def product(coeff: float, factors: dict[Node, float]) -> Node:
    """The canonical node for ``coeff * Π base^exponent``."""
    if coeff == 0 or not math.isfinite(coeff):
        return const(coeff)
    if not factors:
        return const(coeff)
    items = sorted(factors.items(), key=_factor_order)
    num = [_power(b, e) for b, e in items if e > 0]
    den = [_power(b, -e) for b, e in items if e < 0]
    negative = coeff < 0
    c = abs(coeff)
    den_c = 1.0
    if c != 1 and not _is_int(c) and _is_int(1 / c) and 1 / (1 / c) == c:
        c, den_c = 1.0, 1 / c  # 0.5*x/y is written x/(2*y)
    if c != 1 or not num:
        num.insert(0, const(-c if negative else c))
    elif negative:
        num[0] = make(NEG, (num[0],))
    node = _times(num)
    if den or den_c != 1:
        denominator = _times(([const(den_c)] if den_c != 1 else []) + den)
        node = make(DIV, (node, denominator))
    return node


# ---------------------------------------------------------------------------
# Sums


def _split_term(node: Node) -> tuple[float, dict[Node, float]]:
    """A term as coefficient and factors (``-3*x^2`` is -3, {x: 2})."""
    if node.op in ("mul", "div", "neg") or (node.op == "pow" and node.args[1].op == "const"):
        return _gather_product([(node, 1.0)])
    return 1.0, {node: 1.0}


def _term_order(factors: dict[Node, float]) -> tuple:
    return tuple((b.index, -e) for b, e in sorted(factors.items(), key=_factor_order))


def _gather_sum(items: list[tuple[Node, float]]) -> tuple[float, list]:
    constant = 0.0
    terms: dict[Node, list] = {}  # key -> [coefficient, factors]
    stack = list(reversed(items))
    budget = LIMIT
    while stack:
        node, m = stack.pop()
        op = node.op
        if op == "const":
            constant += m * node.value
            continue
        if budget > 0 and op in ("add", "sub", "neg"):
            budget -= 1
            if op == "neg":
                stack.append((node.args[0], -m))
            else:
                stack.append((node.args[1], m if op == "add" else -m))
                stack.append((node.args[0], m))
            continue
        coeff, factors = _split_term(node)
        if not factors:
            constant += m * coeff
            continue
        key = product(1.0, factors)
        entry = terms.get(key)
        if entry is None:
            terms[key] = [m * coeff, factors]
        else:
            entry[0] += m * coeff
    kept = [(c, f) for c, f in terms.values() if c != 0]
    kept.sort(key=lambda cf: _term_order(cf[1]))
    return constant, kept


def total(constant: float, terms: list) -> Node:
    """The canonical node for ``constant + Σ coefficient * term``."""
    node = None
    if constant > 0 and terms and terms[0][0] < 0:
        node, constant = const(constant), 0.0  # 1 - x^2 rather than -x^2 + 1
    for coeff, factors in terms:
        if node is None:
            node = product(coeff, factors)
        elif coeff < 0:
            node = make(SUB, (node, product(-coeff, factors)))
        else:
            node = make(ADD, (node, product(coeff, factors)))
    if node is None:
        return const(constant)
    if constant > 0 or (constant != constant):
        return make(ADD, (node, const(constant)))
    if constant < 0:
        return make(SUB, (node, const(-constant)))
    return node


# ---------------------------------------------------------------------------
# The constructor


def build(prim: Primitive, args: tuple[Node, ...]) -> Node:
    """``prim(*args)`` in canonical, simplified form."""
    name = prim.name
    if name in ("add", "sub", "neg"):
        if name == "neg":
            items = [(args[0], -1.0)]
        else:
            items = [(args[0], 1.0), (args[1], 1.0 if name == "add" else -1.0)]
        return total(*_gather_sum(items))
    if name in ("mul", "div"):
        items = [(args[0], 1.0), (args[1], 1.0 if name == "mul" else -1.0)]
        return product(*_gather_product(items))
    if name == "pow":
        base, exponent = args
        if exponent.op == "const":
            k = exponent.value
            if k == 0:
                return const(1.0)
            if base.op == "const":
                value = prim.fn(base.value, k)
                if math.isfinite(value):
                    return const(value)
                return make(prim, args)
            return product(*_gather_product([(base, k)]))
        if base.op == "const" and base.value == 1:
            return const(1.0)
    return make(prim, args)


class Sym:
    """A node seen through the simplifying constructor.

    The primitive table's partials, written with generic operations, build
    simplified graphs when given ``Sym`` arguments.
    """

    __slots__ = ("node",)

    def __init__(self, node: Node) -> None:
        self.node = node

    @classmethod
    def apply_primitive(cls, prim: Primitive, args: tuple) -> Sym:
        return cls(build(prim, tuple(as_node(a) for a in args)))

    def __repr__(self) -> str:
        return f"Sym({self.node!s})"


def as_node(value: Any) -> Node:
    """A ``Sym``, node or number as a node."""
    if isinstance(value, Sym):
        return value.node
    if isinstance(value, Node):
        return value
    return const(float(value))


def add(a: Node, b: Node) -> Node:
    return build(ADD, (a, b))


def mul(a: Node, b: Node) -> Node:
    return build(MUL, (a, b))


def simplify(root: Node) -> Node:
    """Rebuild every node of ``root`` through ``build`` (a loop, no recursion)."""
    from .graph import topo_order

    new: dict[Node, Node] = {}
    for node in topo_order(root):
        if not node.args:
            new[node] = node
        else:
            new[node] = build(node.prim, tuple(new[a] for a in node.args))
    return new[root]
