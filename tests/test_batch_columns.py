"""The numpy column of the primitive table (derivcli/vectorized.py) against
the float ``fn`` of every primitive: random inputs and the edge values (0,
-0, ±inf, nan, poles, domain edges, overflow and underflow)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from derivcli import vectorized
from derivcli.primitives import ABSORBING, PRIMITIVES

EDGES = [
    0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, -3.0, 1e-8, math.inf, -math.inf,
    math.nan, 5e-324, -5e-324, 1e-310, 1e308, -1e308, 709.8, 710.0, -745.0, -746.0,
    math.pi, math.pi / 2, -math.pi, 1e16, 2.5, -2.5, 0.1, 171.7, 172.0, -170.5,
]  # fmt: skip
#: the slow special functions run on fewer inputs
FEW = {"digamma": 200, "polygamma": 200}


def _inputs(prim, seed: int = 13):
    rng = np.random.default_rng(seed)
    rand = np.concatenate(
        [rng.uniform(-5, 5, 1500), rng.standard_normal(800) * 100, rng.uniform(-1, 1, 500)]
    ).tolist()
    if prim.arity == 1:
        rows = [(v,) for v in EDGES + rand]
    else:
        rows = [(a, b) for a in EDGES for b in EDGES]
        rows += list(zip(rand[:1200], rand[1200:2400]))
        rows += [(a, b) for a in rand[:40] for b in EDGES] + [
            (a, b) for a in EDGES for b in rand[:40]
        ]
        rows += [(a, float(k)) for a in rand[:40] for k in range(-3, 4)]  # integer powers, roots
    if prim.name in FEW:
        rows = rows[: FEW[prim.name]] + [r for r in rows if all(v in EDGES for v in r)][:200]
    return rows


def _compare(fn_column, fn, rows):
    cols = [np.array([r[i] for r in rows]) for i in range(len(rows[0]))]
    with np.errstate(all="ignore"):
        got = np.asarray(fn_column(*cols), dtype=np.float64)
    ref = np.array([fn(*r) for r in rows])
    return got, ref


def _bits(a):
    return a.view(np.int64)


def test_every_primitive_has_a_numpy_column():
    assert set(vectorized.COLUMNS) == set(PRIMITIVES)
    assert set(vectorized.EXACT_COLUMNS) == set(PRIMITIVES)
    assert set(vectorized.ABSORBING_COLUMNS) == set(ABSORBING)


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_exact_column_is_the_float_fn_bit_for_bit(name):
    prim = PRIMITIVES[name]
    rows = _inputs(prim)
    got, ref = _compare(vectorized.EXACT_COLUMNS[name], prim.fn, rows)
    same = (_bits(got) == _bits(ref)) | (np.isnan(got) & np.isnan(ref))
    assert same.all(), [(rows[i], got[i], ref[i]) for i in np.nonzero(~same)[0][:5]]


#: the measured bound of numpy's ufuncs against the C library (math.*):
#: units in the last place, on this machine (numpy 2.4, x86-64)
ULP_BOUND = 4


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_numpy_column_has_the_conventions_of_the_float_fn(name):
    """Same nan, same infinities (with their signs), same signed zeros, and
    the finite values within ULP_BOUND (bitwise where BITWISE says so)."""
    prim = PRIMITIVES[name]
    rows = _inputs(prim)
    got, ref = _compare(vectorized.COLUMNS[name], prim.fn, rows)
    assert (np.isnan(got) == np.isnan(ref)).all(), [
        (rows[i], got[i], ref[i]) for i in np.nonzero(np.isnan(got) != np.isnan(ref))[0][:5]
    ]
    finite = np.isfinite(ref)
    assert (np.isfinite(got) == finite).all()
    infinite = np.isinf(ref)
    assert (got[infinite] == ref[infinite]).all()
    zero = ref == 0
    assert (np.signbit(got[zero]) == np.signbit(ref[zero])).all() or name == "logsumexp"
    if name in vectorized.BITWISE:
        ok = (_bits(got) == _bits(ref)) | np.isnan(ref)
        assert ok.all(), [(rows[i], got[i], ref[i]) for i in np.nonzero(~ok)[0][:5]]
        return
    f = finite
    if name == "logsumexp":  # log1p of a cancelling sum: the bound is on the arguments' scale
        scale = np.array([max([abs(v) for v in r if math.isfinite(v)] + [1.0]) for r in rows])[f]
        assert (np.abs(got[f] - ref[f]) <= ULP_BOUND * np.spacing(scale)).all()
        return
    ulps = np.abs(_bits(got[f]) - _bits(ref[f]))
    assert ulps.max(initial=0) <= ULP_BOUND


@pytest.mark.parametrize("a", EDGES)
@pytest.mark.parametrize("b", [0.0, -0.0, math.inf, -math.inf, math.nan, 2.0])
def test_absorbing_columns_follow_the_zero_times_infinity_rule(a, b):
    for name, column in vectorized.ABSORBING_COLUMNS.items():
        fn = ABSORBING[name].fn
        with np.errstate(all="ignore"):
            got = float(column(np.array([a]), np.array([b]))[0])
        ref = fn(a, b)
        assert (
            math.isnan(got) and math.isnan(ref) or _bits(np.array([got])) == _bits(np.array([ref]))
        ), (name, a, b, got, ref)
