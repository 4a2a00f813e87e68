"""What a command's start-up loads (issue 15): the common commands import
only what they use. Each check runs a real command in a fresh interpreter;
the time each module costs is measured by benchmarks/bench.py startup, not
here."""

from __future__ import annotations

import subprocess
import sys

import pytest

from derivcli.cli import _Group, cli

GRAD = ["grad", "x*x*y + y + 2", "--at", "x=3,y=4"]


def _loaded(argv: list[str], setup: str = "") -> set[str]:
    """The modules imported by ``derivcli ARGV`` (run in-process in a fresh
    interpreter, after ``setup``)."""
    code = (
        "import sys\n"
        f"{setup}\n"
        "from derivcli import cli\n"
        f"sys.argv = ['derivcli', *{argv!r}]\n"
        "try:\n"
        "    cli.main()\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.strip().splitlines()[-1].split())


#: what the json form of grad must not import (each was measured at start-up)
NOT_FOR_JSON = [
    "logging",  # Lark's logger, replaced in the generated module
    "locale",  # click's translation look-ups, for texts derivcli gives
    "string",  # string.Template compiles a pattern at import
    "pkgutil",  # the modes' registry no longer scans the package
    "numpy",  # only for --points and arrays
    "rich",  # only for tables
    "lark",  # the generated parser needs no lark
    *(f"derivcli.commands.{name}" for name in _Group.NAMES if name != "grad"),
    "derivcli.backends.numeric",
    "derivcli.backends.forward",
    "derivcli.backends.dual",
    "derivcli.backends.mpmath",
    "derivcli.backends.tensorflow",
    "derivcli.dual",
    "derivcli.batch",
    "derivcli.simplify",
]


def test_grad_json_imports_only_what_it_uses():
    loaded = _loaded([*GRAD, "--format", "json"])
    assert "derivcli.backends.reverse" in loaded  # (the check sees the run)
    assert sorted(m for m in NOT_FOR_JSON if m in loaded) == []


def test_a_table_does_not_load_rich_s_emoji_codes():
    loaded = _loaded(GRAD)
    assert "rich.table" in loaded and "rich._emoji_codes" not in loaded
    assert "json" not in loaded and "locale" not in loaded


def test_start_up_creates_no_dataclass():
    """The start-up path makes no class with ``dataclasses`` (each costs
    ~0.5 ms of exec-compiled methods), except the one in Lark's generated
    module."""
    setup = (
        "import dataclasses\n"
        "made = []\n"
        "orig = dataclasses._process_class\n"
        "def spy(cls, *a, **k):\n"
        "    made.append(cls.__module__ + '.' + cls.__qualname__)\n"
        "    return orig(cls, *a, **k)\n"
        "dataclasses._process_class = spy\n"
        "import atexit\n"
        "atexit.register(lambda: print('dataclasses:', sorted(made)))\n"
    )
    code = setup + (
        "from derivcli import cli\n"
        f"sys.argv = ['derivcli', *{[*GRAD, '--format', 'json']!r}]\n"
        "try:\n"
        "    cli.main()\n"
        "except SystemExit:\n"
        "    pass\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", "import sys\n" + code], capture_output=True, text=True, check=True
    )
    line = out.stdout.strip().splitlines()[-1]
    assert line == "dataclasses: ['derivcli._lark_parser.TextSlice']"


def test_every_command_has_its_module_and_is_listed():
    import pkgutil

    import derivcli.commands

    modules = {info.name for info in pkgutil.iter_modules(derivcli.commands.__path__)}
    assert modules == set(_Group.NAMES)
    assert cli.list_commands(None) == sorted(_Group.NAMES)
    for name in _Group.NAMES:
        command = cli.get_command(None, name)
        assert command is not None and command.name == name
    assert set(cli.commands) == set(_Group.NAMES)  # (no module defines another)


@pytest.mark.parametrize("name", _Group.NAMES)
def test_a_command_builds_only_itself(name):
    loaded = _loaded([name, "--help"])
    built = {m for m in loaded if m.startswith("derivcli.commands.")}
    assert built == {f"derivcli.commands.{name}"}


@pytest.mark.parametrize("typo", ["dif", "compar", "taylr", "gard", "nope"])
def test_an_unknown_command_is_answered_as_with_every_command_loaded(typo):
    """click's "No such command ... Did you mean" looks at the commands the
    group holds: a fresh start must give the lazy ones too (``dif`` ->
    ``diff``), the same message as once they are all loaded."""

    def run(setup: str) -> tuple[int, str]:
        code = f"{setup}\nfrom derivcli.cli import main\nimport sys\nsys.argv = ['derivcli', {typo!r}, 'x']\nmain()\n"
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        return out.returncode, out.stderr

    everything = "import importlib\n" + "".join(
        f"importlib.import_module('derivcli.commands.{name}')\n" for name in _Group.NAMES
    )
    fresh, loaded = run(""), run(everything)
    assert fresh == loaded and fresh[0] == 2 and f"No such command '{typo}'" in fresh[1]
