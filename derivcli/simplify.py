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
* arithmetic on constants is folded, but only when the result is exact and
  finite (``2^3`` is ``8``; ``1e20 - 1``, ``0/0`` and ``1.8e308*2`` stay as
  they are). What a fold must never do is change a value beyond rounding
  (``x^1e20``'s exponent ``1e20 - 1`` rounded to ``1e20``: an exponent's
  error is amplified, ``x^(e(1+d)) = x^e*x^(e*d)``) or make it non-finite
  (``1.8e308*x*x`` to ``Infinity``, ``(0/0)*x`` to ``0``). So exponents, the
  constant of a sum and constants that feed a function fold only when exact.
  The one exception is a coefficient: like terms merge with one rounding
  (``c1*t + c2*t`` is ``fl(c1 + c2)*t``, ``2*(3*x)`` is ``6*x``, ``(3*x)^2``
  is ``9*x^2``), a relative error of at most 2^-53, the same as evaluating
  it and closer to the exact derivative's (whole) coefficient than the
  unmerged form. It is made only when the result is finite and (products)
  not below the normal range, and a term is dropped only when the exact sum
  of its coefficients is 0 (``coefficient_add``). Without it, the
  coefficients of high derivatives pass 2^53 and like terms stop meeting
  (``tan(x)`` at order 40: 400 kB instead of 1 kB). A function of a whole number or of ``pi``/``e`` is folded
  when its value is a small whole number or a named constant (``log(e)`` is
  ``1``, ``cos(0)`` is ``1``, ``exp(1)`` is ``e``).

How sharing survives (issue 17). The gathered form of every node (its
coefficient and factors, or its constant and terms) is remembered, so
gathering reads the forms of the two arguments instead of walking down
their trees (``x*x*...*x`` a thousand deep is ``x^1000`` at O(1) a node).
A form holds at most ``LIMIT`` factors or terms; a bigger node is an opaque
factor. Rebuilding a canonical form can create many new nodes (a sorted
chain of ``k`` factors that shares nothing with the chains that exist): so
``build`` counts the nodes the canonical form would add and keeps the plain
node (``prim(*args)`` with the trivial folds) whenever the canonical form
costs more than ``SLACK`` nodes beyond it. Every construction thus adds O(1)
nodes, and the simplified derivative is no bigger than the one built
without the simplifier (``Plain``).

Exponents are only merged where that is an identity (integer powers of
products; never ``(x^2)^0.5`` into ``x``). The expression the user typed is
never simplified: only derivative graphs are built here.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from fractions import Fraction
from typing import Any

from . import graph as _graph
from .graph import Node, const, make
from .primitives import CONSTANTS, PRIMITIVES, Primitive
from .printing import postorder

ADD, SUB, MUL, DIV, NEG, POW = (PRIMITIVES[n] for n in ("add", "sub", "mul", "div", "neg", "pow"))
LOG = PRIMITIVES["log"]
TWO = const(2.0)

#: how many factors of a product, or terms of a sum, a gathered form holds
LIMIT = 24
#: how many nodes a canonical form may add beyond the plain construction
SLACK = 1


def _is_int(e: float) -> bool:
    return math.isfinite(e) and e == math.floor(e)


# ---------------------------------------------------------------------------
# Exact arithmetic on doubles: a fold only when it changes no value


def _exact(value: float, fraction: Fraction) -> float | None:
    """``value`` when it is finite and equals ``fraction`` exactly."""
    if math.isfinite(value) and Fraction(value) == fraction:
        return value
    return None


def exact_add(a: float, b: float) -> float | None:
    """``a + b`` when exact and finite. The rounding error of a sum is itself
    a double (Knuth's TwoSum finds it), so exactness is one check."""
    total = a + b
    if total - total != 0:  # inf or nan
        return None
    bv = total - a
    error = (a - (total - bv)) + (b - bv)
    return total if error == 0 else None


_SMALL = 2.0**26


def exact_mul(a: float, b: float) -> float | None:
    """``a * b`` when exact and finite (whole numbers below 2^26 at once)."""
    if not (math.isfinite(a) and math.isfinite(b)):
        return None
    if abs(a) < _SMALL and abs(b) < _SMALL and a == math.floor(a) and b == math.floor(b):
        return a * b
    return _exact(a * b, Fraction(a) * Fraction(b))


def exact_div(a: float, b: float) -> float | None:
    if not (math.isfinite(a) and math.isfinite(b)) or b == 0:
        return None
    return _exact(a / b, Fraction(a) / Fraction(b))


