"""The randomized differential test of issue 9: random expressions at random
points, every exact mode against the mpmath mode (the forward mode's
derivative graphs in 50+ digits, correctly rounded).

* All exact modes agree with each other and with mpmath on which entries are
  NaN or infinite.
* Where float64 can be right, they are right to 1e-12 relative (absolute
  below 1): "float64 can" means the float64 evaluation of the derivative
  graphs agrees with their mpmath evaluation to 1e-12, both for the
  simplified graph (what the forward mode evaluates) and for the chain rule
  as built, unsimplified (the arithmetic dual numbers and adjoints do).
  Elsewhere (cancellation, saturation in the formula) only the NaN/finite
  pattern is required.
* The numeric mode within its estimate: tests/test_numeric_steps.py.

Hypothesis draws the inputs (derandomized in CI); the verdict is on the
whole sample, failures counted by kind, so a report names every kind at once.

The reference evaluates the very graphs the forward mode evaluates (the
chain rule as built, with the 0·∞ rule; the expression's own nodes at their
strict values), and reverse mode's Hessian sweeps those graphs too, so on
edge points (a pow at base 0, an infinite local partial, a second
derivative where the first is infinite or NaN) the modes and the reference
agree by construction. Figures (3000 inputs each, before -> after that):
gradient 0 -> 0 failures; Hessian 15 -> 0 (nan where mpmath is inf 5, modes
disagree on NaN/finite 6, finite where mpmath is inf 2, inf where mpmath is
finite 1, finite where mpmath is nan 1).
:data:`PENDING_SECTION_1` was the switch for those inputs while issue 9 §1
was on another branch; it has landed, and they count like any other.
TensorFlow is left out (its import alone would double the time); it is held
to the oracle table in tests/test_tensorflow.py.
"""

from __future__ import annotations

import collections
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_property import EXPRESSIONS

import derivcli
from derivcli.errors import DerivError
from derivcli.parser import parse

EXACT_MODES = ("forward", "dual", "reverse")
WRT = ("x", "y", "z")
REL = 1e-12
#: where cancellation in the chain rule took more than this many bits, the
#: order of the float operations decides the last digits: reverse mode (which
#: sums the terms in reverse order) is held to REL_CANCELLED there
CANCELLED_BITS = 12
REL_CANCELLED = 1e-6
EXAMPLES = 400
#: set to False once issue 9 §1 (pow at base 0, the 0·∞ rule in every mode)
#: is merged: then those inputs must pass like any other
PENDING_SECTION_1 = False

COORD = st.floats(min_value=-2.0, max_value=2.0, allow_nan=False).map(lambda v: round(v, 3))
SPECIAL = st.sampled_from([0.0, 1.0, -1.0, 0.5, 20.0, -20.0, 1e-8])
INPUT = st.tuples(EXPRESSIONS, COORD | SPECIAL, COORD | SPECIAL, COORD | SPECIAL)


def _pattern(v: float) -> str:
    if v != v:
        return "nan"
    return "finite" if math.isfinite(v) else "inf"


def _close(ours: float, reference: float, rel: float = REL) -> bool:
    if ours == reference:
        return True
    return abs(ours - reference) <= rel * max(abs(reference), 1.0)


def _entries(result, hessian: bool) -> dict:
    if hessian:
        return {(a, b): result.hessian[a][b] for a in WRT for b in WRT}
    return {(a,): result.gradient[a] for a in WRT}


def section_1_input(text: str, point: dict) -> bool:
    """Whether f at the point meets what issue 9 §1 fixes: a pow at base 0,
    an infinite or NaN local partial, or an intermediate that overflows."""
    from derivcli.graph import evaluate_all, topo_order

    order = topo_order(parse(text).root)
    values = evaluate_all(order, point, strict=False)
    for node in order:
        if not node.args:
            continue
        args = [values[a] for a in node.args]
        if node.op == "pow" and args[0] == 0:
            return True
        if not math.isfinite(values[node]):
            return True
        partials = node.prim.partials(*args, values[node])
        if not all(math.isfinite(float(p)) for p in partials):
            return True
    return False


