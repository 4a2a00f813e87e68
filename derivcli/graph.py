"""The computational graph: immutable, hash-consed nodes.

A node is a constant, a variable or a primitive applied to nodes. Nodes are
interned: building the same operation on the same arguments twice returns the
same object, so ``x*y + x*y`` holds one ``x*y`` and derivative graphs share
structure with the expression they came from. Nodes are only ever made from
nodes that already exist, so creation order (``Node.index``) is a topological
order: children always have smaller indices than their parents.

Nothing here recurses over the user's expression; every traversal is a loop
over a topological order or an explicit stack.
"""

from __future__ import annotations

import itertools
import math
import weakref
from _thread import get_ident
from collections.abc import Iterable, Mapping
from functools import cached_property
from operator import attrgetter
from typing import Any

from .errors import DomainError, MissingValue
from .numbers import shorten, text_number
from .primitives import (
    ABSORBING,
    PRIMITIVES,
    Primitive,
    _div,
    _div_absorbing,
    _pow,
    _xlogy,
)
from .printing import to_infix, to_latex  # noqa: F401 - re-exported: printing.py owns them
from .records import Record

_counter = itertools.count()


class _Ref(weakref.ref):
    """The weak reference to an interned node, holding its table and key:
    one object per node, whose callback is the one function :func:`_drop`
    (a ``functools.partial`` per node cost two more objects, and their
    allocation and freeing)."""

    __slots__ = ("table", "key")


#: the interning tables, one per operation: key -> weak reference to the
#: node. The key of an operation's node is the node's own ``args`` tuple (no
#: key tuple per node: 64 bytes of ~450, and an allocation per lookup); a
#: constant's is its value's ``hex()``, a variable's its name. Plain dicts
#: with weak references whose callback drops the entry (what
#: WeakValueDictionary does, without its Python-level get: node creation is
#: most of a parse).
_interned: dict[str, dict] = {}


def _table(op: str) -> dict:
    table = _interned.get(op)
    if table is None:
        table = _interned[op] = {}
    return table


def _drop(ref: _Ref) -> None:
    """The entry of a node that died (unless the key was made anew since)."""
    table = ref.table
    key = ref.key
    if table.get(key) is ref:
        del table[key]


def _lookup(table: dict, key: Any) -> Node | None:
    ref = table.get(key)
    return None if ref is None else ref()


def _intern(table: dict, key: Any, node: Node) -> Node:
    ref = table[key] = _Ref(node, _drop)
    ref.table = table
    ref.key = key
    return node


_CONSTS = _table("const")
_VARS = _table("var")


class Node:
    """One vertex of the graph. Compare nodes with ``is``: they are interned."""

    __slots__ = ("op", "prim", "args", "value", "name", "index", "__weakref__")

    op: str  # "const", "var" or a primitive name
    prim: Primitive | None
    args: tuple[Node, ...]
    value: float | None  # constants only
    name: str | None  # variables only
    index: int

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("graph nodes are immutable")

    def __repr__(self) -> str:
        return f"Node({to_infix(self)!r})"

    def __str__(self) -> str:
        return to_infix(self)

    # Operators build (lightly folded) nodes, so that the partials in the
    # primitive table, written with generic operations, build graphs.
    @classmethod
    def apply_primitive(cls, prim: Primitive, args: tuple) -> Node:
        return build(prim, tuple(a if isinstance(a, Node) else const(a) for a in args))

    def __add__(self, other: Any) -> Node:
        return _apply("add", self, other)

    def __radd__(self, other: Any) -> Node:
        return _apply("add", other, self)

    def __sub__(self, other: Any) -> Node:
        return _apply("sub", self, other)

    def __rsub__(self, other: Any) -> Node:
        return _apply("sub", other, self)

    def __mul__(self, other: Any) -> Node:
        return _apply("mul", self, other)

    def __rmul__(self, other: Any) -> Node:
        return _apply("mul", other, self)

    def __truediv__(self, other: Any) -> Node:
        return _apply("div", self, other)

    def __rtruediv__(self, other: Any) -> Node:
        return _apply("div", other, self)

    def __pow__(self, other: Any) -> Node:
        return _apply("pow", self, other)

    def __rpow__(self, other: Any) -> Node:
        return _apply("pow", other, self)

    def __neg__(self) -> Node:
        return _apply("neg", self)


