"""Benchmarks: derivcli against its peers, each figure a ratio measured in one
run (issue 15). Run by hand, with the interpreter that has the peers:

    python benchmarks/bench.py                      # everything (peers skipped when missing)
    python benchmarks/bench.py startup parse        # the benches whose names match
    python benchmarks/bench.py startup --runs 41    # more runs

Each line prints derivcli's median, the peer's median, the ratio and the
target. A peer that is not installed (torch, jax) is skipped with a note.
Start-up runs alternate derivcli and the peer, many times, with bytecode
caching on (as an installed package has it; PYTHONDONTWRITEBYTECODE is
dropped for the children, whose caches go to a directory of their own).
Figures are medians on this machine; they are reported in issue notes and
the README, never asserted by tests.
"""

from __future__ import annotations

import gc
import importlib.util
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

SEED = "x*x*y + y + 2"
ROOT = Path(__file__).resolve().parent.parent
RUNS = 21
ENV = dict(os.environ, PYTHONPYCACHEPREFIX=str(Path(tempfile.gettempdir()) / "derivcli-bench-pyc"))
ENV.pop("PYTHONDONTWRITEBYTECODE", None)
ENV["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), ENV.get("PYTHONPATH")) if p)
#: what the installed ``derivcli`` script runs
DERIVCLI = [sys.executable, "-c", "import sys; from derivcli.cli import main; sys.exit(main())"]


def median_time(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def median_times(fn: Callable[[], object], repeat: int = 5) -> tuple[float, float]:
    """Median wall time and median CPU time (this process) of ``fn``."""
    walls, cpus = [], []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def alternating(
    commands: dict[str, tuple[list[str], str | None]],
    runs: int,
    order: tuple[str, ...] | None = None,
    in_process: dict[str, Callable[[], object]] | None = None,
) -> dict[str, float]:
    """Median wall time of each command (argv, stdin), run in turn ``runs``
    times after one warm-up run each (which also writes the bytecode); the
    median CPU time (user + system) of each is under ``"cpu " + name``.
    ``order`` is one round, by name (a name may come more than once: a
    quick command run twice per round of a slow one); by default each
    command once, in the order given. ``in_process`` are functions run in
    this process once per round too (a peer's in-process time, measured in
    the same rounds as derivcli's commands)."""
    in_process = in_process or {}
    times: dict[str, list[float]] = {name: [] for name in (*commands, *in_process)}
    cpu: dict[str, list[float]] = {name: [] for name in (*commands, *in_process)}
    for argv, stdin in commands.values():
        subprocess.run(argv, input=stdin, env=ENV, capture_output=True, text=True, check=True)
    for fn in in_process.values():
        fn()
    for _ in range(runs):
        for name, fn in in_process.items():
            start, own = time.perf_counter(), time.process_time()
            fn()
            times[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - own)
        for name in order or tuple(commands):
            argv, stdin = commands[name]
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(argv, input=stdin, env=ENV, capture_output=True, text=True, check=True)
            times[name].append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[name].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    medians = {name: statistics.median(t) for name, t in times.items()}
    medians.update({"cpu " + name: statistics.median(t) for name, t in cpu.items()})
    return medians


def ratio_line(what: str, ours: float, peer: float, peer_name: str, target: float) -> None:
    r = ours / peer
    verdict = "met" if r <= target else "NOT met"
    print(
        f"  {what}: {ours * 1e3:.1f} ms vs {peer_name} {peer * 1e3:.1f} ms = {r:.2f}x "
        f"(target <= {target}x: {verdict})"
    )


def rosenbrock(n: int) -> tuple[str, dict[str, float]]:
    terms = [f"100*(x{i + 1} - x{i}^2)^2 + (1 - x{i})^2" for i in range(1, n)]
    return " + ".join(terms), {f"x{i}": 0.5 + 0.001 * i for i in range(1, n + 1)}


def _at(point: dict[str, float]) -> str:
    return ",".join(f"{k}={v!r}" for k, v in point.items())


def _have(module: str) -> bool:
    import importlib.util

    if importlib.util.find_spec(module) is None:
        print(f"  ({module} is not installed: its comparison is skipped)")
        return False
    return True


# ---------------------------------------------------------------------------


def _startup_commands() -> dict[str, list[str]]:
    """The start-up targets' commands: derivcli's grad (json and table) and
    the imports each is measured against."""
    py = [sys.executable, "-c"]
    grad = [*DERIVCLI, "grad", SEED, "--at", "x=3,y=4"]
    return {
        "json": [*grad, "--format", "json"],
        "click+lark": [*py, "import click, lark"],
        "table": grad,
        "click+lark+rich": [*py, "import click, lark, rich.console, rich.table"],
    }


def bench_startup(runs: int = RUNS) -> None:
    py = [sys.executable, "-c"]
    commands = {name: (argv, None) for name, argv in _startup_commands().items()}
    commands["imports"] = ([*py, "import derivcli.cli"], None)
    commands["python"] = ([*py, "pass"], None)
    t = alternating(commands, runs)
    print(f"start-up ({runs} alternating runs; python -c pass: {t['python'] * 1e3:.1f} ms)")
    ratio_line("grad --format json", t["json"], t["click+lark"], "import click, lark", 0.9)
    ratio_line("grad (table)", t["table"], t["click+lark+rich"], "import click, lark, rich", 1.0)
    cpu = t["cpu click+lark"]
    ratio_line("grad --format json, CPU time", t["cpu json"], cpu, "import click, lark", 0.9)
    cpu = t["cpu click+lark+rich"]
    ratio_line("grad (table), CPU time", t["cpu table"], cpu, "import click, lark, rich", 1.0)
    # where derivcli's start-up goes (in-process)
    code = (
        "import time; t0 = time.perf_counter(); import derivcli.cli; t1 = time.perf_counter();"
        "from derivcli import parser; parser._parser(); t2 = time.perf_counter();"
        "parser.parse('x*x*y + y + 2'); t3 = time.perf_counter(); print(t1 - t0, t2 - t1, t3 - t2)"
    )
    parts = [
        [float(x) for x in subprocess.run(
            [*py, code], env=ENV, capture_output=True, text=True, check=True
        ).stdout.split()]
        for _ in range(max(5, runs // 3))
    ]  # fmt: skip
    own, build, first = (statistics.median(p[i] for p in parts) for i in range(3))
    print(
        f"  inside: import derivcli.cli {own * 1e3:.1f} ms, the generated parser (load the "
        f"tables) {build * 1e3:.1f} ms, first parse {first * 1e3:.2f} ms"
    )


def _instructions(argv: list[str]) -> float | None:
    """Instructions executed by ``argv`` (valgrind's callgrind), or None
    without valgrind: a count that the machine's load does not change."""
    import re
    import shutil

    if shutil.which("valgrind") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/out", *argv],
            env=ENV, capture_output=True, text=True, check=True,
        )  # fmt: skip
    match = re.search(r"refs:\s*([\d,]+)", out.stderr)
    return int(match.group(1).replace(",", "")) if match else None


def bench_instructions() -> None:
    """Start-up as instructions executed (valgrind's callgrind): the same
    ratios as ``startup``, without the machine's noise (they say nothing of
    waiting for the disk or of the cache, which wall time includes)."""
    commands = _startup_commands()
    for argv in commands.values():  # the bytecode, written once
        subprocess.run(argv, env=ENV, capture_output=True, text=True, check=True)
    counts = {name: _instructions(argv) for name, argv in commands.items()}
    if None in counts.values():
        print("start-up in instructions: valgrind is not installed (skipped)")
        return
    print("start-up in instructions executed (valgrind --tool=callgrind; one run each)")
    for ours, peer, name, target in (
        ("json", "click+lark", "import click, lark", 0.9),
        ("table", "click+lark+rich", "import click, lark, rich", 1.0),
    ):
        ratio = counts[ours] / counts[peer]
        verdict = "met" if ratio <= target else "NOT met"
        print(f"  grad {ours}: {counts[ours] / 1e6:.1f}M vs {name} {counts[peer] / 1e6:.1f}M "
              f"= {ratio:.2f}x (target <= {target}x: {verdict})")  # fmt: skip


def _torch_gradient(text: str, point: dict[str, float]) -> Callable[[], object]:
    import torch

    source = text.replace("^", "**")

    def run() -> object:
        leaves = {
            k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in point.items()
        }
        y = eval(compile(source, "<text>", "eval"), {"__builtins__": {}}, leaves)  # noqa: S307 - the benchmark's own text
        y.backward()
        return [leaves[k].grad for k in point]

    return run


def bench_rosenbrock(runs: int = 15) -> None:
    """The n=1000 and n=10,000 gradients through the CLI, the tiny formula
    whose time is subtracted (start-up, reading, printing) and PyTorch's
    in-process eval + backward of the n=1000 text, alternated in one loop:
    ``runs`` rounds of PyTorch, tiny, n=1000, tiny, n=1000, n=10,000 (the
    noise of a shared machine falls on all of them alike; ~2 s a round)."""
    import derivcli
    from derivcli.graph import var

    print("Rosenbrock gradient (text on stdin, --at @file, --format json)")
    text, point = rosenbrock(1000)
    peer = "PyTorch eager eval+backward"
    in_process = {peer: _torch_gradient(text, point)} if _have("torch") else {}
    tiny = ([*DERIVCLI, "grad", "-", "--at", "x1=0.5,x2=0.5", "--format", "json"], "x1*x2")
    commands = {"tiny": tiny}
    files = []
    for n in (1000, 10_000):
        big, big_point = rosenbrock(n)
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
            f.write(_at(big_point))
        files.append(f.name)
        commands[f"n={n}"] = (
            [*DERIVCLI, "grad", "-", "--at", f"@{f.name}", "--format", "json"],
            big,
        )
    try:
        order = ("tiny", "n=1000", "tiny", "n=1000", "n=10000")
        t = alternating(commands, runs, order, in_process)
    finally:
        for name in files:
            os.unlink(name)
    walls = {}
    cpus = {}
    print(f"  ({runs} alternating rounds; medians)")
    for n in (1000, 10_000):
        walls[n] = t[f"n={n}"] - t["tiny"]
        cpus[n] = t[f"cpu n={n}"] - t["cpu tiny"]
        print(f"  n={n}: CLI wall {t[f'n={n}'] * 1e3:.0f} ms - tiny formula {t['tiny'] * 1e3:.0f} ms "
              f"= compute {walls[n] * 1e3:.0f} ms (CPU time: {cpus[n] * 1e3:.0f} ms)")  # fmt: skip
    growth = walls[10_000] / walls[1000]
    verdict = "met" if growth <= 11 else "NOT met"
    print(f"  n=10,000 / n=1000: {growth:.1f}x wall, {cpus[10_000] / cpus[1000]:.1f}x CPU time "
          f"(target <= 11x, linear: {verdict})")  # fmt: skip

    graph = derivcli.parse(text)
    tape = graph.tape
    position = tape.position
    root = position[graph.root]

    def sweeps() -> object:
        numbers = tape.evaluate(point)
        active = tape.active(position[var(k)] for k in point)
        return tape.backward(numbers, {root: 1.0}, tuple(point), active)

    t_sweeps, cpu_sweeps = median_times(sweeps, 7)
    t_parse = median_time(lambda: derivcli.parse(text), 7)
    t_grad = median_time(lambda: derivcli.grad(text, point), 7)
    print(f"  n=1000 in-process: parse {t_parse * 1e3:.1f} ms, grad (parse + compute) "
          f"{t_grad * 1e3:.1f} ms, the tape's sweeps (evaluate + backward) {t_sweeps * 1e3:.2f} ms")  # fmt: skip
    if not in_process:
        return
    t_torch, cpu_torch = t[peer], t["cpu " + peer]
    ratio_line("n=1000 compute (CLI), wall", walls[1000], t_torch, peer, 1.0)
    ratio_line("n=1000 compute (CLI), CPU time", cpus[1000], cpu_torch, peer, 1.0)
    ratio_line("n=1000 sweeps, wall", t_sweeps, t_torch, peer, 0.2)
    ratio_line("n=1000 sweeps, CPU time", cpu_sweeps, cpu_torch, peer, 0.2)
    big, big_point = rosenbrock(10_000)
    try:
        _torch_gradient(big, big_point)()
        print("  n=10,000: PyTorch eager ran")
    except RecursionError:
        print("  n=10,000: PyTorch's compile of the text fails (RecursionError); "
              f"derivcli's compute: {walls[10_000] * 1e3:.0f} ms")  # fmt: skip


def bench_hessian(runs: int = 5) -> None:
    import derivcli

    n = 100
    text, point = rosenbrock(n)
    print(f"Rosenbrock n={n} Hessian (in-process, text to matrix)")
    t_ours, cpu_ours = median_times(lambda: derivcli.hessian(text, point), runs)
    if not _have("torch"):
        print(f"  derivcli {t_ours * 1e3:.1f} ms")
        return
    import torch

    names = list(point)
    source = text.replace("^", "**")

    def f(x):
        env = {k: x[i] for i, k in enumerate(names)}
        return eval(compile(source, "<text>", "eval"), {"__builtins__": {}}, env)  # noqa: S307

    x0 = torch.tensor([point[k] for k in names], dtype=torch.float64)
    t_torch, cpu_torch = median_times(lambda: torch.autograd.functional.hessian(f, x0), 3)
    peer = "torch.autograd.functional.hessian"
    ratio_line("hessian, wall", t_ours, t_torch, peer, 0.1)
    ratio_line("hessian, CPU time", cpu_ours, cpu_torch, peer, 0.1)


def bench_parse(runs: int = 7) -> None:
    """Where a parse of the n=1000 text goes, in-process."""
    from derivcli import parser

    lark = parser._generated()
    text, _point = rosenbrock(1000)
    p = parser._parser()
    lexer = p.parser.lexer.lexer

    def lex() -> list:
        state = lark.LexerState(lark.TextSlice.cast_from(text))
        return list(parser.Postlexer().process(lexer.lex(state, None)))

    t_lex = median_time(lex, runs)
    t_tokens = len(lex())
    t_parse = median_time(lambda: parser.parse(text), runs)
    graph = parser.parse(text)
    print(f"parse of the n=1000 text ({len(text):,} characters, {t_tokens:,} tokens, "
          f"{len(graph.steps):,} nodes), in-process:")  # fmt: skip
    print(f"  lexer + postlexer {t_lex * 1e3:.1f} ms; whole parse (LALR loop, callbacks, "
          f"Program) {t_parse * 1e3:.1f} ms")  # fmt: skip
    if importlib.util.find_spec("lark") is None:
        return
    from lark import Lark

    runtime = Lark(
        parser.grammar_path().read_text(encoding="utf-8"),
        parser="lalr",
        lexer="basic",
        transformer=parser._Builder(),
        postlex=parser.Postlexer(),
        maybe_placeholders=True,
    )
    plain = lark.Lark_StandAlone(transformer=parser._Builder(), postlex=parser.Postlexer())

    def with_parser(made) -> Callable[[], object]:
        def run() -> object:
            saved = parser._parser
            parser._parser = lambda: made
            try:
                return parser.parse(text)
            finally:
                parser._parser = saved

        return run

    t_runtime = median_time(with_parser(runtime), runs)
    t_plain = median_time(with_parser(plain), runs)
    print(f"  the same parse through Lark's runtime library (before issue 15) "
          f"{t_runtime * 1e3:.1f} ms = {t_runtime / t_parse:.2f}x; the generated parser "
          f"without derivcli's hooks {t_plain * 1e3:.1f} ms = {t_plain / t_parse:.2f}x")  # fmt: skip


def bench_memory() -> None:
    """Peak resident memory of the CLI on a 100,000-term gradient (the
    Rosenbrock sum with n = 50,001: 100,000 terms, 50,001 variables)."""
    text, point = rosenbrock(50_001)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write(_at(point))
    code = (
        "import resource, subprocess, sys;"
        "subprocess.run(sys.argv[1:], stdin=sys.stdin, stdout=subprocess.DEVNULL, check=True);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    cmd = [
        sys.executable,
        "-c",
        code,
        *DERIVCLI,
        "grad",
        "-",
        "--at",
        f"@{f.name}",
        "--format",
        "json",
    ]
    start = time.perf_counter()
    out = subprocess.run(cmd, input=text, env=ENV, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    os.unlink(f.name)
    peak = int(out.stdout.split()[-1]) / 1024
    verdict = "met" if peak <= 400 else "NOT met"
    print(f"100,000-term gradient (CLI, json): peak memory {peak:.0f} MB in {wall:.1f} s "
          f"(target <= 400 MB: {verdict})")  # fmt: skip


def bench_render() -> None:
    import io

    import derivcli
    from derivcli import render

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    n = 10_000
    text = " + ".join(f"x{i}^2" for i in range(n))
    result = derivcli.grad(text, {f"x{i}": 0.001 * i for i in range(n)})
    t = median_time(lambda: render.table_text(result, Terminal()), 3)
    verdict = "met" if t < 0.2 else "NOT met"
    print(f"{n:,}-row gradient table on a terminal: {t * 1e3:.0f} ms of rendering "
          f"(target < 200 ms: {verdict})")  # fmt: skip
    saved = render.PLAIN_ROWS
    render.PLAIN_ROWS = 10**9
    try:
        t_rich = median_time(lambda: render.table_text(result, Terminal()), 1)
    finally:
        render.PLAIN_ROWS = saved
    print(f"  the same table drawn by rich: {t_rich * 1e3:.0f} ms")


def bench_gc() -> None:
    from derivcli.api import gradient_at

    text, point = rosenbrock(1000)
    paused = median_time(lambda: gradient_at(text, point), 7)
    gc.collect()
    running = median_time(lambda: gradient_at.__wrapped__(text, point), 7)
    print(f"garbage collector paused during the computation: Rosenbrock n=1000 grad "
          f"{paused * 1e3:.1f} ms vs {running * 1e3:.1f} ms running ({paused / running - 1:+.0%})")  # fmt: skip


def bench_large() -> None:
    import derivcli

    big = "+".join(["x"] * 1_000_000)
    start = time.perf_counter()
    g = derivcli.parse(big)
    t1 = time.perf_counter()
    r = derivcli.grad(g, {"x": 1.0})
    t2 = time.perf_counter()
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


BENCHES = {
    "startup": bench_startup,
    "instructions": bench_instructions,
    "rosenbrock": bench_rosenbrock,
    "hessian": bench_hessian,
    "memory": bench_memory,
    "render": bench_render,
    "parse": bench_parse,
    "gc": bench_gc,
    "large": bench_large,
    "modes": bench_modes,
}

if __name__ == "__main__":
    args = sys.argv[1:]
    runs = None
    if "--runs" in args:
        i = args.index("--runs")
        runs = int(args[i + 1])
        del args[i : i + 2]
    for name, bench in BENCHES.items():
        if not args or any(w in name for w in args):
            if runs is not None and name in ("startup", "rosenbrock", "hessian", "parse"):
                bench(runs)
            else:
                bench()
