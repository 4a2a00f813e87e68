"""Regenerate ``derivcli/_lark_parser.py``, the parser that Lark's own
standalone tool generates from ``grammars/expr.lark``::

    python -m derivcli._generate          # rewrite the module
    python -m derivcli._generate --check  # exit 1 if it is out of date

The grammar stays the only definition of the language: the module is Lark's
runtime (its lexer and LALR loop, extracted by ``lark.tools.standalone``)
plus the grammar's analysed tables, so derivcli parses without importing
``lark`` or analysing the grammar at every start. Only this script and the
test that the module is up to date (``tests/test_parser_generated.py``)
import ``lark``.

The tool numbers the LALR states in an order that changes from run to run
(it iterates over sets); the states are renumbered here in a canonical order
(breadth first from the start state, actions sorted by terminal name) before
the tool writes them, so regenerating from the same grammar with the same
Lark gives the same bytes and the up-to-date test can compare them.

Three changes to the tool's output, made by :func:`_trim` for start-up time
and checked to apply (a new Lark whose output differs stops the script):
postponed annotations, no import of pickle/zlib/base64 (Lark's cache, never
used), and a logger that drops messages in place of Lark's ``logging`` logger
set to CRITICAL (which shows none of them), so ``logging`` is not imported.
"""

from __future__ import annotations

import hashlib
import io
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET = HERE / "_lark_parser.py"

#: the options of the generated parser (the same as the runtime Lark call
#: they replace): LALR, Lark's basic lexer, None for an absent [optional]
OPTIONS = {"parser": "lalr", "lexer": "basic", "maybe_placeholders": True}


def _grammar() -> tuple[Path, str]:
    from .parser import grammar_path

    path = grammar_path()
    return path, path.read_text(encoding="utf-8")


def grammar_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def header(text: str) -> str:
    return (
        "# derivcli's parser: generated from grammars/expr.lark by Lark's standalone\n"
        "# tool (python -m derivcli._generate); do not edit, change the grammar and\n"
        "# regenerate. tests/test_parser_generated.py checks that it is up to date.\n"
        f"# grammar sha256: {grammar_digest(text)}\n"
        f"# options: {OPTIONS}\n"
        "# derivcli's changes to the tool's output (start-up time; the same parser):\n"
        "# postponed annotations, no pickle/zlib/base64 import, a silent logger for\n"
        "# Lark's CRITICAL-level one (see _trim in derivcli/_generate.py).\n"
    )


def _canonical_states(lark_inst) -> None:
    """Renumber the LALR states breadth first from the start state, each
    state's actions in terminal-name order (the same automaton)."""
    from lark.parsers.lalr_analysis import IntParseTable, Shift

    lalr = lark_inst.parser.parser  # the LALR_Parser of the ParsingFrontend
    table = lalr._parse_table
    (start,) = table.start_states.values()
    order = [start]
    number = {start: 0}
    for state in order:  # grows while it is read: breadth first
        for token in sorted(table.states[state]):
            action, arg = table.states[state][token]
            if action is Shift and arg not in number:
                number[arg] = len(order)
                order.append(arg)
    for state in table.states:  # states not reached by a shift (none expected)
        if state not in number:
            number[state] = len(order)
            order.append(state)
    states = {}
    for state in order:
        actions = table.states[state]
        states[number[state]] = {
            token: (Shift, number[actions[token][1]])
            if actions[token][0] is Shift
            else actions[token]
            for token in sorted(actions)
        }
    new = IntParseTable(
        states,
        {name: number[s] for name, s in table.start_states.items()},
        {name: number[s] for name, s in table.end_states.items()},
    )
    lalr._parse_table = new
    lalr.parser.parse_table = new


def generate() -> str:
    """The module's text, from the grammar as it is now."""
    from lark import Lark
    from lark.tools.standalone import gen_standalone

    _path, text = _grammar()
    lark_inst = Lark(text, **OPTIONS)
    _canonical_states(lark_inst)
    out = io.StringIO()
    gen_standalone(lark_inst, out=out)
    return header(text) + _trim(out.getvalue())


#: the tool's module imports pickle, zlib and base64 for Lark's save/load and
#: grammar cache, which a generated parser never runs (derivcli builds it from
#: the module's tables): a line the module does not keep (4-5 ms of start-up)
UNUSED_IMPORTS = "import pickle, zlib, base64\n"

#: Lark's logger, which the module sets to CRITICAL: none of its messages
#: (debug, info, warning, exception) is ever shown at that level, so the
#: module gets a logger that drops them instead of importing ``logging``
#: (18M instructions, about 5 ms of start-up)
LARK_LOGGER = """import logging
from dataclasses import dataclass
from typing import Generic, AnyStr

logger: logging.Logger = logging.getLogger("lark")
logger.addHandler(logging.StreamHandler())
##

##

logger.setLevel(logging.CRITICAL)
"""
SILENT_LOGGER = """from dataclasses import dataclass
from typing import Generic, AnyStr

class _SilentLogger:  # derivcli: Lark's logger at CRITICAL, which shows none of these
    def _drop(self, *args, **kwargs):
        pass
    debug = info = warning = error = exception = _drop

logger = _SilentLogger()
"""

#: the module's annotations are never read at run time (its one dataclass
#: takes them as text too): with postponed evaluation its ``typing``
#: expressions are not built at import (7M instructions)
POSTPONED = "from __future__ import annotations\n"

#: the changes to the tool's output, each (what the tool wrote, what the
#: module has); everything else is the tool's output as it wrote it
CHANGES = ((UNUSED_IMPORTS, ""), (LARK_LOGGER, SILENT_LOGGER))


def _trim(module: str) -> str:
    for old, new in CHANGES:
        if module.count(old) != 1:
            raise SystemExit(
                "Lark's standalone output changed: review _trim in derivcli/_generate.py"
            )
        module = module.replace(old, new)
    return POSTPONED + module


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    text = generate()
    current = TARGET.read_text(encoding="utf-8") if TARGET.is_file() else ""
    if "--check" in argv:
        if current != text:
            print(
                f"{TARGET.name} is out of date: run python -m derivcli._generate", file=sys.stderr
            )
            return 1
        print(f"{TARGET.name} is up to date")
        return 0
    if current != text:
        TARGET.write_text(text, encoding="utf-8")
        print(f"wrote {TARGET}")
    else:
        print(f"{TARGET.name} is up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
