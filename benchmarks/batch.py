"""Many points in one call (issue 13), measured side by side in one run.

    PYTHONPATH=. /work/venv/bin/python benchmarks/batch.py [--rows 1000000] [--calls 50]

1. Compute only: the gradient of a 3-variable formula at ``--rows`` points
   (float64), derivcli's vectorized reverse mode against PyTorch batched
   autograd (``torch.autograd.grad`` of the sum) and JAX ``jit(vmap(grad))``
   (after compiling), each the best of ``--repeat`` runs. Peers that are not
   installed are skipped.
2. End to end: ``derivcli grad --points rows.csv > out.csv`` (a subprocess,
   start-up included) against numpy alone reading the same three columns
   (``np.loadtxt``) and writing the same seven (``np.savetxt``, ``%.17g``:
   as many digits as derivcli's shortest round-trip text needs at most).
3. Against a shell loop of single-point calls: ``--calls`` calls of
   ``derivcli grad --at ...``, extrapolated to ``--rows``.
4. The numeric mode (``--mode numeric``, Richardson by default): its
   vectorized gradient at ``--numeric-rows`` points against the same rows
   run one by one by the single-point mode (``--numeric-loop`` of them).

Figures are wall-clock on this (shared) machine; nothing here is asserted by
tests.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

FORMULA = "x*y*z + sin(x*z) + exp(-y^2)"


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def compute_only(n: int, repeat: int) -> dict[str, float]:
    from derivcli import batch
    from derivcli.parser import parse

    rng = np.random.default_rng(0)
    cols = {k: rng.uniform(-2, 2, n) for k in "xyz"}
    program = parse(FORMULA)
    times = {}
    reference = batch.run("gradient", program, cols, ("x", "y", "z"))
    times["derivcli (reverse, numpy)"] = best(
        lambda: batch.run("gradient", program, cols, ("x", "y", "z")), repeat
    )
    times["derivcli (reverse, --libm)"] = best(
        lambda: batch.run("gradient", program, cols, ("x", "y", "z"), exact=True), 1
    )
    try:
        import torch
    except ImportError:
        print("PyTorch not installed: skipped")
    else:
        tensors = [torch.tensor(cols[k], requires_grad=True) for k in "xyz"]

        def run_torch():
            x, y, z = tensors
            f = x * y * z + torch.sin(x * z) + torch.exp(-(y**2))
            return torch.autograd.grad(f.sum(), tensors)

        grads = run_torch()
        for k, g in zip("xyz", grads):
            np.testing.assert_allclose(
                g.numpy(), reference.columns[f"d/d{k}"], rtol=1e-12, atol=1e-14
            )
        times[f"PyTorch {torch.__version__} autograd ({torch.get_num_threads()} threads)"] = best(
            run_torch, repeat
        )
    try:
        import jax

        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
    except ImportError:
        print("JAX not installed: skipped")
    else:

        def f(v):
            x, y, z = v[0], v[1], v[2]
            return x * y * z + jnp.sin(x * z) + jnp.exp(-(y**2))

        g = jax.jit(jax.vmap(jax.grad(f)))
        points = jnp.stack([jnp.asarray(cols[k]) for k in "xyz"], axis=1)
        out = g(points).block_until_ready()  # compile
        np.testing.assert_allclose(
            np.asarray(out[:, 0]), reference.columns["d/dx"], rtol=1e-12, atol=1e-14
        )
        times[f"JAX {jax.__version__} jit(vmap(grad))"] = best(
            lambda: g(points).block_until_ready(), repeat
        )
    return times


def end_to_end(n: int, folder: str) -> dict[str, float]:
    rng = np.random.default_rng(1)
    data = rng.uniform(-2, 2, (n, 3))
    path = os.path.join(folder, "rows.csv")
    with open(path, "w") as fh:
        fh.write("x,y,z\n")
        fh.write("\n".join(",".join(map(repr, row)) for row in data.tolist()))
        fh.write("\n")
    exe = os.path.join(os.path.dirname(sys.executable), "derivcli")
    command = [exe] if os.path.exists(exe) else [sys.executable, "-m", "derivcli"]
    out = os.path.join(folder, "out.csv")
    times = {}

    def run_derivcli():
        with open(out, "w") as fh:
            subprocess.run([*command, "grad", FORMULA, "--points", path], stdout=fh, check=True)

    times["derivcli grad --points (CSV in, CSV out)"] = best(run_derivcli, 1)

    def run_numpy():
        cols = np.loadtxt(path, delimiter=",", skiprows=1)
        table = np.concatenate([cols, cols, cols[:, :1]], axis=1)  # 7 columns, as derivcli's
        np.savetxt(os.path.join(folder, "numpy.csv"), table, fmt="%.17g", delimiter=",")

    times["numpy alone: loadtxt 3 columns + savetxt 7 columns"] = best(run_numpy, 1)
    return times


def shell_loop(calls: int) -> float:
    """Seconds per single-point call of the command line."""
    exe = os.path.join(os.path.dirname(sys.executable), "derivcli")
    command = [exe] if os.path.exists(exe) else [sys.executable, "-m", "derivcli"]
    rng = np.random.default_rng(2)
    start = time.perf_counter()
    for x, y, z in rng.uniform(-2, 2, (calls, 3)).tolist():
        at = f"x={x!r},y={y!r},z={z!r}"
        subprocess.run(
            [*command, "grad", FORMULA, "--at", at, "--format", "csv"],
            check=True,
            capture_output=True,
        )
    return (time.perf_counter() - start) / calls


def numeric(n: int, loop: int) -> dict[str, float]:
    """Rows per second of the numeric gradient, vectorized and row by row."""
    from derivcli import batch, batch_numeric
    from derivcli.parser import parse

    rng = np.random.default_rng(3)
    cols = {k: rng.uniform(-2, 2, n) for k in "xyz"}
    program = parse(FORMULA)
    rates = {}

    def timed(columns, scheme) -> float:
        start = time.perf_counter()
        batch.run("gradient", program, columns, tuple("xyz"), mode="numeric",
                  options={"scheme": scheme})  # fmt: skip
        return time.perf_counter() - start

    few = {k: v[:loop] for k, v in cols.items()}
    for scheme in ("richardson", "central"):
        rates[f"numeric {scheme}, vectorized ({n:,} rows)"] = n / timed(cols, scheme)
        supports = batch_numeric.supports
        batch_numeric.supports = lambda kind, options: False
        try:
            rates[f"numeric {scheme}, row by row ({loop:,} rows)"] = loop / timed(few, scheme)
        finally:
            batch_numeric.supports = supports
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--numeric-rows", type=int, default=100_000)
    parser.add_argument("--numeric-loop", type=int, default=1_000)
    parser.add_argument("--skip", default="", help="comma list: compute,csv,loop,numeric")
    args = parser.parse_args()
    skip = set(args.skip.split(","))
    n = args.rows
    print(f"gradient of {FORMULA} at {n:,} points (float64)\n")
    if "compute" not in skip:
        times = compute_only(n, args.repeat)
        ours = times["derivcli (reverse, numpy)"]
        print("1. compute only")
        for name, t in times.items():
            print(f"   {name:55s} {t * 1e3:9.1f} ms  {n / t / 1e6:6.2f} M points/s")
        for name, t in times.items():
            if name.startswith("PyTorch"):
                print(f"   ratio PyTorch time / derivcli time: {t / ours:.2f} (target >= 1.0)")
    e2e = None
    if "csv" not in skip:
        with tempfile.TemporaryDirectory() as folder:
            times = end_to_end(n, folder)
        print("\n2. end to end, CSV in and CSV out")
        for name, t in times.items():
            print(f"   {name:55s} {t:9.2f} s")
        e2e, numpy_time = times.values()
        print(f"   ratio derivcli / numpy: {e2e / numpy_time:.2f} (target <= 2)")
    if "loop" not in skip:
        per_call = shell_loop(args.calls)
        print(
            f"\n3. shell loop: {per_call * 1e3:.0f} ms per single-point call ({args.calls} calls)"
        )
        print(f"   {n:,} rows that way: {per_call * n / 3600:.1f} hours", end="")
        if e2e is not None:
            print(f"; --points: {e2e:.1f} s, {per_call * n / e2e:,.0f}x faster")
        else:
            print()
    if "numeric" not in skip:
        print("\n4. numeric mode (finite differences), gradient")
        for name, rate in numeric(args.numeric_rows, args.numeric_loop).items():
            print(f"   {name:55s} {rate:12,.0f} rows/s")


if __name__ == "__main__":
    main()
