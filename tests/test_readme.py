"""The README's examples are run and compared, so the README cannot drift.

Every ``$ derivcli ...`` line of a plain code block is run (in-process, 80
columns, not a terminal) and its output (stdout and stderr, as a terminal
shows them) compared with the lines under it, up to the next ``$`` line.
Timings (``67.8 µs``, ``1.36 ms``, ``1.86 s``) are masked, runs of spaces
count as one (column widths follow the timings), and a line ``...`` in the
README stands for any number of lines. Every ``>>>`` example of a
``python`` block runs as a doctest.
"""

from __future__ import annotations

import doctest
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from derivcli.cli import cli

README = Path(__file__).resolve().parent.parent / "README.md"
TIME = re.compile(r"\b\d+(?:\.\d+)? (?:µs|us|ms|s)\b")


def _blocks(language: str, path: Path = README) -> list[list[str]]:
    """The fenced code blocks of the README (or ``path``) with this info string ("" for plain)."""
    blocks: list[list[str]] = []
    current: list[str] | None = None
    fence = ""
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if current is None and stripped.startswith("```"):
            fence, current = stripped[3:].strip(), []
        elif current is not None and stripped == "```":
            if fence == language:
                blocks.append(current)
            current = None
        elif current is not None:
            current.append(line)
    return blocks


def _examples(path: Path = README) -> list[tuple[str, list[str]]]:
    examples = []
    for lines in _blocks("", path):
        starts = [i for i, line in enumerate(lines) if line.startswith("$ ")]
        for k, i in enumerate(starts):
            end = starts[k + 1] if k + 1 < len(starts) else len(lines)
            output = lines[i + 1 : end]
            while output and not output[-1].strip():
                output.pop()
            if lines[i].startswith("$ derivcli "):
                examples.append((lines[i][2:], output))
    return examples


def _normal(line: str) -> str:
    line = TIME.sub("<time>", line)
    if line.strip() and set(line.strip()) <= {"━", "-"}:
        return "<rule>"
    return " ".join(line.split())


def _matches(expected: list[str], actual: list[str]) -> bool:
    """``expected`` (with ``...`` lines as wildcards) against ``actual``."""
    if not expected:
        return not actual
    if expected[0].strip() == "...":
        return any(_matches(expected[1:], actual[i:]) for i in range(len(actual) + 1))
    return (
        bool(actual)
        and _normal(expected[0]) == _normal(actual[0])
        and (_matches(expected[1:], actual[1:]))
    )


EXAMPLES = _examples()


def _param(command: str, output: list[str]):
    args = shlex.split(command, comments=True)[1:]
    modes = args[args.index("--modes") + 1] if "--modes" in args else "all"
    needs_tf = "tensorflow" in args or (
        args[0] == "compare" and (modes == "all" or "tensorflow" in modes)
    )
    marks = [pytest.mark.tensorflow] if needs_tf else []
    return pytest.param(args, output, id=" ".join(args)[:60], marks=marks)


def test_the_readme_has_examples():
    commands = {shlex.split(c, comments=True)[1] for c, _ in EXAMPLES}
    assert {"eval", "grad", "hessian", "diff", "compare", "functions"} <= commands


def check_example(args: list[str], expected: list[str], where: str = "README") -> None:
    """Run ``derivcli args`` and compare its output with the documented lines."""
    result = CliRunner().invoke(cli, args, env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert "Traceback" not in result.output
    actual = result.output.splitlines()
    while actual and not actual[-1].strip():
        actual.pop()
    assert _matches(expected, actual), "\n".join(
        [f"{where} says:", *expected, "", "derivcli prints:", *actual]
    )


@pytest.mark.parametrize("args, expected", [_param(c, o) for c, o in EXAMPLES])
def test_readme_example(args, expected):
    check_example(args, expected)


def test_readme_python_examples():
    text = "\n".join(line for block in _blocks("python") for line in block)
    test = doctest.DocTestParser().get_doctest(text, {}, "README.md", str(README), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.failures == 0
