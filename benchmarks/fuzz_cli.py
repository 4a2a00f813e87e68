"""Random command lines through the CLI, in-process (click's CliRunner).

    python benchmarks/fuzz_cli.py [CASES] [SEED]

Each case is a random argument list: an expression from a small grammar
(leading '-', unicode, huge and tiny numbers), random options and values in a
random order, a random COLUMNS. Checked: no traceback or "internal error";
an exit code in {0, 1, 2, 4}; strict JSON; a table shows every number of the
JSON of the same call in full; a failure prints exactly one ``Error:`` line.
Prints the failures by kind and one example of each. Not part of the test
suite (a few thousand cases take minutes); its findings are regression tests
in tests/test_cli_fuzz.py.
"""

from __future__ import annotations

import json
import random
import re
import sys
from collections import Counter, defaultdict

from click.testing import CliRunner

from derivcli.cli import cli
from derivcli.numbers import text_number

VARIABLES = ["x", "y", "h", "a", "e1", "mode", "x_1", "f"]
NUMBERS = [
    "0",
    "1",
    "2",
    "2.5",
    ".5",
    "1e308",
    "1e-308",
    "5e-324",
    "1e400",
    "3e-5",
    "123456789012345678901234567890",
    "0.1",
    "7",
]
FUNCTIONS = ["sin", "cos", "tanh", "sinh", "exp", "log", "sqrt", "abs", "atan", "cosh"]
ODD = [
    "(" * 3000 + "x" + ")" * 3000,
    "-" * 2000 + "x",
    "x" + "^x" * 500,
    "x" * 300,
    "π",
    "x·y",
    "−x",
    "√x",
    "é",
    "x²",
    "１",
    "x\u00a0+1",
    "∞",
    "",
    " ",
    "x)",
    "(x",
    "sin()",
]


def expression(rng: random.Random, depth: int = 0) -> str:
    r = rng.random()
    if depth > 3 or r < 0.3:
        return rng.choice(VARIABLES + NUMBERS[:6] + ["pi", "e"])
    if r < 0.5:
        return f"{rng.choice(FUNCTIONS)}({expression(rng, depth + 1)})"
    if r < 0.6:
        return f"-{expression(rng, depth + 1)}"
    if r < 0.65:
        return f"({expression(rng, depth + 1)})"
    op = rng.choice(["+", "-", "*", "/", "^", "*"])
    return f"{expression(rng, depth + 1)}{op}{expression(rng, depth + 1)}"


