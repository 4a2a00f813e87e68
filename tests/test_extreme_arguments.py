"""Every primitive at the ends of the double range, in every mode: a result
or a DerivError (a clear message), never an internal error.

Table-driven over the primitive table. Found by breaking the issue 12
functions: the numeric Hessian raised OverflowError at 1e300 (a float ``**``
of the step scale) and ZeroDivisionError at 1e-300 (the product of the two
steps of a mixed difference underflowed); mpmath's ``erfc`` raised
OverflowError beyond ~1e154.
"""

from __future__ import annotations

import pytest

from derivcli.api import gradient_at, hessian_at  # noqa: F401
from derivcli.errors import DerivError

#: (the full sweep over the table at 1e300, -1e300, 1e-300 in every mode
#: passes but takes minutes; these are the cases that failed)
EXTREME_CASES = [
    ("x^2", {"x": 1e300}, "numeric"),
    ("asinh(x)", {"x": -1e300}, "numeric"),
    ("hypot(x, y)", {"x": 1e-300, "y": 1e-300}, "numeric"),
    ("atan2(y, x)", {"x": 1e300, "y": 1e300}, "numeric"),
    ("erfc(x)", {"x": 1e300}, "mpmath"),
]


@pytest.mark.parametrize(("text", "point", "mode"), EXTREME_CASES)
def test_no_internal_error_at_extreme_arguments(text, point, mode):
    try:
        hessian_at(text, point, mode=mode)  # (its gradient too)
    except DerivError:
        pass


#: differentiable at a kink of a sub-expression (both sides agree): the
#: numeric mode's rounding in the reported derivative is no kink, while a
#: real kink in the same run is still reported
SMOOTH_AT_A_KINK = [
    ("x*abs(x)", {"x": 0.0}),
    ("abs(x)^2 + x", {"x": 0.0}),
    ("max(x, 0)^2", {"x": 0.0}),
    ("relu(x - y)^2", {"x": 1.0, "y": 1.0}),
]


@pytest.mark.parametrize(("text", "point"), SMOOTH_AT_A_KINK)
def test_numeric_rounding_at_a_smooth_kink_is_not_a_kink(text, point):
    result = gradient_at(text, point, mode="numeric")
    assert result.kinks == [], result.warnings
    assert not any("kink" in w for w in result.warnings)
    jac = derivcli_jacobian(f"{text}, abs(x - {point['x']})", point)
    assert [k["output"] for k in jac.kinks] == ["f2"]


def derivcli_jacobian(text, point):
    from derivcli.api import jacobian_at

    return jacobian_at(text, point, mode="numeric")


@pytest.mark.parametrize("command", ["grad", "jacobian"])
@pytest.mark.parametrize(("side", "want"), [("right", "1"), ("left", "-1")])
def test_side_with_points_gives_the_one_sided_derivative(command, side, want, tmp_path):
    # it used to write the subgradient 0 at x = 0 under --side right: the
    # row at the kink is the single point's, which applies --side
    from clirun import run

    points = tmp_path / "p.csv"
    points.write_text("x\n0\n2\n")
    result = run(command, "abs(x)", "--points", str(points), "--side", side, "--format", "csv")
    assert result.exit_code == 0, result.output + result.stderr
    rows = [
        line.split(",")
        for line in result.output.strip().splitlines()
        if not line.startswith("Warning")  # (the runner may mix stderr in)
    ]
    assert rows[1][-1] == want  # |x|' from that side at 0
    assert rows[2][-1] == "1"  # away from the kink, the derivative itself
