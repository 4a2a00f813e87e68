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


# ---------------------------------------------------------------------------
# --points at a kink: the row is the single point's, warnings and --side too

KINKED = [p for p in PRIMITIVES.values() if p.kink is not None]
CANDIDATES = [0.0, -0.0, 1.0, -1.0, 2.0, 2.5, -0.5, 0.5, 3.0]


def _kink_case(prim):
    """``prim`` of the variables, times a variable so the kink's one-sided
    derivatives are not all 0, and its rows: every candidate point at a kink,
    and a few that are not."""
    names = ("x", "y")[: prim.arity]
    call = f"{prim.name}({', '.join(names)})" if prim.is_function else None
    if call is None:  # an operator
        call = f"({names[0]} {prim.symbol} {names[-1]})"
    text = f"{call} * (x + 3)"
    rows = [r for r in itertools.product(CANDIDATES, repeat=prim.arity) if prim.kink.where(*r)]
    assert rows, prim.name
    rows += [(0.3,) * prim.arity, (1.7,) * prim.arity]
    return text, names, rows


def _single_row(kind, mode, program, point, wrt, options):
    from derivcli import batch
    from derivcli.errors import DomainError

    try:
        result = batch._single(kind, mode, program, point, wrt, options)
    except DomainError as exc:
        return None, [exc.message]
    return batch._result_row(kind, program, wrt, result), list(result.warnings)


def _same(a, b):
    return (math.isnan(a) and math.isnan(b)) or (
        a == b and math.copysign(1, a) == math.copysign(1, b)
    )


@pytest.mark.parametrize("prim", KINKED, ids=lambda p: p.name)
@pytest.mark.parametrize(
    ("kind", "mode", "side"),
    [("gradient", "reverse", None), ("gradient", "forward", None), ("hessian", "reverse", None),
     ("jacobian", "forward", None), ("gradient", "reverse", "left"), ("gradient", "dual", "right"),
     ("jacobian", "reverse", "right"), ("jacobian", "forward", "left")],
)  # fmt: skip
def test_points_at_a_kink_are_the_single_points_with_their_warnings_and_side(
    prim, kind, mode, side
):
    """The batch redid only rows with a non-finite number: a row at a kink
    lost the single point's kink warning, and --side was silently ignored."""
    import numpy as np

    from derivcli import api, batch
    from derivcli.parser import parse

    text, names, rows = _kink_case(prim)
    program = parse(text)
    wrt = program.variables
    options = {} if side is None else {"side": side}
    columns = {n: np.array([r[i] for r in rows]) for i, n in enumerate(names)}
    result = batch.run(kind, program, columns, wrt, mode=mode, exact=True, options=options)
    out = batch.column_names(kind, program, wrt)
    notes = {note.row: note.messages for note in result.notes}
    for i, row in enumerate(rows):
        point = dict(zip(names, row))
        ref, said = _single_row(kind, mode, program, point, wrt, options)
        if side is not None and ref is not None:  # the API's one point, for --side
            one = getattr(api, f"{kind}_at")(text, point, wrt=",".join(wrt), mode=mode, side=side)
            assert batch._result_row(kind, program, wrt, one) == pytest.approx(ref, nan_ok=True)
        got = [float(result.columns[c][i]) for c in out]
        assert notes.get(i, []) == said, (text, point)
        if ref is not None:
            assert all(_same(g, r) for g, r in zip(got, ref, strict=True)), (text, point, got, ref)


def test_side_with_points_on_the_command_line():
    from clirun import run

    rows = "x\n0\n-2\n"
    left = run("grad", "abs(x)", "--points", "-", "--side", "left", input=rows)
    assert left.exit_code == 0 and left.stdout.splitlines()[1:] == ["0,0,-1", "-2,2,-1"]
    right = run("grad", "abs(x)", "--points", "-", "--side", "right", input=rows)
    assert right.stdout.splitlines()[1] == "0,0,1"
    assert "line 2: abs(x) has a kink at x = 0" in right.stderr
    refused = run("hessian", "abs(x)", "--points", "-", "--side", "left", input=rows)
    assert refused.exit_code == 2 and "--side applies to grad and jacobian" in refused.stderr


@pytest.mark.parametrize("prim", KINKED, ids=lambda p: p.name)
def test_kink_rows_found_on_arrays_are_those_found_row_by_row(prim):
    import numpy as np

    from derivcli.batch import _where

    rows = list(itertools.product(CANDIDATES + [math.inf, -math.inf, math.nan], repeat=prim.arity))
    args = [np.array([r[i] for r in rows]) for i in range(prim.arity)]
    expected = [bool(prim.kink.where(*r)) for r in rows]
    with np.errstate(all="ignore"):  # as in batch.run
        assert _where(prim.kink.where, args).tolist() == expected


