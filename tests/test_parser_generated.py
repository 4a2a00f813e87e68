"""The parser is Lark's: the module that Lark's standalone tool generates from
``grammars/expr.lark`` is up to date, and the hooks set for speed (the lexer
loop, the raw-slice callbacks, the wrapped rules) give exactly what Lark's
own lexer and callbacks give: the same tokens, the same nodes created in the
same order, the same errors."""

from __future__ import annotations

import functools
import gc
import importlib.util

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import CASES

from derivcli import _generate, parser
from derivcli.errors import ParseError

lark_installed = importlib.util.find_spec("lark") is not None

#: texts with every terminal, newlines, comments, definitions, Unicode
TEXTS = [
    *(case[0] for case in CASES),
    "2x + 3sin(x)^2 - x\u00b2",
    "u: x*y, v: x + y",
    "r = sqrt(x^2 + y^2); f(t, u) = t^2 + u\nf(r, 1) # a comment\n  + r",
    "\u221a(x+1) \u00b7 \u03c0 r\u00b2 \u00f7 y\u207b\u00b9 \u2212 x\u207d\u00b9\u00b2\u207e \u00d7 2 \u22c5 z",
    "1e\u22125 x + .5e3 y - 2.(x)(y) + 3 pi",
    "x ** -y ^ +z",
    "\n\n x \t\r\f\v+\n\ny; ; z\n",
    "f(t) = t^2\ng(s) = f(s) + 1\ng(x)(x - 1)",
    "max(x, y, 1) + log(x, 2) + atan2(y, x)",
    "(" * 200 + "x" + ")" * 200,
]

#: texts that do not parse (lexer and parser errors, callback errors)
BAD = [
    "x $ y",
    "x +",
    "sin x",
    "x y",
    "2 @",
    "(x + 1",
    "x + 1)",
    "f(t) = t\nf(1, 2)",
    "r = r + 1; r",
    "sinn(x)",
    "x,\n\n,y",
    "\u2202x",
    "x = 1",
    "x^^2",
]


def _reference_parser():
    """The generated parser as Lark builds it, without derivcli's hooks."""
    lark = parser._generated()
    return lark.Lark_StandAlone(transformer=parser._Builder(), postlex=parser.Postlexer())


@functools.lru_cache(maxsize=1)
def _runtime_parser():
    """Lark's runtime on the grammar file (the library, not the module)."""
    from lark import Lark

    return Lark(
        parser.grammar_path().read_text(encoding="utf-8"),
        transformer=parser._Builder(),
        postlex=parser.Postlexer(),
        **_generate.OPTIONS,
    )


def _shape(program) -> list:
    """The nodes of the outputs in creation order, each as its operation,
    its constant or name, and its arguments' places in that order."""
    from derivcli.graph import topo_order

    nodes = {}
    for root in program.outputs:
        for node in topo_order(root):
            nodes[node] = None
    ordered = sorted(nodes, key=lambda n: n.index)
    place = {n: i for i, n in enumerate(ordered)}
    return [(n.op, n.value, n.name, tuple(place[a] for a in n.args)) for n in ordered]


def _parse_with(monkeypatch, make_parser, text: str):
    made = make_parser()
    with monkeypatch.context() as m:
        m.setattr(parser, "_parser", lambda: made)
        try:
            program = parser.parse(text)
        except ParseError as exc:
            return ("error", exc.message, exc.detail)
    shape = _shape(program), program.names
    del program
    gc.collect()  # no node outlives the parse: the next one creates its own
    return shape


# ---------------------------------------------------------------------------
# the generated module is up to date


def test_the_module_was_generated_from_the_grammar_as_it_is():
    _path, text = _generate._grammar()
    source = _generate.TARGET.read_text(encoding="utf-8")
    assert source.startswith(_generate.header(text)), (
        "derivcli/_lark_parser.py is out of date: run python -m derivcli._generate"
    )


@pytest.mark.skipif(not lark_installed, reason="lark (the generator) is not installed")
def test_regenerating_the_module_gives_the_same_bytes():
    import lark

    generated = parser._generated().__version__
    if lark.__version__ != generated:
        pytest.skip(f"lark {lark.__version__} installed, the module is from lark {generated}")
    assert _generate.generate() == _generate.TARGET.read_text(encoding="utf-8"), (
        "derivcli/_lark_parser.py is out of date: run python -m derivcli._generate"
    )


def test_parsing_does_not_import_lark():
    import subprocess
    import sys

    code = (
        "import sys; from derivcli.parser import parse; parse('x*x*y + y + 2');"
        "print(sorted(m for m in sys.modules if m == 'lark' or m.startswith('lark.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ---------------------------------------------------------------------------
# the hooks give what Lark gives


def _tokens(lexer, text: str) -> list:
    lark = parser._generated()
    state = lark.LexerState(lark.TextSlice.cast_from(text))
    out = []
    try:
        for t in lexer.lex(state, None):
            out.append(
                (
                    t.type,
                    t.value,
                    t.start_pos,
                    t.line,
                    t.column,
                    t.end_line,
                    t.end_column,
                    t.end_pos,
                )
            )
    except lark.UnexpectedCharacters as exc:
        out.append(("error", exc.pos_in_stream, exc.line, exc.column, sorted(exc.allowed)))
    return out


def _lexers():
    fast = parser._parser().parser.lexer.lexer
    reference = _reference_parser().parser.lexer.lexer
    assert type(fast) is not type(reference)  # the hook is in place
    return fast, reference


@pytest.mark.parametrize("text", TEXTS + BAD)
def test_the_lexer_gives_lark_s_tokens(text):
    fast, reference = _lexers()
    assert _tokens(fast, text) == _tokens(reference, text)


ALPHABET = "xy1.5e+-*/^()=,;:# \t\n\u2212\u00b7\u00b2\u207b\u221a\u03c0$sin"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=40))
def test_the_lexer_gives_lark_s_tokens_on_any_text(text):
    fast, reference = _lexers()
    assert _tokens(fast, text) == _tokens(reference, text)


