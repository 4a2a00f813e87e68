"""Modes are declared once: the registry, the CLI options, the API's option
check and compare's notes are built from ``backends.DECLARED``, one entry per
mode module; a command imports only the mode it runs."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import derivcli.backends as backends
from derivcli import api, compare
from derivcli.cli import cli


def _module_names() -> set[str]:
    return {info.name for info in pkgutil.iter_modules(backends.__path__)}


def test_every_mode_module_has_one_entry_in_the_seed_s_order():
    assert backends.MODES == ("numeric", "forward", "dual", "reverse", "tensorflow", "mpmath")
    assert set(backends.MODES) == _module_names()
    for name in backends.MODES:
        module = backends.get_backend(name)
        assert module is importlib.import_module(f"derivcli.backends.{name}")
        assert module.NAME == name
        for operation in ("gradient", "hessian", "jacobian"):
            assert callable(getattr(module, operation)), (name, operation)


def test_options_come_from_the_declarations():
    declared = {o.name: (m.name, o) for m in backends.DECLARED for o in m.options}
    assert set(declared) == {"scheme", "step", "dtype", "digits"}
    assert api.MODE_OPTIONS == {name: mode for name, (mode, _o) in declared.items()}
    for command in ("grad", "hessian", "jacobian"):
        params = {p.name: p for p in cli.get_command(None, command).params}
        for name, (_mode, option) in declared.items():
            assert params[name].help == option.help
            if option.choices:
                assert tuple(params[name].type.choices) == option.choices


def test_the_declared_choices_are_the_modes_own():
    declared = {o.name: o for m in backends.DECLARED for o in m.options}
    numeric = backends.get_backend("numeric")
    tensorflow = backends.get_backend("tensorflow")
    mpmath = backends.get_backend("mpmath")
    assert declared["scheme"].choices == numeric.SCHEMES
    assert numeric.DEFAULT_SCHEME in declared["scheme"].help
    assert declared["dtype"].choices == tensorflow.DTYPES
    assert f"{mpmath.MIN_DIGITS} to {mpmath.MAX_DIGITS}" in declared["digits"].help
    assert f"default: {mpmath.DEFAULT_DIGITS}" in declared["digits"].help


def test_compare_notes_come_from_the_declarations():
    for m in backends.DECLARED:
        assert compare.COST_UNITS[m.name] == m.cost_unit
        for kind in ("gradient", "hessian", "jacobian"):
            assert compare.COST_NOTES[kind][m.name] == m.cost_notes[kind]


def test_a_command_imports_only_the_mode_it_runs():
    code = (
        "import sys\n"
        "from derivcli import cli\n"
        "sys.argv = ['derivcli', 'grad', 'x*x*y + y + 2', '--at', 'x=3,y=4', '--mode', 'dual']\n"
        "try:\n"
        "    cli.main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('derivcli.backends.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "['derivcli.backends.dual']"


def test_an_unknown_mode_of_any_type_is_mode_unavailable():
    """get_backend answers every unknown mode alike, a list or dict too
    (they are no key of its cache of imported modules)."""
    import pytest

    from derivcli.errors import ModeUnavailable

    for mode in ("nope", "", None, 1, ["reverse"], {"reverse": 1}, ("reverse",)):
        with pytest.raises(ModeUnavailable, match="unknown mode"):
            backends.get_backend(mode)
