"""Text to graph: the Lark grammar in ``grammars/expr.lark``, nodes built
inside the LALR parse (an embedded transformer), so parsing never recurses
over the expression however deeply it nests.
"""

from __future__ import annotations

import difflib
from functools import lru_cache
from pathlib import Path

from .errors import ParseError, UnknownFunction
from .graph import Graph, Node, Program, const, make, var
from .primitives import CONSTANTS, FUNCTIONS, PRIMITIVES, ArityError, call

GRAMMAR_NAME = "expr.lark"


def grammar_path() -> Path:
    """Where ``expr.lark`` is: inside the installed package, or at the top
    of a checkout (``grammars/``, next to the ``derivcli/`` folder)."""
    here = Path(__file__).resolve().parent
    for candidate in (
        here / "grammars" / GRAMMAR_NAME,  # installed wheel
        here.parent / "grammars" / GRAMMAR_NAME,  # checkout
    ):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"derivcli cannot find its grammar {GRAMMAR_NAME}; reinstall derivcli")


def _primitive(name: str):
    return PRIMITIVES[name]


class _Builder:
    """Transformer callbacks named after the grammar's aliases."""

    def number(self, children: list) -> Node:
        return const(float(children[0]))

    def name(self, children: list) -> Node:
        token = children[0]
        text = str(token)
        if text in CONSTANTS:
            return const(CONSTANTS[text])
        if text in FUNCTIONS:
            raise ParseError(
                f"{text} is a function; write {text}(...) with its argument",
                _caret_detail(token),
            )
        return var(text)

    def call(self, children: list) -> Node:
        token, args = children
        args = args or []
        text = str(token)
        if text not in FUNCTIONS:
            raise _unknown_function(token)
        try:  # the arity: log(x) or log(x, b), max(a, b, ...)
            return call(text, args, make)
        except ArityError as exc:
            raise ParseError(str(exc), _caret_detail(token)) from None

    def output(self, children: list) -> tuple:
        return (None, children[0])

    def named_output(self, children: list) -> tuple:
        token, node = children
        return (token, node)

    def start(self, children: list) -> list:
        return list(children)

    def arguments(self, children: list) -> list:
        return list(children)

    def pos(self, children: list) -> Node:
        return children[0]

    def _binary(name: str):  # noqa: N805 - a helper run while the class is made
        prim = _primitive(name)

        def method(self, children: list) -> Node:
            return make(prim, (children[0], children[-1]))

        return method

    add = _binary("add")
    sub = _binary("sub")
    mul = _binary("mul")
    div = _binary("div")
    pow = _binary("pow")

    def neg(self, children: list) -> Node:
        (operand,) = children
        if operand.op == "const":  # -2 is the number -2 (negation is exact)
            return const(-operand.value)
        return make(_primitive("neg"), (operand,))


@lru_cache(maxsize=1)
def _parser():
    from lark import Lark

    return Lark(
        grammar_path().read_text(encoding="utf-8"),
        parser="lalr",
        transformer=_Builder(),
        maybe_placeholders=True,
        propagate_positions=False,
        # issue 15: Lark keeps the analysed grammar in a file in the temp
        # directory, keyed by a hash of the grammar, the options and the Lark
        # and Python versions: 3-5x faster than analysing it at every start
        cache=True,
    )


# ---------------------------------------------------------------------------
# Errors with a caret

_source = [""]  # the text being parsed, for carets in callback errors


def _caret_detail(token) -> str:
    return _caret(_source[0], token.line, token.column)