def _apply(name: str, *args: Any) -> Node:
    return Node.apply_primitive(PRIMITIVES[name], args)


_set_op, _set_prim, _set_args, _set_value, _set_name, _set_index = (
    Node.__dict__[slot].__set__ for slot in ("op", "prim", "args", "value", "name", "index")
)


#: while a parse records (:class:`Recording`): every node its thread made,
#: in creation order, and every node it found already interned
_made: list[Node] | None = None
_found: list[Node] | None = None
_recorder = 0  # the thread that records (nodes other threads make are theirs)


def _new(op: str, prim: Primitive | None, args: tuple, value: Any, name: Any) -> Node:
    # the slots' own descriptors: Node.__setattr__ refuses every assignment
    node = object.__new__(Node)
    _set_op(node, op)
    _set_prim(node, prim)
    _set_args(node, args)
    _set_value(node, value)
    _set_name(node, name)
    _set_index(node, next(_counter))
    if _made is not None and get_ident() == _recorder:
        _made.append(node)
    return node


def const(value: float) -> Node:
    """The constant node for ``value`` (a float; -0.0 and 0.0 differ)."""
    value = float(value)
    key = value.hex()
    node = _lookup(_CONSTS, key)
    if node is None:
        node = _intern(_CONSTS, key, _new("const", None, (), value, None))
    elif _found is not None and get_ident() == _recorder:
        _found.append(node)
    return node


def var(name: str) -> Node:
    """The variable node called ``name``."""
    node = _lookup(_VARS, name)
    if node is None:
        node = _intern(_VARS, name, _new("var", None, (), None, name))
    elif _found is not None and get_ident() == _recorder:
        _found.append(node)
    return node


def make(prim: Primitive, args: tuple[Node, ...]) -> Node:
    """The node ``prim(*args)`` exactly as written (no folding)."""
    table = _interned.get(prim.name) or _table(prim.name)
    ref = table.get(args)
    node = None if ref is None else ref()
    if node is None:
        node = _new(prim.name, prim, args, None, None)
        ref = table[args] = _Ref(node, _drop)
        ref.table = table
        ref.key = args
    elif _found is not None and get_ident() == _recorder:
        _found.append(node)
    return node


class Recording:
    """``with Recording() as (made, found):`` the nodes made while the block
    runs (in creation order, so in topological order) and the nodes it found
    interned; for :func:`steps_of`. A recording started inside another one
    (or by another thread meanwhile) takes over: the outer one is then
    ``complete = False`` (it missed nodes) and must not be used; so is a
    recording while which another thread made nodes (the parse may have
    found one of them)."""

    _active: Recording | None = None

    def __enter__(self) -> tuple[list[Node], list[Node]]:
        global _made, _found, _recorder
        self.complete = True
        self._outer = (Recording._active, _made, _found, _recorder)
        if Recording._active is not None:
            Recording._active.complete = False
        Recording._active = self
        _recorder = get_ident()
        _made, _found = self._lists = [], []
        # the index before the first node made: at the end, the recording
        # is whole only if every index taken meanwhile is a node it made
        # (a node another thread made meanwhile may be found by this parse
        # and is neither made nor older: it would be missing from the steps)
        self._start = next(_counter)
        return _made, _found

    def __exit__(self, *exc: object) -> None:
        global _made, _found, _recorder
        if Recording._active is self:
            Recording._active, _made, _found, _recorder = self._outer
            if next(_counter) - self._start - 1 != len(self._lists[0]):
                self.complete = False  # another thread made nodes meanwhile
            return
        # out of order (threads): neither recording is whole; all stop
        if Recording._active is not None:
            Recording._active.complete = False
        self.complete = False
        Recording._active, _made, _found, _recorder = None, None, None, 0


def steps_of(outputs: tuple[Node, ...], made: list[Node], found: list[Node]) -> list[Node]:
    """``topo_order(outputs)`` for the outputs of a parse whose every node
    made is in an output (no definitions, no folded constant): the nodes
    found interned that are older than the parse, with what they reach, in
    index order, then the nodes made, which are in index order already."""
    if not made:
        return topo_order(outputs)
    first = made[0].index
    old = [node for node in found if node.index < first]
    return topo_order(old) + made if old else made


