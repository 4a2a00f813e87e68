"""Every mode side by side: ``derivcli compare``.

The seed notebook's lesson is that the ways of differentiating give the same
answer at very different costs: numeric differences need about 2n
evaluations of f, forward-type modes one pass per variable, reverse mode one
forward and one backward pass whatever the number of variables. This module
runs the requested modes on one expression and point, times them, counts
their cost and measures each entry against the reference: :data:`REFERENCE`,
the mpmath mode (the derivative graphs in 50-digit arithmetic, correctly
rounded), so an error is the true error of a mode; the symbolic forward mode
(:data:`FALLBACK_REFERENCE`) stands in, with a warning, only where mpmath
cannot run.

Errors
    absolute, ``|ours - reference|``, and in units in the last place of the
    reference, ``|ours - reference| / ulp(reference)``; for a reference of
    exactly 0 the unit is ``ulp(1.0)`` (2.2e-16), since ``ulp(0)`` (5e-324)
    would turn any rounding residue into an astronomic count. Two NaNs, or
    two equal infinities, agree (error 0): a NaN agrees only where the
    reference is NaN too; a non-finite number against a finite one is an
    infinite error.

Tolerances (``agrees``)
    an entry agrees when ``|ours - reference| <= tol * max(|reference|, 1)``:
    relative, with references below 1 in magnitude counted as 1 (an absolute
    floor of ``tol``, so an exact 0 can be matched). ``tol`` is
    :data:`EXACT_TOLERANCE` for the exact modes; the numeric mode may
    instead differ by its own error estimate (which bounds its true error on
    the whole oracle table). An explicit ``tolerance`` replaces both, for
    every mode. A non-finite reference must be matched exactly. A numeric
    entry flagged unreliable (its estimate above 1e-6 of its magnitude, with
    a warning) is a disagreement whatever its error.

Timing
    one untimed warm-up run (whose result is the one reported), then the
    median of :data:`MIN_REPEATS` to :data:`MAX_REPEATS` timed runs of the
    computation alone: the expression is parsed and imports are done before.
    TensorFlow's one-off import is timed separately (``import_seconds``).
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Mapping
from typing import Any

from . import backends
from .backends import MODES
from .errors import DerivError, ModeUnavailable, UsageError
from .numbers import text_number
from .results import Comparison, EntryKey, Gradient, Hessian, ModeComparison

#: the correctly rounded result every mode is measured against
REFERENCE = "mpmath"
#: the reference where mpmath cannot run (exact up to float64 rounding)
FALLBACK_REFERENCE = "forward"
#: the default relative tolerance of the exact modes
EXACT_TOLERANCE = 1e-12
#: timed runs after the warm-up: at least MIN_REPEATS (unless a run is slow),
#: at most MAX_REPEATS, stopping once TIME_TARGET seconds have been spent
MIN_REPEATS, MAX_REPEATS = 3, 5
TIME_TARGET = 0.2
#: no more timed runs once the warm-up and the runs so far take this long
TIME_BUDGET = 3.0

#: what one unit of each mode's cost is, and how it arises per kind of
#: result: built from what each mode module declares
COST_UNITS = backends.COST_UNITS
COST_NOTES = backends.COST_NOTES

KINDS = ("gradient", "hessian", "jacobian")


def parse_modes(text: str) -> tuple[str, ...]:
    """``"all"`` or ``"numeric,dual"`` as a tuple of modes (no repeats)."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise UsageError(f"--modes is empty; give 'all' or some of {', '.join(MODES)}")
    modes: list[str] = []
    for name in names:
        if name == "all":
            modes.extend(MODES)
        elif name in MODES:
            modes.append(name)
        else:
            raise UsageError(
                f"--modes: unknown mode '{name}'; choose 'all' or some of "
                f"{', '.join(MODES)}, separated by commas"
            )
    return tuple(dict.fromkeys(modes))


def check_tolerance(tolerance: float | None) -> float | None:
    if tolerance is not None and not (tolerance >= 0 and math.isfinite(tolerance)):
        raise UsageError(
            f"--tolerance must be a finite number >= 0, got {tolerance}; try --tolerance 1e-9"
        )
    return tolerance


# ---------------------------------------------------------------------------
# Errors and tolerances


def abs_error(ours: float, reference: float) -> float:
    """``|ours - reference|``; 0 for two NaNs or two equal infinities, and
    infinite for a non-finite number against another number."""
    if ours == reference or (ours != ours and reference != reference):
        return 0.0
    difference = abs(ours - reference)
    return math.inf if difference != difference else difference


