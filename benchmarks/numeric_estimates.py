"""How often the numeric mode's error estimate bounds its true error, on
random expressions, against the mpmath mode (the correctly rounded
derivative). Run by hand; figures go into issue notes, never into tests:

    python benchmarks/numeric_estimates.py [N] [--hessian] [--wide] [--before FILE]

``--wide`` draws coordinates log-uniformly over 1e-8 .. 1e3 (both signs)
instead of the property test's [-2, 2]; ``--before FILE`` measures another
version of ``backends/numeric.py`` (e.g. the one from git history).

Each entry with a finite reference is one of: *bounded* (error <= estimate),
*flagged* (error > estimate, but the entry carries an "unreliable" warning),
*silent* (error > estimate and no warning: confidently wrong), or *nan* (the
numeric mode answered NaN where the derivative exists).
"""

from __future__ import annotations

import collections
import importlib.util
import math
import random
import sys
import time

LEAVES = ["x", "y", "z", "2", "0.5", "3.25", "pi", "e"]
UNARY = ["sin", "cos", "tanh", "exp", "sigmoid", "atan", "sinh", "abs", "-"]
BINARY = ["+", "-", "*", "/", "^"]


def expression(rng: random.Random, leaves: int = 12) -> str:
    """A random expression in the grammar of tests/test_property.py."""
    if leaves <= 1 or rng.random() < 0.25:
        return rng.choice(LEAVES)
    kind = rng.random()
    if kind < 0.4:
        op = rng.choice(UNARY)
        inner = expression(rng, leaves - 1)
        return f"-({inner})" if op == "-" else f"{op}({inner})"
    if kind < 0.9:
        left = rng.randint(1, leaves - 1)
        a, b = expression(rng, left), expression(rng, leaves - left)
        return f"({a}){rng.choice(BINARY)}({b})"
    inner = expression(rng, leaves - 1)
    return f"sqrt(1 + ({inner})^2)^{rng.choice(['2', '3', '0.5'])}"


def coordinate(rng: random.Random, wide: bool) -> float:
    if wide:
        return rng.choice([-1, 1]) * 10 ** rng.uniform(-8, 3)
    return round(rng.uniform(-2, 2), 3)


def load_numeric(path: str | None):
    if path is None:
        from derivcli.backends import numeric

        return numeric
    spec = importlib.util.spec_from_file_location("derivcli.backends._numeric_before", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str]) -> None:
    from derivcli.backends import mpmath as mp_mode
    from derivcli.errors import DerivError
    from derivcli.parser import parse

    n = int(next((a for a in argv if a.isdigit()), "500"))
    hessian = "--hessian" in argv
    wide = "--wide" in argv
    before = argv[argv.index("--before") + 1] if "--before" in argv else None
    numeric = load_numeric(before)
    rng = random.Random(20261129)
    counts: collections.Counter = collections.Counter()
    worst = []
    evaluations = 0
    start = time.perf_counter()
    inputs = 0
    while inputs < n:
        text = expression(rng)
        point = {name: coordinate(rng, wide) for name in "xyz"}
        graph = parse(text)
        wrt = ("x", "y", "z")
        try:
            exact = (mp_mode.hessian if hessian else mp_mode.gradient)(graph, point, wrt)
        except DerivError:
            continue
        if not math.isfinite(exact.value):
            continue
        inputs += 1
        ours = (numeric.hessian if hessian else numeric.gradient)(graph, point, wrt)
        evaluations += ours.evaluations
        flagged = set(getattr(ours, "unreliable", []))
        if hessian:
            keys = [(a, b) for i, a in enumerate(wrt) for b in wrt[i:]]
            get = [(k, exact.hessian[k[0]][k[1]], ours.hessian[k[0]][k[1]],
                    ours.error_estimate[k[0]][k[1]]) for k in keys]  # fmt: skip
        else:
            get = [(k, exact.gradient[k], ours.gradient[k], ours.error_estimate[k]) for k in wrt]
        for key, ref, value, estimate in get:
            if not math.isfinite(ref):
                counts["reference not finite"] += 1
                continue
            if value != value:
                counts["nan"] += 1
                continue
            error = abs(value - ref)
            if key in flagged:
                counts["warned (any)"] += 1
            if error <= estimate:
                counts["bounded"] += 1
            elif key in flagged:
                counts["flagged"] += 1
            else:
                counts["silent"] += 1
                worst.append(
                    (error / max(estimate, 1e-300), text, point, key, value, ref, estimate)
                )
    seconds = time.perf_counter() - start
    judged = counts["bounded"] + counts["flagged"] + counts["silent"]
    print(f"{'hessian' if hessian else 'gradient'}, {'wide' if wide else '[-2, 2]'} points, "
          f"{'before' if before else 'now'}: {inputs} inputs, {judged} finite entries judged")  # fmt: skip
    for kind in ("bounded", "flagged", "silent", "nan", "reference not finite", "warned (any)"):
        print(f"  {kind:22} {counts[kind]:6}")
    if judged:
        print(f"  estimate bounds the error: {counts['bounded'] / judged:.2%}; "
              f"silent (wrong beyond the estimate, no warning): {counts['silent'] / judged:.2%}")  # fmt: skip
    print(f"  {evaluations / max(inputs, 1):.0f} f evaluations per input, {seconds:.1f} s")
    for item in sorted(worst, key=lambda w: -w[0])[:8]:
        print("  silent:", item[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