_FOLDABLE = frozenset({"add", "sub", "mul", "div", "neg", "pow"})


def _is(node: Node, value: float) -> bool:
    return node.op == "const" and node.value == value


def _finite_or_var(node: Node) -> bool:
    """Not a constant inf or nan (whose product with 0 must stay nan)."""
    return node.op != "const" or math.isfinite(node.value)


def build(prim: Primitive, args: tuple[Node, ...]) -> Node:
    """``prim(*args)`` with the folds that never change a value.

    Used for derivative graphs: arithmetic on constants is computed now (the
    same IEEE operation that evaluation would do, kept only when finite), and
    ``a+0``, ``a*1``, ``a/1``, ``a^1``, ``--a`` are dropped. ``a*0`` and
    ``0/b`` become 0 by the 0·∞ rule of derivative evaluation, but never when
    the other operand is a non-finite constant (``nan*0`` stays nan).
    Simplification proper lives in ``simplify.py``.
    """
    if prim.zero_absorbing:  # nodes are always the table's own primitive
        prim = PRIMITIVES[prim.name]
    name = prim.name
    if name in _FOLDABLE and all(a.op == "const" for a in args):
        value = prim.fn(*(a.value for a in args))
        if math.isfinite(value):
            return const(value)
        return make(prim, args)
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
            return build(PRIMITIVES["neg"], (b,))
    elif name == "mul":
        a, b = args
        if (_is(a, 0) and _finite_or_var(b)) or (_is(b, 0) and _finite_or_var(a)):
            return const(0.0)
        if _is(a, 1):
            return b
        if _is(b, 1):
            return a
        if _is(a, -1):
            return build(PRIMITIVES["neg"], (b,))
        if _is(b, -1):
            return build(PRIMITIVES["neg"], (a,))
    elif name == "div":
        a, b = args
        if _is(b, 1):
            return a
        if _is(a, 0) and b.op == "const" and b.value != 0 and b.value == b.value:
            return const(0.0)
    elif name == "neg":
        (a,) = args
        if a.op == "neg":
            return a.args[0]
    elif name == "pow":
        a, b = args
        if _is(b, 1):
            return a
        if _is(b, 0):
            return const(1.0)
    return make(prim, args)


# ---------------------------------------------------------------------------
# Traversal


def topo_order(roots: Node | Iterable[Node]) -> list[Node]:
    """Every node reachable from ``roots``, children before parents."""
    if isinstance(roots, Node):
        roots = (roots,)
    seen: set[Node] = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        stack.extend(node.args)
    return sorted(seen, key=_INDEX)


_INDEX = attrgetter("index")


def variables_of(root: Node) -> list[str]:
    """Variable names of ``root``, in first appearance from the left."""
    names: list[str] = []
    seen_vars: set[str] = set()
    visited: set[Node] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node in visited:
            continue
        visited.add(node)
        if node.op == "var":
            if node.name not in seen_vars:
                seen_vars.add(node.name)
                names.append(node.name)
        else:
            stack.extend(reversed(node.args))  # leftmost argument first
    return names


def count_nodes(roots: Node | Iterable[Node]) -> int:
    """How many distinct nodes ``roots`` reach (shared nodes count once)."""
    return len(topo_order(roots))


# ---------------------------------------------------------------------------
# Evaluation


def evaluate_all(
    order: list[Node],
    point: Mapping[str, Any],
    *,
    strict: bool = True,
    known: Mapping[Node, Any] | None = None,
) -> dict[Node, Any]:
    """The value of every node in ``order`` (a topological order).

    Values may be floats or any number type that joins the generic dispatch
    (dual numbers). With ``strict`` a value that is undefined at the point
    (``log(-1)``, ``1/0``) raises ``DomainError`` naming the sub-expression;
    otherwise it becomes ``nan``/``inf`` as in IEEE arithmetic.

    ``known`` (for derivative graphs) holds the values of the expression's
    own nodes, computed with plain IEEE arithmetic; every other node is part
    of a derivative, and its products and quotients follow the 0·∞ rule
    (``0*inf`` and ``0/0`` are 0), as the chain rule does in every mode.
    """
    values: dict[Node, Any] = {}
    absorbing = known is not None
    for node in order:
        op = node.op
        if absorbing and node in known:
            values[node] = known[node]
        elif op == "const":
            values[node] = node.value
        elif op == "var":
            try:
                values[node] = point[node.name]
            except KeyError:
                raise MissingValue(
                    f"no value for {node.name}; add --at {node.name}=VALUE"
                ) from None
        else:
            prim = node.prim
            if absorbing:
                prim = ABSORBING.get(op, prim)
            args = [values[a] for a in node.args]
            if all(type(a) is float for a in args):
                out = prim.fn(*args)
            else:
                out = type(next(a for a in args if type(a) is not float)).apply_primitive(
                    prim, tuple(args)
                )
            if strict:
                real = out.real
                if real - real != 0:  # inf or nan: find out whether it is allowed
                    reals = [a.real for a in args]
                    reason = prim.domain(*reals)
                    if reason is not None:
                        note = underflow_note(node, values, point)
                        raise domain_error(node, point, reason + note)
            values[node] = out
    return values


