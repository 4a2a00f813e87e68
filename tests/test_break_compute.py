"""Breaking the parse and compute fast paths of issue 15: each test is an
input that gave a wrong answer or a crash, compared with the graph walk
(``topo_order``) and with SymPy."""

from __future__ import annotations

import threading

import pytest
import sympy


def test_a_node_another_thread_makes_during_a_parse_is_in_its_steps(monkeypatch):
    """Another thread (a Hessian's gradient graphs, a symbolic step) makes
    ``y*z`` while a parse of ``q + 3 + y*z`` runs, after the parse made its
    first node; the parse then finds ``y*z`` interned. It is neither made by
    the parse nor older than it: the recorded steps missed it (and y, z),
    and the gradient raised KeyError."""
    import derivcli
    from derivcli import parser
    from derivcli.graph import make, topo_order, var
    from derivcli.primitives import PRIMITIVES

    number = parser._number
    theirs: list = []

    def meanwhile(token):
        node = number(token)
        if not theirs:
            other = threading.Thread(
                target=lambda: theirs.append(make(PRIMITIVES["mul"], (var("y"), var("z"))))
            )
            other.start()
            other.join()
        return node

    monkeypatch.setattr(parser, "_number", meanwhile)
    program = derivcli.parse("q + 3 + y*z")
    monkeypatch.setattr(parser, "_number", number)
    assert program.steps == topo_order(program.outputs)
    q, y, z = sympy.symbols("q y z")
    f = q + 3 + y * z
    at = {"q": 1.0, "y": 2.0, "z": 5.0}
    for mode in ("reverse", "forward"):
        result = derivcli.grad(program, at=at, mode=mode)
        expected = {n: float(f.diff(s).subs({q: 1, y: 2, z: 5})) for n, s in zip("qyz", (q, y, z))}
        assert result.gradient == pytest.approx(expected, rel=0, abs=0)


def test_a_parse_in_another_thread_meanwhile_leaves_this_parse_s_variables(monkeypatch):
    """The parser's state (the scope of the text being read, its source)
    was one for the process: a parse of ``u*v`` that another thread ran in
    the middle of the parse of ``q + 3 + y*z`` swapped the scope, and y and
    z, named after it, were missing from the program's variables (the
    parser gives them from the scope): gradient {'q': 1.0} alone."""
    import derivcli
    from derivcli import parser

    number = parser._number
    theirs: list = []

    def meanwhile(token):
        node = number(token)
        if not theirs:
            other = threading.Thread(target=lambda: theirs.append(derivcli.parse("u*v")))
            theirs.append(other)
            other.start()
            other.join(0.2)  # (with parses taking turns it waits for this one)
        return node

    monkeypatch.setattr(parser, "_number", meanwhile)
    program = derivcli.parse("q + 3 + y*z")
    theirs[0].join()
    monkeypatch.setattr(parser, "_number", number)
    assert program.variables == ("q", "y", "z")
    assert theirs[1].variables == ("u", "v")
    q, y, z = sympy.symbols("q y z")
    f = q + 3 + y * z
    result = derivcli.grad(program, at={"q": 1.0, "y": 2.0, "z": 5.0})
    expected = {n: float(f.diff(s).subs({q: 1, y: 2, z: 5})) for n, s in zip("qyz", (q, y, z))}
    assert result.gradient == expected


def test_parses_from_several_threads_give_the_single_threaded_results():
    """derivcli.grad on different texts from a thread pool (with definitions,
    folded negations, several outputs): the results of one thread."""
    import sys
    from concurrent.futures import ThreadPoolExecutor

    import derivcli

    texts = [
        f"x*y*{i} + sin(x*y) + y*y"
        if i % 3 == 0
        else f"a = x^2 + {i}; a*y + -2*x"
        if i % 3 == 1
        else f"u: x*y - -{i}, v: x + y*x"
        for i in range(30)
    ]
    at = {"x": 1.5, "y": -0.5}

    def run(text):
        program = derivcli.parse(text)
        return program.variables, [derivcli.grad(text, at=at).gradient if ":" not in text else None]

    alone = [run(t) for t in texts]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with ThreadPoolExecutor(6) as pool:
            together = list(pool.map(run, texts))
    finally:
        sys.setswitchinterval(interval)
    assert together == alone
