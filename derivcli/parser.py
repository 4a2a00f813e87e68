"""Text to graph: the Lark grammar in ``grammars/expr.lark``, nodes built
inside the LALR parse (an embedded transformer), so parsing never recurses
over the expression however deeply it nests.
"""

from __future__ import annotations

import re
from _thread import RLock
from collections.abc import Sequence
from functools import lru_cache
from operator import itemgetter
from typing import TYPE_CHECKING

from .errors import ParseError, UnknownFunction, UsageError
from .graph import Graph, Node, Program, Recording, const, make, steps_of, var
from .primitives import CONSTANTS, FUNCTIONS, PRIMITIVES, ArityError, call

if TYPE_CHECKING:
    from pathlib import Path

GRAMMAR_NAME = "expr.lark"


def grammar_path() -> Path:
    """Where ``expr.lark`` is: inside the installed package, or at the top
    of a checkout (``grammars/``, next to the ``derivcli/`` folder)."""
    from pathlib import Path  # not at start-up: parsing reads the generated module

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


# ---------------------------------------------------------------------------
# The postlexer: implicit products and newlines that end statements

#: tokens that close an operand, and tokens that open one: between the two
#: an implicit product (2x, 2(x+1), (x+1)(x-1), 2 pi r) is meant
_CLOSES = frozenset({"NUMBER", "RPAR", "SUPERSCRIPT", "PI"})
_OPENS = frozenset({"NAME", "LPAR", "ROOT", "PI"})
#: a line that ends with one of these continues on the next line
_CONTINUES = frozenset(
    {"_PLUS", "_MINUS", "_TIMES", "_DIVIDE", "POW", "ROOT", "EQUAL", "COMMA", "SEMICOLON", "COLON"}
)


#: a line that starts with one of these continues the line before
_LEADS = frozenset({"_PLUS", "_MINUS", "_TIMES", "_DIVIDE", "POW", "RPAR", "COMMA", "SEMICOLON"})


class Postlexer:
    """Puts ``_JUXT`` (an implicit product) between a token that closes an
    operand and one that opens one, and keeps a newline (``_NL``) only where
    it ends a statement: outside parentheses, not after an operator nor
    before one (``x^2\n+ y^2`` is one expression), once.
    Tokens keep their positions, so error carets point at the user's text."""

    # lexed in every parser state: a newline, and what may follow one or
    # start an implicit product (so a contextual lexer works too, e.g. in a
    # standalone parser generated from the grammar)
    always_accept = ("_NL", "NAME", "NUMBER", "LPAR", "ROOT", "PI")

    def process(self, stream):
        juxt = _generated().Token.new_borrow_pos
        closes, opens, continues, leads = _CLOSES, _OPENS, _CONTINUES, _LEADS
        prev = None  # the type of the token before
        depth = 0
        newline = None
        starts = _starts
        starts.clear()
        for token in stream:
            kind = token.type
            if kind == "_NL":
                if depth == 0 and prev is not None and prev not in continues:
                    newline = newline or token
                continue
            if newline is not None:
                if kind not in leads:  # a line that starts with an operator continues
                    yield newline
                    prev = "_NL"
                newline = None
            if kind == "LPAR":
                depth += 1
            elif kind == "RPAR":
                depth = max(depth - 1, 0)
            if prev in closes and kind in opens:
                yield juxt("_JUXT", "", token)
            if kind != "SEMICOLON" and (prev is None or prev in ("_NL", "SEMICOLON")):
                starts.append(token)  # the first token of a statement
            yield token
            prev = kind


#: the first token of each statement of the text being parsed (in order),
#: for carets that point at a statement rather than at a token
_starts: list = []


# ---------------------------------------------------------------------------
# The transformer: nodes built inside the parse, definitions expanded


class _Scope:
    """What the statements parsed so far define (reset for every parse)."""

    def __init__(self) -> None:
        self.values: dict[str, Node] = {}
        self.functions: dict[str, tuple[tuple[str, ...], Node]] = {}
        self.value_names: dict[Node, str] = {}
        self.used: dict[str, object] = {}  # first use of each free variable
        self.params: tuple[str, ...] = ()
        self.defining = None  # the token of the name being defined
        self.definitions_only = False  # a --let: definitions and no output
        self.numbers: dict[str, Node] = {}  # each number's node, by its text
        self.folded = False  # a negation folded a constant
        self.sizes: dict[str, int] = {}  # the nodes of each function's body
        self.expanded = 0  # nodes copied by the calls of defined functions so far


#: the most nodes the calls of defined functions may copy in one parse: each
#: call copies its function's body, so nested definitions (f2(t) = f1(f1(t)),
#: f3(t) = f2(f2(t)), ...) double at every line and would exhaust the memory
MAX_EXPANSION = 1_000_000


