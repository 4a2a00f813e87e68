"""Finite differences: schemes, steps and honest error estimates."""

from __future__ import annotations

import pytest
from oracle import exact

from derivcli.api import gradient_at, hessian_at
from derivcli.errors import DomainError, UsageError

CASES = [
    ("sin(x^2)", ("x",), (3.0,)),
    ("exp(x)*y + log(y)", ("x", "y"), (0.5, 2.0)),
    ("sqrt(x^2 + y^2)", ("x", "y"), (3.0, 4.0)),
    ("x^3", ("x",), (0.0,)),  # the step never collapses to zero at x = 0
]


@pytest.mark.parametrize("scheme", ["forward", "central", "richardson"])
@pytest.mark.parametrize("text, names, point", CASES)
def test_error_estimate_covers_the_true_error(scheme, text, names, point):
    _, gradient, hessian = exact(text, names, point)
    at = dict(zip(names, point))
    g = gradient_at(text, at, mode="numeric", scheme=scheme)
    for name, ref in zip(names, gradient):
        true_error = abs(g.gradient[name] - ref)
        assert true_error <= 10 * g.error_estimate[name] + 1e-15, (name, true_error)
    h = hessian_at(text, at, mode="numeric", scheme=scheme)
    for a, row in zip(names, hessian):
        for b, ref in zip(names, row):
            true_error = abs(h.hessian[a][b] - ref)
            assert true_error <= 10 * h.error_estimate[a][b] + 1e-12, (a, b, true_error)


def test_richardson_is_more_accurate_than_central_and_forward():
    _, gradient, _ = exact("sin(x^2)", ("x",), (3.0,))
    errors = {
        scheme: abs(
            gradient_at("sin(x^2)", {"x": 3}, mode="numeric", scheme=scheme).gradient["x"]
            - gradient[0]
        )
        for scheme in ("forward", "central", "richardson")
    }
    assert errors["richardson"] < errors["central"] < errors["forward"]
    assert errors["richardson"] < 1e-11


def test_evaluations_are_counted():
    g = gradient_at("x*y", {"x": 1, "y": 2}, mode="numeric", scheme="central")
    assert g.evaluations == 1 + 2 * 2 * 2  # f(x), then f(x±h) and f(x±2h) per variable
    f = gradient_at("x*y", {"x": 1, "y": 2}, mode="numeric", scheme="forward", step=1e-4)
    assert f.evaluations == 1 + 2 * 2


@pytest.mark.parametrize("step", [0.0, -1.0, float("nan")])
def test_bad_step_is_a_usage_error(step):
    with pytest.raises(UsageError):
        gradient_at("x", {"x": 1}, mode="numeric", step=step)


def test_scheme_with_another_mode_is_refused():
    with pytest.raises(UsageError, match="--scheme applies only to --mode numeric"):
        gradient_at("x", {"x": 1}, mode="reverse", scheme="central")


def test_domain_error_at_the_point_itself():
    with pytest.raises(DomainError, match=r"log\(x\) is undefined at x = -1"):
        gradient_at("log(x)", {"x": -1}, mode="numeric")


def test_near_the_edge_of_the_domain_the_step_shrinks():
    _, gradient, _ = exact("log(x)", ("x",), (0.01,))
    g = gradient_at("log(x)", {"x": 0.01}, mode="numeric")
    assert g.gradient["x"] == pytest.approx(gradient[0], rel=1e-9)
