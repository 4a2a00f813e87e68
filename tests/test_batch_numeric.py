"""The numeric mode on whole columns (issue 13): ``--mode numeric --points``
gives every row the single-point numeric result bit for bit (the same
steps, extrapolation, error estimates, unreliable flags and warnings) for
gradients, Hessians and Jacobians, and the rows run on arrays, not one by
one."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import CASES, VECTOR_CASES, close, exact, exact_jacobian
from test_batch import _case_rows, _same

from derivcli import batch, batch_numeric
from derivcli.errors import DomainError, UsageError
from derivcli.parser import parse

#: (scheme, step): every formula of numeric.py
SCHEMES = [
    ("richardson", None),
    ("forward", None),
    ("central", None),
    ("richardson", 1e-3),
    ("forward", 1e-4),
    ("central", 1e-3),
]


def _check_equal(program, names, rows, options, kind="gradient"):
    """Every row of the batch is the single point's (numbers bitwise, the
    same warnings, the same domain errors); returns how many rows the batch
    sent through the single point and how many rows warn."""
    columns = {n: np.array([r[i] for r in rows], dtype=float) for i, n in enumerate(names)}
    wrt = program.variables
    calls = []
    single = batch._single

    def counted(*args, **kwargs):
        calls.append(args)
        return single(*args, **kwargs)

    batch._single = counted
    try:
        result = batch.run(kind, program, columns, wrt, mode="numeric", options=options)
    finally:
        batch._single = single
    out = batch.column_names(kind, program, wrt)
    notes = {note.row: note for note in result.notes}
    for i, row in enumerate(rows):
        point = dict(zip(names, row))
        got = [float(result.columns[c][i]) for c in out]
        note = notes.get(i)
        try:
            ref = single(kind, "numeric", program, point, wrt, options)
        except DomainError as exc:
            assert all(math.isnan(g) for g in got)
            assert note is not None and note.undefined and note.messages == [exc.message]
            continue
        said = ref.warnings
        assert (note.messages if note else []) == said, (program.source, point, options)
        numbers = batch._result_row(kind, program, wrt, ref)
        for c, g, r in zip(out, got, numbers, strict=True):
            assert _same(g, r), (program.source, options, point, c, g, r)
    return len(calls), len(notes)


@pytest.mark.parametrize("scheme,step", SCHEMES)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c[0])
def test_numeric_batch_is_the_single_point_bit_for_bit(case, scheme, step):
    """The oracle's table, with the edge rows (zeros, signs, poles, inf,
    nan, overflow): the same numbers, warnings and errors as one point."""
    text, names, points = case
    program = parse(text)
    rows = _case_rows(text, names, points)
    if scheme == "richardson" and step is None:
        rows = rows[: len(points) + 22 + 6]  # the single point is slow: fewer random rows
    else:
        rows = rows[: len(points) + 22 + 3]
    if step is not None:  # a step lost against x is a usage error, for the whole batch
        lost = [r for r in rows if any(v + step == v or v - step == v for v in r)]
        if lost:
            with pytest.raises(UsageError, match="is lost against"):
                _check_equal(program, names, lost[:1], {"scheme": scheme, "step": step})
        rows = [r for r in rows if r not in lost]
    _check_equal(program, names, rows, {"scheme": scheme, "step": step})
    # Hessians: the same, on the case's own points and the edge rows (but
    # 1e300 and -1e-310: one point's Richardson Hessian raises there,
    # OverflowError in ``_scale(x) ** 2``, ZeroDivisionError in ``mixed``'s
    # area that underflows; the batch sends those rows to it, which raises)
    rows = [r for r in rows[: len(points) + 22] if not any(abs(v) in (1e300, 1e-310) for v in r)]
    _check_equal(program, names, rows, {"scheme": scheme, "step": step}, kind="hessian")


SMOOTH = ["x*x*y + y + 2", "x*y*z + sin(x*z) + exp(-y^2)", "log(x^2 + 1)*cos(y)", "atan(x/y)"]


@pytest.mark.parametrize("scheme,step", SCHEMES)
@pytest.mark.parametrize("text", SMOOTH)
def test_smooth_rows_run_on_arrays(text, scheme, step):
    """Random rows of smooth formulas: only the rows that warn (a textbook
    formula at a fixed step is often "unreliable") go through the single
    point, none with Richardson's own steps; every row is the single point's."""
    program = parse(text)
    names = program.variables
    rng = np.random.default_rng(7)
    rows = [tuple(r) for r in rng.uniform(0.5, 3, (40, len(names))).tolist()]
    for kind in ("gradient", "hessian"):
        options = {"scheme": scheme, "step": step}
        calls, warned = _check_equal(program, names, rows, options, kind=kind)
        assert calls == warned
        if scheme == "richardson" and step is None:
            assert calls == 0


def test_rows_that_warn_are_the_single_points():
    """Unreliable entries (a kink between the steps), an underflowing f and
    a tiny x: the rows carry the single point's warnings."""
    program = parse("abs(x - 1e-5)*y")
    rows = [(1e-5 + d, 2.0) for d in (1e-6, 3e-5, -2e-6, 0.5)]
    for options in ({"scheme": "forward", "step": 1e-4}, {"scheme": "richardson"}):
        _check_equal(program, ("x", "y"), rows, options)
    _check_equal(parse("exp(-x)*y"), ("x", "y"), [(800.0, 1.0), (1.0, 1e-7)], {})
    _check_equal(parse("sin(x)*y"), ("x", "y"), [(1e-9, 1.0), (-3e-7, 2.0)], {})
    result = batch.run(
        "gradient", program, {"x": np.array([9e-6]), "y": np.array([2.0])}, ("x", "y"),
        mode="numeric", options={"scheme": "forward", "step": 1e-4},
    )  # fmt: skip
    assert any("unreliable" in m for note in result.notes for m in note.messages)


