"""The flat tape computes what the dictionary loops compute, bit for bit
(issue 15): evaluation, the reverse sweep with its 0·∞ bookkeeping, the
Hessian's first derivatives, and the 'nothing to diagnose' shortcut."""

from __future__ import annotations

import math
import random

import pytest

from derivcli import parse
from derivcli.backends import _backward_floats, diagnose
from derivcli.backends.forward import derivative, first_derivatives
from derivcli.graph import ADD, CALL, DIV, MUL, NEG, POW, SUB, Tape, evaluate_all, topo_order, var
from derivcli.primitives import PRIMITIVES

UNARY = ["sqrt", "acos", "cos", "sin", "exp", "log", "tanh", "abs", "-", "atan"]
BINARY = ["+", "-", "*", "/", "^"]
EDGES = [0.0, -0.0, 1.0, -1.0, 0.5, 2.0, -3.5, 1e-8, 1e300, -1e-300, 700.0, math.inf, math.nan]


def random_expression(rng: random.Random) -> str:
    stack = [rng.choice(["x", "y", "z", "x", "y", "0", "1", "2", "0.5", "3"]) for _ in range(5)]
    for _ in range(rng.randint(2, 9)):
        if rng.random() < 0.4:
            f = rng.choice(UNARY)
            a = stack.pop(rng.randrange(len(stack)))
            stack.append(f"-({a})" if f == "-" else f"{f}({a})")
        elif len(stack) > 1:
            a = stack.pop(rng.randrange(len(stack)))
            b = stack.pop(rng.randrange(len(stack)))
            stack.append(f"({a}) {rng.choice(BINARY)} ({b})")
    return " + ".join(stack[:2]) + " + x*y"


def same(a: float, b: float) -> bool:
    """Equal as the output prints them: NaN is NaN, and -0.0 is not 0.0."""
    return repr(float(a)) == repr(float(b))


def cases(count: int, seed: int):
    rng = random.Random(seed)
    for _ in range(count):
        text = random_expression(rng)
        point = {n: rng.choice(EDGES) for n in ("x", "y", "z")}
        yield parse(text), point


def test_opcodes_are_the_table_primitives() -> None:
    graph = parse("x*y + x - y/x ^ 2 + -x + sin(x)")
    codes = set(graph.tape.code)
    assert {MUL, ADD, SUB, DIV, POW, NEG, CALL} <= codes
    for node, code in zip(graph.steps, graph.tape.code):
        if code != CALL and node.args:
            assert node.prim is PRIMITIVES[node.op]


@pytest.mark.parametrize("seed", range(6))
def test_tape_evaluation_is_evaluate_all(seed: int) -> None:
    for graph, point in cases(60, seed):
        numbers = graph.tape.evaluate(point, strict=False)
        values = evaluate_all(graph.steps, point, strict=False)
        assert numbers is not None
        for node, v in zip(graph.steps, numbers):
            assert same(v, values[node]), (str(graph), node)
        strict = graph.tape.evaluate(point)
        if strict is not None:  # strict: only when every operation's value is finite
            assert all(math.isfinite(v) for n, v in zip(graph.steps, strict) if n.args)


@pytest.mark.parametrize("seed", range(6))
def test_tape_sweep_is_the_float_sweep(seed: int) -> None:
    """Where the tape's sweep finishes (every partial it meets is finite),
    its adjoints are the general sweep's, bit for bit; where it stops, the
    general sweep runs instead (reverse.gradient), so the result is the
    same either way."""
    finished = 0
    for graph, point in cases(80, seed):
        tape = graph.tape
        numbers = tape.evaluate(point, strict=False)
        values = dict(zip(graph.steps, numbers))
        wrt = ("x", "y", "z", "w")
        wanted = {var(n) for n in wrt}
        active = set()
        for node in graph.steps:
            if node in wanted or any(a in active for a in node.args):
                active.add(node)
        flags = tape.active(tape.position[v] for v in wanted if v in tape.position)
        assert [bool(f) for f in flags] == [n in active for n in graph.steps]
        root = tape.position[graph.root]
        fast = tape.backward(numbers, {root: 1.0}, wrt, flags)
        slow = _backward_floats(graph.steps, values, {graph.root: 1.0}, wrt, active)
        if fast is not None:
            finished += 1
            assert [repr(v) for v in fast] == [repr(float(v)) for v in slow], str(graph)
    assert finished > 10


@pytest.mark.parametrize("seed", range(4))
def test_clean_tape_means_nothing_to_diagnose(seed: int) -> None:
    for graph, point in cases(80, seed):
        tape = graph.tape
        numbers = tape.evaluate(point)
        if numbers is None:
            continue
        wrt = ("x", "y", "z")
        flags = tape.active(tape.position[var(n)] for n in wrt if var(n) in tape.position)
        if tape.clean(numbers, flags):
            d = diagnose(
                graph.root, point, wrt, trace=(graph.steps, dict(zip(graph.steps, numbers)))
            )
            assert not d.infinite and not d.overflow, str(graph)


@pytest.mark.parametrize("seed", range(3))
def test_first_derivatives_are_the_same_graphs(seed: int) -> None:
    for graph, _point in cases(25, seed):
        wrt = ("x", "y", "q")
        shared = first_derivatives(graph.root, wrt)
        one_by_one = [
            derivative(graph.root, n, simplified=False) if n in graph.variables else shared[2]
            for n in wrt
        ]
        assert all(a is b for a, b in zip(shared, one_by_one))


def test_reach_is_the_sub_graph() -> None:
    graph = parse("sin(x*y) + exp(y) * (x - 2)")
    tape = Tape(topo_order(graph.outputs))
    for i, node in enumerate(tape.steps):
        own = {tape.position[n] for n in topo_order(node)}
        assert tape.reach(i) == sorted(own)
