"""Every mode against the exact oracle (SymPy), on one table of expressions.

Exact modes agree to ~1e-14 relative; numeric differences to 1e-9 for
gradients and 1e-6 for Hessians.
"""

from __future__ import annotations

import pytest
from oracle import case_id, case_points, close, exact

import derivcli

EXACT_MODES = ["reverse", "dual", "forward"]
CASES = case_points()
IDS = [case_id(c) for c in CASES]
EXACT_REL = 1e-14


def _point(names, values):
    return dict(zip(names, values))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_value(case):
    text, names, point = case
    value, _, _ = exact(text, names, point)
    ours = derivcli.evaluate(text, _point(names, point)).value
    assert close(ours, value, EXACT_REL), (ours, value)


@pytest.mark.parametrize("mode", EXACT_MODES)
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_exact_gradient(mode, case):
    text, names, point = case
    value, gradient, _ = exact(text, names, point)
    result = derivcli.grad(text, _point(names, point), mode=mode)
    assert result.variables == names
    assert close(result.value, value, EXACT_REL)
    for name, ref in zip(names, gradient):
        assert close(result.gradient[name], ref, EXACT_REL), (name, result.gradient[name], ref)


@pytest.mark.parametrize("mode", EXACT_MODES)
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_exact_hessian(mode, case):
    text, names, point = case
    _, gradient, hessian = exact(text, names, point)
    result = derivcli.hessian(text, _point(names, point), mode=mode)
    for a, ref_row in zip(names, hessian):
        for b, ref in zip(names, ref_row):
            ours = result.hessian[a][b]
            assert close(ours, ref, EXACT_REL), (a, b, ours, ref)


@pytest.mark.parametrize("scheme", ["richardson"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_numeric_gradient(scheme, case):
    text, names, point = case
    _, gradient, _ = exact(text, names, point)
    result = derivcli.api.gradient_at(text, _point(names, point), mode="numeric", scheme=scheme)
    for name, ref in zip(names, gradient):
        ours = result.gradient[name]
        assert close(ours, ref, 1e-9), (name, ours, ref)


SMOOTH = case_points(smooth_only=True)


@pytest.mark.parametrize("case", SMOOTH, ids=[case_id(c) for c in SMOOTH])
def test_numeric_hessian(case):
    text, names, point = case
    _, _, hessian = exact(text, names, point)
    result = derivcli.hessian(text, _point(names, point), mode="numeric")
    for a, ref_row in zip(names, hessian):
        for b, ref in zip(names, ref_row):
            ours = result.hessian[a][b]
            assert close(ours, ref, 1e-6), (a, b, ours, ref)