def exact_pow(a: float, k: float) -> float | None:
    """``a^k`` for a whole ``k`` of moderate size, when exact."""
    if not (math.isfinite(a) and _is_int(k)) or (a == 0 and k < 0):
        return None
    if a in (0.0, 1.0) or k == 0:
        return 1.0 if k == 0 else a  # any k: (x^-1101 is 1*x^-1101)
    if a == -1.0:
        return -1.0 if k % 2 else 1.0  # (a double above 2^53 is even)
    if abs(k) > 1100:
        return None
    try:
        value = math.pow(a, k)
    except (OverflowError, ValueError):
        return None
    if not math.isfinite(value) or value == 0:
        return None
    return _exact(value, Fraction(a) ** int(k))


_TINY = 2.0**-1022  # the least normal double: below it a product loses digits


def coefficient_add(a: float, b: float) -> float | None:
    """``a + b`` rounded once, for the coefficients of like terms (see the
    module docstring), when finite. A zero is returned only when the exact
    sum is zero (TwoSum's error term is zero too), so a term whose exact
    coefficient is not zero is never dropped."""
    total = a + b
    if total - total != 0:  # inf or nan
        return None
    if total == 0:
        bv = total - a
        if (a - (total - bv)) + (b - bv) != 0:
            return None
    return total


def coefficient_mul(a: float, b: float) -> float | None:
    """``a * b`` rounded once, for the coefficient of a product, when finite
    and not lost to underflow (a result below the normal range is kept only
    when exact)."""
    value = a * b
    if value - value != 0:
        return None
    if abs(value) < _TINY and a != 0 and b != 0:
        return exact_mul(a, b)
    return value


def coefficient_pow(a: float, k: float) -> float | None:
    """``a^k`` for a whole ``k >= 1`` (the coefficient of ``(a*x)^k``),
    correctly rounded, when finite and normal; else exact or None."""
    exact = exact_pow(a, k)
    if exact is not None or not (math.isfinite(a) and _is_int(k) and 1 <= k <= 1100):
        return exact
    try:
        value = float(Fraction(a) ** int(k))  # one rounding of the exact power
    except OverflowError:
        return None
    if not math.isfinite(value) or abs(value) < _TINY:
        return None
    return value


_NAMED = frozenset(CONSTANTS.values())


def fold_function(prim: Primitive, args: tuple[float, ...]) -> float | None:
    """A function of constants, when its value is certain (see the module
    docstring): the exact arithmetic above, or a whole-number / named value
    of a function at a whole number or a named constant."""
    name = prim.name
    if name == "add":
        return exact_add(*args)
    if name == "sub":
        return exact_add(args[0], -args[1])
    if name == "mul":
        return exact_mul(*args)
    if name == "div":
        return exact_div(*args)
    if name == "neg":
        return -args[0]
    if name == "pow":
        return exact_pow(*args)
    if len(args) != 1 or not (_is_int(args[0]) or args[0] in _NAMED):
        return None
    value = prim.fn(args[0])
    if (_is_int(value) and abs(value) <= 1024) or value in _NAMED:
        return value
    return None


# ---------------------------------------------------------------------------
# Gathered forms, remembered per node

# product form: (coefficient, {base: exponent}, rounded); sum form:
# (constant, {key: [coefficient, factors, node or None, rounded]}) where
# ``node`` is an existing node that is exactly ``coefficient * factors`` and
# ``rounded`` says the coefficient was rounded on the way (so its exact value
# is not known: a cancellation to 0 does not prove the term is 0).
_PRODUCT_FORMS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_SUM_FORMS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: nodes built from a form with a rounded coefficient: their forms say so
_ROUNDED: weakref.WeakSet = weakref.WeakSet()


def _mark_rounded(node: Node) -> None:
    if node.args and node not in _ROUNDED:
        _ROUNDED.add(node)
        _PRODUCT_FORMS.pop(node, None)  # computed again, with the mark
        _SUM_FORMS.pop(node, None)


def _opaque_product(node: Node) -> tuple:
    return (1.0, {node: 1.0}, False)


def _raise(form: tuple, k: float) -> tuple | None:
    """``form ^ k`` for a whole ``k``, or None when not exact."""
    coeff, factors, rounded = form
    c = exact_pow(coeff, k)
    if c is None and k >= 1:
        c, rounded = coefficient_pow(coeff, k), True
    if c is None or (rounded and not factors):
        return None  # a rounded constant is not made
    out = {}
    for b, e in factors.items():
        ek = exact_mul(e, k)
        if ek is None:
            return None
        out[b] = ek
    return (c, out, rounded)