@pytest.mark.parametrize("text", TEXTS + BAD)
def test_the_callbacks_build_lark_s_graph_in_lark_s_order(monkeypatch, text):
    fast = _parse_with(monkeypatch, parser._parser, text)
    assert fast == _parse_with(monkeypatch, _reference_parser, text)


@pytest.mark.skipif(not lark_installed, reason="lark (the runtime) is not installed")
@pytest.mark.parametrize("text", TEXTS)  # (the runtime raises the library's own errors)
def test_the_generated_parser_parses_as_lark_s_runtime(monkeypatch, text):
    fast = _parse_with(monkeypatch, parser._parser, text)
    assert fast == _parse_with(monkeypatch, _runtime_parser, text)


def test_every_arithmetic_rule_has_its_fast_callback():
    """The hooks cover the rules that the LALR loop reduces most; a grammar
    change that reshapes them shows here (the parser would still be right,
    with Lark's callbacks, only slower)."""
    lalr = parser._parser().parser.parser.parser
    generated = parser._generated().__name__
    fast = {
        (r.rule.alias or r.rule.origin.name)
        for r, f in lalr.callbacks.items()
        if not isinstance(r, str)
        and getattr(f, "__self__", None) is None  # not the _Builder method itself
        and type(f).__module__ != generated  # nor Lark's child filter around it
    }
    assert {"add", "sub", "mul", "div", "pow", "neg", "pos", "number"} <= fast
    assert all(type(r) is parser._Reduction for r in lalr.callbacks if not isinstance(r, str))


def test_the_grammar_has_no_terminal_that_lark_s_unless_would_split():
    """The fast lexer skips Lark's ``_create_unless`` (parser._UNLESS_FREE):
    Lark's own function, on the generated lexer's terminals, must find no
    string terminal that a regular terminal matches whole, so the scanner
    is the one Lark would build."""
    lark = parser._generated()
    fast, reference = _lexers()
    terminals, callbacks = lark._create_unless(
        reference.terminals, reference.g_regex_flags, reference.re, reference.use_bytes
    )
    assert parser._UNLESS_FREE
    assert callbacks == {} and terminals == reference.terminals
    assert [m.pattern for m in fast.scanner._mres] == [m.pattern for m in reference.scanner._mres]
    assert fast.callback == reference.callback == {}


def test_the_lalr_loop_hook_is_in_place():
    lalr = parser._parser().parser.parser.parser
    assert type(lalr) is not parser._generated()._Parser
    assert isinstance(lalr, parser._generated()._Parser)
    units = {r.name for r in lalr.callbacks if not isinstance(r, str) and r.unit}
    assert {"sum", "product", "unary", "root"} <= units  # the one-child rules of ?rule


#: pieces of texts that parse, and of texts that do not
PIECES = [
    "x", "y1", "2", ".5e-3", "pi", "\u03c0", "sin(", "max(", "f(", "(", ")", ",", ";",
    "\n", " ", "+", "-", "*", "/", "^", "**", "\u00b2", "\u221a", "=", ":", "u:", "#c\n",
    "r = ", "f(t) = t^2;", "g(s, t) = s*t\n",
]  # fmt: skip


@functools.lru_cache(maxsize=1)
def _lark_loop_parser():
    """The generated parser without derivcli's hooks (Lark's LALR loop), made once."""
    return _reference_parser()


def _young_parse(make_parser, text: str):
    """``_parse_with`` for many small texts: the collector is paused during
    the parse and then only the young generation is collected (what the
    parse left in cycles is there), not the whole heap every time."""
    paused = gc.isenabled()
    gc.disable()
    try:
        with pytest.MonkeyPatch.context() as m:
            return _parse_with_no_collect(m, make_parser, text)
    finally:
        gc.collect(0)
        if paused:
            gc.enable()


def _parse_with_no_collect(monkeypatch, make_parser, text: str):
    made = make_parser()
    monkeypatch.setattr(parser, "_parser", lambda: made)
    try:
        program = parser.parse(text)
    except ParseError as exc:
        return ("error", exc.message, exc.detail)
    return _shape(program), program.names


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30))
def test_the_lalr_loop_builds_lark_s_graph_or_raises_lark_s_error(pieces):
    """The loop written for speed against Lark's own (``feed_token`` per
    token): the same nodes in the same order, or the same error message
    (which names what the parser would accept there)."""
    text = "".join(pieces)
    fast = _young_parse(parser._parser, text)
    assert fast == _young_parse(_lark_loop_parser, text)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 60), st.integers(0, 60), st.sampled_from(["-", "+", "\u221a", ""]))
def test_the_lalr_loop_on_deep_nesting(opened, closed, unary):
    """Brackets and unary operators nested deeper than the tests above (the
    end of the input reduces every level at once), balanced or not."""
    text = (unary + "(") * opened + "x" + ")" * closed + "^2" * (opened % 3)
    fast = _young_parse(parser._parser, text)
    assert fast == _young_parse(_lark_loop_parser, text)
