"""Outputs byte for byte: this tree's derivcli against an older commit's.

    python benchmarks/identical.py                # against BASE (before issue 15)
    python benchmarks/identical.py --ref main     # against another commit

The older commit is extracted with ``git archive`` into a temporary
directory; both trees then run the same commands in-process (click's
CliRunner) in a subprocess each: every case of the test oracle, the vector
cases, random expressions at edge points (0·∞, infinite partials, kinks),
and the benchmark inputs, through eval/grad/hessian/jacobian and the
directional products, in every mode but TensorFlow, in json, csv and table
form. Any difference in exit code, stdout or stderr is printed; the exit
status is 1 if there is one.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: the last commit before issue 15 (the speed work)
BASE = "e073d68"
MODES = ("reverse", "forward", "dual", "numeric", "mpmath")


def rosenbrock(n: int) -> str:
    return " + ".join(f"100*(x{i + 1} - x{i}^2)^2 + (1 - x{i})^2" for i in range(1, n))


def random_expressions(count: int, seed: int = 15) -> list[str]:
    rng = random.Random(seed)
    unary = ["sqrt", "acos", "asin", "cos", "sin", "exp", "log", "tanh", "sigmoid", "abs", "-"]
    binary = ["+", "-", "*", "/", "^"]
    out = []
    for _ in range(count):
        stack = [rng.choice(["x", "y", "x", "y", "0", "1", "2", "0.5"]) for _ in range(5)]
        for _ in range(rng.randint(2, 7)):
            if rng.random() < 0.4:
                f = rng.choice(unary)
                a = stack.pop(rng.randrange(len(stack)))
                stack.append(f"-({a})" if f == "-" else f"{f}({a})")
            elif len(stack) > 1:
                a = stack.pop(rng.randrange(len(stack)))
                b = stack.pop(rng.randrange(len(stack)))
                stack.append(f"({a}) {rng.choice(binary)} ({b})")
        out.append(" + ".join(stack[:2]))
    return out


def cases() -> list[list[str]]:
    """Every command line to run (without the program name)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from oracle import CASES, VECTOR_CASES

    runs: list[list[str]] = []

    def at(names, point):
        return ",".join(f"{n}={v!r}" for n, v in zip(names, point))

    for text, names, points in CASES:
        for point in points:
            p = at(names, point)
            runs.append(["eval", text, "--at", p, "--format", "json"])
            for mode in MODES:
                for fmt in ("json", "csv", "table"):
                    runs.append(["grad", text, "--at", p, "--mode", mode, "--format", fmt])
                runs.append(["hessian", text, "--at", p, "--mode", mode, "--format", "json"])
            runs.append(["hessian", text, "--at", p, "--format", "table"])
    for outputs, names, points in VECTOR_CASES:
        text = ", ".join(outputs)
        for point in points:
            p = at(names, point)
            for mode in MODES:
                runs.append(["jacobian", text, "--at", p, "--mode", mode, "--format", "json"])
            u = ",".join(str(0.5 + i) for i in range(len(outputs)))
            v = ",".join(str(1.5 - i) for i in range(len(names)))
            runs.append(["jacobian", text, "--at", p, "--cotangent", u, "--format", "json"])
            runs.append(["jacobian", text, "--at", p, "--direction", v, "--format", "json"])
            runs.append(["jacobian", text, "--at", p, "--format", "table"])
    edges = [0.0, 1.0, -1.0, 0.5, 2.0, 1e-8]
    for i, text in enumerate(random_expressions(150)):
        x, y = edges[i % 6], edges[(i // 6) % 6]
        p = f"x={x!r},y={y!r}"
        for mode in ("reverse", "forward", "dual"):
            runs.append(
                ["grad", text, "--at", p, "--wrt", "x,y", "--mode", mode, "--format", "json"]
            )
            runs.append(
                ["hessian", text, "--at", p, "--wrt", "x,y", "--mode", mode, "--format", "json"]
            )
        runs.append(["grad", text, "--at", p, "--wrt", "x,y", "--direction", "1,-2"])
        runs.append(["hessian", text, "--at", p, "--wrt", "x,y", "--direction", "0.5,3"])
    for text, p in [
        ("sqrt(x)^2", "x=0"),
        ("acos(cos(x))", "x=0"),
        ("acos(x/x)", "x=1"),
        ("acos(y) - acos(y)", "y=1"),
        ("exp(-x)*x", "x=900"),
        ("x^1e300*0", "x=2"),
        ("1e8*x + 0.3*x - 1e8*x", "x=1"),
    ]:
        for mode in MODES:
            runs.append(["grad", text, "--at", p, "--mode", mode, "--format", "json"])
            runs.append(["hessian", text, "--at", p, "--mode", mode, "--format", "json"])
    # the benchmark inputs
    for n in (100, 1000):
        point = ",".join(f"x{i}={0.5 + 0.01 * i!r}" for i in range(1, n + 1))
        runs.append(["grad", rosenbrock(n), "--at", point, "--format", "json"])
        runs.append(["grad", rosenbrock(n), "--at", point, "--format", "table"])
        runs.append(["eval", rosenbrock(n), "--at", point, "--format", "json"])
    point = ",".join(f"x{i}={0.5 + 0.01 * i!r}" for i in range(1, 101))
    runs.append(["hessian", rosenbrock(100), "--at", point, "--format", "json"])
    runs.append(["hessian", rosenbrock(20), "--at", point, "--mode", "forward", "--format", "json"])
    wide = " + ".join(f"sin(v{i})*v{i + 1}" for i in range(3000))
    point = ",".join(f"v{i}={0.001 * i!r}" for i in range(3001))
    runs.append(["grad", wide, "--at", point, "--format", "table"])
    runs.append(["grad", wide, "--at", point, "--format", "csv"])
    runs.append(["grad", "+".join(["x"] * 20000), "--at", "x=1.5", "--format", "json"])
    return runs


def dump(out: str) -> None:
    """Run every case with the derivcli on sys.path; write the outputs."""
    from click.testing import CliRunner

    from derivcli.cli import cli

    results = []
    for args in cases():
        r = CliRunner().invoke(cli, args, env={"COLUMNS": "100"})
        results.append([args, r.exit_code, r.stdout, r.stderr])
    Path(out).write_text(json.dumps(results))


def run_tree(tree: Path, out: Path) -> list:
    env = dict(os.environ, PYTHONPATH=str(tree), COLUMNS="100")
    subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--dump", str(out)],
        env=env,
        check=True,
        cwd=tree,
    )
    return json.loads(out.read_text())


def main() -> int:
    args = sys.argv[1:]
    if args[:1] == ["--dump"]:
        dump(args[1])
        return 0
    ref = args[args.index("--ref") + 1] if "--ref" in args else BASE
    with tempfile.TemporaryDirectory() as tmp:
        old_tree = Path(tmp) / "old"
        old_tree.mkdir()
        archive = subprocess.run(
            ["git", "archive", ref], cwd=ROOT, check=True, capture_output=True
        ).stdout
        tar_path = Path(tmp) / "old.tar"
        tar_path.write_bytes(archive)
        with tarfile.open(tar_path) as tar:
            tar.extractall(old_tree, filter="data")
        old = run_tree(old_tree, Path(tmp) / "old.json")
        new = run_tree(ROOT, Path(tmp) / "new.json")
    differ = 0
    for (args, *a), (_, *b) in zip(old, new, strict=True):
        if a != b:
            differ += 1
            if differ <= 10:
                shown = [x if len(x) < 80 else x[:77] + "..." for x in args]
                print("DIFFERS:", shown)
                for label, x, y in zip(("exit", "stdout", "stderr"), a, b):
                    if x != y:
                        print(f"  {label} old: {str(x)[:400]!r}\n  {label} new: {str(y)[:400]!r}")
    print(f"{len(old)} commands against {ref}: {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