def _merge_products(f: tuple, g: tuple) -> tuple | None:
    """The form of the product of forms ``f`` and ``g``, or None."""
    coeff = coefficient_mul(f[0], g[0])
    factors = dict(f[1])
    g_factors = g[1]
    if coeff is None:
        if not (math.isfinite(f[0]) and math.isfinite(g[0])) or f[0] == 0 or g[0] == 0:
            return None
        # the coefficient leaves the range of a double (1/x at order 200:
        # 200!): it is kept as m*2^k (one rounding, in m), 2 a factor whose
        # exponent adds exactly, so like terms still meet (no Infinity, no 0)
        (ma, ea), (mb, eb) = math.frexp(f[0]), math.frexp(g[0])
        coeff = ma * mb
        g_factors = {**g_factors}
        g_factors[TWO] = g_factors.get(TWO, 0.0) + (ea + eb)
        rounded = f[2] or g[2] or exact_mul(ma, mb) is None
    else:
        rounded = f[2] or g[2] or exact_mul(f[0], g[0]) is None
    for b, e in g_factors.items():
        s = exact_add(factors.get(b, 0.0), e)
        if s is None:
            return None
        if s == 0:
            factors.pop(b, None)
        else:
            factors[b] = s
    if len(factors) > LIMIT or (rounded and not factors):
        return None  # (a rounded constant is not made)
    return (coeff, factors, rounded)


def _local_product_form(node: Node, forms: Any) -> tuple:
    op = node.op
    form = None
    if op == "const":
        v = node.value
        if math.isfinite(v):
            return (v, {}, False)
    elif op == "mul":
        form = _merge_products(forms(node.args[0]), forms(node.args[1]))
    elif op == "div":
        inverse = _raise(forms(node.args[1]), -1.0)
        if inverse is not None:
            form = _merge_products(forms(node.args[0]), inverse)
    elif op == "neg":
        c, factors, rounded = forms(node.args[0])
        form = (-c, factors, rounded)
    elif op == "pow" and node.args[1].op == "const":
        k = node.args[1].value
        if _is_int(k):
            form = _raise(forms(node.args[0]), k)
            if form is None and node.args[0] is TWO and abs(k) < 2**53:
                form = (1.0, {TWO: k}, False)  # 2^k beyond a double: see above
        elif math.isfinite(k):
            form = (1.0, {node.args[0]: k}, False)
    if form is not None and node in _ROUNDED:
        form = (form[0], form[1], True)
    return form


def _product_children(node: Node) -> tuple[Node, ...]:
    op = node.op
    if op in ("mul", "div"):
        return node.args
    if op == "neg" or (op == "pow" and node.args[1].op == "const"):
        return node.args[:1]
    return ()


#: what a memo holds for a node that is its own form (one factor, one term):
#: a value that named the node would keep its weak key alive for ever
_OPAQUE = object()


def _memo_forms(node: Node, memo: Any, children: Any, local: Any, opaque: Any) -> tuple:
    """The remembered form of ``node``, computing missing ones bottom-up with
    an explicit stack (a user expression may be 100,000 deep). ``local``
    returns None for a node that is opaque; ``opaque(node)`` is its form."""

    def get(n: Node) -> tuple:
        form = memo[n]
        return opaque(n) if form is _OPAQUE else form

    if node not in memo:
        stack = [node]
        while stack:
            n = stack[-1]
            if n in memo:
                stack.pop()
                continue
            missing = [c for c in children(n) if c not in memo]
            if missing:
                stack.extend(missing)
                continue
            stack.pop()
            form = local(n, get)
            memo[n] = _OPAQUE if form is None else form
    return get(node)


def product_form(node: Node) -> tuple:
    """``(coefficient, {base: exponent})`` with ``node == coefficient * Π base^exponent``."""
    return _memo_forms(
        node, _PRODUCT_FORMS, _product_children, _local_product_form, _opaque_product
    )


def _key(factors: dict[Node, float]) -> frozenset:
    return frozenset(factors.items())


def _term_form(node: Node) -> tuple:
    coeff, factors, rounded = product_form(node)
    if not factors:
        return (coeff, {})
    return (0.0, {_key(factors): [coeff, factors, node, rounded]})