def _raw_chain_rule(graph, point: dict, hessian: bool) -> tuple[dict, dict, dict]:
    """Every entry's unsimplified derivative graph evaluated in float64 and,
    rounded to a double, in 50-digit mpmath; and the most bits cancellation
    took in it (``evaluate_mp``'s ``lost``: a sum far smaller than its
    rounded terms)."""
    import mpmath

    from derivcli.backends.forward import derivative
    from derivcli.backends.mpmath import evaluate_mp, to_double
    from derivcli.graph import evaluate_all, topo_order

    keys = [(a, b) for a in WRT for b in WRT] if hessian else [(a,) for a in WRT]
    graphs = {}
    for key in keys:
        node = graph.root
        for name in key:
            node = derivative(node, name, simplified=False)
        graphs[key] = node
    order = topo_order(list(graphs.values()))
    floats = evaluate_all(order, point, strict=False)
    ctx = mpmath.MPContext()
    ctx.dps = 50
    exact = evaluate_mp(ctx, order, point, strict=False)
    lost = {}
    for key, g in graphs.items():
        bits = [0.0]
        evaluate_mp(ctx, topo_order(g), point, strict=False, lost=bits)
        lost[key] = bits[0]
    return (
        {k: float(floats[g]) for k, g in graphs.items()},
        {k: to_double(exact[g]) for k, g in graphs.items()},
        lost,
    )


def float64_cannot(graph, point: dict, hessian: bool) -> set:
    """The entries whose NaN/finite pattern float64 cannot give: the forward
    mode's graphs evaluated in float64 and in mpmath (the same graphs under
    the same rules, see the module's docstring) first part ways at a node
    whose float64 arguments are not exactly the mpmath ones: an overflow, an
    underflow, a rounding (``1 + 1e-16`` is 1 in float64, and ``log`` of it
    0), or IEEE's zero of negative sign (mpmath has one zero, so ``1/x`` at
    ``x = -0`` is -inf in float64 and +inf in mpmath). Where the arguments are
    exact and the results still part ways, an implementation is wrong: that
    entry is not in the set, and the test fails on it."""
    import mpmath

    from derivcli.backends.forward import derivative
    from derivcli.backends.mpmath import evaluate_mp, to_double
    from derivcli.graph import evaluate_all, topo_order, var

    keys = [(a, b) for a in WRT for b in WRT] if hessian else [(a,) for a in WRT]
    graphs = {}
    for key in keys:
        node = graph.root
        for name in key:
            node = derivative(node, name, simplified=False)
        graphs[key] = node
    ctx = mpmath.MPContext()
    ctx.dps = 50
    own = topo_order(graph.root)
    known = evaluate_all(own, point, strict=False)
    known_mp = evaluate_mp(ctx, own, point, strict=False)
    for name in WRT:
        known[var(name)] = point[name]
        known_mp[var(name)] = ctx.mpf(point[name])
    order = topo_order(list(graphs.values()))
    floats = {**known, **evaluate_all(order, {}, strict=False, known=known)}
    exact = {**known_mp, **evaluate_mp(ctx, order, point, strict=False, known=known_mp)}

    def inexact(node) -> bool:
        f, m = floats[node], exact[node]
        if f != f:
            return not ctx.isnan(m)
        if f == 0 and math.copysign(1.0, f) < 0:
            return True  # a negative zero
        return ctx.isnan(m) or ctx.mpf(f) != m

    cannot = set()
    for key, g in graphs.items():
        for node in topo_order(g):
            f, m = floats[node], to_double(exact[node])
            if _pattern(f) == _pattern(m) and (f == m or math.isfinite(f) or f != f):
                continue
            if any(inexact(a) for a in node.args):
                cannot.add(key)
            break
    return cannot


