"""The parser's targets of issue 15, each a ratio against its peer measured in
the same run (medians; a peer that is not installed is skipped):

- start-up: ``derivcli grad "x*x*y + y + 2" --at x=3,y=4 --format json``
  against ``python -c "import click, lark"`` (target <= 0.9x), and the table
  form against ``import click, lark, rich.console, rich.table`` (<= 1.0x),
  in alternating runs;
- the 1,000-variable Rosenbrock gradient (text on stdin, ``--format json``):
  the CLI's compute time (its wall time minus the same command on a tiny
  formula) against PyTorch eager's in-process eval of the same text plus
  backward (<= 1.0x); n=10,000 against n=1,000 (<= 11x, linear);
- in-process, where a parse goes (Lark's lexer, the LALR loop with the
  callbacks, the Program), and the same text through Lark's runtime library
  without derivcli's hooks (the parser before issue 15), if lark is installed.

Run: ``python benchmarks/parse.py [--runs N] [--skip-startup]`` (PyTorch is in
the base venv: ``PYTHONPATH=. /work/venv/bin/python benchmarks/parse.py``).
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SEED = "x*x*y + y + 2"
ENV = dict(os.environ, PYTHONPYCACHEPREFIX=str(Path(tempfile.gettempdir()) / "derivcli-bench-pyc"))
ENV.pop("PYTHONDONTWRITEBYTECODE", None)  # a user's Python writes bytecode
ENV["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), ENV.get("PYTHONPATH")) if p)
#: what the installed ``derivcli`` script runs
DERIVCLI = [sys.executable, "-c", "import sys; from derivcli.cli import main; sys.exit(main())"]


def rosenbrock(n: int) -> tuple[str, dict[str, float]]:
    terms = [f"100*(x{i + 1} - x{i}^2)^2 + (1 - x{i})^2" for i in range(1, n)]
    return " + ".join(terms), {f"x{i}": 0.5 + 0.001 * i for i in range(1, n + 1)}


def median_time(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``fn()`` with the garbage collector paused, as the
    CLI runs a command (the peer gets the same)."""
    times = []
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        finally:
            gc.enable()
    return statistics.median(times)