def ulp_error(ours: float, reference: float) -> float:
    """The error in units in the last place of ``reference`` (of 1.0 for a
    reference of 0)."""
    error = abs_error(ours, reference)
    if error == 0.0:
        return 0.0
    if not (math.isfinite(error) and math.isfinite(reference)):
        return math.inf
    unit = math.ulp(reference) if reference != 0 else math.ulp(1.0)
    return error / unit


def allowed_error(
    mode: str, reference: float, estimate: float | None, tolerance: float | None
) -> float:
    """The absolute error ``mode`` may have on an entry whose exact value is
    ``reference`` (module docstring: Tolerances)."""
    if not math.isfinite(reference):
        return 0.0
    scale = max(abs(reference), 1.0)
    if tolerance is not None:
        return tolerance * scale
    floor = EXACT_TOLERANCE * scale
    if estimate is not None and math.isfinite(estimate):
        return max(estimate, floor)
    return floor


def tolerance_note(tolerance: float | None) -> str:
    if tolerance is not None:
        return f"every mode: relative {tolerance:g} (absolute below 1)"
    return (
        f"exact modes: relative {EXACT_TOLERANCE:g} (absolute below 1); "
        "numeric: its own error estimate"
    )


# ---------------------------------------------------------------------------
# Running and timing


def timed(compute: Callable[[], Any]) -> tuple[Any, float, float, int]:
    """``compute()`` once untimed (the result), then timed repetitions.

    Returns the result, the median of the timed runs, the warm-up's time and
    the number of timed runs.
    """
    start = time.perf_counter()
    result = compute()
    first = time.perf_counter() - start
    samples: list[float] = []
    while len(samples) < MAX_REPEATS:
        spent = sum(samples)
        if len(samples) >= MIN_REPEATS and spent >= TIME_TARGET:
            break
        if samples and first + spent >= TIME_BUDGET:
            break
        start = time.perf_counter()
        compute()
        samples.append(time.perf_counter() - start)
    return result, statistics.median(samples), first, len(samples)


def import_seconds(backend: Any) -> float | None:
    """The one-off import of a heavy mode's library (TensorFlow), timed.

    A backend with such a library offers ``import_library()``, which raises
    ``ModeUnavailable`` when the library is missing.
    """
    importer = getattr(backend, "import_library", None)
    if importer is None:
        return None
    start = time.perf_counter()
    importer()
    return time.perf_counter() - start


def _entries(result: Gradient | Hessian, kind: str, wrt: tuple[str, ...]) -> dict:
    """Every entry of the result, keyed as :data:`EntryKey`."""
    return {key: float(v) for key, v in result.entries.items()}


def _nested(entries: dict) -> dict:
    """Entries keyed ``(x,)`` or ``(a, b)`` as the JSON contract nests them:
    ``{x: v}`` or ``{a: {b: v}}``."""
    out: dict = {}
    for key, v in entries.items():
        if len(key) == 1:
            out[key[0]] = v
        else:
            out.setdefault(key[0], {})[key[1]] = v
    return out


def _cost(mode: str, evaluations: int | None) -> str:
    if evaluations is None:
        return ""
    singular, plural = COST_UNITS.get(mode, ("pass", "passes"))
    return f"{evaluations} {singular if evaluations == 1 else plural}"


def _measure(
    row: ModeComparison,
    result: Gradient | Hessian,
    kind: str,
    wrt: tuple[str, ...],
    reference: Gradient | Hessian,
    reference_entries: dict,
    tolerance: float | None,
    float_value: float,
) -> None:
    """Fill ``row``'s numbers and errors from ``result``.

    ``float_value`` is the formula evaluated in float64: a mode whose value
    is exactly that is not blamed for the value's error (every float mode
    shares it; the comparison warns about it once)."""
    row.value = float(result.value)
    row.entries = _entries(result, kind, wrt)
    setattr(row, kind, _nested(row.entries))  # row.gradient, row.hessian, row.jacobian
    estimates = getattr(result, "estimates", {})
    pairs: list[tuple[EntryKey, float, float]] = [((), row.value, float(reference.value))]
    pairs += [(key, v, reference_entries[key]) for key, v in row.entries.items()]
    flagged = getattr(result, "unreliable", [])
    unreliable = {key if isinstance(key, tuple) else (key,) for key in flagged}
    for key, ours, exact in pairs:
        error = abs_error(ours, exact)
        row.abs_errors[key] = error
        row.ulp_errors[key] = ulp_error(ours, exact)
        row.allowed[key] = allowed_error(row.mode, exact, estimates.get(key), tolerance)
        if key == () and _same(ours, float_value):
            continue  # the formula's own float64 rounding, not the mode's
        if not error <= row.allowed[key] or key in unreliable:
            row.out_of_tolerance.append(key)
    own = [key for key in row.abs_errors if key != () or not _same(row.value, float_value)]
    row.max_abs_error = max((row.abs_errors[key] for key in own), default=0.0)
    row.max_ulp_error = max((row.ulp_errors[key] for key in own), default=0.0)
    row.evaluations = result.evaluations
    row.cost = _cost(row.mode, result.evaluations)
    row.warnings = list(result.warnings)


