"""Benchmarks: speed of the command line and of each mode. Run by hand:

    python benchmarks/bench.py            # every benchmark
    python benchmarks/bench.py startup    # only the ones whose name matches

Figures are wall-clock medians on this machine; they are reported in issue
notes, never asserted by tests.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable

SEED = "x*x*y + y + 2"


def median_time(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def command(*args: str) -> Callable[[], object]:
    return lambda: subprocess.run(args, check=True, capture_output=True)


def rosenbrock(n: int) -> tuple[str, dict[str, float]]:
    terms = [f"100*(x{i + 1} - x{i}^2)^2 + (1 - x{i})^2" for i in range(1, n)]
    return " + ".join(terms), {f"x{i}": 0.5 for i in range(1, n + 1)}


def bench_startup() -> None:
    py = median_time(command(sys.executable, "-c", "pass"), 9)
    grad = median_time(command("derivcli", "grad", SEED, "--at", "x=3,y=4"), 9)
    json_ = median_time(command("derivcli", "grad", SEED, "--at", "x=3,y=4", "--format", "json"), 9)
    print(f"startup: python -c pass {py * 1e3:.0f} ms; derivcli grad (table) {grad * 1e3:.0f} ms;"
          f" (json) {json_ * 1e3:.0f} ms")  # fmt: skip


def bench_large() -> None:
    import derivcli

    n = 10_000
    text, point = rosenbrock(n)
    t_parse = median_time(lambda: derivcli.parse(text), 3)
    graph = derivcli.parse(text)
    t_grad = median_time(lambda: derivcli.grad(graph, point), 3)
    print(
        f"rosenbrock n={n} ({len(text) / 1e3:.0f} kB): parse {t_parse:.2f} s, reverse gradient {t_grad:.2f} s"
    )
    big = "+".join(["x"] * 1_000_000)
    start = time.perf_counter()
    g = derivcli.parse(big)
    t1 = time.perf_counter()
    r = derivcli.grad(g, {"x": 1.0})
    t2 = time.perf_counter()
    import resource

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"1,000,000 terms: parse {t1 - start:.1f} s, reverse gradient {t2 - t1:.1f} s "
        f"(= {r.gradient['x']:.0f}); peak memory of this process {peak_mb:.0f} MB"
    )


def bench_modes() -> None:
    import derivcli
    from derivcli.backends import MODES
    from derivcli.errors import DerivError

    n = 50
    text = " + ".join(f"x{i}^2" for i in range(n))
    point = {f"x{i}": float(i) for i in range(n)}
    graph = derivcli.parse(text)
    for mode in MODES:
        try:
            t = median_time(lambda mode=mode: derivcli.grad(graph, point, mode=mode), 5)
        except DerivError as exc:
            print(f"gradient, {n} variables, {mode}: unavailable ({exc})")
            continue
        print(f"gradient, {n} variables, {mode}: {t * 1e3:.2f} ms")


BENCHES = {"startup": bench_startup, "large": bench_large, "modes": bench_modes}

if __name__ == "__main__":
    wanted = sys.argv[1:]
    for name, bench in BENCHES.items():
        if not wanted or any(w in name for w in wanted):
            bench()