_scope = [_Scope()]

_BUILTIN = "a built-in function"


def _builtin_kind(text: str) -> str | None:
    if text in FUNCTIONS:
        return _BUILTIN
    if text in CONSTANTS:
        return "a built-in constant"
    return None


def _parameter(name: str) -> Node:
    """The stand-in for the parameter ``name`` inside a function body: a
    variable whose name no input can spell, so a variable of the expression
    with the same name (``r = x^2; f(x) = x + r``) is not captured when a
    call substitutes its arguments."""
    return var("\x00" + name)


def _substitute(body: Node, mapping: dict[Node, Node]) -> Node:
    """``body`` with the nodes of ``mapping`` replaced (a loop, no recursion)."""
    from .graph import topo_order

    new: dict[Node, Node] = {}
    for node in topo_order(body):
        if node in mapping:
            new[node] = mapping[node]
        elif node.args:
            new[node] = make(node.prim, tuple(new[a] for a in node.args))
        else:
            new[node] = node
    return new[body]


_SUPERSCRIPT = str.maketrans(
    "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079\u207a\u207b",
    "0123456789+-",
    "\u207d\u207e",
)


class _Builder:
    """Transformer callbacks named after the grammar's aliases."""

    def number(self, children: list) -> Node:
        return _number(children[0])

    def name(self, children: list) -> Node:
        token = children[0]
        text = str(token)
        if text == "\u03c0":
            return const(CONSTANTS["pi"])
        scope = _scope[0]
        if text in scope.params:
            return _parameter(text)
        defining = scope.defining
        if defining is not None and text == str(defining):
            raise ParseError(
                f"{text} is used in its own definition; a definition cannot refer to itself"
                + _continued_hint(defining.end_pos, token.start_pos),
                _caret_detail(token),
            )
        if text in scope.values:
            return scope.values[text]
        if text in CONSTANTS:
            return const(CONSTANTS[text])
        if text in FUNCTIONS or text in scope.functions:
            raise ParseError(_function_as_name(text, token), _caret_detail(token))
        scope.used.setdefault(text, token)
        return var(text)

    def call(self, children: list) -> Node:
        token, args = children
        args = args or []
        text = str(token)
        scope = _scope[0]
        if text in scope.functions:
            params, body = scope.functions[text]
            if len(args) != len(params):
                raise ParseError(
                    f"{text} takes {len(params)} argument{'s' if len(params) != 1 else ''} "
                    f"({', '.join(params)}), not {len(args)}",
                    _caret_detail(token),
                )
            scope.expanded += scope.sizes[text]
            if scope.expanded > MAX_EXPANSION:
                raise ParseError(
                    f"the defined functions expand to more than {MAX_EXPANSION:,} operations "
                    f"(every call is a copy of its function: this call of {text} copies "
                    f"{scope.sizes[text]:,}); nest fewer calls of functions that call others",
                    _caret_detail(token),
                )
            return _substitute(body, {_parameter(p): a for p, a in zip(params, args)})
        if scope.defining is not None and text == str(scope.defining):
            raise ParseError(
                f"{text} is used in its own definition; a definition cannot refer to itself"
                + _continued_hint(scope.defining.end_pos, token.start_pos),
                _caret_detail(token),
            )
        if text not in FUNCTIONS:
            raise _unknown_function(token)
        try:  # the arity: log(x) or log(x, b), max(a, b, ...)
            return call(text, args, make)
        except ArityError as exc:
            raise ParseError(str(exc), _caret_detail(token)) from None

    def sqrt(self, children: list) -> Node:
        return call("sqrt", [children[-1]], make)

    def output(self, children: list) -> tuple:
        return (None, children[0])

    def named_output(self, children: list) -> tuple:
        token, node = children
        return (token, node)

    def outputs(self, children: list) -> list:
        return list(children)

    # -- definitions: the head is reduced before the body is read

    def value_head(self, children: list):
        (token,) = children
        _check_new_name(token)
        _scope[0].defining = token
        return token

    def define_value(self, children: list) -> tuple:
        token, node = children
        scope = _scope[0]
        scope.defining = None
        scope.values[str(token)] = node
        if node.args:
            scope.value_names.setdefault(node, str(token))
        return ("definition", token)

    def function_head(self, children: list):
        token = children[0]
        _check_new_name(token)
        scope = _scope[0]
        params = _parameters(token)
        for p in params:  # the head's names were read as uses: they are not
            if p in scope.used and scope.used[p].start_pos > token.start_pos:
                del scope.used[p]
        scope.params = params
        scope.defining = token
        return token

    def define_function(self, children: list) -> tuple:
        token, body = children
        scope = _scope[0]
        from .graph import topo_order

        scope.functions[str(token)] = (scope.params, body)
        scope.sizes[str(token)] = len(topo_order(body))
        scope.params = ()
        scope.defining = None
        return ("definition", token)

    def start(self, children: list) -> list:
        outputs: list = []
        last = None
        if _scope[0].definitions_only:
            for i, item in enumerate(children):
                if not isinstance(item, tuple):
                    start = _starts[i] if i < len(_starts) else _first_token(item)
                    raise ParseError(
                        "--let takes definitions only (name = expression or f(t) = "
                        "expression); the expression to compute is the EXPRESSION argument",
                        _caret_detail(start),
                    )
            return []
        for item in children:
            if isinstance(item, tuple):  # a definition
                if outputs:
                    raise ParseError(
                        f"the definition of {item[1]} comes after an output; "
                        "put the definitions first, then the outputs",
                        _caret_detail(item[1]),
                    )
                last = item[1]
            else:
                outputs.extend(item)
        if not outputs:
            raise ParseError(
                f"the definition of {last} has no output after it; "
                f"write the expression to compute after it: {last} = ...; <expression>"
                + _continued_hint(last.end_pos, len(_source[0])),
                _caret_detail(last),
            )
        return outputs

    def arguments(self, children: list) -> list:
        return list(children)

    def pos(self, children: list) -> Node:
        return children[-1]

    def _binary(name: str):  # noqa: N805 - a helper run while the class is made
        prim = _primitive(name)

        def method(self, children: list) -> Node:
            return make(prim, (children[0], children[-1]))

        return method

    add = _binary("add")
    sub = _binary("sub")
    mul = _binary("mul")
    div = _binary("div")

    def pow(self, children: list) -> Node:
        return _pow(children[0], children[-1])

    def neg(self, children: list) -> Node:
        return _neg(children[-1])


