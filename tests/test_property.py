"""Property tests: random expressions, reverse mode against numeric
differences, and the printer against the parser."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import derivcli
from derivcli.api import gradient_at
from derivcli.errors import DomainError
from derivcli.graph import to_infix
from derivcli.parser import parse

LEAVES = st.sampled_from(["x", "y", "z", "2", "0.5", "3.25", "pi", "e"])
UNARY = ["sin", "cos", "tanh", "exp", "sigmoid", "atan", "sinh", "abs", "-"]
BINARY = ["+", "-", "*", "/", "^"]


def _combine(children):
    unary = st.tuples(st.sampled_from(UNARY), children).map(
        lambda t: f"-({t[1]})" if t[0] == "-" else f"{t[0]}({t[1]})"
    )
    binary = st.tuples(children, st.sampled_from(BINARY), children).map(
        lambda t: f"({t[0]}){t[1]}({t[2]})"
    )
    # keep powers tame: a positive base
    safe_pow = st.tuples(children, st.sampled_from(["2", "3", "0.5"])).map(
        lambda t: f"sqrt(1 + ({t[0]})^2)^{t[1]}"
    )
    return unary | binary | safe_pow


EXPRESSIONS = st.recursive(LEAVES, _combine, max_leaves=12)
COORD = st.floats(min_value=-2.0, max_value=2.0, allow_nan=False).map(lambda v: round(v, 3))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS, COORD, COORD, COORD)
def test_reverse_agrees_with_numeric(text, x, y, z):
    graph = parse(text)
    point = {"x": x, "y": y, "z": z}
    try:
        exact = derivcli.grad(graph, point, wrt=("x", "y", "z"))
    except DomainError:
        assume(False)
    assume(math.isfinite(exact.value) and abs(exact.value) < 1e6)
    assume(all(math.isfinite(v) and abs(v) < 1e6 for v in exact.gradient.values()))
    # kinks (abs at 0, x/0 nearby) make finite differences meaningless
    assume("abs" not in text or all(abs(v) > 1e-3 for v in point.values()))
    numeric = gradient_at(graph, point, wrt=("x", "y", "z"), mode="numeric")
    for name in ("x", "y", "z"):
        ours, approx = exact.gradient[name], numeric.gradient[name]
        tolerance = 1e3 * numeric.error_estimate[name] + 1e-7 * max(1.0, abs(ours))
        assume(numeric.error_estimate[name] < 1e-3)  # numeric itself unsure: no verdict
        assert abs(ours - approx) <= tolerance, (name, ours, approx, numeric.error_estimate)


@settings(max_examples=200, deadline=None)
@given(EXPRESSIONS)
def test_printing_then_parsing_gives_the_same_graph(text):
    graph = parse(text)
    assert parse(to_infix(graph.root)).root is graph.root
