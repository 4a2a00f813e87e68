"""docs/tutorial.md is run, like the README: every ``$ derivcli`` line of a
plain code block is a command whose output must be the lines under it
(the same machinery as tests/test_readme.py)."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from test_readme import _examples, _param, check_example

TUTORIAL = Path(__file__).resolve().parent.parent / "docs" / "tutorial.md"
EXAMPLES = _examples(TUTORIAL)


def test_the_tutorial_teaches_every_way():
    commands = [shlex.split(c, comments=True)[1:] for c, _ in EXAMPLES]
    assert {args[0] for args in commands} >= {"grad", "graph", "trace", "diff", "compare"}
    modes = {args[args.index("--mode") + 1] for args in commands if "--mode" in args}
    assert modes >= {"numeric", "forward", "dual", "reverse", "tensorflow"}
    assert any("--steps" in args for args in commands)
    assert any("--jacobian" in args for args in commands)


@pytest.mark.parametrize("args, expected", [_param(c, o) for c, o in EXAMPLES])
def test_tutorial_example(args, expected):
    check_example(args, expected, "docs/tutorial.md")