def _number(token) -> Node:
    return const(float(token.replace("\u2212", "-")))


def _pow(base: Node, exponent) -> Node:
    if not isinstance(exponent, Node):  # x² x⁻¹: a superscript token
        exponent = const(float(str(exponent).translate(_SUPERSCRIPT)))
    return make(_primitive("pow"), (base, exponent))


def _neg(operand: Node) -> Node:
    if operand.op == "const":  # -2 is the number -2 (negation is exact)
        _scope[0].folded = True  # 2 may be in no output
        return const(-operand.value)
    return make(_primitive("neg"), (operand,))


def _continued_hint(start: int, end: int) -> str:
    """Where a line between ``start`` and ``end`` starts with + or -: that
    line continued the definition (x^2\n- y^2 is one expression)."""
    if re.search(r"\n[ \t]*[-+\u2212]", _source[0][start:end]) is None:
        return ""
    return (
        " (a line that starts with + or - continues the line before: end the "
        "definition with ';' or put the output in parentheses)"
    )


def _first_token(outputs: list):
    token, _node = outputs[0]
    if token is not None:
        return token
    stripped = _source[0].lstrip().lstrip(";")
    return _generated().Token(
        "NAME", "", start_pos=len(_source[0]) - len(stripped), line=1, column=1
    )


#: (patterns that only some texts need are compiled on first use: re.compile
#: caches them; compiling every one at import cost ~1 ms of every start)
_PARAMETERS = r"\s*\(\s*([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)?\s*\)"


def _parameters(token) -> tuple[str, ...]:
    """The parameter names of the head ``f(t, u)`` (from the source text)."""
    match = re.compile(_PARAMETERS).match(_source[0], token.end_pos)
    if match is None:
        raise ParseError(
            f"the parameters of {token} must be names: write {token}(t) = ... or {token}(t, u) = ...",
            _caret_detail(token),
        )
    params = tuple(p.strip() for p in (match.group(1) or "").split(",") if p.strip())
    for p in params:
        if params.count(p) > 1:
            raise ParseError(f"the parameter {p} of {token} is given twice", _caret_detail(token))
        if _builtin_kind(p) or p in _scope[0].functions:
            raise ParseError(
                f"the parameter {p} of {token} is the name of a function or constant; "
                "choose another name",
                _caret_detail(token),
            )
    return params


def _check_new_name(token) -> None:
    text = str(token)
    scope = _scope[0]
    kind = _builtin_kind(text)
    if kind:
        raise ParseError(
            f"{text} is {kind}; a definition cannot replace it, choose another name",
            _caret_detail(token),
        )
    if text in scope.values or text in scope.functions:
        raise ParseError(
            f"{text} is defined twice; give each definition its own name", _caret_detail(token)
        )
    if text in scope.used:
        use = scope.used[text]
        raise ParseError(
            f"{text} is used before it is defined (line {token.line}, column {token.column}); "
            "move its definition before its first use",
            _caret_detail(use),
        )


