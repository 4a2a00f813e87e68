"""Modes declare themselves: the registry, the CLI options, the API's option
check and compare's notes are built from the declarations in each mode's
module, so adding a mode is one new file."""

from __future__ import annotations

import importlib
import pkgutil

import derivcli.backends as backends
from derivcli import api, compare
from derivcli.cli import cli


def _modules():
    found = []
    for info in pkgutil.iter_modules(backends.__path__):
        module = importlib.import_module(f"derivcli.backends.{info.name}")
        if hasattr(module, "NAME"):
            found.append(module)
    return sorted(found, key=lambda m: m.RANK)


def test_every_mode_module_is_registered_in_its_declared_order():
    modules = _modules()
    assert backends.MODES == tuple(m.NAME for m in modules)
    assert backends.MODES == ("numeric", "forward", "dual", "reverse", "tensorflow", "mpmath")
    for m in modules:
        assert backends.get_backend(m.NAME) is m
        for operation in ("gradient", "hessian", "jacobian"):
            assert callable(getattr(m, operation)), (m.NAME, operation)


def test_options_come_from_the_declarations():
    declared = {o.name: (m.NAME, o) for m in _modules() for o in m.OPTIONS}
    assert set(declared) == {"scheme", "step", "dtype", "digits"}
    assert api.MODE_OPTIONS == {name: mode for name, (mode, _o) in declared.items()}
    for command in ("grad", "hessian", "jacobian"):
        params = {p.name: p for p in cli.commands[command].params}
        for name, (_mode, option) in declared.items():
            assert params[name].help == option.help
            if option.choices:
                assert tuple(params[name].type.choices) == option.choices


def test_compare_notes_come_from_the_declarations():
    for m in _modules():
        assert compare.COST_UNITS[m.NAME] == m.COST_UNIT
        for kind in ("gradient", "hessian", "jacobian"):
            assert compare.COST_NOTES[kind][m.NAME] == m.COST_NOTES[kind]
