"""Running the command line in tests: click's CliRunner, never a traceback,
and strict JSON."""

from __future__ import annotations

import json

from click.testing import CliRunner

from derivcli.cli import cli


def run(*args: str, input: str | None = None):
    """``derivcli ARGS`` in-process; fails the test if a traceback shows."""
    result = CliRunner().invoke(cli, list(args), input=input)
    assert "Traceback" not in result.output + result.stderr
    return result


def strict_json(text: str):
    """``json.loads`` that refuses NaN and Infinity as bare constants."""

    def refuse(name):
        raise AssertionError(f"non-strict JSON constant {name}")

    return json.loads(text, parse_constant=refuse)