def _caret(text: str, line: int, column: int) -> str:
    """The offending line with a caret under ``column`` (both 1-based)."""
    lines = text.split("\n") or [""]
    src = lines[min(max(line, 1), len(lines)) - 1]
    col = column - 1
    # long lines: show a window around the column
    width = 70
    start = max(0, col - width // 2)
    end = start + width
    shown = src[start:end]
    prefix = "..." if start > 0 else ""
    suffix = "..." if end < len(src) else ""
    return f"  {prefix}{shown}{suffix}\n  {' ' * (len(prefix) + col - start)}^"


def _unknown_function(token) -> UnknownFunction:
    text = str(token)
    close = difflib.get_close_matches(text, sorted(FUNCTIONS), n=3, cutoff=0.6)
    if close:
        alternatives = close[0] if len(close) == 1 else ", ".join(close[:-1]) + " or " + close[-1]
        hint = f"Did you mean {alternatives}?"
    else:
        hint = "Known functions: " + ", ".join(sorted(FUNCTIONS)) + "."
    return UnknownFunction(f"unknown function '{text}'. {hint}", _caret_detail(token))


_WORDS = {
    "NUMBER": "a number",
    "NAME": "a name",
    "LPAR": "'('",
    "RPAR": "')'",
    "COMMA": "','",
    "$END": "the end of the expression",
}
_OPERATORS = {"PLUS", "MINUS", "STAR", "SLASH", "POW"}
_OPERAND_START = {"NUMBER", "NAME", "LPAR"}


def _expected_text(expected: set[str]) -> str:
    # a top-level ',' (another output) or ':' (a named output) is always
    # possible at the end; naming it would only hide the useful words
    expected = set(expected) - {"COLON"}
    if "$END" in expected:
        expected.discard("COMMA")
    if _OPERAND_START <= expected:
        return "expected a number, a name, '(' or a function"
    items = []
    if expected & _OPERATORS:
        items.append("an operator (+ - * / ^)")
    for name in ("RPAR", "COMMA", "LPAR", "$END"):
        if name in expected:
            items.append(_WORDS[name])
    if not items:
        return ""
    if len(items) == 1:
        return f"expected {items[0]}"
    return "expected " + ", ".join(items[:-1]) + " or " + items[-1]


def _accepts(exc, fallback) -> set[str]:
    """The tokens the parser would take here (LALR's own set is too wide)."""
    try:
        return set(exc.interactive_parser.accepts())
    except Exception:  # pragma: no cover - accepts() is best effort
        return set(fallback or ())


def _position(text: str, line: int, column: int) -> str:
    if "\n" in text.strip("\n"):
        return f"line {line}, column {column}"
    return f"column {column}"


def _lark_error(text: str, exc) -> ParseError:
    from lark.exceptions import UnexpectedCharacters, UnexpectedToken

    if isinstance(exc, UnexpectedCharacters):
        char = text.split("\n")[exc.line - 1][exc.column - 1 : exc.column]
        where = _position(text, exc.line, exc.column)
        message = f"unexpected character '{char}' at {where}"
        expected = _expected_text(_accepts(exc, exc.allowed))
        line, column = exc.line, exc.column
    elif isinstance(exc, UnexpectedToken):
        token = exc.token
        expected = _expected_text(_accepts(exc, exc.expected))
        if token.type == "$END":
            lines = text.split("\n")
            line, column = len(lines), len(lines[-1]) + 1
            message = "unexpected end of expression"
        else:
            line, column = token.line, token.column
            message = f"unexpected '{token}' at {_position(text, line, column)}"
    else:  # pragma: no cover - other lark errors
        return ParseError(f"cannot parse the expression: {exc}")
    detail = _caret(text, line, column)
    if expected:
        detail += "\n" + expected
    return ParseError(message, detail)


def parse(text: str) -> Graph:
    """Parse ``text`` into a :class:`Graph` (raises ``ParseError``)."""
    from lark.exceptions import UnexpectedInput, VisitError

    if not text.strip():
        raise ParseError("the expression is empty; give a formula such as 'x*x*y + y + 2'")
    _source[0] = text
    try:
        outputs = _parser().parse(text)
    except UnexpectedInput as exc:
        raise _lark_error(text, exc) from None
    except VisitError as exc:  # pragma: no cover - depends on lark's wrapping
        if isinstance(exc.orig_exc, ParseError):
            raise exc.orig_exc from None
        raise
    finally:
        _source[0] = ""
    return _program(text, outputs)


def _program(text: str, outputs: list) -> Program:
    """The parsed outputs as a program: unnamed ones are f1..fm by position,
    and a name is given once."""
    names: list[str] = []
    for i, (token, _node) in enumerate(outputs, start=1):
        name = f"f{i}" if token is None else str(token)
        if name in names:
            detail = _caret(text, token.line, token.column) if token is not None else ""
            raise ParseError(
                f"the output name {name} is given twice; give each output its own name", detail
            )
        names.append(name)
    return Program.of([node for _token, node in outputs], text, names)


def parse_constant(text: str, what: str) -> float:
    """A number written as a constant expression (``pi/4``, ``-2``, ``1e-3``)."""
    from .graph import evaluate

    try:
        graph = parse(text)
    except ParseError as exc:
        raise ParseError(f"{what}: '{text}' is not a number ({exc.message})") from None
    if len(graph.outputs) != 1:
        raise ParseError(f"{what}: '{text}' is not a number (it has {len(graph.outputs)} outputs)")
    if graph.variables:
        raise ParseError(
            f"{what}: '{text}' is not a number (it names {graph.variables[0]}); "
            "write a number or a constant expression such as pi/4"
        )
    return float(evaluate(graph.root, {}))