def top_expression(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.05:
        return rng.choice(ODD)
    if r < 0.1:
        return rng.choice(NUMBERS)
    text = expression(rng)
    if rng.random() < 0.4:
        text = "-" + text
    return text


def point(rng: random.Random, text: str) -> str:
    names = [v for v in VARIABLES if re.search(rf"(?<![A-Za-z_0-9]){v}(?![A-Za-z_0-9(])", text)]
    if rng.random() < 0.2:
        names.append(rng.choice(VARIABLES))
    if rng.random() < 0.1 and names:
        names.pop()
    values = [
        "0",
        "1",
        "-1",
        "0.5",
        "3",
        "pi/4",
        "1e308",
        "-1e-300",
        "1e400",
        "2.5",
        "-2",
        "nan",
        "e",
    ]
    return ",".join(f"{n}={rng.choice(values)}" for n in dict.fromkeys(names))


def options(rng: random.Random, command: str, text: str) -> list[list[str]]:
    """Groups of arguments (an option with its value stays together)."""
    groups: list[list[str]] = []
    short = rng.random() < 0.5
    if command in ("eval", "grad", "hessian", "compare") and rng.random() < 0.9:
        groups.append(["-a" if short else "--at", point(rng, text)])
    if command in ("grad", "hessian", "diff", "compare") and rng.random() < 0.25:
        names = rng.sample(VARIABLES[:4], rng.randint(1, 2))
        groups.append(["-w" if short else "--wrt", ",".join(names)])
    if command in ("grad", "hessian") and rng.random() < 0.5:
        mode = rng.choice(["numeric", "forward", "dual", "reverse", "tensorflow", "nope"])
        groups.append(["-m" if short else "--mode", mode])
        if mode == "numeric" and rng.random() < 0.5:
            groups.append(["--scheme", rng.choice(["forward", "central", "richardson"])])
        if rng.random() < 0.2:
            groups.append(["--step", rng.choice(["1e-3", "0", "-1", "1e-300", "1e300", "nan"])])
    if command == "compare":
        groups.append(["--modes", rng.choice(["forward,reverse", "numeric,dual", "reverse"])])
        if rng.random() < 0.3:
            groups.append(["--hessian"])
        if rng.random() < 0.3:
            groups.append(["--check"])
        if rng.random() < 0.2:
            groups.append(["--tolerance", rng.choice(["1e-9", "0", "-1", "nan"])])
    if command == "diff":
        if rng.random() < 0.2:
            groups.append(["--order", rng.choice(["1", "2", "3", "0", "-1", "1e3", "99999999999"])])
        if rng.random() < 0.2:
            groups.append(["--stats"])
    formats = {
        "diff": ["infix", "latex", "json"],
        "compare": ["table", "json", "csv"],
        "functions": ["table", "json"],
    }.get(command, ["table", "json", "csv", "value"])
    if rng.random() < 0.8:
        groups.append(["-f" if short else "--format", rng.choice(formats)])
    if rng.random() < 0.05:
        groups.append([rng.choice(["--foramt", "--version", "-V", "-q", "--", "-h"])])
    if rng.random() < 0.1:  # hostile option values
        groups.append(
            rng.choice(
                [
                    ["--at", ""],
                    ["--at", "x"],
                    ["--at", "=1"],
                    ["--at", "x=1,x=2"],
                    ["--at", "@/nonexistent"],
                    ["--at", "@-"],
                    ["--at", "é=1"],
                    ["--at", "x=é"],
                    ["--at", "x=(1"],
                    ["--at", "x=1)"],
                    ["--at", "x=1e999999"],
                    ["--at=x=2"],
                    ["--wrt", ""],
                    ["--wrt", ","],
                    ["--wrt", "é"],
                    ["--wrt", "pi"],
                    ["--wrt=x"],
                    ["--format", ""],
                    ["-fjson"],
                    ["-ax=1"],
                    ["--format=json"],
                    ["-"],
                    ["--mode", ""],
                    ["--at", "x=1", "--at", "x=1.0"],
                    ["--at", "x=-0"],
                    ["--at", "x=" + "9" * 400],
                    ["--at", "x=sin(" * 50 + "1" + ")" * 50],
                ]
            )
        )
    rng.shuffle(groups)
    return groups


def case(rng: random.Random) -> tuple[list[str], dict, str | None]:
    command = rng.choices(
        ["eval", "grad", "hessian", "diff", "compare", "functions"], [4, 6, 4, 3, 1, 0.3]
    )[0]
    text = top_expression(rng)
    groups = options(rng, command, text)
    stdin = None
    if command != "functions":
        if rng.random() < 0.05:
            stdin, text = text, "-"
        groups.insert(rng.randint(0, len(groups)), [text])
    args = [command] + [a for g in groups for a in g]
    env = {"COLUMNS": rng.choice([None, "0", "1", "5", "20", "40", "80", "200", "-3", "abc"])}
    return args, env, stdin


def strict(text: str):
    def refuse(name):
        raise ValueError(f"bare {name}")

    return json.loads(text, parse_constant=refuse)


def numbers_of(data: dict) -> list[str]:
    if "hessian" in data:
        found = [data["value"], *(v for row in data["hessian"].values() for v in row.values())]
    else:
        found = [data["value"], *data.get("gradient", {}).values()]
    return [text_number(float(n)) for n in found]


def check(runner: CliRunner, args: list[str], env: dict, stdin: str | None) -> list[str]:
    result = runner.invoke(cli, args, env=env, input=stdin)
    out, err = result.stdout, result.stderr
    problems = []
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        problems.append(f"exception {type(result.exception).__name__}")
    if "Traceback" in out + err:
        problems.append("traceback")
    if "internal error" in err:
        problems.append("internal error: " + err.strip().splitlines()[-1][:80])
    if result.exit_code not in (0, 1, 2, 4):
        problems.append(f"exit code {result.exit_code}")
    if result.exit_code in (1, 2):
        errors = [line for line in err.splitlines() if line.startswith("Error:")]
        if len(errors) != 1:
            problems.append(f"{len(errors)} Error: lines")
    if result.exit_code == 0 and not err.startswith("Error") and "Error:" in err:
        problems.append("Error: with exit 0")
    fmt = _format(args)
    informative = {"-h", "--help", "-V", "--version"} & set(args)
    if result.exit_code in (0, 4) and fmt == "json" and not informative:
        try:
            data = strict(out)
        except ValueError as exc:
            problems.append(f"json: {exc}"[:60])
        else:
            if stdin is None and "expression" in data and data["expression"] not in args:
                problems.append("json expression is not the argument")
            if stdin is not None and data.get("expression") != stdin:
                problems.append("json expression is not standard input")
    if result.exit_code == 0 and fmt == "value" and not informative:
        as_json = runner.invoke(cli, with_format(args, "json"), env=env, input=stdin)
        data = strict(as_json.stdout) if as_json.exit_code == 0 else {"value": "?"}
        if "hessian" in data:
            want = [v for row in data["hessian"].values() for v in row.values()]
        elif "gradient" in data:
            want = list(data["gradient"].values())
        else:
            want = [data["value"]]
        if "?" not in want and out.splitlines() != [text_number(float(v)) for v in want]:
            problems.append("value format differs from json")
    command = args[0]
    if (
        result.exit_code == 0
        and fmt == "table"
        and command in ("eval", "grad", "hessian")
        and not informative
    ):
        as_json = runner.invoke(cli, with_format(args, "json"), env=env, input=stdin)
        if as_json.exit_code == 0:
            tokens = set(re.split(r"[\s,:]+", out))
            for number in numbers_of(strict(as_json.stdout)):
                if number not in tokens:
                    problems.append("table cuts a number")
                    break
        for line in out.splitlines():
            if line != line.rstrip():
                problems.append("trailing space")
                break
    return problems


def with_format(args: list[str], fmt: str) -> list[str]:
    """``args`` with every --format (before a ``--``) set to ``fmt``."""
    out, i, seen = [], 0, False
    while i < len(args):
        a = args[i]
        if a == "--":
            out.extend(args[i:])
            break
        if a in ("-f", "--format") and i + 1 < len(args):
            out += [a, fmt]
            i += 2
            seen = True
            continue
        if a.startswith("--format="):
            a, seen = f"--format={fmt}", True
        out.append(a)
        i += 1
    return out if seen else [out[0], "--format", fmt, *out[1:]]


def _format(args: list[str]) -> str:
    fmt = "table"
    for i, a in enumerate(args):
        if "--" in args[:i]:
            break
        if a in ("-f", "--format") and i + 1 < len(args):
            fmt = args[i + 1]
        elif a.startswith("--format="):
            fmt = a.split("=", 1)[1]
    return fmt


def main() -> None:
    cases = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    rng = random.Random(seed)
    runner = CliRunner()
    kinds: Counter = Counter()
    examples: dict[str, list] = defaultdict(list)
    for _ in range(cases):
        args, env, stdin = case(rng)
        env = {k: v for k, v in env.items() if v is not None}
        problems = check(runner, args, env, stdin)
        for p in problems:
            kinds[p] += 1
            if len(examples[p]) < 2:
                examples[p].append((args, env, stdin))
    print(f"{cases} cases, {sum(kinds.values())} problems")
    for kind, n in kinds.most_common():
        print(f"{n:5d}  {kind}")
        for ex in examples[kind]:
            print("         ", ex)


if __name__ == "__main__":
    main()
