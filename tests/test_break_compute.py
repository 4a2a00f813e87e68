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
