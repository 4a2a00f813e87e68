"""``diff --steps``: a symbolic derivative as the rules a textbook applies.

Start from ``d/dx(f)`` and, one line at a time, expand the leftmost pending
derivative ``d/dx(u)`` by the rule of ``u``'s primitive: the primitive
table's partials *are* the rules (``mul``'s partials ``(b, a)`` give the
product rule, ``sin``'s ``cos(a)`` the sine rule), so the expansion is
``Σ ∂u/∂aᵢ · d/dx(aᵢ)`` over the arguments that depend on x, built with the
value-preserving folds of ``simplify.plain`` (``1*a`` is ``a``, a constant's
derivative is 0 and dropped, ``d/dx(x)`` is 1). The rule's name comes from
the primitive and from which arguments depend on x (a product with a
constant factor is the constant multiple rule, a function of something other
than x adds the chain rule). When nothing is pending, a last
``simplification`` step writes ``diff``'s own answer, so the last line is
exactly what ``derivcli diff`` prints.

A pending derivative is a placeholder variable in the graph (a name the
grammar cannot produce), printed as ``d/dx(u)``; equal sub-expressions are
one node, so ``d/dx(u)`` of a shared ``u`` is expanded once, everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import UsageError
from .graph import Node, Program, const, var
from .printing import postorder, to_infix, to_latex

#: the largest expression (operations that depend on the variable) --steps expands
MAX_STEPS = 400
#: the most text (infix and LaTeX, all steps together) --steps writes
STEPS_TEXT_LIMIT = 64_000_000

ZERO = const(0.0)
ONE = const(1.0)


@dataclass
class Step:
    """One line: the rule applied and the expression after it.

    ``node`` holds pending derivatives as placeholder variables: ``pending``
    maps each placeholder's name to the sub-expression it differentiates.
    """

    rule: str
    node: Node
    pending: dict[str, Node]
    text: str
    latex: str


@dataclass
class Steps:
    expression: str
    wrt: str
    steps: list[Step]
    #: ``diff``'s answer (text and LaTeX): the last step's expression
    derivative: str
    latex: str
    warnings: list[str] = field(default_factory=list)


def _rule(u: Node, depends: set[Node], x: Node) -> str:
    """The name of the rule that differentiates ``u``."""
    op = u.op
    live = [a in depends for a in u.args]
    if op == "add":
        return "sum rule"
    if op == "sub":
        return "difference rule"
    if op == "neg":
        return "constant multiple rule"
    if op == "mul":
        return "product rule" if all(live) else "constant multiple rule"
    if op == "div":
        return "quotient rule" if live[1] else "constant multiple rule"
    if op == "pow":
        if all(live):
            return "general power rule"
        rule = "power rule" if live[0] else "exponential rule"
        inner = u.args[0] if live[0] else u.args[1]
        return rule if inner is x else f"{rule}, chain rule"
    name = f"{op} rule"
    inner = [a for a, d in zip(u.args, live) if d]
    return name if all(a is x for a in inner) else f"{name}, chain rule"


class _Placeholders:
    """The pending derivatives: a placeholder variable per sub-expression."""

    def __init__(self, wrt: str) -> None:
        self.wrt = wrt
        self.of: dict[Node, Node] = {}
        self.pending: dict[str, Node] = {}

    def name(self, k: int) -> str:
        return f"\u27e6{k}\u27e7"  # ⟦k⟧: no variable of the grammar looks like it

    def derivative(self, u: Node, depends: set[Node], x: Node) -> Node:
        """``d/dx(u)``: 1 for x, 0 for what does not depend on x, else a
        placeholder (the same one for the same ``u``)."""
        if u is x:
            return ONE
        if u not in depends:
            return ZERO
        token = self.of.get(u)
        if token is None:
            token = var(self.name(len(self.of) + 1))
            self.of[u] = token
            self.pending[token.name] = u
        return token

    def check_size(self, node: Node, budget: list[int]) -> None:
        """Refuse a step whose line would be longer than ``diff`` writes in
        full (``printing.TEXT_LIMIT``), or steps longer than ``STEPS_TEXT_LIMIT``
        in all: a graph with shared nodes (``a2 = a1*a1; a3 = a2*a2; ...``)
        is written out as a tree, which can be exponentially long. Sizes
        are measured per node, without building the text."""
        from .printing import TEXT_LIMIT, infix_size, latex_size

        paths: dict[Node, int] = {node: 1}  # how often a node is printed
        for n in reversed(postorder(node)):
            for a in n.args:
                paths[a] = paths.get(a, 0) + paths.get(n, 0)
        for measure, overhead in ((infix_size, len("d/dx()")), (latex_size, 40)):
            size = measure(node)
            for name, u in self.pending.items():
                count = paths.get(var(name), 0)
                if count:
                    size += count * (overhead + len(self.wrt) + measure(u))
            budget[0] -= size
            if size > TEXT_LIMIT or budget[0] < 0:
                what = (
                    f"{size:,} characters in one step"
                    if size > TEXT_LIMIT
                    else f"more than {STEPS_TEXT_LIMIT:,} characters in all"
                )
                raise UsageError(
                    f"--steps writes every step in full, and this expression's steps are "
                    f"too long to write out ({what}, shared sub-expressions written out each "
                    "time): drop --steps; diff writes the derivative with its shared nodes "
                    "named (--format program)"
                )

    def infix(self, node: Node) -> str:
        text = to_infix(node)
        for name, u in self.pending.items():
            if name in text:
                text = text.replace(name, f"d/d{self.wrt}({to_infix(u)})")
        return text

    def latex(self, node: Node) -> str:
        from .printing import _latex_name

        text = to_latex(node)
        wrt = _latex_name(self.wrt)
        for name, u in self.pending.items():
            shown = _latex_name(name)
            if shown in text:
                text = text.replace(shown, f"\\frac{{d}}{{d{wrt}}}\\left({to_latex(u)}\\right)")
        return text


def _negative(term: Node) -> Node | None:
    """``b`` when ``term`` is ``-b`` or ``-b*c`` (written ``b*c``), else None."""
    from .simplify import MUL, plain

    if term.op == "neg":
        return term.args[0]
    if term.op == "mul" and term.args[0].op == "neg":
        return plain(MUL, (term.args[0].args[0], term.args[1]))
    return None


def _first_pending(node: Node, pending: dict[str, Node]) -> Node | None:
    """The leftmost placeholder of ``node`` as printed (a preorder walk)."""
    stack = [node]
    seen: set[Node] = set()
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        if n.op == "var" and n.name in pending:
            return n
        stack.extend(reversed(n.args))
    return None


def _substitute(node: Node, token: Node, replacement: Node) -> Node:
    """``node`` with ``token`` replaced (rebuilt with ``simplify.plain``)."""
    from .simplify import plain

    new: dict[Node, Node] = {}
    for n in postorder(node):
        if n is token:
            new[n] = replacement
        elif n.args:
            args = tuple(new[a] for a in n.args)
            new[n] = n if all(a is b for a, b in zip(args, n.args)) else plain(n.prim, args)
        else:
            new[n] = n
    return new[node]


def derivative_steps(program: Program, wrt: str) -> Steps:
    """The steps of d ``program`` / d ``wrt``, from ``d/dx(f)`` to ``diff``'s answer."""
    from .api import derivative_of
    from .simplify import SUB, Plain, as_node, plain, plain_add, plain_mul

    root = program.single("diff --steps")
    x = var(wrt)
    depends: set[Node] = set()
    for node in postorder(root):
        if node is x or any(a in depends for a in node.args):
            depends.add(node)
    count = sum(1 for n in depends if n.args)
    if count > MAX_STEPS:
        raise UsageError(
            f"--steps writes one line per rule, up to {MAX_STEPS} rules; this derivative "
            f"needs {count:,}: drop --steps for the derivative itself"
        )
    answer = derivative_of(program, (wrt,))
    holders = _Placeholders(wrt)
    # the first line: d/dx(f), even for f = x or a constant
    start = var(holders.name(0))
    holders.pending[start.name] = root
    budget = [STEPS_TEXT_LIMIT]
    holders.check_size(start, budget)
    steps = [Step("", start, dict(holders.pending), holders.infix(start), holders.latex(start))]
    current = start
    first = True
    while True:
        token = _first_pending(current, holders.pending)
        if token is None:
            break
        u = holders.pending[token.name]
        if first and u is x:
            rule, replacement = "variable rule", ONE
        elif first and u not in depends:
            rule, replacement = "constant rule", ZERO
        else:
            rule = _rule(u, depends, x)
            partials = u.prim.partials(*(Plain(a) for a in u.args), Plain(u))
            replacement = None
            for i, (a, p) in enumerate(zip(u.args, partials)):
                if a not in depends:
                    continue
                d = holders.derivative(a, depends, x)
                # the product rule as a textbook writes it: d/dx(u)*v + u*d/dx(v)
                first_factor = u.op == "mul" and i == 0
                term = plain_mul(d, as_node(p)) if first_factor else plain_mul(as_node(p), d)
                if replacement is None:
                    replacement = term
                elif _negative(term) is not None:  # a - b, not a + -b
                    replacement = plain(SUB, (replacement, _negative(term)))
                else:
                    replacement = plain_add(replacement, term)
        first = False
        current = _substitute(current, token, replacement)
        del holders.pending[token.name]
        live = {t.name for t in postorder(current) if t.op == "var" and t.name in holders.pending}
        holders.pending = {k: v for k, v in holders.pending.items() if k in live}
        holders.check_size(current, budget)
        steps.append(
            Step(
                rule, current, dict(holders.pending), holders.infix(current), holders.latex(current)
            )
        )
    if steps[-1].text != answer.derivative or steps[-1].latex != answer.latex:
        steps.append(Step("simplification", current, {}, answer.derivative, answer.latex))
    return Steps(
        expression=program.source,
        wrt=wrt,
        steps=steps,
        derivative=answer.derivative,
        latex=answer.latex,
        warnings=list(answer.warnings),
    )


def steps_text(result: Steps) -> str:
    """One line per step: the rule's name, then the expression after it."""
    width = max(len(s.rule) for s in result.steps)
    return "".join(f"{s.rule:<{width}}  {s.text}".rstrip() + "\n" for s in result.steps)


def steps_latex(result: Steps) -> str:
    """The steps as an ``align*`` environment, each rule named in a
    ``\\text`` column; the last line is ``diff --format latex``'s answer."""
    first, *rest = result.steps
    lines = [f"&{first.latex}"]
    lines += [f"&= {s.latex} && \\text{{{s.rule}}}" for s in rest]
    return "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}\n"


def steps_dict(result: Steps) -> dict:
    return {
        "expression": result.expression,
        "wrt": result.wrt,
        "steps": [{"rule": s.rule, "expression": s.text, "latex": s.latex} for s in result.steps],
        "derivative": result.derivative,
        "latex": result.latex,
    }