def evaluate(root: Node, point: Mapping[str, Any], *, strict: bool = True) -> Any:
    """The value of ``root`` at ``point`` (a mapping name -> number)."""
    return evaluate_all(topo_order(root), point, strict=strict)[root]


def _real(v: Any) -> float:
    return float(getattr(v, "real", v))


def underflow_note(node: Node, values: Mapping[Node, Any], point: Mapping[str, Any]) -> str:
    """``"; exp(-x) underflows to 0 at x = 900"`` for each argument of
    ``node`` that is 0 only because it underflowed (a primitive marked
    ``underflows`` whose arguments are finite and nonzero), or ``""``."""
    notes = []
    for a in dict.fromkeys(node.args):
        if a.prim is None or not a.prim.underflows or _real(values.get(a, 1.0)) != 0:
            continue
        args = [_real(values[b]) for b in a.args if b in values]
        if len(args) == len(a.args) and all(v - v == 0 and v != 0 for v in args):
            names = variables_of(a)
            where = ", ".join(f"{n} = {text_number(point[n])}" for n in names if n in point)
            notes.append(f"; {shorten(to_infix(a))} underflows to 0 at {where}")
    return "".join(notes)


def domain_error(node: Node, point: Mapping[str, Any], reason: str) -> DomainError:
    """A ``DomainError`` naming ``node`` and the values it depends on."""
    names = variables_of(node)
    where = ", ".join(f"{n} = {text_number(point[n])}" for n in names if n in point)
    text = shorten(to_infix(node))
    at = f" at {where}" if where else ""
    return DomainError(f"{text} is undefined{at} ({reason})")


# ---------------------------------------------------------------------------
# The flat tape: float sweeps without dictionaries

# opcodes of the tape, the most frequent first
MUL, ADD, SUB, POW, CONST, VAR, NEG, DIV, CALL = range(9)
_CODES = {"mul": MUL, "add": ADD, "sub": SUB, "pow": POW, "neg": NEG, "div": DIV}