def differences(text: str, point: dict, hessian: bool) -> list[tuple[str, str]]:
    """(kind, detail) for every way the exact modes miss at this input."""
    graph = parse(text)
    compute = derivcli.hessian if hessian else derivcli.grad
    try:
        reference = compute(graph, point, wrt=WRT, mode="mpmath")
    except DerivError:
        return []  # undefined at the point: every mode says so (tested elsewhere)
    exact = _entries(reference, hessian)
    results = {mode: _entries(compute(graph, point, wrt=WRT, mode=mode), hessian)
               for mode in EXACT_MODES}  # fmt: skip
    # the float64 evaluation of the very graphs mpmath evaluated, and of the
    # chain rule unsimplified
    float64 = results["forward"]
    raw_float, raw_exact, lost = _raw_chain_rule(graph, point, hessian)
    cannot = float64_cannot(graph, point, hessian)
    found = []
    for key, ref in exact.items():
        patterns = {mode: _pattern(results[mode][key]) for mode in EXACT_MODES}
        where = f"{text} at {point}, entry {key}"
        if len(set(patterns.values())) > 1:
            found.append(("modes disagree on NaN/finite", f"{where}: {patterns}"))
        elif patterns["forward"] != _pattern(ref) and key not in cannot:
            found.append(
                (
                    f"{patterns['forward']} where mpmath is {_pattern(ref)}",
                    f"{where}: {results['forward'][key]} vs {ref}",
                )  # fmt: skip
            )
        if (
            math.isfinite(ref)
            and _close(float64[key], ref)
            and _close(raw_float[key], raw_exact[key])
        ):
            for mode in EXACT_MODES:
                if mode == "reverse" and lost[key] > CANCELLED_BITS:
                    # reverse mode sums the same terms in another order: where
                    # the chain rule cancels, its rounding differs (inherent)
                    if not _close(results[mode][key], ref, REL_CANCELLED):
                        found.append(
                            (
                                "reverse beyond 1e-6 where the chain rule cancels",
                                f"{where}: {results[mode][key]} vs {ref}",
                            )  # fmt: skip
                        )
                elif not _close(results[mode][key], ref):
                    found.append(
                        (
                            f"{mode} beyond 1e-12 where float64 can",
                            f"{where}: {results[mode][key]} vs {ref}",
                        )  # fmt: skip
                    )
    return found


def _run(hessian: bool):
    batch = []

    @settings(
        max_examples=EXAMPLES, deadline=None, database=None,
        suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    @given(INPUT)
    def draw(example):
        batch.append(example)

    draw()
    kinds: collections.Counter = collections.Counter()
    pending: collections.Counter = collections.Counter()
    examples: dict[str, str] = {}
    for text, x, y, z in batch:
        point = {"x": x, "y": y, "z": z}
        found = differences(text, point, hessian)
        if found and PENDING_SECTION_1 and section_1_input(text, point):
            pending.update(kind for kind, _ in found)
            continue
        for kind, detail in found:
            kinds[kind] += 1
            examples.setdefault(kind, detail)
    return len(batch), kinds, examples, pending


def _verdict(hessian: bool) -> None:
    inputs, kinds, examples, pending = _run(hessian)
    assert not kinds, f"{inputs} inputs; failures by kind: {dict(kinds)}; e.g. {examples}"
    if pending:
        pytest.xfail(
            f"{inputs} inputs; failures pending issue 9 section 1 (pow at base 0, 0*inf, "
            f"overflow), by kind: {dict(pending)}"
        )


def test_exact_modes_against_mpmath_gradient():
    _verdict(hessian=False)


def test_exact_modes_against_mpmath_hessian():
    _verdict(hessian=True)


@pytest.mark.parametrize(
    "text, point",
    [
        # reverse mode's Hessian was 0 where the others are NaN (its symbolic
        # reverse sweep folded 1 - 1 before meeting the infinite partial)
        ("z^0.5 - z^0.5", {"z": 0.0}),
        # and NaN at (z, y) but 0 at (y, z): an asymmetric Hessian
        ("((z - z)^tanh(y))*sin(pi)", {"z": 0.0, "y": 0.0}),
        ("sqrt(x)^2", {"x": 0.0}),
    ],
)
def test_hessian_edge_points_agree_with_the_reference(text, point):
    """Found by the randomized run: every exact mode's Hessian at a point
    where a first derivative is infinite or NaN is the mpmath mode's, entry
    for entry (NaN with NaN), and symmetric."""
    wrt = tuple(point)
    reference = derivcli.hessian(text, point, wrt=wrt, mode="mpmath").hessian
    for mode in EXACT_MODES:
        rows = derivcli.hessian(text, point, wrt=wrt, mode=mode).hessian
        for a in wrt:
            for b in wrt:
                ours, ref = rows[a][b], reference[a][b]
                assert ours == ref or (ours != ours and ref != ref), (mode, a, b, ours, ref)
                assert _pattern(rows[a][b]) == _pattern(rows[b][a]), (mode, a, b)