def _merge_sums(f: tuple, g: tuple, sign: float) -> tuple | None:
    constant = exact_add(f[0], sign * g[0])  # it may be an exponent: exact
    if constant is None:
        return None
    terms = {k: list(v) for k, v in f[1].items()}
    for k, (c, factors, node, rounded) in g[1].items():
        c = sign * c
        entry = terms.get(k)
        if entry is None:
            terms[k] = [c, factors, node if sign > 0 else None, rounded]
            continue
        s = coefficient_add(entry[0], c)
        if s is None:
            return None
        rounded = rounded or entry[3]
        if s == 0:
            if rounded:
                return None  # the exact coefficients may not cancel
            del terms[k]
        else:
            terms[k] = [s, factors, None, rounded or exact_add(entry[0], c) is None]
    if len(terms) > LIMIT:
        return None
    return (constant, terms)


def _local_sum_form(node: Node, forms: Any) -> tuple:
    op = node.op
    form = None
    if op == "const" and math.isfinite(node.value):
        return (node.value, {})
    if op in ("add", "sub"):
        form = _merge_sums(forms(node.args[0]), forms(node.args[1]), 1.0 if op == "add" else -1.0)
    elif op == "neg":
        form = _merge_sums((0.0, {}), forms(node.args[0]), -1.0)
    if form is not None and node in _ROUNDED:
        form = (form[0], {k: [*v[:3], True] for k, v in form[1].items()})
    return form


def _sum_children(node: Node) -> tuple[Node, ...]:
    if node.op in ("add", "sub", "neg"):
        return node.args
    return ()


def sum_form(node: Node) -> tuple:
    """``(constant, terms)``: ``node == constant + Σ coefficient * factors``."""
    return _memo_forms(node, _SUM_FORMS, _sum_children, _local_sum_form, _term_form)


# ---------------------------------------------------------------------------
# Canonical nodes from forms


class _OverBudget(Exception):
    """A canonical form would add more nodes than ``build`` allows."""


class _Budget:
    """While ``build`` makes a canonical form: how many new operations it may
    still add (a node is new when ``known`` says so and it was not counted)."""

    __slots__ = ("known", "counted", "left")

    def __init__(self, known: Callable[[Node], bool], left: int) -> None:
        self.known = known
        self.counted: set[Node] = set()
        self.left = left


_budget: _Budget | None = None


def _make(prim: Primitive, args: tuple[Node, ...]) -> Node:
    node = make(prim, args)
    budget = _budget
    if budget is not None and not budget.known(node) and node not in budget.counted:
        budget.counted.add(node)
        budget.left -= 1
        if budget.left < 0:
            raise _OverBudget
    return node


def _factor_order(item: tuple[Node, float]) -> tuple:
    return _rank(item[0])


def _power(base: Node, e: float) -> Node:
    return base if e == 1 else _make(POW, (base, const(e)))


def _times(nodes: list[Node]) -> Node | None:
    node = None
    for f in nodes:
        node = f if node is None else _make(MUL, (node, f))
    return node


def product(coeff: float, factors: dict[Node, float], rounded: bool = False) -> Node:
    """The canonical node for ``coeff * Π base^exponent`` (``rounded``: the
    coefficient was rounded, and the node is marked so)."""
    if coeff == 0 or not factors:
        return const(coeff)
    items = sorted(factors.items(), key=_factor_order)
    num = [_power(b, e) for b, e in items if e > 0]
    den = [_power(b, -e) for b, e in items if e < 0]
    negative = coeff < 0
    c = abs(coeff)
    den_c = 1.0
    if c != 1 and not _is_int(c):
        inverse = exact_div(1.0, c)
        if inverse is not None and _is_int(inverse):
            c, den_c = 1.0, inverse  # 0.5*x/y is written x/(2*y)
    if c != 1 or not num:
        num.insert(0, const(-c if negative else c))
    elif negative:
        num[0] = _make(NEG, (num[0],))
    node = _times(num)
    if den or den_c != 1:
        denominator = _times(([const(den_c)] if den_c != 1 else []) + den)
        node = _make(DIV, (node, denominator))
    if rounded:
        _mark_rounded(node)
    return node


def _term_order(item: list) -> tuple:
    _c, factors, _node, _rounded = item
    return tuple((_rank(b), -e) for b, e in sorted(factors.items(), key=_factor_order))