class Tape:
    """A topological order as flat lists indexed by step number: an integer
    opcode per step, the step numbers of its arguments, and the constant,
    variable name or primitive it needs. The float sweeps (evaluation, the
    reverse sweep) run over it with list indexing instead of dictionaries
    keyed by node, and with the arithmetic of ``+ - * / ^`` and negation
    inlined: the same IEEE operations, in the same order, as the primitive
    table's ``fn`` and ``partials`` (``tests/test_speed_tape.py`` checks the
    inlined partials against the table).

    A sweep returns ``None`` where it would leave the plain float path (a
    value that is not a float, a non-finite value in a strict evaluation, a
    non-finite partial): the caller then runs the general loop, which gives
    the error or the 0·∞ bookkeeping.
    """

    __slots__ = ("steps", "where", "names", "_position", "code", "first", "second", "extra")

    def __init__(
        self, steps: list[Node], roots: Iterable[Node] = (), *, by_index: bool = True
    ) -> None:
        self.steps = steps
        #: the step numbers of the variables and of ``roots`` (the outputs):
        #: all that the sweeps look up; ``position`` (every node's step
        #: number) is built again only if asked for, to save its memory
        self.where = where = {}
        #: the step number of each variable, by name
        self.names: dict[str, int] = {}
        self._position: dict[Node, int] | None = None
        self.code = code = []
        self.first = first = []
        self.second = second = []
        self.extra = extra = []
        # steps whose indices follow one another (the nodes one parse made)
        # are numbered by their index, without a dict of every node
        low = steps[0].index if steps else 0
        dense = by_index and bool(steps) and steps[-1].index - low == len(steps) - 1
        position: dict[Node, int] = {}
        codes = _CODES
        table = PRIMITIVES
        for i, node in enumerate(steps):  # one pass, children before parents
            if not dense:
                position[node] = i
            elif node.index - low != i:  # not in index order: number through the dict
                self.__init__(steps, roots, by_index=False)
                return
            op = node.op
            if op == "const":
                code.append(CONST)
                extra.append(node.value)
                first.append(-1)
                second.append(-1)
                continue
            if op == "var":
                where[node] = i
                code.append(VAR)
                extra.append(node.name)
                first.append(-1)
                second.append(-1)
                continue
            args = node.args
            c = codes.get(op, CALL) if node.prim is table.get(op) else CALL
            if c != CALL and len(args) != (1 if c == NEG else 2):
                c = CALL
            code.append(c)
            if c == CALL:
                at = tuple(a.index - low if dense else position[a] for a in args)
                first.append(at[0] if at else -1)
                second.append(at[1] if len(at) > 1 else -1)
                extra.append((node.prim, at))
            elif dense:
                first.append(args[0].index - low)
                second.append(args[1].index - low if c != NEG else -1)
                extra.append(None)
            else:
                first.append(position[args[0]])
                second.append(position[args[1]] if c != NEG else -1)
                extra.append(None)
        self.names = {node.name: i for node, i in where.items()}
        where.update((root, root.index - low if dense else position[root]) for root in roots)

    def __len__(self) -> int:
        return len(self.code)

    @property
    def position(self) -> dict[Node, int]:
        """The step number of every node."""
        if self._position is None:
            self._position = {node: i for i, node in enumerate(self.steps)}
        return self._position

    def index(self, node: Node) -> int | None:
        """The step number of ``node`` (None if it is not a step)."""
        i = self.where.get(node)
        if i is None and node.op != "var":
            i = self.position.get(node)
        return i

    def evaluate(self, point: Mapping[str, Any], *, strict: bool = True) -> list[float] | None:
        """The value of every step (what ``evaluate_all`` computes), or
        ``None`` if a point value is missing or not a float, or (``strict``)
        a value is not finite."""
        out: list[float] = []
        append = out.append
        for c, a, b, x in zip(self.code, self.first, self.second, self.extra):
            if c == MUL:
                v = out[a] * out[b]
            elif c == ADD:
                v = out[a] + out[b]
            elif c == SUB:
                v = out[a] - out[b]
            elif c == POW:
                v = _pow(out[a], out[b])
            elif c == CONST:
                append(x)
                continue
            elif c == VAR:
                v = point.get(x)
                if type(v) is not float:
                    return None
                append(v)
                continue
            elif c == NEG:
                v = -out[a]
            elif c == DIV:
                v = _div(out[a], out[b])
            else:
                prim, args = x
                v = prim.fn(*[out[i] for i in args])
                if type(v) is not float:
                    return None
            if strict and v - v != 0:
                return None
            append(v)
        return out

    def active(self, wanted: Iterable[int]) -> bytearray:
        """1 for each step that depends on a step of ``wanted``."""
        flags = bytearray(len(self.code))
        for i in wanted:
            flags[i] = 1
        first, second, extra = self.first, self.second, self.extra
        for i, c in enumerate(self.code):
            if c == CONST or c == VAR:
                continue
            if c == CALL:
                if any(flags[j] for j in extra[i][1]):
                    flags[i] = 1
            elif flags[first[i]] or (second[i] >= 0 and flags[second[i]]):
                flags[i] = 1
        return flags

    def reach(self, start: int) -> list[int]:
        """The step numbers ``start`` depends on (itself included), increasing:
        its own sub-graph, for :meth:`backward`'s ``steps``."""
        code, first, second, extra = self.code, self.first, self.second, self.extra
        seen = bytearray(len(code))
        seen[start] = 1
        stack = [start]
        while stack:
            i = stack.pop()
            c = code[i]
            if c == CONST or c == VAR:
                continue
            for j in extra[i][1] if c == CALL else (first[i], second[i]):
                if j >= 0 and not seen[j]:
                    seen[j] = 1
                    stack.append(j)
        return [i for i in range(start + 1) if seen[i]]

    def clean(self, values: list[float], active: bytearray) -> bool:
        """Whether ``backends.diagnose`` has nothing to report: every value
        finite (``values`` from a strict :meth:`evaluate`) and every step
        that depends on a variable an arithmetic operation (no function,
        so no kink) whose partials by its active arguments are finite."""
        code, first, second = self.code, self.first, self.second
        for i, c in enumerate(code):
            if not active[i] or c <= SUB or c == NEG or c == VAR:
                continue
            if c == CALL:
                return False
            a, b = first[i], second[i]
            if c == POW:
                if active[a] and not _finite(_pow_partial(values[a], values[b])):
                    return False
                if active[b] and not _finite(_xlogy(values[i], values[a])):
                    return False
            elif c == DIV:
                if active[a] and not _finite(_div_absorbing(1.0, values[b])):
                    return False
                if active[b] and not _finite(_div_absorbing(values[i], values[b])):
                    return False
        return True

    def backward(
        self,
        values: list[float],
        seeds: Mapping[int, float],
        wrt: Iterable[str],
        active: bytearray,
        steps: Iterable[int] | None = None,
    ) -> list[float] | None:
        """The float reverse sweep of ``backends._backward_floats`` (the
        same products, sums and compensated-summation carries, in the same
        order) for as long as every local partial it meets is finite;
        ``None`` when one is not (the caller then runs the general sweep,
        which keeps the chains of infinite partials). ``steps`` (increasing
        step numbers) restricts the sweep to a sub-graph that holds every
        step the seeds reach."""
        code, first, second, extra = self.code, self.first, self.second, self.extra
        x_bar: list[Any] = [None] * len(code)
        #: what the sums into each adjoint rounded off (None: nothing yet)
        carry: list[Any] = [None] * len(code)
        mixed = bytearray(len(code))
        for i, s in seeds.items():
            if active[i]:
                x_bar[i] = s
        for i in reversed(range(len(code)) if steps is None else steps):
            adjoint = x_bar[i]
            if adjoint is None:
                continue
            c = code[i]
            if c == CONST or c == VAR:
                continue
            rounded = carry[i]
            if rounded is not None:
                adjoint = adjoint + rounded
            m = mixed[i]
            if adjoint == 0 and not m:  # a zero adjoint contributes nothing
                continue
            a = first[i]
            b = second[i]
            # the local partials, as floats (the tape's values are floats)
            if c == MUL:
                pairs = ((a, values[b]), (b, values[a]))
            elif c == ADD:
                pairs = ((a, 1.0), (b, 1.0))
            elif c == SUB:
                pairs = ((a, 1.0), (b, -1.0))
            elif c == POW:  # a partial by an inactive argument is never used
                pairs = (
                    (a, _pow_partial(values[a], values[b]) if active[a] else 0.0),
                    (b, _xlogy(values[i], values[a]) if active[b] else 0.0),
                )
            elif c == NEG:
                pairs = ((a, -1.0),)
            elif c == DIV:
                vb = values[b]
                pairs = (
                    (a, _div_absorbing(1.0, vb) if active[a] else 0.0),
                    (b, -_div_absorbing(values[i], vb) if active[b] else 0.0),
                )
            else:
                prim, args = extra[i]
                partials = prim.partials(*[values[j] for j in args], values[i])
                pairs = [(j, float(p)) for j, p in zip(args, partials, strict=False) if active[j]]
            for j, p in pairs:
                if not active[j] or p == 0:
                    continue
                if p - p != 0:
                    return None  # an infinite or NaN partial: the general sweep
                contribution = adjoint * p
                if m:
                    mixed[j] = 1
                previous = x_bar[j]
                if previous is None:
                    x_bar[j] = contribution
                    continue
                if previous * contribution < 0:
                    mixed[j] = 1
                total = previous + contribution
                if total - total == 0:  # finite: keep what the sum rounded off
                    if abs(previous) >= abs(contribution):
                        lost = (previous - total) + contribution
                    else:
                        lost = (contribution - total) + previous
                    rounded = carry[j]
                    carry[j] = lost + 0.0 if rounded is None else rounded + lost
                x_bar[j] = total
        out = []
        names = self.names
        for name in wrt:
            j = names.get(name, -1)
            if j < 0 or x_bar[j] is None:
                out.append(0.0)
            else:
                rounded = carry[j]
                out.append(x_bar[j] if rounded is None else x_bar[j] + rounded)
        return out