def _function_as_name(text: str, token) -> str:
    """``sin x`` or ``sin`` alone: say to write the call."""
    rest = _source[0][token.end_pos :]
    power = re.match(r"\s*([\u2070\u00b9\u00b2\u00b3\u2074-\u207e]+)\s*\(", rest)
    if power:  # sin²(x): the power of the call
        sup = power.group(1)
        start = token.end_pos + power.end() - 1
        arg = _balanced(_source[0], start) or "(...)"
        hint = f"{text} is a function; for its power write {text}{arg}{sup}"
        if sup == "\u207b\u00b9" and "a" + text in FUNCTIONS:  # cos⁻¹: maybe acos
            hint += f", for the inverse function a{text}{arg}"
        return hint
    match = re.match(r"\s*([A-Za-z_]\w*|\d+\.?\d*|\.\d+)", rest)
    if match is None:
        return f"{text} is a function; write {text}(...) with its argument"
    return f"{text} is a function; write {text}({match.group(1)}) with its argument in parentheses"


# ---------------------------------------------------------------------------
# The parser: Lark's, generated from the grammar, with its hooks set for speed


def _generated():
    """The module that Lark's standalone tool generated from the grammar
    (``python -m derivcli._generate``): Lark's lexer and LALR loop and the
    grammar's tables, loaded without importing ``lark``."""
    from . import _lark_parser

    return _lark_parser


@lru_cache(maxsize=1)
def _parser():
    """Lark's parser for ``grammars/expr.lark`` (the generated module), with
    the transformer embedded in the LALR loop, the postlexer, and three of
    Lark's hooks set for speed (``_speed_up``)."""
    lark = _generated()
    parser = lark.Lark_StandAlone(transformer=_Builder(), postlex=Postlexer())
    _speed_up(parser, lark)
    return parser


def _speed_up(parser, lark) -> None:
    """Three changes that keep Lark's tokens, tables and reductions:

    - the lexer: Lark's basic lexer (the same terminals and the same combined
      regular expression, built by Lark) with a tighter loop per token;
    - the callbacks of the arithmetic rules take the LALR value stack's
      slice as it is and build the node directly (no child filter, no list
      per reduction); the other rules keep the callbacks Lark built from
      ``_Builder``;
    - the rules in the parse table are wrapped so that the loop's dictionary
      lookups and comparisons on them are the built-in identity ones instead
      of ``Rule.__hash__``/``__eq__`` in Python.
    """
    frontend = parser.parser
    connector = frontend.lexer  # PostLexConnector(lexer, postlexer)
    basic = connector.lexer
    if type(basic) is lark.BasicLexer:
        basic.__class__ = _fast_lexer_class(lark)
    lalr = frontend.parser.parser  # the _Parser with the loop
    callbacks = {}
    wrapped = {}
    for actions in lalr.parse_table.states.values():
        for token, (action, arg) in list(actions.items()):
            if action is lark.Shift:
                continue
            reduction = wrapped.get(arg)
            if reduction is None:
                reduction = wrapped[arg] = _Reduction(arg)
                fast = _fast_callback(arg)
                callbacks[reduction] = fast or lalr.callbacks[arg]
            actions[token] = (action, reduction)
    callbacks.update((k, v) for k, v in lalr.callbacks.items() if isinstance(k, str))
    lalr.callbacks = callbacks
    states = lalr.parse_table.states
    for reduction, callback in callbacks.items():
        if not isinstance(reduction, str):
            reduction.callback = callback
            # the state after the reduction, by the state under its children
            name = reduction.name
            reduction.goto = {
                s: actions[name][1] for s, actions in states.items() if name in actions
            }
            # a rule of one child that passes it up (?sum: product): the
            # value stack stays as it is, only the state changes
            reduction.unit = reduction.size == 1 and callback is _FIRST
    if type(lalr) is lark._Parser and not lalr.debug:
        lalr.__class__ = _fast_parser_class(lark)


class _Reduction:
    """A rule of the parse table as the LALR loop sees it (its length and
    the name of its left side), compared and hashed by identity."""

    __slots__ = ("rule", "expansion", "origin", "size", "name", "callback", "unit", "goto")

    def __init__(self, rule) -> None:
        self.rule = rule
        self.expansion = rule.expansion
        self.origin = rule.origin
        self.size = len(rule.expansion)
        self.name = rule.origin.name
        self.callback = None
        self.unit = False
        self.goto: dict = {}

    def __repr__(self) -> str:
        return repr(self.rule)