def _same(a: float, b: float) -> bool:
    return a == b or (a != a and b != b)


def compare(
    expression: Any,
    point: Mapping[str, float],
    *,
    modes: tuple[str, ...] | str = "all",
    wrt: Any = None,
    hessian: bool = False,
    jacobian: bool = False,
    tolerance: float | None = None,
    backend_for: Callable[[str], Any] | None = None,
) -> Comparison:
    """Run ``modes`` on ``expression`` at ``point`` and measure each against
    :data:`REFERENCE` (or :data:`FALLBACK_REFERENCE` where mpmath cannot
    run, with a warning). ``backend_for`` (default ``backends.get_backend``,
    looked up at each call) maps a mode to its module; a mode that raises
    ``ModeUnavailable`` is listed as skipped, with the reason."""
    from .api import prepare

    if isinstance(modes, str):
        modes = parse_modes(modes)
    tolerance = check_tolerance(tolerance)
    lookup = backend_for or backends.get_backend
    if hessian and jacobian:
        raise UsageError("--hessian and --jacobian compare different things; give one of them")
    kind = "jacobian" if jacobian else "hessian" if hessian else "gradient"
    command = None if jacobian else "compare" + (" --hessian" if hessian else "")
    graph, point, names, warnings = prepare(expression, point, wrt, command)

    def computation(backend: Any) -> Callable[[], Any]:
        method = getattr(backend, kind)
        return lambda: method(graph, point, names)

    reference_mode = REFERENCE
    try:
        reference_backend = lookup(REFERENCE)
        reference = computation(reference_backend)()
    except ModeUnavailable as exc:
        warnings.append(
            f"the {REFERENCE} mode cannot run here ({exc.message}); every mode is measured "
            f"against the {FALLBACK_REFERENCE} mode instead, exact only up to float64 rounding"
        )
        reference_mode = FALLBACK_REFERENCE
        try:
            reference_backend = lookup(FALLBACK_REFERENCE)
            reference = computation(reference_backend)()
        except ModeUnavailable as fallback:
            raise ModeUnavailable(
                f"compare measures every mode against the {REFERENCE} mode (or the "
                f"{FALLBACK_REFERENCE} mode), which cannot run here: {exc.message}; "
                f"{fallback.message}",
                exc.detail,
            ) from None
    reference_entries = _entries(reference, kind, names)
    from .graph import evaluate

    float_value = float(evaluate(graph.outputs[0], point, strict=False))
    exact_value = float(reference.value)
    if not _same(float_value, exact_value):
        warnings.append(
            f"the formula evaluated in float64 gives {text_number(float_value)}, the exact "
            f"value is {text_number(exact_value)} (error {abs_error(float_value, exact_value):.1e}):"
            " rounding in the formula itself, shared by every float mode; no mode is "
            "blamed for it"
        )
    if hessian or jacobian:
        zeros = [tuple(pair) for pair in reference.structural_zeros]
    else:
        zeros = [(name,) for name in reference.structural_zeros]

    if hessian:  # the gradient graphs that warnings read: built once, before any timing
        backends.program_gradient_graphs(graph, tuple(names))
    rows = []
    for mode in modes:
        row = ModeComparison(mode=mode, cost_note=COST_NOTES[kind].get(mode, ""))
        try:
            backend = reference_backend if mode == reference_mode else lookup(mode)
            row.import_seconds = import_seconds(backend)
            result, row.seconds, row.first_seconds, row.repetitions = timed(computation(backend))
        except ModeUnavailable as exc:
            row = ModeComparison(mode=mode, skipped=exc.message)
        except DerivError as exc:
            row.failed = exc.message
        else:
            _measure(row, result, kind, names, reference, reference_entries, tolerance, float_value)
        rows.append(row)

    return Comparison(
        expression=graph.source,
        point=dict(point),
        variables=tuple(names),
        kind=kind,
        reference=reference_mode,
        reference_value=float(reference.value),
        reference_entries=reference_entries,
        structural_zeros=zeros,
        rows=rows,
        tolerance=tolerance,
        tolerance_note=tolerance_note(tolerance),
        warnings=warnings + list(reference.warnings),
    )
