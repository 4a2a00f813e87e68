"""No recursion over user input: huge and deeply nested expressions."""

from __future__ import annotations

import math

import pytest

import derivcli

N = 100_000


@pytest.mark.parametrize("mode", ["reverse", "numeric", "forward", "dual"])
def test_long_sum(mode):
    text = "+".join(["x"] * N)
    result = derivcli.grad(text, {"x": 2.0}, mode=mode)
    assert result.value == 2.0 * N
    assert result.gradient["x"] == pytest.approx(N, rel=1e-9)


@pytest.mark.parametrize("mode", ["reverse", "numeric", "forward", "dual"])
def test_deep_parentheses(mode):
    text = "(" * N + "x*x" + ")" * N
    result = derivcli.grad(text, {"x": 3.0}, mode=mode)
    assert result.value == 9.0
    assert result.gradient["x"] == pytest.approx(6.0, rel=1e-9)


@pytest.mark.parametrize("mode", ["reverse", "numeric", "forward", "dual"])
def test_deep_negations(mode):
    text = "-(" * N + "x" + ")" * N  # an even number of minus signs
    result = derivcli.grad(text, {"x": 3.0}, mode=mode)
    assert result.value == 3.0
    assert result.gradient["x"] == pytest.approx(1.0, rel=1e-9)


def test_deep_nesting_hessian_and_printing():
    depth = 20_000
    text = "sin(" * depth + "x" + ")" * depth
    graph = derivcli.parse(text)
    assert str(graph) == text
    result = derivcli.hessian(graph, {"x": 0.5})
    # chain rule by hand, one level at a time: s' = cos(s) s', s'' = cos(s) s'' - sin(s) s'^2
    s, d1, d2 = 0.5, 1.0, 0.0
    for _ in range(depth):
        s, d1, d2 = math.sin(s), math.cos(s) * d1, math.cos(s) * d2 - math.sin(s) * d1 * d1
    assert result.value == pytest.approx(s, rel=1e-12)
    assert result.gradient["x"] == pytest.approx(d1, rel=1e-9)
    assert result.hessian["x"]["x"] == pytest.approx(d2, rel=1e-9)