def _kept(rule) -> list[int] | None:
    """The positions of the children that Lark's child filter keeps for
    ``rule`` (None where it would also insert or inline children)."""
    options = rule.options
    if options.keep_all_tokens or options.empty_indices:
        return None
    kept = []
    for i, sym in enumerate(rule.expansion):
        if sym.is_term and sym.filter_out:
            continue
        if not sym.is_term and sym.name.startswith("_"):
            return None  # inlined: its children would be spliced in
        kept.append(i)
    return kept


def _fast_callback(rule):
    """A callback on the raw value-stack slice that returns what Lark's
    wrapped ``_Builder`` callback returns for ``rule``, or None to keep
    Lark's (tests/test_parser_speed.py compares the two on every rule)."""
    kept = _kept(rule)
    if not kept:
        return None
    if rule.options.expand1 and not rule.alias:  # ?rule: one child is passed up
        if len(kept) != 1:
            return None
        return _FIRST if kept[0] == 0 else itemgetter(kept[0])
    name = rule.alias or rule.origin.name
    first, last = kept[0], kept[-1]
    if name in ("add", "sub", "mul", "div") and len(kept) == 2:
        prim = _primitive(name)

        def binary(s: list) -> Node:
            return make(prim, (s[first], s[last]))

        return binary
    if name == "pow" and len(kept) >= 2:
        return lambda s: _pow(s[first], s[last])
    if name == "neg":
        return lambda s: _neg(s[last])
    if name == "pos":
        return itemgetter(last)
    if name == "number" and len(kept) == 1:

        def number(s: list) -> Node:  # a number met before in this text: its node
            text = s[first].value
            numbers = _scope[0].numbers
            node = numbers.get(text)
            if node is None:
                node = numbers[text] = _number(s[first])
            return node

        return number
    return None


_FIRST = itemgetter(0)


def _fast_parser_class(lark):
    """Lark's LALR loop (``_Parser.parse_from_state`` and
    ``ParserState.feed_token``) in one function: the same parse table, the
    same shifts and reductions in the same order and the same callbacks,
    with the per-token call, the per-reduction slice of a one-child rule
    that passes its child up, and the attribute lookups taken out of the
    loop. A token the table has no action for goes to Lark's own
    ``feed_token``, which raises its error (with the interactive parser the
    messages use), and so does the end of the input."""
    cls = _FAST_PARSERS.get(lark._Parser)
    if cls is not None:
        return cls
    base = lark._Parser
    shift = lark.Shift
    unexpected = lark.UnexpectedInput

    class FastParser(base):
        def parse_from_state(self, state, last_token=None):
            conf = state.parse_conf
            if last_token is not None or any(isinstance(k, str) for k in conf.callbacks):
                return base.parse_from_state(self, state, last_token)
            states = conf.states
            state_stack = state.state_stack
            value_stack = state.value_stack
            push_state = state_stack.append
            push_value = value_stack.append
            token = None
            try:
                for token in state.lexer.lex(state):
                    kind = token.type
                    top = state_stack[-1]
                    while True:
                        try:
                            action, rule = states[top][kind]
                        except KeyError:
                            state.feed_token(token)  # raises Lark's UnexpectedToken
                            raise
                        if action is shift:
                            push_state(rule)
                            push_value(token)
                            break
                        if rule.unit:  # the child is the value: only the state changes
                            top = state_stack[-1] = rule.goto[state_stack[-2]]
                            continue
                        size = rule.size
                        if size:
                            s = value_stack[-size:]
                            del state_stack[-size:]
                            del value_stack[-size:]
                        else:
                            s = []
                        value = rule.callback(s)
                        top = rule.goto[state_stack[-1]]
                        push_state(top)
                        push_value(value)
                if token is None:
                    end = lark.Token("$END", "", 0, 1, 1)
                else:
                    end = lark.Token.new_borrow_pos("$END", "", token)
                return state.feed_token(end, True)
            except unexpected as e:
                e.interactive_parser = lark.InteractiveParser(self, state, state.lexer)
                raise

    _FAST_PARSERS[base] = FastParser
    return FastParser


_FAST_PARSERS: dict = {}


