"""Graphs as text: infix, LaTeX and the program form.

Each printer is one rule per node, ``pieces(node)``: the text around its
arguments and, for each argument, the least precedence it may have without
parentheses. The same rule prints a graph (a loop over an explicit stack)
and measures the length of its text without building it (one pass over the
topological order, shared nodes counted once per use). A derivative graph
is a DAG whose tree text can be exponentially long, so ``diff`` measures
first and, above ``TEXT_LIMIT``, prints the **program form**: one line per
shared node, ``t1 = sin(x)``, ``t2 = cos(t1)``, ..., and the result last.
``parse_program`` reads that form back into the same graph.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Union

from .numbers import text_number
from .primitives import (
    CONSTANTS,
    PREC_ATOM,
    PREC_POWER,
    PREC_PRODUCT,
    PREC_SUM,
    PREC_UNARY,
)

if TYPE_CHECKING:
    from .graph import Node

#: above this many characters, ``diff`` prints the program form instead
TEXT_LIMIT = 1_000_000

Piece = Union[str, "tuple[Node, int]"]

_CONSTANT_NAMES = {v: k for k, v in CONSTANTS.items()}


def _const_text(value: float) -> str:
    return _CONSTANT_NAMES.get(value) or text_number(value)


def _precedence(node: Node) -> int:
    if node.op == "const":
        return PREC_UNARY if math.copysign(1.0, node.value) < 0 else PREC_ATOM
    if node.op == "var":
        return PREC_ATOM
    prim = node.prim
    return prim.precedence if not prim.is_function else PREC_ATOM


# ---------------------------------------------------------------------------
# One rule per node, one engine to print and one to measure


def postorder(roots: Node | Iterable[Node]) -> list[Node]:
    """Every node reachable from ``roots``, children first, arguments left to
    right: a topological order that depends only on the structure (not on
    when nodes were made), so what ``build`` chooses in a ``scope`` over it
    is the same whatever else is in memory."""
    if not isinstance(roots, (list, tuple)):
        roots = (roots,)
    order: list[Node] = []
    done: set[Node] = set()
    for root in roots:
        stack = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if node in done:
                continue
            if expanded:
                done.add(node)
                order.append(node)
                continue
            stack.append((node, True))
            for a in reversed(node.args):
                if a not in done:
                    stack.append((a, False))
    return order


def _render(
    root: Node,
    pieces: Callable[[Node], list[Piece]],
    brackets: tuple[str, str],
    names: Mapping[Node, str] | None = None,
) -> str:
    """The text of ``root``; a node of ``names`` (except the root) prints as
    its name."""
    opening, closing = brackets
    out: list[str] = []
    stack: list[Piece] = [(root, 0)]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
            continue
        node, min_prec = item
        if names is not None and node is not root and node in names:
            out.append(names[node])
            continue
        if _precedence(node) < min_prec:
            stack.append(closing)
            stack.append((node, 0))
            out.append(opening)
            continue
        stack.extend(reversed(pieces(node)))
    return "".join(out)


def _measure(root: Node, pieces: Callable[[Node], list[Piece]], brackets: tuple[str, str]) -> int:
    """``len(_render(root, pieces, brackets))`` without building the text
    (saturating at 2**62)."""
    extra = len(brackets[0]) + len(brackets[1])
    size: dict[Node, int] = {}
    cap = 2**62
    for node in postorder(root):
        total = 0
        for piece in pieces(node):
            if isinstance(piece, str):
                total += len(piece)
            else:
                child, min_prec = piece
                total += size[child] + (extra if _precedence(child) < min_prec else 0)
        size[node] = min(total, cap)
    return size[root]


# ---------------------------------------------------------------------------
# Infix


def _infix_pieces(node: Node) -> list[Piece]:
    """The grammar decides where parentheses go: ``+ - * /`` are
    left-associative (a right operand of the same level needs them), the base
    of ``^`` must be an atom, and its exponent may be any unary."""
    op = node.op
    if op == "const":
        return [_const_text(node.value)]
    if op == "var":
        return [node.name]
    prim = node.prim
    if prim.is_function:
        out: list[Piece] = [op + "("]
        for i, a in enumerate(node.args):
            if i:
                out.append(", ")
            out.append((a, 0))
        out.append(")")
        return out
    if op == "neg":
        return ["-", (node.args[0], PREC_UNARY)]
    a, b = node.args
    prec = prim.precedence
    right = PREC_PRODUCT if prec == PREC_SUM else PREC_UNARY
    left = PREC_ATOM if prec == PREC_POWER else prec
    symbol = f" {prim.symbol} " if prec == PREC_SUM else prim.symbol
    return [(a, left), symbol, (b, right)]


_PARENS = ("(", ")")


def to_infix(root: Node, names: Mapping[Node, str] | None = None) -> str:
    """``root`` as text with the fewest parentheses that parse back to it."""
    return _render(root, _infix_pieces, _PARENS, names)


def infix_size(root: Node) -> int:
    """``len(to_infix(root))``, computed per node without building the text."""
    return _measure(root, _infix_pieces, _PARENS)


# ---------------------------------------------------------------------------
# LaTeX

_GREEK = set(
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi "
    "rho sigma tau upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Pi "
    "Sigma Upsilon Phi Psi Omega".split()
)


def _latex_name(name: str) -> str:
    stem, _, sub = name.partition("_")
    if not sub:  # x1 -> x_{1}
        i = len(stem)
        while i > 0 and stem[i - 1].isdigit():
            i -= 1
        stem, sub = (stem[:i], stem[i:]) if 0 < i < len(stem) else (stem, "")
    if stem in _GREEK:
        text = "\\" + stem
    elif len(stem) == 1:
        text = stem
    else:
        text = "\\mathrm{" + stem.replace("_", "\\_") + "}"
    if sub:
        text += "_{" + sub.replace("_", "\\_") + "}"
    return text


def _latex_const(value: float) -> str:
    if value == math.pi:
        return "\\pi"
    if value == math.e:
        return "e"
    text = _const_text(value)
    if "e" in text:  # 1e-20 -> 1 \times 10^{-20}
        mantissa, exponent = text.split("e")
        return f"{mantissa} \\times 10^{{{int(exponent)}}}"
    return text


_TEMPLATES: dict[str, list[str | int]] = {}


def _template(latex: str) -> list[str | int]:
    """A primitive's LaTeX template as text pieces and argument numbers."""
    pieces = _TEMPLATES.get(latex)
    if pieces is None:
        import string  # (not at start-up: it compiles string.Template's pattern)

        pieces = []
        for literal, field, _spec, _conv in string.Formatter().parse(latex):
            if literal:
                pieces.append(literal)
            if field is not None:
                pieces.append(int(field))
        _TEMPLATES[latex] = pieces
    return pieces