@pytest.mark.parametrize("x", [1e155, -1e200, 1e300])
def test_numeric_hessian_far_from_zero_is_not_an_internal_error(x):
    """The diagonal's size was abs(f) / scale**2: ``**`` raised OverflowError
    for |x| > 1e154 (hessian --mode numeric and --points rows crashed)."""
    import derivcli
    from derivcli.errors import DerivError

    for prim in PRIMITIVES.values():
        if prim.arity != 1 or not prim.is_function:
            continue
        for text in (f"{prim.name}(x)", f"x*x*{prim.name}(y)"):
            try:
                derivcli.hessian(text, at={"x": x, "y": 0.5}, mode="numeric")
            except DerivError:
                pass


@pytest.mark.parametrize(
    ("line", "said"),
    [('{"x": NaN, "y": 2}', 'a bare NaN, which is not JSON; write it as the string "NaN"'),
     ('{"x": Infinity, "y": 2}', "a bare Infinity"),
     ('{"x": 1, "y": -Infinity}', "a bare -Infinity"),
     ('{"x": 1, "id": NaN, "y": 2}', "a bare NaN"),
     ('{"x": 1, "x": 5, "y": 2}', "names the key 'x' twice"),
     ('{"x": 1, "y": 2, "id": {"a": 1, "a": 2}}', "names the key 'a' twice")],
)  # fmt: skip
def test_points_json_lines_that_are_not_strict_json_are_malformed_rows(line, said):
    """The output copies the input object: a bare NaN in it made the output
    non-strict JSON, and a key given twice was read as its last value while
    the output showed both."""
    from clirun import run, strict_json

    good = '{"x": 1, "y": 3}'
    result = run("grad", "x*y", "--points", "-", input=f"{good}\n{line}\n{good}\n")
    assert result.exit_code == 2
    assert f"line 2 of standard input {'has ' if 'bare' in said else ''}{said}" in result.stderr
    rows = result.stdout.splitlines()
    assert len(rows) == 1 and strict_json(rows[0])["d/dx"] == 3.0


def test_points_json_lines_with_the_words_as_strings_stay_strict_json():
    from clirun import run, strict_json

    result = run("grad", "x*y", "--points", "-", input='{"x": "NaN", "y": "-Infinity"}\n')
    assert result.exit_code == 0
    row = strict_json(result.stdout)
    assert row["x"] == "NaN" and row["value"] == "NaN" and row["d/dx"] == "-Infinity"


@pytest.mark.parametrize(("n", "order"), [(3, 40), (3, 30), (4, 20), (6, 10), (8, 8)])
def test_taylor_too_big_for_its_product_table_is_refused_before_building_it(n, order):
    """3 variables to order 40 (12,341 coefficients, within the limit on
    coefficients) built a product table of 9.4 million pairs first: 4 GB
    and minutes before any answer."""
    import derivcli
    from derivcli import expansion
    from derivcli.errors import UsageError

    names = [f"x{i}" for i in range(n)]
    start = time.perf_counter()
    with pytest.raises(UsageError, match="lower .*order or expand in fewer variables"):
        derivcli.taylor("exp(" + "+".join(names) + ")", at=dict.fromkeys(names, 0.0), order=order)
    assert time.perf_counter() - start < 1.0
    assert (n, order) not in expansion._BASES


@pytest.mark.parametrize(("n", "order"), [(1, 40), (2, 40), (3, 12), (20, 3)])
def test_taylor_within_the_limits_matches_the_exponential_series(n, order):
    import derivcli

    names = [f"x{i}" for i in range(n)]
    result = derivcli.taylor(
        "exp(" + "+".join(names) + ")", at=dict.fromkeys(names, 0.0), order=order
    )
    for exponents, c in result.terms.items():  # exp(sum) = prod exp: 1/prod(k!)
        expected = 1.0 / math.prod(math.factorial(k) for k in exponents)
        assert c == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    "args",
    [("exp(x)", "--from", "-1000", "--to", "1000"),
     ("exp(x)", "--from", "-1000", "--to", "1000", "--order", "2"),
     ("1/x^9", "--from", "-1", "--to", "1"),
     ("x^300", "--from", "-11", "--to", "11"),
     ("sin(x) + exp(x^2)", "--from", "-26", "--to", "26", "--taylor", "2", "--at", "x=0")],
)  # fmt: skip
def test_terminal_plot_of_values_far_outside_the_window_is_drawn(args):
    """plotext draws lines pixel by pixel: a segment to 1e300 below a window
    of a few units aborted the whole process (std::bad_alloc, exit 134)."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "derivcli", "plot", *args],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "f" in done.stdout.splitlines()[-1] and "┤" in done.stdout
