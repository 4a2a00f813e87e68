"""Fast paths of the n=1000 gradient's compute (issue 15) give what the
plain code gives: each is checked against the plain loop it shortcuts, on
random inputs."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from derivcli import point


def _split_plain(text: str) -> list[str]:
    """``point._split`` without its fast path: a character loop on every line."""
    lines = [line.split("#", 1)[0] for line in text.splitlines()]
    pieces: list[str] = []
    for line in lines:
        depth, start = 0, 0
        for i, ch in enumerate(line):
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
            elif ch == "," and depth == 0:
                pieces.append(line[start:i])
                start = i + 1
        pieces.append(line[start:])
    return [p.strip() for p in pieces if p.strip()]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="x1=.,() #\n\r\t-e", max_size=60))
def test_point_split_fast_path_is_the_character_loop(text):
    assert point._split(text) == _split_plain(text)


# ---------------------------------------------------------------------------
# the parser's variables (a text without definitions) are the graph walk's

NAMES = st.sampled_from(["x", "y", "z", "x1", "t", "pi", "e", "\u03c0"])
NUMBERS = st.sampled_from(["2", "0.5", "1e-3", "3"])


def _compose(children):
    pair = st.tuples(children, children)
    return st.one_of(
        pair.map(lambda ab: f"({ab[0]} + {ab[1]})"),
        pair.map(lambda ab: f"{ab[0]} - {ab[1]}"),
        pair.map(lambda ab: f"{ab[0]} * {ab[1]}"),
        pair.map(lambda ab: f"({ab[0]}) / ({ab[1]})"),
        pair.map(lambda ab: f"({ab[0]})^({ab[1]})"),
        pair.map(lambda ab: f"log({ab[0]}, {ab[1]})"),
        pair.map(lambda ab: f"atan2({ab[0]}, {ab[1]})"),
        st.tuples(children, children, children).map(lambda abc: "max({}, {}, {})".format(*abc)),
        children.map(lambda a: f"-{a}"),
        children.map(lambda a: f"sin({a})"),
        children.map(lambda a: f"2({a})"),
        children.map(lambda a: f"\u221a({a})"),
        children.map(lambda a: f"({a})\u00b2"),
    )


EXPRESSIONS = st.recursive(st.one_of(NAMES, NUMBERS), _compose, max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(st.lists(EXPRESSIONS, min_size=1, max_size=3), st.booleans())
def test_the_parser_s_variables_are_the_walk_s(outputs, named):
    from derivcli import parse
    from derivcli.graph import Program

    text = ", ".join(f"u{i}: {o}" if named else o for i, o in enumerate(outputs))
    program = parse(text)
    walked = Program.of(program.outputs, text, program.names)
    assert program.variables == walked.variables


def test_a_text_with_definitions_walks_its_graph():
    from derivcli import parse

    # y is used first in the text, but the output meets x first
    assert parse("a = y^2; x + a").variables == ("x", "y")
    assert parse("f(t) = t*k; x + f(y)").variables == ("x", "y", "k")


# ---------------------------------------------------------------------------
# the parser's steps (the nodes it made, in creation order) are topo_order's

STATEMENTS = st.sampled_from(["", "a = x^2; ", "f(t) = t*y; ", "k = -2; ", "g(s) = s - 1; "])
USES = st.sampled_from(["", " + a", " + f(x)", " + k", " + g(g(x))", " - 2", " + -x", " + -(2)"])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(EXPRESSIONS, min_size=1, max_size=3),
    STATEMENTS,
    USES,
    st.sampled_from(["", "x*y", "x + 1", "sin(x)", "-2"]),
)
def test_the_parser_s_steps_are_topo_order(outputs, statement, use, before):
    """Also with nodes alive from an earlier parse (``before``), which the
    new graph may share, and with definitions and folded negations, where
    the parser leaves the steps to ``topo_order``."""
    from derivcli import parse
    from derivcli.errors import DerivError
    from derivcli.graph import topo_order

    kept = parse(before) if before else None  # its nodes stay interned
    try:
        program = parse(statement + ", ".join(outputs) + use)
    except DerivError:  # f(x) without its definition, a name both defined and used
        return
    assert program.steps == topo_order(program.outputs)
    del kept


def test_the_parser_gives_the_steps_of_a_plain_text():
    from derivcli import parse

    assert "steps" in vars(parse("x*y + sin(x)^2"))  # no walk of the graph
    assert "steps" not in vars(parse("a = x^2; a + y"))  # definitions: topo_order
    assert "steps" not in vars(parse("-2*x"))  # a folded negation: topo_order


# ---------------------------------------------------------------------------
# the tape numbers the steps of a parse by their index, as the dict would


def _tape_fields(tape) -> tuple:
    return tape.code, tape.first, tape.second, tape.extra, tape.where, tape.names


@settings(max_examples=200, deadline=None)
@given(st.lists(EXPRESSIONS, min_size=1, max_size=3))
def test_the_tape_by_index_is_the_tape_by_dict(outputs):
    from derivcli import parse
    from derivcli.graph import Tape
    from derivcli.printing import postorder

    program = parse(", ".join(outputs))
    steps = program.steps
    by_dict = Tape(steps, program.outputs, by_index=False)
    assert _tape_fields(Tape(steps, program.outputs)) == _tape_fields(by_dict)
    # a topological order that is not the index order (the same nodes)
    reading = postorder(list(program.outputs))
    assert sorted(reading, key=lambda n: n.index) == steps
    expected = _tape_fields(Tape(reading, program.outputs, by_index=False))
    assert _tape_fields(Tape(reading, program.outputs)) == expected


def test_a_parse_records_the_nodes_of_its_own_thread_only():
    import threading

    from derivcli.graph import Recording, make, var
    from derivcli.primitives import PRIMITIVES

    theirs = []
    with Recording() as (made, _found):
        mine = make(PRIMITIVES["mul"], (var("p_"), var("q_")))
        other = threading.Thread(
            target=lambda: theirs.append(make(PRIMITIVES["add"], (var("p_"), var("r_"))))
        )
        other.start()
        other.join()
    assert mine in made
    assert theirs[0] not in made and var("r_") not in made


def test_a_recording_inside_another_leaves_the_outer_one_incomplete():
    from derivcli.graph import Recording, make, var
    from derivcli.primitives import PRIMITIVES

    outer = Recording()
    with outer as (made, _found):
        first = make(PRIMITIVES["mul"], (var("s_"), var("t_")))
        inner = Recording()
        with inner as (inner_made, _):
            second = make(PRIMITIVES["add"], (var("s_"), var("t_")))
        third = make(PRIMITIVES["sub"], (var("s_"), var("t_")))
    assert inner.complete and inner_made == [second]
    assert not outer.complete  # it missed the inner one's nodes
    assert first in made and third in made and second not in made


def test_recordings_ended_out_of_order_stop_recording():
    from derivcli import graph
    from derivcli.graph import Recording

    first, second = Recording(), Recording()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)  # (another thread's recording ends first)
    second.__exit__(None, None, None)
    assert not first.complete and not second.complete
    assert graph._made is None and graph._found is None and Recording._active is None
