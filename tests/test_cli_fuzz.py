"""Regressions found by breaking issue 10's interface: a fresh install used as
a new user would, and random command lines (benchmarks/fuzz_cli.py). Each
test is one defect as a kind; the last one is a derandomized hypothesis run
of the fuzzer's own checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DERIVCLI = Path(sys.executable).parent / "derivcli"


def _environment(extra: dict | None = None) -> dict:
    base = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    return {**base, **(extra or {})}


# ---------------------------------------------------------------------------
# | head: a reader that goes away in the middle of a large write


def _wide_gradient(n: int) -> tuple[str, str]:
    expression = "+".join(f"sin(x{i})" for i in range(1, n + 1))
    point = ",".join(f"x{i}=0.{i}" for i in range(1, n + 1))
    return expression, point


@pytest.mark.parametrize("fmt", ["table", "csv", "value"])
def test_head_closing_the_pipe_mid_write_exits_141(fmt, tmp_path):
    """Was: exit 0 and the output silently cut (CPython's buffered writer
    reports a short write only by its return value, which click.echo
    ignores), in every format; only a reader gone before the first byte
    gave 141."""
    expression, point = _wide_gradient(3000 if fmt == "table" else 6000)
    at = tmp_path / "point.txt"
    at.write_text(point)
    process = subprocess.Popen(
        [str(DERIVCLI), "grad", expression, "--at", f"@{at}", "--format", fmt],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_environment(),
    )
    assert process.stdout.readline()  # head -1
    process.stdout.close()
    stderr = process.stderr.read()
    assert process.wait(timeout=120) == 141
    assert stderr == b""


def test_head_on_a_large_diff_exits_141():
    # two long lines (df/dx, df/dy): head reads the first, the second fails
    expression = "+".join(f"sin({k}*x*y)" for k in range(1, 4000))
    process = subprocess.Popen(
        [str(DERIVCLI), "diff", expression],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_environment(),
    )
    assert process.stdout.readline().startswith(b"df/dx = ")
    process.stdout.close()
    stderr = process.stderr.read()
    assert process.wait(timeout=120) == 141
    assert stderr == b""


def test_the_whole_output_still_gets_through_a_pipe():
    expression, point = _wide_gradient(2000)
    result = subprocess.run(
        [str(DERIVCLI), "grad", expression, "--at", point, "--format", "value"],
        capture_output=True,
        text=True,
        env=_environment(),
        timeout=120,
    )
    assert result.returncode == 0
    import math

    expected = [repr(math.cos(float(f"0.{i}"))) for i in range(1, 2001)]
    assert [repr(float(v)) for v in result.stdout.splitlines()] == expected
