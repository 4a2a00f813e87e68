"""The point: ``--at x=3,y=4``, ``--at x=pi/4``, ``--at @FILE``.

Pairs are separated by commas or newlines (commas inside parentheses belong
to the value: ``--at x=pow(2,3)``); ``#`` starts a comment in a file.
Repeated ``--at`` options merge into one point; a name given twice with two
different values is an error, never a silent choice.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable

from .errors import MissingValue, UsageError
from .parser import parse_constant
from .primitives import CONSTANTS, FUNCTIONS

NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
#: a plain number of the grammar, read without the parser (fast for big files)
NUMBER_RE = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\Z")


def check_name(name: str, what: str) -> str:
    """``name`` if it can be a variable, else a ``UsageError`` saying why."""
    if not NAME_RE.match(name):
        raise UsageError(
            f"{what}: '{name}' is not a variable name; use letters, digits and _, "
            "not starting with a digit"
        )
    if name in CONSTANTS:
        raise UsageError(f"{what}: '{name}' is a constant, not a variable")
    if name in FUNCTIONS:
        raise UsageError(f"{what}: '{name}' is a function, not a variable")
    return name


def _split(text: str) -> list[str]:
    """Split on commas and newlines outside parentheses; drop comments."""
    lines = [line.split("#", 1)[0] for line in text.splitlines()]
    pieces: list[str] = []
    for line in lines:
        if "(" not in line and ")" not in line:  # every comma separates (a big file)
            pieces.extend(line.split(","))
            continue
        depth, start = 0, 0
        for i, ch in enumerate(line):
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
            elif ch == "," and depth == 0:
                pieces.append(line[start:i])
                start = i + 1
        pieces.append(line[start:])
    return [p.strip() for p in pieces if p.strip()]


def _read(source: str) -> str:
    path = source[1:]
    if path == "-":
        return sys.stdin.read().removeprefix("\ufeff")
    try:
        # utf-8-sig: a byte-order mark (Windows editors write one) is not text
        with open(path, encoding="utf-8-sig") as fh:
            return fh.read()
    except OSError as exc:
        raise UsageError(f"cannot read the --at file '{path}': {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"the --at file '{path}' is not UTF-8 text") from None


def parse_point(options: Iterable[str]) -> dict[str, float]:
    """Merge every ``--at`` value into one point, in the order given."""
    point: dict[str, float] = {}
    texts: dict[str, str] = {}
    for option in options:
        text = _read(option) if option.startswith("@") else option
        for entry in _split(text):
            name, sep, value_text = entry.partition("=")
            name, value_text = name.strip(), value_text.strip()
            if not sep or not name or not value_text:
                raise UsageError(
                    f"malformed --at entry '{entry}'; write NAME=VALUE, e.g. --at x=3,y=4"
                )
            check_name(name, "--at")
            if NUMBER_RE.match(value_text):
                value = float(value_text)
            else:
                value = parse_constant(value_text, f"--at {name}")
            if name in point and point[name] != value:
                raise UsageError(
                    f"{name} is given twice in --at ({texts[name]} and {value_text}); give it once"
                )
            point[name] = value
            texts[name] = value_text
    return point


def _meant(names: list[str]) -> str:
    """A hint for variables that look like a slip: ``Pi`` for the constant
    ``pi``, ``sinx`` for the call ``sin(x)``."""
    from .primitives import CONSTANTS, FUNCTIONS

    for name in names:
        if name.lower() in CONSTANTS and name not in CONSTANTS:
            return f" (or, for the constant, write {name.lower()}: names are case-sensitive)"
        for cut in range(len(name) - 1, 1, -1):  # the longest function name first
            head, rest = name[:cut], name[cut:]
            if head in FUNCTIONS:
                return f" (or, for the function, write {head}({rest}))"
    return ""


def check_point(variables: Iterable[str], point: dict[str, float]) -> list[str]:
    """Raise ``MissingValue`` for variables without a value; return warnings
    for names of the point the expression does not use."""
    variables = list(variables)
    missing = [name for name in variables if name not in point]
    if missing:
        names = ", ".join(missing)
        adds = ",".join(f"{name}=VALUE" for name in missing)
        raise MissingValue(f"no value for {names}; add --at {adds}{_meant(missing)}")
    used = set(variables)
    return [
        f"{name} is not in the expression; its value is ignored"
        for name in point
        if name not in used
    ]


def parse_wrt(text: str | None, variables: tuple[str, ...]) -> tuple[tuple[str, ...], list[str]]:
    """The ``--wrt`` variables (default: all, by first appearance), and
    warnings for those the expression does not contain."""
    if text is None:
        return tuple(variables), []
    names = [n.strip() for n in text.split(",")]
    if any(not n for n in names):
        raise UsageError(f"--wrt '{text}' has an empty name; write --wrt x,y")
    for name in names:
        check_name(name, "--wrt")
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise UsageError(f"--wrt names {name} twice; name each variable once")
        seen.add(name)
    present = set(variables)
    warnings = [
        f"{name} is not in the expression; its derivative is 0"
        for name in names
        if name not in present
    ]
    return tuple(names), warnings
