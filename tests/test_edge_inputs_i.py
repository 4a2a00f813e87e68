"""Edge inputs found by breaking the batch, taylor and plot features (helper I).

Each test is table-driven over the family the failure belonged to."""

from __future__ import annotations

import itertools
import math
import time

import mpmath
import pytest

from derivcli.primitives import PRIMITIVES

EDGES = [0.0, -0.0, 1.0, -1.0, -2.0, 0.5, math.inf, -math.inf, math.nan, 1e308, -1e308, 5e-324]


@pytest.mark.parametrize("prim", list(PRIMITIVES.values()), ids=lambda p: p.name)
def test_every_float_implementation_and_domain_reason_takes_every_edge_value(prim):
    """lgamma(-inf) asked its domain reason, which called math.floor(-inf)
    (an internal error in every mode); polygamma(1e308, 1) overflowed
    mpmath's int conversion."""
    for args in itertools.product(EDGES, repeat=prim.arity):
        value = prim.fn(*args)
        assert isinstance(value, float)
        if prim.domain is not None:
            reason = prim.domain(*args)
            assert reason is None or isinstance(reason, str)


@pytest.mark.parametrize(
    ("n", "x"), [(172.0, 0.5), (300.0, 300.0), (1000.0, 300.0), (1000.0, 400.0), (171.0, 2.5)]
)
def test_polygamma_of_high_order_is_mpmaths(n, x):
    expected = float(mpmath.psi(int(n), x))
    assert PRIMITIVES["polygamma"].fn(n, x) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("n", "x", "expected"),
    [(1e20, 1.0, -math.inf), (1e20 + 2**20, 0.3, -math.inf), (1e308, 1.0, -math.inf),
     (1e300, 1e308, -0.0), (1e308, 5e-324, -math.inf)],
)  # fmt: skip
def test_polygamma_of_huge_order_is_out_of_range_at_once(n, x, expected):
    """mpmath sums n terms: polygamma(1e20, 1) ran for minutes."""
    start = time.perf_counter()
    value = PRIMITIVES["polygamma"].fn(n, x)
    assert time.perf_counter() - start < 1.0
    assert value == expected and math.copysign(1, value) == math.copysign(1, expected)