@pytest.mark.parametrize("case", CASES[:20], ids=lambda c: c[0])
def test_numeric_batch_against_the_exact_oracle(case):
    """The default scheme as one batch, against SymPy at 40 digits."""
    text, names, points = case
    program = parse(text)
    columns = {n: np.array([p[i] for p in points]) for i, n in enumerate(names)}
    result = batch.run("gradient", program, columns, names, mode="numeric")
    for i, p in enumerate(points):
        value, gradient, _ = exact(text, names, p)
        if not all(math.isfinite(g) for g in gradient):
            continue
        assert close(result.columns["value"][i], value, 1e-12)
        for a, g in zip(names, gradient):
            assert close(result.columns[f"d/d{a}"][i], g, 1e-6), (text, p, a)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(allow_nan=True, allow_infinity=True, width=64),
            st.floats(min_value=-50, max_value=50),
        ),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from(["exp(x)*y - log(y)", "x^y + acos(y/60)", "sqrt(x)*tan(y) + x/y"]),
    st.sampled_from(SCHEMES),
)
def test_property_numeric_batch_equals_single_point(rows, text, scheme):
    if scheme[1] is not None:
        rows = [r for r in rows if not any(v + scheme[1] == v or v - scheme[1] == v for v in r)]
    for kind in ("gradient", "hessian"):
        options = {"scheme": scheme[0], "step": scheme[1]}
        _check_equal(parse(text), ("x", "y"), rows, options, kind=kind)


def test_unsupported_options_go_row_by_row():
    assert batch_numeric.supports("gradient", {})
    assert batch_numeric.supports("gradient", {"scheme": "central", "step": 1e-3})
    assert batch_numeric.supports("jacobian", {})
    assert batch_numeric.supports("hessian", {"step": 1e-3})
    assert not batch_numeric.supports("hessian", {"step": 1e-200})  # its square underflows
    assert not batch_numeric.supports("eval", {})
    assert not batch_numeric.supports("gradient", {"step": -1.0})
    assert not batch_numeric.supports("gradient", {"scheme": "spline"})


@pytest.mark.parametrize("scheme,step", SCHEMES)
def test_numeric_jacobian_batch_is_the_single_point_bit_for_bit(scheme, step):
    """Jacobians: each entry its own sequence of steps over its output, as
    one point computes it; the smooth random rows run on arrays."""
    rng = np.random.default_rng(5)
    for outputs, names, points in VECTOR_CASES:
        program = parse(", ".join(outputs))
        rows = _case_rows(" ".join(outputs), names, points)[: len(points) + 22 + 3]
        if step is not None:
            rows = [r for r in rows if not any(v + step == v or v - step == v for v in r)]
        _check_equal(program, names, rows, {"scheme": scheme, "step": step}, kind="jacobian")
        smooth = [tuple(r) for r in rng.uniform(0.5, 2, (10, len(names))).tolist()]
        calls, warned = _check_equal(
            program, names, smooth, {"scheme": scheme, "step": step}, kind="jacobian"
        )
        assert calls == warned


def test_numeric_jacobian_batch_against_the_exact_oracle():
    for outputs, names, points in VECTOR_CASES:
        program = parse(", ".join(outputs))
        columns = {n: np.array([p[i] for p in points]) for i, n in enumerate(names)}
        result = batch.run("jacobian", program, columns, names, mode="numeric")
        for i, p in enumerate(points):
            values, rows, _zeros = exact_jacobian(outputs, names, p)
            for f, v in zip(program.names, values):
                assert close(result.columns[f"value_{f}"][i], v, 1e-12)
            for f, row in zip(program.names, rows):
                for x, d in zip(names, row):
                    if math.isfinite(d):
                        assert close(result.columns[f"d{f}/d{x}"][i], d, 1e-6), (outputs, p, f, x)