def total(constant: float, terms: dict) -> Node:
    """The canonical node for ``constant + Σ coefficient * factors``."""
    kept = sorted(terms.values(), key=_term_order)
    node = None
    if constant > 0 and kept and kept[0][0] < 0:
        node, constant = const(constant), 0.0  # 1 - x^2 rather than -x^2 + 1
    rounded = False
    for coeff, factors, existing, r in kept:
        rounded = rounded or r
        if node is None:
            node = existing if existing is not None else product(coeff, factors, r)
        elif coeff < 0:
            node = _make(SUB, (node, product(-coeff, factors, r)))
        else:
            term = existing if existing is not None else product(coeff, factors, r)
            node = _make(ADD, (node, term))
    if node is None:
        return const(constant)
    if constant > 0:
        node = _make(ADD, (node, const(constant)))
    elif constant < 0:
        node = _make(SUB, (node, const(-constant)))
    if rounded:
        _mark_rounded(node)
    return node


# ---------------------------------------------------------------------------
# The constructors


def _is(node: Node, value: float) -> bool:
    return node.op == "const" and node.value == value


def _finite_const(node: Node) -> bool:
    return node.op != "const" or math.isfinite(node.value)


def plain(prim: Primitive, args: tuple[Node, ...]) -> Node:
    """``prim(*args)`` with only the folds that never change a value: exact
    constant arithmetic, ``a+0``, ``a-0``, ``0-a``, ``a*1``, ``a*0`` (a
    finite constant times anything is zero), ``a/1``, ``--a``, ``a^1``,
    ``a^0``. The derivative "as built" (``--stats``) uses only these."""
    name = prim.name
    if all(a.op == "const" for a in args):
        value = fold_function(prim, tuple(a.value for a in args))
        if value is not None:
            return const(value)
    if name == "xlogy" and args[1].op == "const" and 0 < args[1].value < math.inf:
        # x*log(c) for a constant c > 0 takes the same value everywhere
        # (0*log(c) is 0); log(e) then folds to 1: d/dx e^x is e^x
        return plain(MUL, (args[0], plain(LOG, (args[1],))))
    if name == "add":
        a, b = args
        if _is(a, 0):
            return b
        if _is(b, 0):
            return a
    elif name == "sub":
        a, b = args
        if _is(b, 0):
            return a
        if _is(a, 0):
            return plain(NEG, (b,))
    elif name == "mul":
        a, b = args
        if (_is(a, 0) and _finite_const(b)) or (_is(b, 0) and _finite_const(a)):
            return const(0.0)
        if _is(a, 1):
            return b
        if _is(b, 1):
            return a
        if _is(a, -1):
            return plain(NEG, (b,))
        if _is(b, -1):
            return plain(NEG, (a,))
    elif name == "div":
        if _is(args[1], 1):
            return args[0]
    elif name == "neg":
        if args[0].op == "neg":
            return args[0].args[0]
    elif name == "pow":
        a, b = args
        if _is(b, 1):
            return a
        if _is(b, 0):
            return const(1.0)
        if _is(a, 1):
            return const(1.0)
    return make(prim, args)


def _canonical(prim: Primitive, args: tuple[Node, ...]) -> Node | None:
    """The canonical node of ``prim(*args)``, or None when no form applies."""
    name = prim.name
    if name in ("add", "sub", "neg"):
        if name == "neg":
            form = _merge_sums((0.0, {}), sum_form(args[0]), -1.0)
        else:
            form = _merge_sums(sum_form(args[0]), sum_form(args[1]), 1.0 if name == "add" else -1.0)
        return None if form is None else total(*form)
    if name in ("mul", "div"):
        right = product_form(args[1])
        if name == "div":
            right = _raise(right, -1.0)
        form = None if right is None else _merge_products(product_form(args[0]), right)
        if form is None:
            return None
        if form[0] == 0 and not all(_finite_const(b) for b in form[1]):
            return None
        return product(*form)
    if name == "pow" and args[1].op == "const":
        k = args[1].value
        if k == 0:
            return const(1.0)
        if _is_int(k):
            form = _raise(product_form(args[0]), k)
            return None if form is None else product(*form)
    return None


def _new_nodes(root: Node, known: Callable[[Node], bool]) -> set[Node]:
    """The operations reachable from ``root`` that ``known`` does not know
    (numbers and variables are not counted: see ``size``)."""
    if not root.args or known(root):
        return set()
    seen = {root}
    stack = [root]
    while stack:
        for a in stack.pop().args:
            if a.args and a not in seen and not known(a):
                seen.add(a)
                stack.append(a)
    return seen


#: the nodes of the graph being built, each with its rank (see ``scope``)
_scope: dict[Node, int] | None = None
#: the slack in force for products and for sums (``scope`` may change them)
_slack = _sum_slack = SLACK
_SUM_OPS = frozenset({"add", "sub", "neg"})