def _latex_pieces(node: Node) -> list[Piece]:
    op = node.op
    if op == "const":
        return [_latex_const(node.value)]
    if op == "var":
        return [_latex_name(node.name)]
    prim = node.prim
    # the least precedence each argument may have without parentheses
    if op in ("add", "sub"):
        needs = (PREC_SUM, PREC_PRODUCT if op == "sub" else PREC_SUM)
    elif op == "mul":
        needs = (PREC_PRODUCT, PREC_POWER)
    elif op == "neg":
        needs = (PREC_UNARY,)
    elif op == "pow":
        base = node.args[0]
        base_ok = base.op == "var" or (base.op == "const" and base.value >= 0)
        needs = (0 if base_ok else PREC_ATOM + 1, 0)
    else:  # functions and \frac group their arguments themselves
        needs = (0,) * len(node.args)
    template = _template(prim.latex)
    if op == "mul":
        # juxtapose, except where two numbers would run together
        first = node.args[1]
        while first.op in ("mul", "div", "pow"):
            first = first.args[0]
        digit = first.op == "const" and _latex_const(first.value)[0].isdigit()
        template = [0, " \\cdot " if digit else " ", 1]
    return [(node.args[p], needs[p]) if isinstance(p, int) else p for p in template]


_LATEX_BRACKETS = ("\\left(", "\\right)")


def to_latex(root: Node) -> str:
    """``root`` as LaTeX (``\\frac``, ``\\sqrt``, ``x^{2}``, ``\\left(\\right)``)."""
    return _render(root, _latex_pieces, _LATEX_BRACKETS)


def latex_size(root: Node) -> int:
    """``len(to_latex(root))``, computed per node without building the text."""
    return _measure(root, _latex_pieces, _LATEX_BRACKETS)


# ---------------------------------------------------------------------------
# The program form


def _prefix(root: Node, defined: Iterable[str] = ()) -> str:
    """A name prefix ``t`` (or ``t_``, ``t__``...) that no variable (and no
    defined name) uses."""
    from .graph import variables_of

    taken = [n for n in [*variables_of(root), *defined] if n.startswith("t")]
    prefix = "t"
    while any(re.fullmatch(re.escape(prefix) + r"\d+", n) for n in taken):
        prefix += "_"
    return prefix