def _finite(v: float) -> bool:
    return v - v == 0


def _pow_partial(a: float, b: float) -> float:
    """``b·a^(b-1)`` as the table's partial computes it on floats
    (``mul(b, pow_(a, sub(b, 1.0)))``: the 0·∞ rule's product)."""
    power = _pow(a, b - 1.0)
    p = b * power
    if p != p and (b == 0 or power == 0):
        return 0.0
    return p


# ---------------------------------------------------------------------------
# A parsed expression


class Program(Record, frozen=True):
    """A parsed expression: the hash-consed DAG of its outputs, its variables
    and its source text, plus (computed once, on first use) the flat
    topological list of ``steps`` that every mode's loop runs over.

    ``outputs`` holds one node per top-level output (``"x*y, x + y"`` has
    two), ``names`` their names (``f1``, ``f2`` ... unless written
    ``u: x*y``); ``variables`` are in order of first appearance in the text.
    A one-output program is what commands such as ``grad`` take: its
    ``root`` is that output.
    """

    outputs: tuple[Node, ...]
    names: tuple[str, ...]
    variables: tuple[str, ...]
    source: str

    @classmethod
    def of(cls, roots, source: str, names=None, variables=None) -> Program:
        """The program of ``roots`` (a node or nodes) with default names.
        ``variables``, when the caller knows them (the parser, for a text
        without definitions), are the names :func:`variables_of` would give
        in that order; by default they are found by walking the graph."""
        roots = (roots,) if isinstance(roots, Node) else tuple(roots)
        if names is None:
            names = default_names(len(roots))
        if variables is None:
            found: dict[str, None] = {}
            for root in roots:
                found.update(dict.fromkeys(variables_of(root)))
            variables = found
        return cls(roots, tuple(names), tuple(variables), source)

    @property
    def root(self) -> Node:
        """The one output (a ``UsageError`` when there are several)."""
        if len(self.outputs) != 1:
            self.single("this command")
        return self.outputs[0]

    def single(self, command: str) -> Node:
        """The one output, or a usage error that says what to use instead."""
        if len(self.outputs) == 1:
            return self.outputs[0]
        from .errors import UsageError

        m = len(self.outputs)
        raise UsageError(
            f"{command} needs one output; EXPRESSION has {m} ({', '.join(self.names)}): "
            "use jacobian, or give one output"
        )

    @cached_property
    def steps(self) -> list[Node]:
        """Every node of the outputs, children before parents (computed once)."""
        return topo_order(self.outputs)

    @cached_property
    def reading_order(self) -> list[Node]:
        """The steps in the order the text reads (children first, arguments
        left to right, shared nodes once; computed once): it depends only on
        the expression, not on what else the process built before, so
        ``trace`` and ``graph`` number the steps the same way every time."""
        from .printing import postorder

        return postorder(list(self.outputs))

    @cached_property
    def tape(self) -> Tape:
        """The steps as a flat :class:`Tape` for the float sweeps (built once)."""
        return Tape(self.steps, self.outputs)

    def output(self, name: str) -> Node:
        return self.outputs[self.names.index(name)]

    @cached_property
    def reaches(self) -> dict[str, frozenset[str]]:
        """The variables each output depends on, by output name: an entry
        (output, variable) outside it is a structural zero."""
        return {n: frozenset(variables_of(o)) for n, o in zip(self.names, self.outputs)}

    def __str__(self) -> str:
        return ", ".join(to_infix(o) for o in self.outputs)

    def evaluate(self, point: Mapping[str, Any], *, strict: bool = True) -> Any:
        return evaluate(self.root, point, strict=strict)

    def evaluate_outputs(self, point: Mapping[str, Any], *, strict: bool = True) -> list:
        values = evaluate_all(self.steps, point, strict=strict)
        return [values[o] for o in self.outputs]


#: the single-output program under its original name
Graph = Program


def default_names(m: int) -> tuple[str, ...]:
    return tuple(f"f{i}" for i in range(1, m + 1))