@contextmanager
def scope(
    nodes: Iterable[Node], slack: int | None = None, sum_slack: int | None = None
) -> Iterator[None]:
    """Inside, ``build`` counts the cost of a canonical form against the
    nodes of this graph (``nodes``, in topological order, and every node
    built since), and orders factors and terms by their rank in it: so what
    it builds does not depend on other graphs alive in memory. ``slack``
    replaces ``SLACK`` (a large one gives the fully canonical form, right
    for small expressions, quadratic for large ones), ``sum_slack`` replaces
    it for sums (``+ - neg``; default: ``slack``)."""
    global _scope, _slack, _sum_slack
    saved = _scope, _slack, _sum_slack
    _scope = {node: rank for rank, node in enumerate(nodes)}
    _slack = SLACK if slack is None else slack
    _sum_slack = _slack if sum_slack is None else sum_slack
    try:
        yield
    finally:
        _scope, _slack, _sum_slack = saved


def _rank(node: Node) -> tuple[int, int]:
    """Where ``node`` comes in canonical order: its rank in the graph being
    built, else its creation index."""
    rank = _scope.get(node) if _scope is not None else None
    return (0, rank) if rank is not None else (1, node.index)


def size(roots: Node | list[Node]) -> int:
    """The size of a derivative: its distinct nodes that are not numbers
    (variables and operations). A number costs nothing to evaluate, and a
    coefficient is what ``2*x`` needs to be shorter than ``x + x``."""
    return sum(1 for node in postorder(roots) if node.op != "const")


def build(prim: Primitive, args: tuple[Node, ...]) -> Node:
    """``prim(*args)`` in canonical, simplified form, unless the canonical
    form would add more than ``SLACK`` nodes beyond the plain one."""
    global _budget
    if _scope is not None:
        known = _scope.__contains__
    else:  # outside a scope: what existed before this call
        mark = next(_graph._counter)

        def known(node: Node) -> bool:
            return node.index < mark

    simple = plain(prim, args)
    if simple.op == "const":
        return simple
    simple_new = _new_nodes(simple, known)
    allowed = len(simple_new) + (_sum_slack if prim.name in _SUM_OPS else _slack)
    _budget = _Budget(known, allowed)
    try:
        canonical = _canonical(prim, args)
    except _OverBudget:
        canonical = None  # given up before building all of it
    finally:
        _budget = None
    chosen, new = simple, simple_new
    if canonical is not None and canonical is not simple:
        canonical_new = _new_nodes(canonical, known)
        if len(canonical_new) <= allowed:
            chosen, new = canonical, canonical_new
    if _scope is not None and new:
        _add_to_scope(chosen, new)
    return chosen


def _add_to_scope(root: Node, new: set[Node]) -> None:
    """Rank the ``new`` nodes below ``root`` in post-order (they form a
    small graph of their own: only they are visited)."""
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if node in _scope:
            continue
        if expanded:
            _scope[node] = len(_scope)
            continue
        stack.append((node, True))
        for a in reversed(node.args):
            if a in new and a not in _scope:
                stack.append((a, False))


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


class Plain(Sym):
    """A node seen through ``plain``: the derivative as built, for ``--stats``."""

    __slots__ = ()

    @classmethod
    def apply_primitive(cls, prim: Primitive, args: tuple) -> Plain:
        return cls(plain(prim, tuple(as_node(a) for a in args)))


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


def plain_add(a: Node, b: Node) -> Node:
    return plain(ADD, (a, b))


def plain_mul(a: Node, b: Node) -> Node:
    return plain(MUL, (a, b))


def fold_constants(order: list[Node]) -> dict[Node, Node]:
    """Constant sub-expressions of ``order`` (a topological order) folded to
    constants where the fold is exact (``2^3`` is ``8``; ``0/0`` stays)."""
    folded: dict[Node, Node] = {}
    for node in order:
        if node.args:
            args = [folded.get(a, a) for a in node.args]
            if all(a.op == "const" for a in args):
                value = fold_function(node.prim, tuple(a.value for a in args))
                if value is not None:
                    folded[node] = const(value)
    return folded


def simplify(root: Node) -> Node:
    """Rebuild every node of ``root`` through ``build`` (a loop, no recursion)."""
    order = postorder(root)
    new: dict[Node, Node] = {}
    with scope(order):
        for node in order:
            if not node.args:
                new[node] = node
            else:
                new[node] = build(node.prim, tuple(new[a] for a in node.args))
    return new[root]