def _fast_lexer_class(lark):
    """Lark's ``BasicLexer`` with its loop written for speed: the same
    scanner (Lark's one regular expression of all terminals, in Lark's
    order), matched with ``finditer`` from the first character, the same
    token types, values and positions; anything unusual (several
    expressions, terminal callbacks, a character no terminal matches) goes
    back to Lark's own loop at that position, which raises its error."""
    cls = _FAST_LEXERS.get(lark.BasicLexer)
    if cls is not None:
        return cls
    base = lark.BasicLexer
    token_class = lark.Token

    class FastBasicLexer(base):
        def _build_scanner(self):
            if not _UNLESS_FREE or self.user_callbacks:
                return base._build_scanner(self)
            self.callback = {}
            return lark.Scanner(self.terminals, self.g_regex_flags, self.re, self.use_bytes)

        def lex(self, state, parser_state):
            scanner = self.scanner
            if len(scanner._mres) != 1 or self.callback:
                yield from base.lex(self, state, parser_state)
                return
            text = state.text.text
            end = state.text.end
            counter = state.line_ctr
            pos = counter.char_pos
            line = counter.line
            line_start = counter.line_start_pos
            ignore = self.ignore_types
            newlines = self.newline_types
            new = str.__new__
            token = None
            for match in scanner._mres[0].finditer(text, pos, end):
                start, stop = match.span()
                if start != pos:
                    break  # no terminal matches at pos: Lark's loop raises
                kind = match.lastgroup
                pos = stop
                if kind in newlines:  # (Lark's guess: the pattern mentions a newline)
                    value = text[start:stop]
                    token_line = line
                    column = start - line_start + 1
                    if "\n" in value:
                        line += value.count("\n")
                        line_start = start + value.rindex("\n") + 1
                    if kind in ignore:
                        continue
                elif kind in ignore:  # spaces: skipped before any other work
                    continue
                else:
                    value = text[start:stop]
                    token_line = line
                    column = start - line_start + 1
                token = new(token_class, value)
                token.type = kind
                token.value = value
                token.start_pos = start
                token.line = token_line
                token.column = column
                token.end_line = line
                token.end_column = stop - line_start + 1
                token.end_pos = stop
                state.last_token = token
                yield token
            counter.char_pos = pos
            counter.line = line
            counter.line_start_pos = line_start
            counter.column = pos - line_start + 1
            if pos < end:
                yield from base.lex(self, state, parser_state)

    _FAST_LEXERS[base] = FastBasicLexer
    return FastBasicLexer


_FAST_LEXERS: dict = {}

#: Lark's basic lexer first looks for string terminals that a regular
#: terminal also matches whole (a keyword that NAME would take) and gives
#: such a terminal a callback: 90 regular-expression matches and 6 compiles
#: at every start (a third of the first parse). The grammar has none (a test
#: checks this with Lark's own ``_create_unless``), so the fast lexer builds
#: its scanner from the terminals as they are.
_UNLESS_FREE = True


# ---------------------------------------------------------------------------
# Errors with a caret

_source = [""]  # the text being parsed, for carets in callback errors


def _caret_detail(token) -> str:
    return _caret(_source[0], token.line, token.column)


_where = [0]  # the line of the last caret (to name the line of a --let file)