def to_program(root: Node, defined: Mapping[Node, str] | None = None) -> str:
    """``root`` as one line per shared node and the result last::

        t1 = sin(x)
        t2 = cos(t1)
        t2*cos(x)*cos(t1)

    A node used more than once (that is not a number or a variable) gets a
    name; the others are written inline where they are used, so the text is
    linear in the size of the graph. ``parse_program`` reads it back.

    ``defined`` names nodes the user defined (``r = sqrt(x^2 + y^2)``): such
    a node, wherever it appears, gets its line under the user's name.
    """
    defined = defined or {}
    order = postorder(root)
    uses: dict[Node, int] = {}
    for node in order:
        for a in node.args:
            uses[a] = uses.get(a, 0) + 1
    prefix = _prefix(root, defined.values())
    names: dict[Node, str] = {}
    lines: list[str] = []
    count = 0
    for node in order:
        if node is root or not node.args:
            continue
        if node in defined:
            name = defined[node]
            lines.append(f"{name} = {to_infix(node, names)}")
            names[node] = name
        elif uses.get(node, 0) > 1:
            count += 1
            name = f"{prefix}{count}"
            lines.append(f"{name} = {to_infix(node, names)}")
            names[node] = name
    result = to_infix(root, names)
    if lines and result.startswith(("-", "+")):
        # in the language a line that starts with a sign continues the line
        # before (x^2\n- y^2 is one expression): the result is bracketed
        result = f"({result})"
    lines.append(result)
    return "\n".join(lines) + "\n" if len(lines) > 1 else lines[0]


_DEFINITION = r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)(.*)"  # compiled on first use


def parse_program(text: str) -> Node:
    """The graph of a program (``name = expression`` lines, then the result);
    blank lines and ``#`` comments are skipped. A line's names are read as
    variables and then replaced by their nodes, in a loop: no recursion, and
    no text is ever expanded."""
    from .errors import ParseError
    from .graph import make, topo_order

    lines = [
        (number, line)
        for number, line in enumerate(text.splitlines(), 1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not lines:
        raise ParseError("the program is empty; write name = expression lines and a result")
    bodies: list[str] = []
    targets: list[str | None] = []
    for i, (number, line) in enumerate(lines):
        match = re.fullmatch(_DEFINITION, line)
        last = i == len(lines) - 1
        if match is None and not last:
            raise ParseError(f"line {number}: expected name = expression: {line.strip()}")
        if match is not None and last:
            raise ParseError(f"line {number}: the last line is the result, not a definition")
        bodies.append(match.group(2) if match else line)
        targets.append(match.group(1) if match else None)
    roots = _parse_bodies(bodies, [number for number, _line in lines])
    defined: dict[str, Node] = {}
    result = None
    for (number, _line), name, root in zip(lines, targets, roots):
        new: dict[Node, Node] = {}
        for node in topo_order(root):
            if node.op == "var":
                new[node] = defined.get(node.name, node)
            elif node.args:
                new[node] = make(node.prim, tuple(new[a] for a in node.args))
            else:
                new[node] = node
        if name is not None:
            if name in defined:
                raise ParseError(f"line {number}: {name} is defined twice")
            defined[name] = new[root]
        else:
            result = new[root]
    return result


def _balanced(text: str) -> bool:
    """Parentheses that never close more than they opened, and all close: then
    ``(text)`` is one atom, and the joined parse keeps the lines apart."""
    depth = 0
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def _parse_bodies(bodies: list[str], numbers: list[int]) -> list[Node]:
    """Each text of ``bodies`` parsed (names as variables). One parse of
    ``(b1) + (b2) + ...`` is far faster than a parse per line; the sums'
    left spine gives the parts back. On an error, parse line by line to say
    which line is wrong."""
    from .errors import ParseError
    from .parser import parse

    try:
        if not all(_balanced(b) for b in bodies):
            raise ParseError("unbalanced parentheses")  # found line by line below
        node = parse(" + ".join(f"({b})" for b in bodies)).root
    except ParseError:
        for number, body in zip(numbers, bodies):
            try:
                parse(body)
            except ParseError as error:
                raise ParseError(f"line {number}: {error.message}", error.detail) from None
        raise
    roots = []
    for _ in range(len(bodies) - 1):
        roots.append(node.args[1])
        node = node.args[0]
    roots.append(node)
    return roots[::-1]
