"""The seed notebook's examples are our first tests."""

from __future__ import annotations

import math

import pytest
from oracle import exact

import derivcli
from derivcli.api import gradient_at, hessian_at

F = "x*x*y + y + 2"
AT = {"x": 3, "y": 4}


def test_value_42():
    assert derivcli.evaluate(F, AT).value == 42.0


@pytest.mark.parametrize("mode", ["reverse", "dual", "forward"])
def test_exact_gradient_and_hessian(mode):
    assert derivcli.grad(F, AT, mode=mode).gradient == {"x": 24.0, "y": 10.0}
    h = derivcli.hessian(F, AT, mode=mode)
    assert h.hessian == {"x": {"x": 8.0, "y": 6.0}, "y": {"x": 6.0, "y": 0.0}}
    assert h.structural_zeros == [("y", "y")]  # the seed's None from TensorFlow


def test_numeric_forward_reproduces_the_notebook_digit_for_digit():
    result = gradient_at(F, AT, mode="numeric", scheme="forward", step=1e-4)
    assert result.gradient == {"x": 24.000400000048216, "y": 10.000000000047748}
    z = gradient_at("sin(x^2)", {"x": 3}, mode="numeric", scheme="forward", step=1e-4)
    assert z.gradient["x"] == -5.46761419430053


def test_exact_modes_beat_the_notebooks_numeric_figure():
    exact_value = exact("sin(x^2)", ("x",), (3.0,))[1][0]
    assert exact_value == pytest.approx(6 * math.cos(9), rel=1e-15)
    ours = derivcli.grad("sin(x^2)", {"x": 3}).gradient["x"]
    assert abs(ours - exact_value) < abs(-5.46761419430053 - exact_value) / 1e9


@pytest.mark.parametrize("scheme", ["central", "richardson"])
def test_numeric_hessian_is_close(scheme):
    h = hessian_at(F, AT, mode="numeric", scheme=scheme).hessian
    assert h["x"]["x"] == pytest.approx(8, rel=1e-6)
    assert h["x"]["y"] == pytest.approx(6, rel=1e-6)
    assert h["y"]["x"] == pytest.approx(6, rel=1e-6)
    assert abs(h["y"]["y"]) < 1e-6