def _caret(text: str, line: int, column: int) -> str:
    """The offending line with a caret under ``column`` (both 1-based)."""
    _where[0] = line
    lines = text.split("\n") or [""]
    src = lines[min(max(line, 1), len(lines)) - 1].rstrip("\r")  # CRLF text
    col = column - 1
    # long lines: show a window around the column
    width = 70
    start = max(0, col - width // 2)
    end = start + width
    shown = src[start:end]
    prefix = "..." if start > 0 else ""
    suffix = "..." if end < len(src) else ""
    return f"  {prefix}{shown}{suffix}\n  {' ' * (len(prefix) + col - start)}^"


def _typo_cost(typed: str, known: str) -> float:
    """How far ``typed`` is from ``known``, as typing slips: a doubled or
    dropped repeated letter and two swapped neighbours cost 1/2, any other
    letter inserted, dropped or replaced 1, and replacing the first letter
    3/2 (it changes the word: ``min`` is never ``sin``)."""
    n, m = len(typed), len(known)
    d = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        d[i][0] = float(i)
    for j in range(1, m + 1):
        d[0][j] = float(j)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            a, b = typed[i - 1], known[j - 1]
            drop = 0.5 if i > 1 and typed[i - 2] == a else 1.0
            add = 0.5 if j > 1 and known[j - 2] == b else 1.0
            swap = 0.0 if a == b else (1.5 if i == j == 1 else 1.0)
            best = min(d[i - 1][j] + drop, d[i][j - 1] + add, d[i - 1][j - 1] + swap)
            if i > 1 and j > 1 and a == known[j - 2] and typed[i - 2] == b and a != b:
                best = min(best, d[i - 2][j - 2] + 0.5)
            d[i][j] = best
    return d[n][m]


def close_names(typed: str, known) -> list[str]:
    """The names of ``known`` closest to ``typed`` (a typo away), best first."""
    limit = 1.0 if len(typed) <= 4 else 2.0
    lower = typed.lower()
    costs = {
        # a different case (Sin, LOG) is a slip of 1/2, whatever the letters
        name: min(_typo_cost(typed, name), _typo_cost(lower, name) + 0.5 if lower != typed else 9)
        for name in known
        if abs(len(name) - len(typed)) <= 2
    }
    if not costs:
        return []
    best = min(costs.values())
    if best > limit:
        return []
    return sorted(name for name, cost in costs.items() if cost == best)


def _alternatives(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _balanced(text: str, start: int) -> str:
    """The bracket that opens at ``text[start]``, up to its ')' ('' if none)."""
    depth = 0
    for i in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return text[start : i + 1]
    return ""


def _call_text(token) -> str:
    """The source of the call that starts at ``token``: ``x(y+1)``."""
    text = _source[0]
    depth = 0
    for i in range(token.end_pos, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return text[token.start_pos : i + 1]
    return text[token.start_pos :]


def _unknown_function(token) -> UnknownFunction:
    text = str(token)
    scope = _scope[0]
    known = sorted(set(FUNCTIONS) | set(scope.functions))
    if text in CONSTANTS:  # pi(x): a constant times a bracket
        return UnknownFunction(
            f"{text} is a constant, not a function; for a product write "
            f"{text}*{_call_text(token)[len(text) :].lstrip()}",
            _caret_detail(token),
        )
    close = close_names(text, known)
    if close:
        hint = f"Did you mean {_alternatives(close)}?"
        return UnknownFunction(f"unknown function '{text}'. {hint}", _caret_detail(token))
    if re.search(
        rf"(?<![\w.])\s*{re.escape(text)}\s*\([^()]*\)\s*=(?!=)", _source[0][token.end_pos :]
    ):
        return UnknownFunction(
            f"{text} is used before it is defined; move the definition of {text} "
            "before its first use",
            _caret_detail(token),
        )
    call_text = _call_text(token)
    product = text + "*" + call_text[len(text) :].lstrip()
    if len(text) <= 2 or text in scope.values or text in scope.used:
        return UnknownFunction(
            f"{text} is not a function; for a product write {product}", _caret_detail(token)
        )
    return UnknownFunction(
        f"unknown function '{text}'; for a product write {product}. "
        "Known functions: " + ", ".join(known) + ".",
        _caret_detail(token),
    )


_PREVIOUS = r"([A-Za-z_]\w*|(?:\d+\.?\d*|\.\d+)(?:[eE][+\-\u2212]?\d+)?|\))\s*$"


def _closed_operand(text: str, close: int) -> str:
    """The source of the bracket (or call) that the ')' at ``close`` ends."""
    depth = 0
    for i in range(close, -1, -1):
        if text[i] == ")":
            depth += 1
        elif text[i] == "(":
            depth -= 1
            if depth == 0:
                name = re.search(r"[A-Za-z_]\w*$", text[:i])
                return text[name.start() if name else i : close + 1]
    return ""


def _juxtaposition_hint(text: str, token) -> str:
    """``sin x``: write sin(x); ``x y``: write x*y (a name, a number or ')'
    followed by an operand that is not an implicit product)."""
    if token.type not in ("NAME", "NUMBER", "LPAR", "PI", "ROOT"):
        return ""
    match = re.compile(_PREVIOUS).search(text, 0, token.start_pos)
    if match is None:
        return ""
    before = match.group(1)
    if before == ")":  # (x+1)2, sin(x)2: the whole operand that the ')' closes
        before = _closed_operand(text, match.start(1)) or before
    if before in FUNCTIONS or before in _scope[0].functions:
        return f"{before} is a function; write {before}({token}) with its argument in parentheses"
    if token.type == "LPAR":
        return ""
    return f"; for a product write {before}*{token}"


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


#: characters pasted from documents that look like an operator but are not one
_LOOKALIKES = {
    "\u2013": ("-", "minus"),  # en dash
    "\u2014": ("-", "minus"),  # em dash
    "\u2010": ("-", "minus"),  # hyphen
    "\u2011": ("-", "minus"),  # non-breaking hyphen
    "\u2217": ("*", "a product"),  # asterisk operator
    "\u2044": ("/", "a quotient"),  # fraction slash
    "\u2215": ("/", "a quotient"),  # division slash
}


def _lark_error(text: str, exc) -> ParseError:
    lark = _generated()
    if isinstance(exc, lark.UnexpectedCharacters):
        char = text.split("\n")[exc.line - 1][exc.column - 1 : exc.column]
        where = _position(text, exc.line, exc.column)
        message = f"unexpected character '{char}' at {where}"
        if char in _LOOKALIKES:  # pasted punctuation that looks like an operator
            message += f"; for {_LOOKALIKES[char][1]} write {_LOOKALIKES[char][0]}"
        expected = _expected_text(_accepts(exc, exc.allowed))
        line, column = exc.line, exc.column
    elif isinstance(exc, lark.UnexpectedToken):
        token = exc.token
        expected = _expected_text(_accepts(exc, exc.expected))
        if token.type == "$END":
            lines = text.split("\n")
            line, column = len(lines), len(lines[-1]) + 1
            message = "unexpected end of expression"
        else:
            line, column = token.line, token.column
            message = f"unexpected '{token}' at {_position(text, line, column)}"
            hint = _juxtaposition_hint(text, token)
            message = hint if hint and not hint.startswith(";") else message + hint
    else:  # pragma: no cover - other lark errors
        return ParseError(f"cannot parse the expression: {exc}")
    detail = _caret(text, line, column)
    if expected:
        detail += "\n" + expected
    return ParseError(message, detail)


_COMMENT = r"#[^\n]*"


#: parses take turns: the text being read, its scope and the line of an
#: error are the module's (``_source``, ``_scope``, ``_where``), and the
#: program's variables and steps come from the scope and the recording
_PARSING = RLock()


def parse(text: str, lets: Sequence[tuple[str, str]] = ()) -> Graph:
    """Parse ``text`` into a :class:`Graph` (raises ``ParseError``).

    ``lets`` are more definitions read first, as ``(where, text)`` pairs
    (``--let "k=0.5"``, ``--let @defs.txt``): ``where`` names them in errors.
    Thread-safe: parses from several threads take turns.
    """
    with _PARSING:
        return _parse(text, lets)


def _parse(text: str, lets: Sequence[tuple[str, str]]) -> Graph:
    if not text.strip():
        raise ParseError("the expression is empty; give a formula such as 'x*x*y + y + 2'")
    scope = _Scope()
    for where, definitions in lets:
        if not re.sub(_COMMENT, "", definitions).strip(" \t\r\n\f\v;"):
            continue  # an empty or comments-only --let file defines nothing
        scope.definitions_only = True
        try:
            _parse_text(definitions, scope)
        except ParseError as exc:
            line = f", line {_where[0]}" if "\n" in definitions.strip() and _where[0] else ""
            raise type(exc)(f"{where}{line}: {exc.message}", exc.detail) from None
    scope.definitions_only = False
    recording = Recording()
    with recording as (made, found):
        outputs = _parse_text(text, scope)
    # without definitions every name the text uses as a variable is in an
    # output, and the text names them in the order the graph's left-first
    # walk meets them; every node made is in an output too, unless a
    # negation folded a constant (-2), and the nodes are made in index
    # order: no walk of the graph is needed (tests/test_speed_compute.py)
    plain = not scope.values and not scope.functions
    program = _program(text, outputs, tuple(scope.used) if plain else None)
    if plain and not scope.folded and recording.complete:
        object.__setattr__(program, "steps", steps_of(program.outputs, made, found))
    # the names of defined values, for printing (``--format program``)
    object.__setattr__(program, "definitions", scope.value_names)
    object.__setattr__(program, "defined_names", (*scope.values, *scope.functions))
    return program


def _parse_text(text: str, scope: _Scope) -> list:
    lark = _generated()
    _source[0] = text
    _scope[0] = scope
    _where[0] = 0
    try:
        return _parser().parse(text)
    except lark.UnexpectedInput as exc:
        raise _lark_error(text, exc) from None
    except lark.VisitError as exc:  # pragma: no cover - depends on lark's wrapping
        if isinstance(exc.orig_exc, ParseError):
            raise exc.orig_exc from None
        raise
    finally:
        _source[0] = ""
        _scope[0] = _Scope()


def check_not_defined(graph, names, flag: str) -> None:
    """A name of ``--at`` or ``--wrt`` that the expression defines is an
    error: a defined name is not a variable, so it can be given no value."""
    defined = getattr(graph, "defined_names", ())
    for name in names:
        if name in defined:
            raise UsageError(
                f"{flag} names {name}, which the expression defines; {flag} takes "
                f"variables only ({', '.join(graph.variables) or 'none'}): drop {name}, "
                f"or remove its definition to make it a variable"
            )


def _program(text: str, outputs: list, variables: tuple[str, ...] | None = None) -> Program:
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
    return Program.of([node for _token, node in outputs], text, names, variables)


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