def alternating(commands: dict[str, tuple[list[str], str | None]], runs: int) -> dict[str, float]:
    """Median wall time of each command (argv, stdin), run in turn ``runs``
    times after one warm-up run each (which also writes the bytecode)."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for argv, stdin in commands.values():
        subprocess.run(argv, input=stdin, env=ENV, capture_output=True, text=True, check=True)
    for _ in range(runs):
        for name, (argv, stdin) in commands.items():
            start = time.perf_counter()
            subprocess.run(argv, input=stdin, env=ENV, capture_output=True, text=True, check=True)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def ratio_line(what: str, ours: float, peer: float, peer_name: str, target: float) -> None:
    r = ours / peer
    verdict = "met" if r <= target else "NOT met"
    print(
        f"  {what}: {ours * 1e3:.1f} ms vs {peer_name} {peer * 1e3:.1f} ms = {r:.2f}x "
        f"(target <= {target}x: {verdict})"
    )


def have(module: str) -> bool:
    if importlib.util.find_spec(module) is None:
        print(f"  ({module} is not installed: its comparison is skipped)")
        return False
    return True


def bench_startup(runs: int) -> None:
    py = [sys.executable, "-c"]
    grad = [*DERIVCLI, "grad", SEED, "--at", "x=3,y=4"]
    commands = {"json": ([*grad, "--format", "json"], None), "table": (grad, None)}
    if have("lark"):
        commands["click+lark"] = ([*py, "import click, lark"], None)
        commands["click+lark+rich"] = ([*py, "import click, lark, rich.console, rich.table"], None)
    commands["python"] = ([*py, "pass"], None)
    t = alternating(commands, runs)
    print(f"start-up ({runs} alternating runs; python -c pass: {t['python'] * 1e3:.1f} ms)")
    if "click+lark" in t:
        ratio_line("grad --format json", t["json"], t["click+lark"], "import click, lark", 0.9)
        ratio_line(
            "grad (table)", t["table"], t["click+lark+rich"], "import click, lark, rich", 1.0
        )
    code = (
        "import time; t0 = time.perf_counter(); import derivcli.parser as p; t1 = time.perf_counter();"
        "p._parser(); t2 = time.perf_counter(); p.parse('x*x*y + y + 2'); t3 = time.perf_counter();"
        "print(t1 - t0, t2 - t1, t3 - t2)"
    )
    parts = [
        [float(x) for x in subprocess.run(
            [*py, code], env=ENV, capture_output=True, text=True, check=True
        ).stdout.split()]
        for _ in range(max(5, runs // 3))
    ]  # fmt: skip
    module, build, first = (statistics.median(p[i] for p in parts) for i in range(3))
    print(
        f"  inside: import derivcli.parser {module * 1e3:.1f} ms, the generated parser "
        f"(import + load the tables) {build * 1e3:.1f} ms, first parse {first * 1e3:.2f} ms"
    )


def _torch_gradient(text: str, point: dict[str, float]) -> Callable[[], object]:
    import torch

    source = text.replace("^", "**")

    def run() -> object:
        leaves = {
            k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in point.items()
        }
        code = compile(source, "<text>", "eval")
        y = eval(code, {"__builtins__": {}}, leaves)  # noqa: S307 - the benchmark's own text
        y.backward()
        return [leaves[k].grad for k in point]

    return run


def bench_rosenbrock(runs: int) -> None:
    print("Rosenbrock gradient (text on stdin, --format json)")
    tiny = ([*DERIVCLI, "grad", "-", "--at", "x1=0.5,x2=0.5", "--format", "json"], "x1*x2")
    walls = {}
    for n in (1000, 10_000):
        text, point = rosenbrock(n)
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
            f.write(",".join(f"{k}={v!r}" for k, v in point.items()))
        cmd = [*DERIVCLI, "grad", "-", "--at", f"@{f.name}", "--format", "json"]
        t = alternating(
            {"big": (cmd, text), "tiny": tiny}, runs if n == 1000 else max(3, runs // 3)
        )
        os.unlink(f.name)
        walls[n] = t["big"] - t["tiny"]
        print(f"  n={n}: CLI wall {t['big'] * 1e3:.0f} ms - tiny formula {t['tiny'] * 1e3:.0f} ms "
              f"= compute {walls[n] * 1e3:.0f} ms")  # fmt: skip
    growth = walls[10_000] / walls[1000]
    print(f"  n=10,000 / n=1,000: {growth:.1f}x (target <= 11x, linear: "
          f"{'met' if growth <= 11 else 'NOT met'})")  # fmt: skip
    text, point = rosenbrock(1000)
    t_parse = median_time(lambda: _parse(text), runs)
    print(f"  n=1000 in-process parse: {t_parse * 1e3:.1f} ms")
    if have("torch"):
        t_torch = median_time(_torch_gradient(text, point), runs)
        ratio_line("n=1000 compute (CLI)", walls[1000], t_torch, "PyTorch eager eval+backward", 1.0)
        ratio_line("n=1000 parse alone", t_parse, t_torch, "PyTorch eager eval+backward", 1.0)
        big, big_point = rosenbrock(10_000)
        try:
            _torch_gradient(big, big_point)()
            print("  n=10,000: PyTorch eager ran")
        except RecursionError:
            print("  n=10,000: PyTorch's compile of the text fails (RecursionError); "
                  f"derivcli's compute: {walls[10_000] * 1e3:.0f} ms")  # fmt: skip


def _parse(text: str):
    from derivcli.parser import parse

    return parse(text)


def bench_parse_parts(runs: int) -> None:
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--skip-startup", action="store_true")
    args = ap.parse_args()
    if not args.skip_startup:
        bench_startup(args.runs)
    bench_rosenbrock(max(5, args.runs // 3))
    bench_parse_parts(max(5, args.runs // 3))


if __name__ == "__main__":
    main()
